// SPDX-License-Identifier: GPL-3.0-or-later
// Routing modes, key binding and hybrid fallback, with small in-process relays (secret check, relay-marked
// errors) between the proxy and the fake upstream. The shipped relay scripts have their own suite in their
// real runtimes (tests/relay/).
#include "fakegemini/fakegemini.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "routing/router.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using ga::test::FakeGemini;
using ga::test::fakeKey;

namespace {

// A relay in the shape of ours: checks x-relay-secret, strips it, forwards one request per connection to
// the fake, marks its own errors with x-relay-error. `mode` makes it misbehave.
class TestRelay : public QTcpServer
{
public:
    enum class Mode
    {
        Normal,
        Hang,
        RegionBlock
    };
    TestRelay(QByteArray secret, quint16 upstreamPort)
        : m_secret(std::move(secret))
        , m_upstream(upstreamPort)
    { }
    Mode mode = Mode::Normal;
    int forwarded = 0;
    QList<QByteArray> keysSeen;

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *client = new QTcpSocket(this);
        client->setSocketDescriptor(fd);
        auto buffer = std::make_shared<QByteArray>();
        connect(client, &QIODevice::readyRead, this, [this, client, buffer] {
            if (client->property("piped").toBool()) {
                return;
            }
            *buffer += client->readAll();
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0 || mode == Mode::Hang) {
                return;
            }
            QList<QByteArray> lines = buffer->first(end).split('\n');
            QByteArray secret;
            QByteArray out;
            for (QByteArray &l : lines) {
                const QByteArray line = l.trimmed();
                if (line.toLower().startsWith("x-relay-secret:")) {
                    secret = line.mid(15).trimmed();
                    continue;
                }
                if (line.toLower().startsWith("connection:")) {
                    continue;
                }
                if (line.toLower().startsWith("x-goog-api-key:")) {
                    keysSeen << line.mid(15).trimmed();
                }
                out += line + "\r\n";
            }
            out += "Connection: close\r\n\r\n";
            out += buffer->mid(end + 4);
            client->setProperty("piped", true);
            if (secret != m_secret) {
                reply(client, 401, "auth", "UNAUTHENTICATED", "relay secret missing or wrong");
                return;
            }
            if (mode == Mode::RegionBlock) {
                const QByteArray body
                    = "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"User location is not "
                      "supported for the API use.\",\n    \"status\": \"FAILED_PRECONDITION\"\n  }\n}\n";
                client->write(
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                client->disconnectFromHost();
                return;
            }
            ++forwarded;
            auto *upstream = new QTcpSocket(this);
            connect(upstream, &QTcpSocket::connected, this, [upstream, out] { upstream->write(out); });
            connect(
                upstream, &QIODevice::readyRead, client, [upstream, client] { client->write(upstream->readAll()); });
            connect(
                client, &QIODevice::readyRead, upstream, [upstream, client] { upstream->write(client->readAll()); });
            connect(upstream, &QAbstractSocket::disconnected, client, [client] { client->disconnectFromHost(); });
            connect(client, &QAbstractSocket::disconnected, upstream, [upstream] { upstream->abort(); });
            upstream->connectToHost(QHostAddress::LocalHost, m_upstream);
        });
    }

private:
    static void reply(
        QTcpSocket *c, int status, const QByteArray &kind, const QByteArray &canonical, const QByteArray &message)
    {
        const QByteArray body = "{\"error\": {\"code\": " + QByteArray::number(status) + ", \"message\": \"" + message
            + "\", \"status\": \"" + canonical + "\"}}";
        c->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\nx-relay-error: "
            + kind + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        c->disconnectFromHost();
    }
    QByteArray m_secret;
    quint16 m_upstream;
};

struct Reply
{
    int status = 0;
    QByteArray head;
    QByteArray body;
};

} // namespace

class TestRouting : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    ga::keys::KeyPool m_keys;
    ga::routing::Router m_router;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;
    std::unique_ptr<TestRelay> m_relayA;
    std::unique_ptr<TestRelay> m_relayB;
    ga::proxy::SettingsPtr m_settings;

    ga::routing::Relay relayEntry(const QString &id, quint16 port, const QByteArray &secret)
    {
        ga::routing::Relay r;
        r.id = id;
        r.name = id;
        r.secret = secret;
        r.upstream
            = ga::upstream::upstreamAt(m_settings->upstream, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        r.upstream.connectTimeoutMs = 500;
        return r;
    }

    void configure(ga::config::RoutingMode mode, bool fallback = true, QHash<QString, QString> bindings = {},
        quint16 portA = 0, quint16 portB = 0)
    {
        std::vector<ga::routing::Relay> relays;
        relays.push_back(
            relayEntry(QStringLiteral("ia"), portA ? portA : m_relayA->serverPort(), "secret-a-0123456789"));
        relays.push_back(
            relayEntry(QStringLiteral("ib"), portB ? portB : m_relayB->serverPort(), "secret-b-0123456789"));
        m_router.configure(mode, fallback, std::move(relays), std::move(bindings));
    }

    Reply generate(const QByteArray &path = "/v1beta/models/gemini-2.5-flash:generateContent")
    {
        QTcpSocket c;
        c.connectToHost(QHostAddress::LocalHost, m_proxy->port());
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        c.write("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QByteArray got;
        QSignalSpy closed(&c, &QAbstractSocket::disconnected);
        QElapsedTimer t;
        t.start();
        while (closed.isEmpty() && t.elapsed() < 10'000) {
            closed.wait(20);
            got += c.readAll();
        }
        got += c.readAll();
        Reply r;
        r.status = got.mid(9, 3).toInt();
        const qsizetype end = got.indexOf("\r\n\r\n");
        r.head = got.left(end);
        r.body = got.mid(end + 4);
        return r;
    }

    int upstreamRequests() const { return int(m_fake->requests().size()); }

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
        m_fake->addKey(fakeKey(61));
        m_fake->addKey(fakeKey(62));
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        c.firstByteTimeoutMs = 800;
        QString error;
        m_settings = ga::proxy::settingsFromConfig(c, &error);
        m_relayA = std::make_unique<TestRelay>("secret-a-0123456789", m_fake->port());
        m_relayB = std::make_unique<TestRelay>("secret-b-0123456789", m_fake->port());
        QVERIFY(m_relayA->listen(QHostAddress::LocalHost));
        QVERIFY(m_relayB->listen(QHostAddress::LocalHost));
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(&m_keys, 1, &m_router);
        m_proxy->authenticator()->setAllowAnonymousLoopback(true); // auth has its own suite (tst_hostile)
        m_proxy->applySettings(m_settings);
        QVERIFY2(m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
    }

    void init()
    {
        m_keys.setKeys({ { QStringLiteral("k1"), fakeKey(61).toLatin1(), {}, 1, true },
            { QStringLiteral("k2"), fakeKey(62).toLatin1(), {}, 1, true } });
        m_keys.clearKeyState(QStringLiteral("k1"));
        m_keys.clearKeyState(QStringLiteral("k2"));
        m_relayA->mode = TestRelay::Mode::Normal;
        m_relayB->mode = TestRelay::Mode::Normal;
        m_relayA->forwarded = m_relayB->forwarded = 0;
        m_relayA->keysSeen.clear();
        m_relayB->keysSeen.clear();
        m_fake->clearRequests();
        m_router.configure(ga::config::RoutingMode::Local, true, {}, {}); // forget relay health
    }

    void localGoesDirect()
    {
        configure(ga::config::RoutingMode::Local);
        QCOMPARE(generate().status, 200);
        QCOMPARE(m_relayA->forwarded + m_relayB->forwarded, 0);
        QCOMPARE(upstreamRequests(), 1);
    }

    void serverlessUsesRelaysRoundRobin()
    {
        configure(ga::config::RoutingMode::Serverless);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(generate().status, 200);
        }
        QCOMPARE(m_relayA->forwarded, 2);
        QCOMPARE(m_relayB->forwarded, 2);
        for (const auto &r : m_fake->requests()) {
            QVERIFY(!r.hasHeader("x-relay-secret"));
            QCOMPARE(r.keySource, ga::test::KeySource::Header);
        }
    }

    void reconfiguringKeepsRelaysUsable()
    {
        // A config change re-reads relay secrets asynchronously; meanwhile the relay must stay in use.
        configure(ga::config::RoutingMode::Serverless);
        std::vector<ga::routing::Relay> again;
        for (ga::routing::Relay r : { relayEntry(QStringLiteral("ia"), m_relayA->serverPort(), "secret-a-0123456789"),
                 relayEntry(QStringLiteral("ib"), m_relayB->serverPort(), "secret-b-0123456789") }) {
            r.secret.clear();
            again.push_back(r);
        }
        m_router.configure(ga::config::RoutingMode::Serverless, true, std::move(again), {});
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(generate().status, 200);
        }
        QCOMPARE(m_relayA->forwarded + m_relayB->forwarded, 2);
    }

    void serverlessWithNoHealthyRelayIs503()
    {
        const quint16 deadA = ga::test::freePort();
        const quint16 deadB = ga::test::freePort();
        configure(ga::config::RoutingMode::Serverless, true, {}, deadA, deadB);
        const Reply r = generate();
        QCOMPARE(r.status, 503);
        QVERIFY2(r.body.contains("relay"), r.body.constData());
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"error").toObject().value(u"code").toInt(), 503);
        QCOMPARE(upstreamRequests(), 0); // never direct in serverless mode
        QCOMPARE(m_keys.status(QStringLiteral("k1")), ga::keys::KeyStatus::Active); // relay faults cost no key
    }

    void hybridFallsBackFastWhenRelayRefuses()
    {
        configure(ga::config::RoutingMode::Hybrid, true, {}, ga::test::freePort(), ga::test::freePort());
        QElapsedTimer t;
        t.start();
        const Reply r = generate();
        const qint64 withFallback = t.elapsed();
        QCOMPARE(r.status, 200);
        t.restart();
        configure(ga::config::RoutingMode::Local);
        QCOMPARE(generate().status, 200);
        const qint64 direct = t.elapsed();
        qInfo("refused relay → direct: %lld ms (direct alone %lld ms)", withFallback, direct);
        QVERIFY(withFallback - direct < 200);
        QCOMPARE(upstreamRequests(), 2);
    }

    void hybridFallsBackWhenRelayHangs()
    {
        configure(ga::config::RoutingMode::Hybrid);
        m_relayA->mode = TestRelay::Mode::Hang;
        m_relayB->mode = TestRelay::Mode::Hang;
        QElapsedTimer t;
        t.start();
        QCOMPARE(generate().status, 200);
        qInfo("hung relay → direct after %lld ms (first-byte timeout 800 ms)", t.elapsed());
        QVERIFY(t.elapsed() < 2000);
        QCOMPARE(upstreamRequests(), 1);
    }

    void wrongRelaySecretFallsBackAndBlamesNoKey()
    {
        std::vector<ga::routing::Relay> relays { relayEntry(
            QStringLiteral("ia"), m_relayA->serverPort(), "not-the-secret-000") };
        m_router.configure(ga::config::RoutingMode::Hybrid, true, std::move(relays), {});
        QCOMPARE(generate().status, 200);
        QCOMPARE(m_relayA->forwarded, 0);
        QCOMPARE(upstreamRequests(), 1);
        QCOMPARE(m_router.report().front().health, ga::routing::RelayHealth::Unhealthy);
        QVERIFY(m_router.report().front().lastError.contains(QStringLiteral("auth")));
        QCOMPARE(m_keys.status(QStringLiteral("k1")), ga::keys::KeyStatus::Active);
        QCOMPARE(m_keys.status(QStringLiteral("k2")), ga::keys::KeyStatus::Active);
    }

    void regionBlockAtRelayFallsBack()
    {
        configure(ga::config::RoutingMode::Hybrid);
        m_relayA->mode = TestRelay::Mode::RegionBlock;
        m_relayB->mode = TestRelay::Mode::RegionBlock;
        QCOMPARE(generate().status, 200);
        QCOMPARE(upstreamRequests(), 1);
        QCOMPARE(m_keys.status(QStringLiteral("k1")), ga::keys::KeyStatus::Active);
        QCOMPARE(m_keys.status(QStringLiteral("k2")), ga::keys::KeyStatus::Active);
    }

    void noFallbackWhenDisabled()
    {
        configure(ga::config::RoutingMode::Hybrid, false, {}, ga::test::freePort(), ga::test::freePort());
        const Reply r = generate();
        QVERIFY2(r.status == 502 || r.status == 503, r.head.constData());
        QCOMPARE(upstreamRequests(), 0);
    }

    void boundKeysTravelThroughTheirRelay()
    {
        configure(ga::config::RoutingMode::Serverless, true,
            { { QStringLiteral("k1"), QStringLiteral("ia") }, { QStringLiteral("k2"), QStringLiteral("ib") } });
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(generate().status, 200);
        }
        QVERIFY(!m_relayA->keysSeen.isEmpty() && !m_relayB->keysSeen.isEmpty());
        for (const QByteArray &k : std::as_const(m_relayA->keysSeen)) {
            QCOMPARE(k, fakeKey(61).toLatin1());
        }
        for (const QByteArray &k : std::as_const(m_relayB->keysSeen)) {
            QCOMPARE(k, fakeKey(62).toLatin1());
        }
    }

    void boundKeyWithRelayDown()
    {
        // Serverless: the key whose relay is down is skipped, another key serves. Hybrid: it goes direct.
        configure(ga::config::RoutingMode::Serverless, true,
            { { QStringLiteral("k1"), QStringLiteral("ia") }, { QStringLiteral("k2"), QStringLiteral("ib") } },
            ga::test::freePort(), 0);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(generate().status, 200);
        }
        for (const auto &r : m_fake->requests()) {
            QCOMPARE(r.key, fakeKey(62));
        }
        m_fake->clearRequests();
        configure(ga::config::RoutingMode::Hybrid, true,
            { { QStringLiteral("k1"), QStringLiteral("ia") }, { QStringLiteral("k2"), QStringLiteral("ib") } },
            ga::test::freePort(), 0);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(generate().status, 200);
        }
        bool k1Direct = false;
        for (const auto &r : m_fake->requests()) {
            k1Direct = k1Direct || r.key == fakeKey(61);
        }
        QVERIFY(k1Direct);
    }

    void geminiErrorsThroughARelayAreGeminis()
    {
        configure(ga::config::RoutingMode::Serverless);
        m_fake->setBehaviour(fakeKey(61), ga::test::Behaviour::RateLimited);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(generate().status, 200);
        }
        m_fake->clearScript(fakeKey(61));
        QCOMPARE(m_keys.status(QStringLiteral("k1"), QStringLiteral("gemini-2.5-flash")), ga::keys::KeyStatus::Cooling);
        for (const auto &r : m_router.report()) {
            QVERIFY(r.health != ga::routing::RelayHealth::Unhealthy); // the 429 was Google's, not the relay's
        }
    }

    void streamingThroughARelayKeepsTiming()
    {
        configure(ga::config::RoutingMode::Serverless);
        ga::test::Script s;
        s.chunks = 5;
        s.intervalMs = 200;
        m_fake->setDefaultScript(s);
        QTcpSocket c;
        c.connectToHost(QHostAddress::LocalHost, m_proxy->port());
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        c.write("POST /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Connection: close\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QElapsedTimer t;
        t.start();
        QList<qint64> arrivals;
        QSignalSpy closed(&c, &QAbstractSocket::disconnected);
        while (closed.isEmpty() && t.elapsed() < 5000) {
            closed.wait(5);
            const QByteArray got = c.readAll();
            for (qsizetype n = got.count("data: "); n > 0; --n) {
                arrivals << t.elapsed();
            }
        }
        m_fake->setDefaultScript(ga::test::Script());
        QCOMPARE(arrivals.size(), 5);
        for (int i = 1; i < arrivals.size(); ++i) {
            const qint64 gap = arrivals.at(i) - arrivals.at(i - 1);
            QVERIFY2(gap >= 120 && gap <= 400, qPrintable(QString::number(gap)));
        }
    }
};

QTEST_GUILESS_MAIN(TestRouting)
#include "tst_routing.moc"
