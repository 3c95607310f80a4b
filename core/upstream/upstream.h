// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkProxy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>

class QUrl;

namespace ga::upstream {

// Where requests go upstream and how (Google, or a relay); derived from the config, immutable. Used by the proxy,
// the key health checks and the relay probes alike, so it sits below all three.
struct UpstreamSettings
{
    bool tls = true;
    QString host;
    quint16 port = 443;
    QByteArray hostHeader; // "host" or "host:port"
    QByteArray pathPrefix; // base URL path without the trailing '/', usually empty
    QNetworkProxy proxy = QNetworkProxy(QNetworkProxy::NoProxy);
    QList<QSslCertificate> extraCaCertificates;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 300'000;
    int streamIdleTimeoutMs = 120'000;
    // One request, every attempt (retries, relay fallbacks, quota skips) until its response head: then 504.
    int requestTimeoutMs = 600'000;
    int maxAttempts = 3;
    int maxIdleConnectionsPerWorker = 256;
    int idleConnectionTimeoutMs = 60'000; // an unused pooled connection is closed after this
};

// The secret store entry of upstream.proxy's password: `gemini-aggregatord proxy password` writes it, and the config
// file names only the user (http://user@host:port).
inline constexpr const char *kProxyPasswordEntry = "upstream/proxy";
// Whether an upstream.proxy setting names a user, whose password is then read from the secret store.
bool proxyNamesUser(const QString &setting);

// `base` pointed at another origin (a relay): scheme, host, port and path prefix from `url`.
UpstreamSettings upstreamAt(const UpstreamSettings &base, const QUrl &url);

// The TLS settings for talking to `upstream`: system CAs plus upstream.caBundle, peer verification on.
QSslConfiguration sslConfiguration(const UpstreamSettings &upstream);

} // namespace ga::upstream
