// SPDX-License-Identifier: GPL-3.0-or-later
#include "upstream/upstream.h"

#include <QSslSocket>
#include <QUrl>

namespace ga::upstream {

QSslConfiguration sslConfiguration(const UpstreamSettings &upstream)
{
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    if (!upstream.extraCaCertificates.isEmpty()) {
        conf.addCaCertificates(upstream.extraCaCertificates);
    }
    conf.setPeerVerifyMode(QSslSocket::VerifyPeer);
    return conf;
}

bool proxyNamesUser(const QString &setting)
{
    return setting != u"none" && setting != u"system" && !QUrl(setting).userName().isEmpty();
}

UpstreamSettings upstreamAt(const UpstreamSettings &base, const QUrl &url)
{
    UpstreamSettings u = base;
    u.tls = url.scheme().compare(u"https", Qt::CaseInsensitive) == 0;
    u.host = url.host();
    u.port = quint16(url.port(u.tls ? 443 : 80));
    const bool defaultPort = url.port() < 0 || u.port == (u.tls ? 443 : 80);
    const QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    const QByteArray hostPart = host.contains(':') ? '[' + host + ']' : host; // IPv6 literal
    u.hostHeader = defaultPort ? hostPart : hostPart + ':' + QByteArray::number(u.port);
    u.pathPrefix = url.path(QUrl::FullyEncoded).toLatin1();
    while (u.pathPrefix.endsWith('/')) {
        u.pathPrefix.chop(1);
    }
    return u;
}

} // namespace ga::upstream
