// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace ga::security {

// Any web page the user opens can send requests to 127.0.0.1. Two guards keep pages out:
//  - Host: a DNS-rebinding page reaches us under *its own* host name, so only IP literals, "localhost" and the
//    names in security.allowedHosts are accepted (the port is ignored);
//  - Origin: browsers name the calling page; only security.allowedOrigins may call (non-browser clients send
//    no Origin and are unaffected).
bool hostAllowed(QByteArrayView hostHeader, const QList<QByteArray> &allowedHosts);
bool originAllowed(QByteArrayView origin, const QList<QByteArray> &allowedOrigins);

// "a, b ,c" → {"a", "b", "c"} (lowercase, empty items dropped).
QList<QByteArray> splitList(const QString &commaSeparated);

// 127.0.0.0/8, ::1, "localhost".
bool isLoopbackAddress(const QString &host);

} // namespace ga::security
