// SPDX-License-Identifier: GPL-3.0-or-later
#include "tlsupstream.h"

#include "proxy/proxysettings.h"

#include <QFile>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QStandardPaths>
#include <QTest>

#include <memory>

namespace ga::test {

QString openssl()
{
    return QStandardPaths::findExecutable(QStringLiteral("openssl"));
}

bool makeCertificate(const QString &dir, const QString &name)
{
    QProcess p;
    p.start(openssl(),
        { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/" + name + ".key", "-out",
            dir + "/" + name + ".pem" });
    return p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

QList<QSslCertificate> certificate(const QString &dir, const QString &name)
{
    return QSslCertificate::fromPath(dir + "/" + name + ".pem");
}

upstream::UpstreamSettings settingsFor(quint16 port, const QList<QSslCertificate> &cas)
{
    upstream::UpstreamSettings s;
    s.tls = true;
    s.host = QStringLiteral("127.0.0.1");
    s.port = port;
    s.hostHeader = QByteArray("127.0.0.1:") + QByteArray::number(port);
    s.extraCaCertificates = cas;
    return s;
}

bool HttpsUpstream::start(const QString &dir, const QString &name)
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setLocalCertificate(certificate(dir, name).value(0));
    QFile key(dir + "/" + name + ".key");
    if (!key.open(QIODevice::ReadOnly)) {
        return false;
    }
    c.setPrivateKey(QSslKey(key.readAll(), QSsl::Ec));
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server.setSslConfiguration(c);
    connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (auto *s = qobject_cast<QSslSocket *>(m_server.nextPendingConnection())) {
            serve(s);
        }
    });
    return m_server.listen(QHostAddress::LocalHost);
}

void HttpsUpstream::serve(QSslSocket *s)
{
    ++m_connections;
    s->setParent(this);
    auto in = std::make_shared<QByteArray>();
    connect(s, &QIODevice::readyRead, s, [this, s, in] {
        *in += s->readAll();
        for (qsizetype end; (end = in->indexOf("\r\n\r\n")) >= 0;) {
            qsizetype length = 0;
            for (const QByteArray &line : in->left(end).split('\n')) {
                if (line.toLower().startsWith("content-length:")) {
                    length = line.mid(15).trimmed().toLongLong();
                }
            }
            if (in->size() < end + 4 + length) {
                return;
            }
            const QByteArray head = in->left(end + 4);
            const QByteArray body = in->mid(end + 4, length);
            in->remove(0, end + 4 + length);
            if (m_handler) {
                m_handler(s, head, body);
            } else {
                s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            }
        }
    });
}

OneKeyProxy::OneKeyProxy()
    : m_keys(m_clock)
    , m_proxy(&m_keys, 1)
{
    m_keys.setKeys({ { QStringLiteral("k1"), QByteArray("AIza") + QByteArray(35, 'x'), {}, 1, true } });
    m_proxy.authenticator()->setAllowAnonymousLoopback(true);
}

bool OneKeyProxy::start(const QString &baseUrl, const QString &caBundle, QString *error, const QString &upstreamProxy,
    const QString &proxyPassword)
{
    if (!m_proxy.listen(QStringLiteral("127.0.0.1"), 0, error)) {
        return false;
    }
    config::Config c;
    c.upstreamBaseUrl = baseUrl;
    c.upstreamCaBundle = caBundle;
    if (!upstreamProxy.isEmpty()) {
        c.upstreamProxy = upstreamProxy;
    }
    c.maxAttempts = 1; // each test's upstream answers once per request
    if (connectTimeoutMs > 0) {
        c.connectTimeoutMs = connectTimeoutMs;
    }
    const proxy::SettingsPtr s = proxy::settingsFromConfig(c, error, proxyPassword);
    if (!s) {
        return false;
    }
    m_proxy.applySettings(s);
    return true;
}

LeaseOutcome leaseOnce(proxy::UpstreamPool &pool, const upstream::UpstreamSettings &settings)
{
    struct : proxy::UpstreamPool::User
    {
        bool connected = false;
        bool closed = false;
        void socketConnected() override { connected = true; }
        void socketReadyRead() override { }
        bool socketReadable() override { return false; }
        void socketClosed() override { closed = true; }
    } user;
    bool reused = true;
    proxy::UpstreamPool::Lease *lease = pool.acquire(settings, &user, &reused);
    LeaseOutcome o;
    o.ownTls = qobject_cast<QSslSocket *>(lease->socket()) == nullptr;
    (void)QTest::qWaitFor([&] { return user.connected || user.closed; }, 15000); // neither: `error` says why
    o.connected = user.connected;
    o.againOnNewConnection = lease->againOnNewConnection();
    o.error = user.connected ? QString() : lease->errorString();
    proxy::UpstreamPool::discard(lease);
    return o;
}

Reply postGenerate(quint16 port, const QByteArray &body, int timeoutMs)
{
    Client client(port);
    client.send(post(kGenerate, body));
    return client.read(timeoutMs);
}

} // namespace ga::test
