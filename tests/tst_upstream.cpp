// SPDX-License-Identifier: GPL-3.0-or-later
// How the proxy reaches its upstream: through an HTTP CONNECT proxy, a SOCKS5 proxy, the system proxy, and
// over TLS with verification (and an extra CA bundle). Each middlebox here is a small real server on loopback.
#include "fakegemini/fakegemini.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "testsupport.h"
#include "tunnelproxies.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using ga::test::FakeGemini;
using ga::test::fakeKey;

namespace {

using ga::test::ConnectProxy;
using ga::test::Socks5Proxy;

// TLS in front of the fake: terminates TLS with a certificate for 127.0.0.1 and pipes to the fake.
class TlsFront : public QSslServer
{
public:
    TlsFront(const QSslCertificate &cert, const QSslKey &key, quint16 target)
        : m_target(target)
    {
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setLocalCertificate(cert);
        conf.setPrivateKey(key);
        conf.setPeerVerifyMode(QSslSocket::VerifyNone);
        setSslConfiguration(conf);
        connect(this, &QSslServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                auto *upstream = new QTcpSocket(this);
                s->setParent(this);
                ga::test::pipeSockets(s, upstream);
                upstream->connectToHost(QHostAddress::LocalHost, m_target);
                ++handshakes;
            }
        });
    }
    int handshakes = 0;

private:
    quint16 m_target;
};

} // namespace

class TestUpstream : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    ga::keys::KeyPool m_keys;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;

    void use(const std::function<void(ga::config::Config &)> &tweak)
    {
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        c.connectTimeoutMs = 3000;
        c.maxAttempts = 1;
        tweak(c);
        QString error;
        const ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
        QVERIFY2(s, qPrintable(error));
        m_proxy->applySettings(s);
    }

    // One request through the proxy; runs the event loop while waiting (the middleboxes live on this thread).
    QByteArray roundTrip()
    {
        QTcpSocket c;
        c.connectToHost(QHostAddress::LocalHost, m_proxy->port());
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        c.write(
            "POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QByteArray got;
        QSignalSpy closed(&c, &QAbstractSocket::disconnected);
        QElapsedTimer t;
        t.start();
        while (closed.isEmpty() && t.elapsed() < 10'000) {
            closed.wait(50);
            got += c.readAll();
        }
        return got + c.readAll();
    }

    // A Live session through the proxy: true when Google's setupComplete came back (the upstream WebSocket went the
    // same way as the requests: proxy, TLS verification, CA bundle).
    bool liveSetup()
    {
        QWebSocket ws;
        bool complete = false;
        bool closed = false;
        QObject::connect(&ws, &QWebSocket::binaryMessageReceived,
            [&](const QByteArray &m) { complete = complete || m.contains("setupComplete"); });
        QObject::connect(&ws, &QWebSocket::disconnected, [&] { closed = true; });
        QObject::connect(&ws, &QWebSocket::connected, [&] {
            ws.sendTextMessage(QStringLiteral(R"({"setup":{"model":"models/gemini-live-2.5-flash-preview"}})"));
        });
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/google.ai.generativelanguage.v1beta.GenerativeService."
                                    "BidiGenerateContent")
                         .arg(m_proxy->port())));
        QElapsedTimer t;
        t.start();
        while (!complete && !closed && t.elapsed() < 10'000) {
            QTest::qWait(10);
        }
        ws.abort();
        return complete;
    }

private Q_SLOTS:
    // The servers' threads stop while the test logger still exists: a connection closing late logs its record.
    void cleanupTestCase()
    {
        m_proxy.reset();
        m_fake.reset();
    }

    void initTestCase()
    {
        m_fake = std::make_unique<FakeGemini>();
        QVERIFY(m_fake->listen());
        m_fake->addKey(fakeKey(5));
        m_keys.setKeys({ { QStringLiteral("k5"), fakeKey(5).toLatin1(), {}, 1, true } });
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(&m_keys, 1);
        m_proxy->authenticator()->setAllowAnonymousLoopback(true); // auth has its own suite (tst_hostile)
        QString error;
        QVERIFY2(m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
    }

    void direct()
    {
        use([](ga::config::Config &) {});
        QVERIFY(roundTrip().startsWith("HTTP/1.1 200"));
    }

    void throughHttpConnectProxy()
    {
        ConnectProxy middle;
        QVERIFY(middle.listen(QHostAddress::LocalHost));
        use([&](ga::config::Config &c) {
            c.upstreamProxy = QStringLiteral("http://127.0.0.1:%1").arg(middle.serverPort());
        });
        const QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());
        QCOMPARE(middle.tunnels, 1);
        QVERIFY(middle.lastConnectLine.startsWith("CONNECT 127.0.0.1:" + QByteArray::number(m_fake->port())));
        QVERIFY(liveSetup()); // a Live session's upstream WebSocket takes the same tunnel
        QCOMPARE(middle.tunnels, 2);
    }

    void throughSocks5Proxy()
    {
        Socks5Proxy middle;
        QVERIFY(middle.listen(QHostAddress::LocalHost));
        use([&](ga::config::Config &c) {
            c.upstreamProxy = QStringLiteral("socks5://127.0.0.1:%1").arg(middle.serverPort());
        });
        const QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());
        QCOMPARE(middle.tunnels, 1);
    }

    void systemProxyFromEnvironment()
    {
        ConnectProxy middle;
        QVERIFY(middle.listen(QHostAddress::LocalHost));
        const QByteArray url = "http://127.0.0.1:" + QByteArray::number(middle.serverPort());
        qputenv("http_proxy", url);
        qunsetenv("no_proxy");
        qunsetenv("NO_PROXY");
        use([](ga::config::Config &c) { c.upstreamProxy = QStringLiteral("system"); });
        qunsetenv("http_proxy");
        const QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());
        QCOMPARE(middle.tunnels, 1);
    }

    void unreachableProxyIsA502()
    {
        const quint16 dead = ga::test::freePort();
        use([&](ga::config::Config &c) { c.upstreamProxy = QStringLiteral("http://127.0.0.1:%1").arg(dead); });
        const QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 502"), reply.constData());
    }

    // Bytes that arrive after an answer without a body (here in the same read as its head) are not the start of the
    // next answer: the connection is not used again, and the next request goes on a new one.
    void bytesAfterABodilessAnswerRetireTheConnection()
    {
        QTcpServer upstream;
        QVERIFY(upstream.listen(QHostAddress::LocalHost));
        int connections = 0;
        connect(&upstream, &QTcpServer::newConnection, this, [&] {
            QTcpSocket *s = upstream.nextPendingConnection();
            ++connections;
            connect(s, &QIODevice::readyRead, s, [s] {
                if (s->readAll().contains("\r\n\r\n")) {
                    s->write("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale");
                }
            });
        });
        use([&](ga::config::Config &c) {
            c.upstreamBaseUrl = QStringLiteral("http://127.0.0.1:%1").arg(upstream.serverPort());
        });
        for (int i = 0; i < 2; ++i) {
            const QByteArray reply = roundTrip();
            QVERIFY2(reply.startsWith("HTTP/1.1 204"), reply.constData());
            QVERIFY2(!reply.contains("stale"), reply.constData());
        }
        QCOMPARE(connections, 2);
    }

    void errorBodiesNeverEchoTheKey()
    {
        // Google sometimes names the key in a 403 ("… api_key:AIza…"); such a body must reach the client masked.
        QTcpServer echo;
        QVERIFY(echo.listen(QHostAddress::LocalHost));
        connect(&echo, &QTcpServer::newConnection, this, [&echo] {
            QTcpSocket *s = echo.nextPendingConnection();
            connect(s, &QIODevice::readyRead, s, [s] {
                const QByteArray req = s->readAll();
                const qsizetype at = req.toLower().indexOf("x-goog-api-key: ");
                const QByteArray key = req.mid(at + 16, req.indexOf("\r\n", at) - at - 16);
                const QByteArray body = "{\"error\": {\"code\": 403, \"message\": \"Permission denied: Consumer "
                                        "'api_key:"
                    + key + "' has been suspended.\", \"status\": \"PERMISSION_DENIED\"}}";
                s->write("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            });
        });
        use([&](ga::config::Config &c) {
            c.upstreamBaseUrl = QStringLiteral("http://127.0.0.1:%1").arg(echo.serverPort());
        });
        const QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 403"), reply.constData());
        QVERIFY2(reply.contains("api_key:AIza"), reply.constData()); // the message is kept…
        QVERIFY2(!reply.contains(fakeKey(5).toLatin1()), reply.constData()); // …the key is not
        m_keys.clearKeyState(QStringLiteral("k5"));
    }

    void tlsVerifiedWithExtraCaBundle()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty()) {
            QSKIP("the openssl command is needed to make a test certificate");
        }
        QTemporaryDir dir;
        const QString certPath = dir.filePath(QStringLiteral("cert.pem"));
        const QString keyPath = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-keyout"),
                keyPath, QStringLiteral("-out"), certPath });
        QVERIFY(openssl.waitForFinished(30'000));
        QCOMPARE(openssl.exitCode(), 0);
        const QList<QSslCertificate> certs = QSslCertificate::fromPath(certPath);
        QCOMPARE(certs.size(), 1);
        QFile keyFile(keyPath);
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QSslKey key(keyFile.readAll(), QSsl::Ec);
        QVERIFY(!key.isNull());

        TlsFront front(certs.first(), key, m_fake->port());
        QVERIFY(front.listen(QHostAddress::LocalHost));
        const QString base = QStringLiteral("https://127.0.0.1:%1").arg(front.serverPort());

        // Unknown CA: verification fails and says so; nothing is sent in the clear.
        use([&](ga::config::Config &c) { c.upstreamBaseUrl = base; });
        QByteArray reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 502"), reply.constData());
        QVERIFY2(reply.contains("TLS"), reply.constData());
        QVERIFY(!liveSetup()); // nor does a Live session start over an unverified connection
        const int refusedHandshakes = front.handshakes;

        // With the CA bundle: verified, forwarded.
        use([&](ga::config::Config &c) {
            c.upstreamBaseUrl = base;
            c.upstreamCaBundle = certPath;
        });
        reply = roundTrip();
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());
        QVERIFY(liveSetup()); // wss:// to the same upstream, verified with the bundle
        QVERIFY(front.handshakes > refusedHandshakes);
    }
};

QTEST_GUILESS_MAIN(TestUpstream)
#include "tst_upstream.moc"
