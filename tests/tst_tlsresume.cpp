// SPDX-License-Identifier: GPL-3.0-or-later
// The upstream pool resumes TLS sessions (core/proxy/upstreampool.h) against a real TLS server: `openssl s_server
// -www`, whose status page says whether the connection was "New" or "Reused" and which closes the connection after
// each answer, so each request here is a new connection. A session is offered only to the endpoint and CA list it
// was made with, and offering one never lets an untrusted server through. And through a whole proxy and the key
// health check: a TLS connection kept open is not used again once the CA list it was verified under changed.
#include "keys/healthcheck.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "proxy/upstreampool.h"
#include "rawhttp.h"
#include "time/clock.h"
#include "tlsupstream.h"
#include "upstream/upstream.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using ga::proxy::UpstreamPool;
using ga::test::certificate;
using ga::test::makeCertificate;
using ga::test::openssl;
using ga::test::settingsFor;
using ga::upstream::UpstreamSettings;

namespace {

// A lease's user that sends one HTTP/1.0 GET once connected and keeps everything the server sends until it closes.
// It reads and writes through the lease, as UpstreamClient does (the lease's own TLS, or Qt's).
struct Fetch final : UpstreamPool::User
{
    UpstreamPool::Lease *lease = nullptr;
    QByteArray answer;
    bool connected = false;
    bool closed = false;

    void socketConnected() override
    {
        connected = true;
        lease->write("GET / HTTP/1.0\r\n\r\n");
    }
    void socketReadyRead() override { lease->appendAvailable(answer); }
    bool socketReadable() override
    {
        UpstreamPool::Lease::Read read(lease, answer);
        answer += read.lent();
        if (read.got() < 0 && lease->failed()) {
            socketClosed();
            return true;
        }
        return read.got() >= 0;
    }
    void socketClosed() override
    {
        if (!lease->failed()) {
            lease->appendAvailable(answer);
        }
        closed = true;
    }
};

// What s_server's status page says of the session: "Reused", "New", or what was there instead.
QString sessionWord(const QByteArray &answer)
{
    for (const char *word : { "Reused, ", "New, " }) {
        if (answer.contains(QByteArray("\n") + word)) {
            return QString::fromLatin1(word).chopped(2);
        }
    }
    return QStringLiteral("no status line in: ") + QString::fromLatin1(answer.left(200));
}

// Whether the status page says the session was resumed: "Reused", "New", or what went wrong.
QString fetch(UpstreamPool &pool, const UpstreamSettings &settings)
{
    Fetch f;
    bool reused = false;
    f.lease = pool.acquire(settings, &f, &reused);
    if (reused) {
        return QStringLiteral("pool reused an idle connection");
    }
    const bool done = QTest::qWaitFor([&] { return f.closed; }, 15000);
    UpstreamPool::discard(f.lease);
    if (!done) {
        return QStringLiteral("no answer");
    }
    return f.connected ? sessionWord(f.answer) : QStringLiteral("not connected");
}

// The same with a socket made outside the pool's leases (as a Live session's).
QString fetchOutside(UpstreamPool &pool, const UpstreamSettings &settings)
{
    std::unique_ptr<QTcpSocket> socket(pool.newResumingSocket(settings));
    auto *ssl = qobject_cast<QSslSocket *>(socket.get());
    if (!ssl) {
        return QStringLiteral("not a TLS socket");
    }
    QByteArray answer;
    bool closed = false;
    QObject::connect(ssl, &QSslSocket::encrypted, ssl, [ssl] { ssl->write("GET / HTTP/1.0\r\n\r\n"); });
    QObject::connect(ssl, &QIODevice::readyRead, ssl, [&] { answer += ssl->readAll(); });
    QObject::connect(ssl, &QAbstractSocket::disconnected, ssl, [&] { closed = true; });
    QObject::connect(ssl, &QAbstractSocket::errorOccurred, ssl, [&] { closed = true; });
    ssl->connectToHostEncrypted(settings.host, settings.port);
    if (!QTest::qWaitFor([&] { return closed; }, 15000)) {
        return QStringLiteral("no answer");
    }
    answer += ssl->readAll();
    return sessionWord(answer);
}

// `openssl s_server -www` on `port` with the certificate `name` (TLS 1.2 only when asked), until destroyed.
class TlsServer
{
public:
    // On `port`, or on a free one (port()).
    bool start(const QString &dir, const QString &name, bool tls12 = false, quint16 port = 0)
    {
        m_port = port ? port : freePort();
        QStringList args { "s_server", "-accept", QStringLiteral("127.0.0.1:%1").arg(m_port), "-cert",
            dir + "/" + name + ".pem", "-key", dir + "/" + name + ".key", "-www" };
        if (tls12) {
            args << "-no_tls1_3";
        }
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(openssl(), args);
        // It prints ACCEPT once it listens.
        return QTest::qWaitFor(
                   [&] {
                       m_output += m_process->readAll();
                       return m_output.contains("ACCEPT") || m_process->state() == QProcess::NotRunning;
                   },
                   15000)
            && m_output.contains("ACCEPT");
    }
    ~TlsServer()
    {
        if (m_process) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }

    quint16 port() const { return m_port; }

private:
    static quint16 freePort()
    {
        QTcpServer s;
        return s.listen(QHostAddress::LocalHost) ? s.serverPort() : 0;
    }
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};

} // namespace

class TstTlsResume : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QList<QSslCertificate> trustA() const { return certificate(m_dir.path(), "a"); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!openssl().isEmpty(), "the openssl command is needed (installer/bootstrap.sh deps installs it)");
        QVERIFY2(QSslSocket::supportsSsl(), "Qt has no TLS backend");
        QVERIFY(m_dir.isValid());
        QVERIFY(makeCertificate(m_dir.path(), "a"));
        QVERIFY(makeCertificate(m_dir.path(), "b"));
    }

    void resumesTheLastSession_data()
    {
        QTest::addColumn<bool>("tls12");
        QTest::newRow("TLS 1.3 (a ticket after the handshake)") << false;
        QTest::newRow("TLS 1.2 (the session when the handshake ends)") << true;
    }
    void resumesTheLastSession()
    {
        QFETCH(bool, tls12);
        TlsServer server;
        QVERIFY(server.start(m_dir.path(), "a", tls12));
        UpstreamPool pool;
        const UpstreamSettings s = settingsFor(server.port(), trustA());
        QCOMPARE(fetch(pool, s), QStringLiteral("New"));
        QVERIFY(!pool.tlsSessionFor(s).isEmpty());
        QCOMPARE(fetch(pool, s), QStringLiteral("Reused"));
        QCOMPARE(fetch(pool, s), QStringLiteral("Reused"));
        // Another pool (another worker) has none of this one's sessions.
        UpstreamPool other;
        QCOMPARE(fetch(other, s), QStringLiteral("New"));
    }

    // A socket made outside the leases (a Live session's) resumes the pool's session and keeps its own.
    void outsideThePool()
    {
        TlsServer server;
        QVERIFY(server.start(m_dir.path(), "a"));
        UpstreamPool pool;
        const UpstreamSettings s = settingsFor(server.port(), trustA());
        QCOMPARE(fetch(pool, s), QStringLiteral("New"));
        QCOMPARE(fetchOutside(pool, s), QStringLiteral("Reused"));
        UpstreamPool other;
        QCOMPARE(fetchOutside(other, s), QStringLiteral("New"));
        QCOMPARE(fetch(other, s), QStringLiteral("Reused"));
    }

    // A session is offered only where it was made and under the CA list its server was verified against.
    void keyedByEndpointAndCaList()
    {
        TlsServer one;
        QVERIFY(one.start(m_dir.path(), "a"));
        TlsServer two;
        QVERIFY(two.start(m_dir.path(), "a"));
        UpstreamPool pool;
        const UpstreamSettings s1 = settingsFor(one.port(), trustA());
        QCOMPARE(fetch(pool, s1), QStringLiteral("New"));
        const UpstreamSettings s2 = settingsFor(two.port(), trustA());
        QVERIFY(pool.tlsSessionFor(s2).isEmpty());
        QCOMPARE(fetch(pool, s2), QStringLiteral("New"));
        QCOMPARE(fetch(pool, s1), QStringLiteral("Reused"));
        // The same server under another CA list (still trusting it): a full handshake, then that list's own session.
        const UpstreamSettings wider = settingsFor(one.port(), trustA() + certificate(m_dir.path(), "b"));
        QVERIFY(pool.tlsSessionFor(wider).isEmpty());
        QCOMPARE(fetch(pool, wider), QStringLiteral("New"));
        QCOMPARE(fetch(pool, wider), QStringLiteral("Reused"));
        QCOMPARE(fetch(pool, s1), QStringLiteral("Reused"));
    }

    // The proxy keeps TLS connections open; a new CA list (upstream.caBundle) closes them, so a server the new list
    // does not trust is not reached through a connection verified under the old one.
    void aNewCaListDropsPooledConnections()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::time::ManualClock clock;
        ga::keys::KeyPool keys(clock);
        keys.setKeys({ { QStringLiteral("k1"), QByteArray("AIza") + QByteArray(35, 'x'), {}, 1, true } });
        ga::proxy::ProxyServer proxy(&keys, 1);
        proxy.authenticator()->setAllowAnonymousLoopback(true);
        QString error;
        QVERIFY2(proxy.listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
        const auto apply = [&](const QString &caBundle) {
            ga::config::Config c;
            c.upstreamBaseUrl = QStringLiteral("https://127.0.0.1:%1").arg(upstream.port());
            c.upstreamCaBundle = caBundle;
            const ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
            QVERIFY2(s, qPrintable(error));
            proxy.applySettings(s);
        };
        const auto status = [&] {
            ga::test::Client client(proxy.port());
            client.send(ga::test::post("/v1beta/models/gemini-2.5-flash:generateContent", R"({"contents":[]})"));
            return client.read(15000).status;
        };
        apply(m_dir.path() + "/a.pem");
        QCOMPARE(status(), 200);
        QCOMPARE(status(), 200);
        QCOMPARE(upstream.connections(), 1); // kept open and used again
        apply(m_dir.path() + "/b.pem"); // no longer trusts the upstream's certificate
        QVERIFY(status() != 200);
        QCOMPARE(upstream.connections(), 1);
        apply(m_dir.path() + "/a.pem");
        QCOMPARE(status(), 200);
        QCOMPARE(upstream.connections(), 2);
    }

    // The key health check (QNetworkAccessManager, which keeps connections open) likewise: a check under a new CA
    // list does not go over a connection verified under the old one.
    void aHealthCheckUnderANewCaListConnectsAgain()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::keys::HealthChecker checker;
        const auto check = [&](const QList<QSslCertificate> &cas) {
            const UpstreamSettings s = settingsFor(upstream.port(), cas);
            QSignalSpy done(&checker, &ga::keys::HealthChecker::finished);
            checker.check(QStringLiteral("k1"), "secret", s, 10000);
            return done.wait(15000) ? done.at(0).at(0).value<ga::keys::HealthResult>().verdict
                                    : ga::keys::HealthVerdict::Other;
        };
        QCOMPARE(check(trustA()), ga::keys::HealthVerdict::Valid);
        QCOMPARE(check(trustA()), ga::keys::HealthVerdict::Valid);
        QCOMPARE(upstream.connections(), 1);
        QCOMPARE(check(certificate(m_dir.path(), "b")), ga::keys::HealthVerdict::Network);
        QCOMPARE(upstream.connections(), 1);
    }

    // A session kept for an endpoint is offered to whatever answers there next; a server that cannot resume it and
    // whose certificate is not trusted is refused as without the session.
    void anUntrustedServerIsRefusedDespiteTheSession()
    {
        UpstreamPool pool;
        UpstreamSettings s;
        {
            TlsServer trusted;
            QVERIFY(trusted.start(m_dir.path(), "a"));
            s = settingsFor(trusted.port(), trustA());
            QCOMPARE(fetch(pool, s), QStringLiteral("New"));
        }
        QVERIFY(!pool.tlsSessionFor(s).isEmpty());
        TlsServer impostor;
        QVERIFY(impostor.start(m_dir.path(), "b", false, s.port));
        QCOMPARE(fetch(pool, s), QStringLiteral("not connected"));
    }
};

QTEST_GUILESS_MAIN(TstTlsResume)
#include "tst_tlsresume.moc"
