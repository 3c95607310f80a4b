// SPDX-License-Identifier: GPL-3.0-or-later
// What the upstream TLS tests share: certificates made by the openssl command, an HTTPS upstream on the test's
// thread (QSslServer, keep-alive, answering as each test says), the settings that reach it, and a whole proxy with
// one key in front of it.
#pragma once

#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/upstreampool.h"
#include "rawhttp.h"
#include "time/clock.h"
#include "upstream/upstream.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslServer>
#include <QSslSocket>
#include <QString>

#include <functional>

namespace ga::test {

// The openssl command's path, or empty.
QString openssl();
// A self-signed EC certificate for 127.0.0.1 (its IP address only) and its key, as dir/name.pem and dir/name.key.
bool makeCertificate(const QString &dir, const QString &name);
QList<QSslCertificate> certificate(const QString &dir, const QString &name);
// Where an HTTPS server on this machine's `port` is, trusting `cas` (host 127.0.0.1).
upstream::UpstreamSettings settingsFor(quint16 port, const QList<QSslCertificate> &cas);

// A keep-alive HTTPS upstream on this thread with the certificate dir/name.pem: each complete request (head and
// Content-Length body) goes to the handler, by default a small JSON 200; the connection stays open. Counts the
// connections whose handshake completed.
class HttpsUpstream : public QObject
{
public:
    using Handler = std::function<void(QSslSocket *socket, const QByteArray &head, const QByteArray &body)>;

    bool start(const QString &dir, const QString &name);
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    quint16 port() const { return m_server.serverPort(); }
    int connections() const { return m_connections; }

private:
    void serve(QSslSocket *socket);
    QSslServer m_server;
    Handler m_handler;
    int m_connections = 0;
};

// A whole proxy on 127.0.0.1 with one key (k1) in front of `baseUrl`, trusting the CA file `caBundle`, through
// `upstreamProxy` when given (upstream.proxy, its user's password apart as the secret store holds it); one attempt a
// request.
class OneKeyProxy
{
public:
    OneKeyProxy();
    bool start(const QString &baseUrl, const QString &caBundle, QString *error, const QString &upstreamProxy = {},
        const QString &proxyPassword = {});
    quint16 port() const { return m_proxy.port(); }
    proxy::ProxyServer *server() { return &m_proxy; }
    int connectTimeoutMs = 0; // upstream.connectTimeoutMs when set, before start()

private:
    time::ManualClock m_clock;
    keys::KeyPool m_keys;
    proxy::ProxyServer m_proxy;
};

// One connection leased from `pool` to where `settings` go, waited for until it is up or ends (15 s), then discarded.
struct LeaseOutcome
{
    bool connected = false;
    bool ownTls = false; // a plain socket carrying the lease's own TLS, not a QSslSocket
    bool againOnNewConnection = false;
    QString error; // why it ended, when it did not connect
};
LeaseOutcome leaseOnce(proxy::UpstreamPool &pool, const upstream::UpstreamSettings &settings);

inline const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";

// A generateContent request to the proxy at `port` on a new connection, and its answer.
Reply postGenerate(quint16 port, const QByteArray &body = R"({"contents":[]})", int timeoutMs = 15000);

} // namespace ga::test
