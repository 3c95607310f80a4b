// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace ga::http {

struct Header
{
    QByteArray name; // as received (case kept); compare with equalsIgnoreCase
    QByteArray value;
};
using HeaderList = std::vector<Header>;

namespace detail {
bool equalsIgnoreCaseSameSize(const char *a, const char *b, qsizetype n);
}

// ASCII case-insensitive comparison (header names, tokens). The sizes are compared inline: most names a lookup
// meets differ in size (a request's lookups compared ~110 names, profile.sh), and the call cost more than that test.
inline bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && detail::equalsIgnoreCaseSameSize(a.data(), b.data(), a.size());
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
