#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders the app icon's PNG sizes (hicolor theme) and the Windows .ico from resources/icons/app/gemini-aggregator.svg.
# The results are committed, so building and packaging need no SVG renderer; run this after editing the SVG.
#   installer/render-icons.sh        needs rsvg-convert (Debian: librsvg2-bin) and ImageMagick's convert for the .ico
set -euo pipefail

cd "$(dirname "$0")/../resources/icons/app"
SIZES=(16 22 24 32 48 64 128 256 512)

command -v rsvg-convert >/dev/null || { echo "rsvg-convert not found (Debian: apt-get install librsvg2-bin)" >&2; exit 1; }
for s in "${SIZES[@]}"; do
    rsvg-convert --width "$s" --height "$s" --output "gemini-aggregator-$s.png" gemini-aggregator.svg
    echo "gemini-aggregator-$s.png"
done
if command -v convert >/dev/null; then
    # Windows picks the nearest of these for the taskbar, Explorer and the installer.
    convert gemini-aggregator-16.png gemini-aggregator-24.png gemini-aggregator-32.png gemini-aggregator-48.png \
        gemini-aggregator-64.png gemini-aggregator-256.png gemini-aggregator.ico
    echo "gemini-aggregator.ico"
else
    echo "convert (ImageMagick) not found: gemini-aggregator.ico not updated" >&2
fi
