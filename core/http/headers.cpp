// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/headers.h"

#include <cstring>

namespace ga::http {
namespace {

inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c;
}

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t')) {
        v = v.sliced(1);
    }
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t')) {
        v.chop(1);
    }
    return v;
}

} // namespace

bool detail::equalsIgnoreCaseSameSize(const char *a, const char *b, qsizetype n)
{
    for (qsizetype i = 0; i < n; ++i) {
        if (a[i] != b[i] && lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

const QByteArray *findHeader(const HeaderList &headers, QByteArrayView name)
{
    for (const Header &h : headers) {
        if (equalsIgnoreCase(h.name, name)) {
            return &h.value;
        }
    }
    return nullptr;
}

qsizetype countHeaders(const HeaderList &headers, QByteArrayView name)
{
    qsizetype n = 0;
    for (const Header &h : headers) {
        n += equalsIgnoreCase(h.name, name) ? 1 : 0;
    }
    return n;
}

void removeHeaders(HeaderList &headers, QByteArrayView name)
{
    std::erase_if(headers, [name](const Header &h) { return equalsIgnoreCase(h.name, name); });
}

bool headerHasToken(QByteArrayView list, QByteArrayView token)
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView item = trimmed(comma < 0 ? list : list.first(comma));
        if (equalsIgnoreCase(item, token)) {
            return true;
        }
        if (comma < 0) {
            break;
        }
        list = list.sliced(comma + 1);
    }
    return false;
}

bool isHopByHop(QByteArrayView name)
{
    // By length first: every header of every request and answer comes through here.
    switch (name.size()) {
    case 2:
        return equalsIgnoreCase(name, "te");
    case 7:
        return equalsIgnoreCase(name, "trailer") || equalsIgnoreCase(name, "upgrade");
    case 10:
        return equalsIgnoreCase(name, "connection") || equalsIgnoreCase(name, "keep-alive");
    case 16:
        return equalsIgnoreCase(name, "proxy-connection");
    case 17:
        return equalsIgnoreCase(name, "transfer-encoding");
    case 18:
        return equalsIgnoreCase(name, "proxy-authenticate");
    case 19:
        return equalsIgnoreCase(name, "proxy-authorization");
    default:
        return false;
    }
}

qsizetype headersSize(const HeaderList &headers)
{
    qsizetype size = 0;
    for (const Header &h : headers) {
        size += h.name.size() + h.value.size() + 4;
    }
    return size;
}

void appendHeaders(QByteArray &out, const HeaderList &headers)
{
    const qsizetype size = out.size() + headersSize(headers);
    // Sized once and filled with memcpy: four QByteArray appends per header cost ~130 instructions each (every
    // append is an insert with its checks), more than the copying.
    qsizetype at = out.size();
    out.resize(size);
    char *p = out.data();
    auto put = [&p, &at](const char *data, qsizetype n) {
        std::memcpy(p + at, data, size_t(n));
        at += n;
    };
    for (const Header &h : headers) {
        put(h.name.constData(), h.name.size());
        put(": ", 2);
        put(h.value.constData(), h.value.size());
        put("\r\n", 2);
    }
}

} // namespace ga::http
