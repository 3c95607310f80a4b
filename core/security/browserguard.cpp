// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/browserguard.h"

#include "config/config.h"
#include "http/headers.h"
#include "http/search.h"

#include <QHostAddress>

#include <algorithm>

namespace ga::security {

QList<QByteArray> splitList(const QString &commaSeparated)
{
    QList<QByteArray> out;
    for (const QString &item : commaSeparated.split(u',', Qt::SkipEmptyParts)) {
        const QString t = item.trimmed().toLower();
        if (!t.isEmpty()) {
            out.append(t.toUtf8());
        }
    }
    return out;
}

namespace {

// A dotted-quad IPv4 literal (1.2.3.4, each part 0–255 in at most three digits): the Host of nearly every request
// to a loopback proxy, answered without building a QString and a QHostAddress.
bool isDottedQuad(QByteArrayView v)
{
    int parts = 0;
    qsizetype i = 0;
    while (i < v.size()) {
        int value = 0;
        int digits = 0;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9' && digits < 4) {
            value = value * 10 + (v[i] - '0');
            ++digits;
            ++i;
        }
        if (digits == 0 || digits > 3 || value > 255) {
            return false;
        }
        ++parts;
        if (i == v.size()) {
            break;
        }
        if (v[i] != '.' || parts == 4) {
            return false;
        }
        ++i;
        if (i == v.size()) {
            return false; // "1.2.3." ends in a dot
        }
    }
    return parts == 4;
}

} // namespace

bool hostAllowed(QByteArrayView hostHeader, const QList<QByteArray> &allowedHosts)
{
    // Views, not copies: this runs for every request (allowed hosts are kept in lower case, splitList).
    QByteArrayView host = hostHeader.trimmed();
    if (host.startsWith('[')) { // [::1]:3145
        const qsizetype close = host.indexOf(']');
        if (close < 0) {
            return false;
        }
        return !QHostAddress(QString::fromLatin1(host.sliced(1, close - 1))).isNull();
    }
    // A port after the one colon (two or more: an IPv6 address without brackets, judged as it is).
    if (const qsizetype colon = http::lastIndexOf(host, ':'); colon >= 0 && http::indexOf(host, ':') == colon) {
        host.truncate(colon);
    }
    if (host.endsWith('.')) {
        host.chop(1); // "localhost." is the same name
    }
    if (host.isEmpty()) {
        return false;
    }
    if (http::equalsIgnoreCase(host, "localhost") || isDottedQuad(host)
        || !QHostAddress(QString::fromLatin1(host)).isNull()) {
        return true;
    }
    return std::any_of(allowedHosts.begin(), allowedHosts.end(),
        [host](const QByteArray &allowed) { return http::equalsIgnoreCase(host, allowed); });
}

bool originAllowed(QByteArrayView origin, const QList<QByteArray> &allowedOrigins)
{
    const QByteArray o = origin.trimmed().toByteArray().toLower();
    return !o.isEmpty() && o != "null" && allowedOrigins.contains(o);
}

bool isLoopbackAddress(const QString &host)
{
    return config::isLoopbackHost(host); // one definition for the guards and the config's listen rule
}

} // namespace ga::security
