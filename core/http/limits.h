// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace ga::http {

// Every limit the server enforces, with the status a violation gets. Defaults are the documented ones;
// the listener takes them from the config (listen.*).
struct Limits
{
    static constexpr qsizetype kDefaultMaxHeaderBytes = 64 * 1024; // request line + headers → 431
    static constexpr qint64 kDefaultMaxBodyBytes = 64 * 1024 * 1024; // → 413
    static constexpr qsizetype kDefaultMaxRequestLineBytes = 16 * 1024; // → 414
    static constexpr int kDefaultMaxHeaderCount = 128; // → 431
    static constexpr qsizetype kMaxChunkLineBytes = 4096; // chunk-size line + extensions → 400
    static constexpr qsizetype kMaxTrailerBytes = 16 * 1024; // → 431

    qsizetype maxHeaderBytes = kDefaultMaxHeaderBytes;
    qint64 maxBodyBytes = kDefaultMaxBodyBytes;
    qsizetype maxRequestLineBytes = kDefaultMaxRequestLineBytes;
    int maxHeaderCount = kDefaultMaxHeaderCount;
};

} // namespace ga::http
