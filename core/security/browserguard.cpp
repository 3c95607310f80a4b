// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/browserguard.h"

#include "config/config.h"

#include <QHostAddress>

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

bool hostAllowed(QByteArrayView hostHeader, const QList<QByteArray> &allowedHosts)
{
    QByteArray host = hostHeader.trimmed().toByteArray().toLower();
    if (host.startsWith('[')) { // [::1]:3145
        const qsizetype close = host.indexOf(']');
        if (close < 0) {
            return false;
        }
        return !QHostAddress(QString::fromLatin1(host.mid(1, close - 1))).isNull();
    }
    if (const qsizetype colon = host.lastIndexOf(':'); colon >= 0 && host.count(':') == 1) {
        host.truncate(colon);
    }
    if (host.endsWith('.')) {
        host.chop(1); // "localhost." is the same name
    }
    if (host.isEmpty()) {
        return false;
    }
    if (host == "localhost" || !QHostAddress(QString::fromLatin1(host)).isNull()) {
        return true;
    }
    return allowedHosts.contains(host);
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
