// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/proxysettings.h"

#include "security/browserguard.h"

#include <QNetworkProxyFactory>
#include <QNetworkProxyQuery>
#include <QSslSocket>
#include <QUrl>

namespace ga::proxy {

SettingsPtr settingsFromConfig(const config::Config &config, QString *error, const QString &proxyPassword)
{
    auto s = std::make_shared<ProxySettings>();
    s->headerTimeoutMs = config.headerTimeoutMs;
    s->keepAliveTimeoutMs = config.keepAliveTimeoutMs;
    s->maxConnections = config.maxConnections;
    s->allowedHosts = security::splitList(config.allowedHosts);
    s->allowedOrigins = security::splitList(config.allowedOrigins);
    QString cidrError;
    if (!s->ipRules.parse(config.allowCidrs, config.denyCidrs, &cidrError)) {
        *error = QStringLiteral("security.allowCidrs / denyCidrs: %1").arg(cidrError);
        return nullptr;
    }
    s->metricsOnLoopback = config.metricsOnLoopback;
    s->perTokenLimits = config.perTokenLimits;
    s->perAddressLimits = config.perAddressLimits;
    for (const config::TokenEntry &t : config.tokens) {
        s->tokenLimits.insert(t.name, config.limitsFor(&t));
    }

    UpstreamSettings &u = s->upstream;
    u = upstream::upstreamAt(u, QUrl(config.upstreamBaseUrl));
    u.connectTimeoutMs = config.connectTimeoutMs;
    u.firstByteTimeoutMs = config.firstByteTimeoutMs;
    u.streamIdleTimeoutMs = config.streamIdleTimeoutMs;
    u.requestTimeoutMs = config.requestTimeoutMs;
    u.idleConnectionTimeoutMs = config.upstreamIdleTimeoutMs;
    u.maxAttempts = config.maxAttempts;

    const QString &p = config.upstreamProxy;
    if (p == u"system") {
        const QList<QNetworkProxy> found
            = QNetworkProxyFactory::systemProxyForQuery(QNetworkProxyQuery(QUrl(config.upstreamBaseUrl)));
        u.proxy = found.isEmpty() ? QNetworkProxy(QNetworkProxy::NoProxy) : found.first();
        if (u.proxy.type() == QNetworkProxy::DefaultProxy) {
            u.proxy = QNetworkProxy(QNetworkProxy::NoProxy);
        }
    } else if (p != u"none" && !p.isEmpty()) {
        const QUrl url(p);
        const bool socks = url.scheme().compare(u"socks5", Qt::CaseInsensitive) == 0;
        u.proxy = QNetworkProxy(socks ? QNetworkProxy::Socks5Proxy : QNetworkProxy::HttpProxy, url.host(),
            quint16(url.port()), url.userName(), url.userName().isEmpty() ? QString() : proxyPassword);
    }

    if (!config.upstreamCaBundle.isEmpty()) {
        u.extraCaCertificates = QSslCertificate::fromPath(config.upstreamCaBundle, QSsl::Pem);
        if (u.extraCaCertificates.isEmpty()) {
            *error = QStringLiteral("upstream.caBundle: %1 holds no PEM certificate").arg(config.upstreamCaBundle);
            return nullptr;
        }
    }
    return s;
}

} // namespace ga::proxy
