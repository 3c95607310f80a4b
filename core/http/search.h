// SPDX-License-Identifier: GPL-3.0-or-later
// Finding bytes in short texts: request paths, queries, header values. QByteArrayView::indexOf(QByteArrayView)
// prepares each search (it hashes the needle) and costs more than the search itself in a path of 50 bytes, several
// times per request; std::string_view::find looks for the needle's first byte with memchr and compares there.
#pragma once

#include <QByteArrayView>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace ga::http {

// The index of the first `needle` in `haystack` at or after `from`, or -1.
inline qsizetype indexOf(QByteArrayView haystack, QByteArrayView needle, qsizetype from = 0)
{
    const std::string_view h(haystack.data(), size_t(haystack.size()));
    const size_t at
        = h.find(std::string_view(needle.data(), size_t(needle.size())), size_t(std::max<qsizetype>(from, 0)));
    return at == std::string_view::npos ? -1 : qsizetype(at);
}

inline bool contains(QByteArrayView haystack, QByteArrayView needle)
{
    return indexOf(haystack, needle) >= 0;
}

// The index of the last `c` in `text`, or -1. glibc's memrchr looks at 32 bytes a step; the loop elsewhere.
inline qsizetype lastIndexOf(QByteArrayView text, char c)
{
#ifdef __GLIBC__
    const void *at = ::memrchr(text.data(), c, size_t(text.size()));
    return at ? qsizetype(static_cast<const char *>(at) - text.data()) : -1;
#else
    for (qsizetype i = text.size() - 1; i >= 0; --i) {
        if (text[i] == c) {
            return i;
        }
    }
    return -1;
#endif
}

// The index of the first `c` in `haystack` at or after `from`, or -1: memchr itself (QByteArrayView::indexOf(char)
// goes through Qt's general search first).
inline qsizetype indexOf(QByteArrayView haystack, char c, qsizetype from = 0)
{
    from = std::max<qsizetype>(from, 0);
    const void *at
        = from < haystack.size() ? std::memchr(haystack.data() + from, c, size_t(haystack.size() - from)) : nullptr;
    return at ? qsizetype(static_cast<const char *>(at) - haystack.data()) : -1;
}

// Calls `f(i)` for each index `i` of `c` in `text`, in order, until `f` returns true; whether one did. Where `c` is
// frequent (a JSON body's quotes, a path's slashes) this looks at 16 bytes a step and visits each place from a bit
// mask, where a memchr call for each place cost more than the search (its call and set-up for a few bytes).
template<typename F>
inline bool anyAtByte(QByteArrayView text, char c, F &&f)
{
    const char *p = text.data();
    const qsizetype n = text.size();
    qsizetype i = 0;
#if defined(__SSE2__) || defined(_M_X64)
    const __m128i needle = _mm_set1_epi8(c);
    for (; i + 16 <= n; i += 16) {
        auto mask = unsigned(
            _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i)), needle)));
        while (mask != 0) {
            if (f(i + std::countr_zero(mask))) {
                return true;
            }
            mask &= mask - 1;
        }
    }
#endif
    for (; i < n; ++i) {
        if (p[i] == c && f(i)) {
            return true;
        }
    }
    return false;
}

// QByteArray's == with a literal is a call into Qt (and a strlen); here most comparisons end at the size.
inline bool equals(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && (a.isEmpty() || std::memcmp(a.data(), b.data(), size_t(a.size())) == 0);
}

inline bool endsWith(QByteArrayView text, QByteArrayView suffix)
{
    return text.size() >= suffix.size()
        && (suffix.isEmpty()
            || std::memcmp(text.data() + (text.size() - suffix.size()), suffix.data(), size_t(suffix.size())) == 0);
}

// QByteArrayView::startsWith() is a call into Qt and a memcmp; here most tests end at the size or the first byte.
inline bool startsWith(QByteArrayView text, QByteArrayView prefix)
{
    return prefix.isEmpty()
        || (text.size() >= prefix.size() && text.front() == prefix.front()
            && std::memcmp(text.data(), prefix.data(), size_t(prefix.size())) == 0);
}

} // namespace ga::http
