// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "memory/recycler.h"

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace ga::http {

struct Header
{
    QByteArray name; // as received (case kept); compare with equalsIgnoreCase
    QByteArray value;
};
// Room for 16 fields (a usual head's) is a block the parsing thread keeps for the next head (memory/recycler.h): a
// worker parses two heads and builds one a request.
inline constexpr std::size_t kUsualHeaderCount = 16;
using HeaderList = std::vector<Header, memory::RecyclingAllocator<Header, kUsualHeaderCount>>;

namespace detail {
bool equalsIgnoreCaseSameSize(const char *a, const char *b, qsizetype n);
}

// ASCII case-insensitive comparison (header names, tokens). The sizes and the first bytes are compared inline: most
// names a lookup meets differ in size (a request's lookups compared ~110 names, profile.sh), most of the rest in the
// first byte (~29 calls a request, ~44 instructions each), and the call cost more than those tests. The first bytes
// are compared with bit 0x20 set in both, which equal letters of either case pass (and a few other pairs, which the
// whole comparison then tells apart).
inline bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size()) {
        return false;
    }
    if (a.isEmpty()) {
        return true;
    }
    return (a.front() | 0x20) == (b.front() | 0x20) && detail::equalsIgnoreCaseSameSize(a.data(), b.data(), a.size());
}
// The value of the first header named `name`, or nullptr.
const QByteArray *findHeader(const HeaderList &headers, QByteArrayView name);
qsizetype countHeaders(const HeaderList &headers, QByteArrayView name);
void removeHeaders(HeaderList &headers, QByteArrayView name);
// Whether `list` (a comma-separated header value) contains `token`, case-insensitively.
bool headerHasToken(QByteArrayView list, QByteArrayView token);

// The fixed hop-by-hop headers (RFC 9110 §7.6.1); those the Connection header names are hop-by-hop too
// (proxy::HopByHopFilter): a proxy never forwards either.
bool isHopByHop(QByteArrayView name);

// The bytes appendHeaders() writes for `headers`.
qsizetype headersSize(const HeaderList &headers);
// "Name: value\r\n" for each header.
void appendHeaders(QByteArray &out, const HeaderList &headers);

} // namespace ga::http
