// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// Colours and sizes derived from the system palette, so light and dark themes both work.
// Make one where needed: Theme { id: theme; palette: root.palette }
QtObject {
    id: theme

    property var palette
    property font font
    readonly property FontMetrics metrics: FontMetrics {
        font: theme.font
    }
    // One line of text: the unit for sizes that should follow the font (and so the screen's scale).
    readonly property real em: metrics.height
    readonly property real spacing: Math.round(em * 0.6)

    readonly property bool dark: theme.palette ? theme.palette.window.hslLightness < 0.5 : false
    readonly property color good: dark ? "#6dd58c" : "#1e7e34"
    readonly property color warn: dark ? "#f2b84b" : "#a35a00"
    readonly property color bad: dark ? "#f28b82" : "#c5221f"
    readonly property color neutral: theme.palette ? theme.palette.placeholderText : "#808080"
    readonly property color accent: theme.palette ? theme.palette.highlight : "#3b82f6"
    readonly property color card: theme.palette ? theme.palette.base : "transparent"
    readonly property color border: theme.palette ? theme.palette.mid : "#808080"
    readonly property string mono: Qt.platform.os === "windows" ? "Consolas"
                                 : Qt.platform.os === "osx" ? "Menlo" : "monospace"

    // `c` at `alpha` over the base colour: badge and banner backgrounds.
    function wash(c, alpha) {
        return Qt.rgba(c.r, c.g, c.b, alpha)
    }
    function kindColor(kind) {
        return kind === "good" ? good : kind === "warn" ? warn : kind === "bad" ? bad : neutral
    }
}
