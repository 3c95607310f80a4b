// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <charconv>

namespace ga::text {

// The most bytes writeDecimal() writes: "-9223372036854775808".
inline constexpr qsizetype kMaxDecimal = 20;

// Writes the decimal digits of `v` at `p` (room for kMaxDecimal bytes) and returns where they end, as std::to_chars
// does. Most numbers in a request's access line and history row are below 1,000 (a status, byte counts, tokens,
// milliseconds, attempts): those are written digit by digit, where std::to_chars counts the digits first (~40
// instructions a number, about fifteen numbers a request).
inline char *writeDecimal(char *p, qint64 v)
{
    const auto u = quint64(v); // a negative number is above 999 here
    if (u < 10) {
        *p = char('0' + u);
        return p + 1;
    }
    if (u < 100) {
        p[0] = char('0' + u / 10);
        p[1] = char('0' + u % 10);
        return p + 2;
    }
    if (u < 1000) {
        p[0] = char('0' + u / 100);
        p[1] = char('0' + u / 10 % 10);
        p[2] = char('0' + u % 10);
        return p + 3;
    }
    return std::to_chars(p, p + kMaxDecimal, v).ptr;
}

} // namespace ga::text
