// SPDX-License-Identifier: GPL-3.0-or-later
// The Live API (WebSocket) through the proxy, in front of the fake's Live server: relay both ways, retry before
// setupComplete (bad key, quota, refused handshake), resumption and ephemeral tokens keep their key, hostile
// clients, the access record and metrics. Clients are QWebSocket (what an app would use) or raw frames where the
// test must control framing.
#include "affinity/resourcemap.h"
#include "fakegemini/fakegemini.h"
#include "http/websocket.h"
#include "keys/keypool.h"
#include "metrics/recorder.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "security/accesstoken.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>
#include <QtEndian>

#include <memory>
#include <vector>

using ga::keys::KeyPool;
using ga::keys::KeyStatus;
using ga::keys::PoolKeyConfig;
using ga::keys::Strategy;
using ga::test::Behaviour;
using ga::test::FakeGemini;
using ga::test::fakeKey;
namespace ws = ga::http::ws;

namespace {

const QByteArray kPath = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
const QByteArray kConstrained
    = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";
const QString kModel = QStringLiteral("models/gemini-live-2.5-flash-preview");

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray setupMessage(const QJsonObject &extra = {})
{
    QJsonObject setup { { QStringLiteral("model"), kModel } };
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        setup.insert(it.key(), it.value());
    }
    return json(QJsonObject { { QStringLiteral("setup"), setup } });
}

QByteArray textTurn(const QString &text)
{
    return json(QJsonObject { { QStringLiteral("clientContent"),
        QJsonObject {
            { QStringLiteral("turns"),
                QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                    { QStringLiteral("parts"), QJsonArray { QJsonObject { { QStringLiteral("text"), text } } } } } } },
            { QStringLiteral("turnComplete"), true } } } });
}

// A Live client on QWebSocket: every message kept with its frame type.
struct LiveClient
{
    QWebSocket socket;
    QList<QPair<bool, QByteArray>> messages; // (binary?, payload)
    bool closed = false;

    LiveClient()
    {
        QObject::connect(&socket, &QWebSocket::binaryMessageReceived, [this](const QByteArray &m) {
            messages.append({ true, m });
        });
        QObject::connect(&socket, &QWebSocket::textMessageReceived, [this](const QString &m) {
            messages.append({ false, m.toUtf8() });
        });
        QObject::connect(&socket, &QWebSocket::disconnected, [this] { closed = true; });
    }

    bool open(quint16 port, const QByteArray &path, const QByteArray &query,
        const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(
            QUrl(QStringLiteral("ws://127.0.0.1:%1%2%3")
                     .arg(port)
                     .arg(QString::fromLatin1(path))
                     .arg(query.isEmpty() ? QString() : QStringLiteral("?") + QString::fromLatin1(query))));
        for (const auto &[name, value] : headers) {
            request.setRawHeader(name, value);
        }
        socket.open(request);
        QElapsedTimer t;
        t.start();
        while (socket.state() != QAbstractSocket::ConnectedState && !closed && t.elapsed() < 5000) {
            QTest::qWait(5);
        }
        return socket.state() == QAbstractSocket::ConnectedState;
    }

    // Waits for a message whose JSON has `field` at the top level; its index, or -1.
    int waitFor(const char *field, int from = 0, int timeoutMs = 5000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            for (int i = from; i < messages.size(); ++i) {
                if (QJsonDocument::fromJson(messages[i].second).object().contains(QLatin1String(field))) {
                    return i;
                }
            }
            if (closed) {
                return -1;
            }
            QTest::qWait(5);
        }
        return -1;
    }

    bool waitClosed(int timeoutMs = 5000)
    {
        QElapsedTimer t;
        t.start();
        while (!closed && t.elapsed() < timeoutMs) {
            QTest::qWait(5);
        }
        return closed;
    }
};

// A raw WebSocket client, for what QWebSocket will not send (fragments we choose, oversize headers).
struct RawClient
{
    QTcpSocket socket;
    QByteArray in;
    int status = 0;

    bool handshake(quint16 port, const QByteArray &target, const QByteArray &extra)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(3000)) {
            return false;
        }
        const QByteArray key = ws::newClientKey();
        socket.write("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n" + extra + "\r\n");
        QElapsedTimer t;
        t.start();
        while (!in.contains("\r\n\r\n") && t.elapsed() < 5000) {
            QTest::qWait(5); // the fake runs on this thread's event loop: never block it
            in += socket.readAll();
        }
        const qsizetype end = in.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        status = in.mid(9, 3).toInt();
        const QByteArray head = in.left(end);
        in.remove(0, end + 4);
        return status == 101 && head.contains(ws::acceptValue(key));
    }

    void send(quint8 opcode, const QByteArray &payload, bool fin = true)
    {
        socket.write(ws::buildFrame(opcode, payload, fin, quint32(0x11223344)));
        socket.flush();
    }

    // The next frame from the server (opcode, payload); opcode 0xFF when none came.
    QPair<quint8, QByteArray> next(int timeoutMs = 5000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            ws::FrameHeader h;
            if (ws::parseFrameHeader(in, &h) == ws::HeaderParse::Ok && in.size() >= h.size + qsizetype(h.length)) {
                const QByteArray payload = in.mid(h.size, qsizetype(h.length));
                in.remove(0, h.size + qsizetype(h.length));
                return { h.opcode, payload };
            }
            QTest::qWait(5); // the fake runs on this thread's event loop: never block it
            const bool gone = socket.state() != QAbstractSocket::ConnectedState;
            const QByteArray got = socket.readAll();
            in += got;
            if (gone && got.isEmpty() && ws::parseFrameHeader(in, &h) != ws::HeaderParse::Ok) {
                break;
            }
        }
        return { 0xFF, QByteArray() };
    }
};

} // namespace

class TestLive : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    std::unique_ptr<ga::affinity::ResourceMap> m_map;
    std::unique_ptr<KeyPool> m_pool;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;
    QByteArray m_token;
    QStringList m_keys; // secrets, in pool order (ids k0, k1, …)
    int m_nextKey = 1;

    bool start(int keys, int headerTimeoutMs = 10'000, int liveCap = 0)
    {
        m_proxy.reset();
        m_pool = std::make_unique<KeyPool>();
        m_pool->setStrategy(Strategy::RoundRobin);
        m_keys.clear();
        std::vector<PoolKeyConfig> pool;
        for (int i = 0; i < keys; ++i) {
            const QString secret = fakeKey(m_nextKey++);
            m_keys.append(secret);
            m_fake->addKey(secret, QStringLiteral("project-%1").arg(i));
            pool.push_back(
                { QStringLiteral("k%1").arg(i), secret.toLatin1(), QStringLiteral("project-%1").arg(i), 1, true });
        }
        m_pool->setKeys(pool);
        m_map = std::make_unique<ga::affinity::ResourceMap>();
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(m_pool.get(), 2, nullptr, m_map.get());
        m_proxy->authenticator()->setTokens({ { QStringLiteral("live"), m_token } });
        QString error;
        if (!m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error)) {
            qWarning() << error;
            return false;
        }
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        c.headerTimeoutMs = headerTimeoutMs;
        c.perTokenLimits.liveSessions = liveCap;
        const ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
        if (!s) {
            qWarning() << error;
            return false;
        }
        m_proxy->applySettings(s);
        return true;
    }

    quint16 port() const { return m_proxy->port(); }
    QByteArray keyQuery() const { return "key=" + m_token; }
    QString idOf(const QString &secret) const { return QStringLiteral("k%1").arg(m_keys.indexOf(secret)); }

    // Opens a session and completes the setup; false when setupComplete did not come.
    bool startSession(LiveClient &c, const QByteArray &setup = setupMessage())
    {
        if (!c.open(port(), kPath, keyQuery())) {
            return false;
        }
        c.socket.sendTextMessage(QString::fromUtf8(setup));
        return c.waitFor("setupComplete") >= 0;
    }

    QList<ga::test::LiveSession> endedSessions(int atLeast)
    {
        QElapsedTimer t;
        t.start();
        QList<ga::test::LiveSession> out;
        while (t.elapsed() < 5000) {
            out.clear();
            for (const ga::test::LiveSession &s : m_fake->liveSessions()) {
                if (!s.open) {
                    out.append(s);
                }
            }
            if (out.size() >= atLeast) {
                break;
            }
            QTest::qWait(10);
        }
        return out;
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
        m_token = ga::security::generateAccessToken();
        m_fake = std::make_unique<FakeGemini>();
        QVERIFY(m_fake->listen());
    }

    void init()
    {
        m_fake->clearLiveSessions();
        m_fake->clearRequests();
    }

    void cleanup() { m_proxy.reset(); }

    void textTurnRelayedBothWays()
    {
        QVERIFY(start(1));
        LiveClient c;
        QVERIFY(startSession(c));
        QVERIFY2(c.messages.first().first, "setupComplete keeps its binary frame type");
        c.socket.sendTextMessage(QString::fromUtf8(textTurn(QStringLiteral("Hello"))));
        const int done = c.waitFor("usageMetadata");
        QVERIFY(done > 0);
        int contents = 0;
        for (int i = 1; i < done; ++i) {
            contents += QJsonDocument::fromJson(c.messages[i].second).object().contains(u"serverContent");
        }
        QCOMPARE(contents, 2);
        c.socket.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
        QVERIFY(c.waitClosed());
        const QList<ga::test::LiveSession> ended = endedSessions(1);
        QCOMPARE(ended.size(), 1);
        QCOMPARE(ended.first().key, m_keys.first());
        QCOMPARE(ended.first().closeCode, 1000);
        QCOMPARE(ended.first().closeReason, QStringLiteral("bye"));
        // The key reached the upstream in a header, the access token never did.
        for (const ga::test::RecordedRequest &r : m_fake->requests()) {
            QVERIFY(!r.target.contains(m_token));
            QVERIFY(!r.target.contains(m_keys.first().toLatin1()));
            QCOMPARE(r.keySource, ga::test::KeySource::Header);
        }
        // One access record: kind live, the key, frames each way, close 1000, tokens.
        QTRY_VERIFY(!m_proxy->recorder()->history().empty());
        const ga::metrics::AccessRecord r = m_proxy->recorder()->history().back();
        QCOMPARE(r.kind, QStringLiteral("live"));
        QCOMPARE(r.status, 101);
        QCOMPARE(r.keyId, QStringLiteral("k0"));
        QCOMPARE(r.model, QStringLiteral("gemini-live-2.5-flash-preview"));
        QVERIFY(r.live);
        QCOMPARE(r.live->closeCode, 1000);
        QVERIFY(r.live->framesIn >= 3);
        QVERIFY2(r.live->framesOut >= 4, qPrintable(QString::number(r.live->framesOut)));
        QVERIFY(r.tokensIn > 0);
        QVERIFY(r.tokensOut > 0);
        const QByteArray metrics = m_proxy->recorder()->renderPrometheus({});
        QVERIFY2(metrics.contains("ga_live_sessions_total{close_code=\"1000\"} 1"), metrics.constData());
        QVERIFY(metrics.contains("ga_live_sessions_open 0"));
    }

    void audioEchoedByteIdentical()
    {
        QVERIFY(start(1));
        LiveClient c;
        QVERIFY(startSession(c));
        QByteArray pcm(48'000, Qt::Uninitialized);
        for (qsizetype i = 0; i < pcm.size(); ++i) {
            pcm[i] = char((i * 7919) & 0xFF);
        }
        const QByteArray b64 = pcm.toBase64();
        c.socket.sendTextMessage(QString::fromUtf8(json(QJsonObject { { QStringLiteral("realtimeInput"),
            QJsonObject { { QStringLiteral("audio"),
                QJsonObject { { QStringLiteral("mimeType"), QStringLiteral("audio/pcm;rate=16000") },
                    { QStringLiteral("data"), QString::fromLatin1(b64) } } } } } })));
        const int at = c.waitFor("serverContent", 1);
        QVERIFY(at > 0);
        const QJsonObject part = QJsonDocument::fromJson(c.messages[at].second)
                                     .object()
                                     .value(u"serverContent")
                                     .toObject()
                                     .value(u"modelTurn")
                                     .toObject()
                                     .value(u"parts")
                                     .toArray()
                                     .first()
                                     .toObject();
        QCOMPARE(
            QByteArray::fromBase64(part.value(u"inlineData").toObject().value(u"data").toString().toLatin1()), pcm);
    }

    void toolCallRoundTrip()
    {
        QVERIFY(start(1));
        LiveClient c;
        const QJsonArray tools { QJsonObject { { QStringLiteral("functionDeclarations"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("lookup") } } } } } };
        QVERIFY(startSession(c, setupMessage({ { QStringLiteral("tools"), tools } })));
        c.socket.sendTextMessage(QString::fromUtf8(textTurn(QStringLiteral("weather?"))));
        const int at = c.waitFor("toolCall", 1);
        QVERIFY(at > 0);
        const QJsonObject call = QJsonDocument::fromJson(c.messages[at].second)
                                     .object()
                                     .value(u"toolCall")
                                     .toObject()
                                     .value(u"functionCalls")
                                     .toArray()
                                     .first()
                                     .toObject();
        QCOMPARE(call.value(u"name").toString(), QStringLiteral("lookup"));
        c.socket.sendTextMessage(QString::fromUtf8(json(QJsonObject { { QStringLiteral("toolResponse"),
            QJsonObject { { QStringLiteral("functionResponses"),
                QJsonArray { QJsonObject { { QStringLiteral("id"), call.value(u"id") },
                    { QStringLiteral("name"), QStringLiteral("lookup") },
                    { QStringLiteral("response"), QJsonObject { { QStringLiteral("sunny"), true } } } } } } } } })));
        const int done = c.waitFor("usageMetadata", at + 1);
        QVERIFY(done > at);
        bool sawAnswer = false;
        for (int i = at + 1; i <= done; ++i) {
            sawAnswer = sawAnswer || c.messages[i].second.contains("sunny");
        }
        QVERIFY(sawAnswer);
    }

    void invalidKeyAtSetupRetriedOnNextKey()
    {
        QVERIFY(start(2));
        m_fake->setBehaviour(m_keys[0], Behaviour::Invalid);
        LiveClient c;
        QVERIFY(startSession(c));
        // The client saw nothing but its session: setupComplete is the first message.
        QVERIFY(QJsonDocument::fromJson(c.messages.first().second).object().contains(u"setupComplete"));
        QCOMPARE(m_pool->status(QStringLiteral("k0")), KeyStatus::Invalid);
        QCOMPARE(m_pool->status(QStringLiteral("k1")), KeyStatus::Active);
        c.socket.sendTextMessage(QString::fromUtf8(textTurn(QStringLiteral("still there?"))));
        QVERIFY(c.waitFor("usageMetadata", 1) > 0);
        c.socket.close();
        QVERIFY(c.waitClosed());
        const QList<ga::test::LiveSession> ended = endedSessions(2);
        QCOMPARE(ended.size(), 2);
        QCOMPARE(ended[0].closeCode, 1007);
        QCOMPARE(ended[1].key, m_keys[1]);
        m_fake->setBehaviour(m_keys[0], Behaviour::Normal);
    }

    void quotaCloseBeforeSetupCoolsTheKey()
    {
        QVERIFY(start(2));
        m_fake->setBehaviour(m_keys[0], Behaviour::RateLimited);
        LiveClient c;
        QVERIFY(startSession(c));
        QCOMPARE(
            m_pool->status(QStringLiteral("k0"), QStringLiteral("gemini-live-2.5-flash-preview")), KeyStatus::Cooling);
        QCOMPARE(endedSessions(1).first().closeCode, 1011);
        m_fake->setBehaviour(m_keys[0], Behaviour::Normal);
    }

    void refusedHandshakeRetried()
    {
        QVERIFY(start(2));
        m_fake->setBehaviour(m_keys[0], Behaviour::Overloaded);
        LiveClient c;
        QVERIFY(startSession(c));
        bool refused = false;
        for (const ga::test::RecordedRequest &r : m_fake->requests()) {
            refused = refused || r.status == 503;
        }
        QVERIFY(refused);
        m_fake->setBehaviour(m_keys[0], Behaviour::Normal);
    }

    void networkFailureBeforeSetupCompleteRetried()
    {
        QVERIFY(start(2));
        m_fake->setBehaviour(m_keys[0], Behaviour::CloseBeforeResponse); // TCP dropped when the setup arrives
        LiveClient c;
        QVERIFY(startSession(c));
        QVERIFY(QJsonDocument::fromJson(c.messages.first().second).object().contains(u"setupComplete"));
        c.socket.close();
        QVERIFY(c.waitClosed());
        const QList<ga::test::LiveSession> ended = endedSessions(2);
        QCOMPARE(ended.size(), 2);
        QCOMPARE(ended[0].key, m_keys[0]);
        QCOMPARE(ended[0].closeCode, 1006);
        QCOMPARE(ended[1].key, m_keys[1]);
        QVERIFY(ended[1].setupCompleted);
        m_fake->setBehaviour(m_keys[0], Behaviour::Normal);
    }

    void everyKeyInvalidClosesWithGooglesReason()
    {
        QVERIFY(start(2));
        m_fake->setBehaviour(m_keys[0], Behaviour::Invalid);
        m_fake->setBehaviour(m_keys[1], Behaviour::Invalid);
        LiveClient c;
        QVERIFY(c.open(port(), kPath, keyQuery()));
        c.socket.sendTextMessage(QString::fromUtf8(setupMessage()));
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.socket.closeCode()), 1007);
        QVERIFY2(c.socket.closeReason().contains(QLatin1String("API key")), qPrintable(c.socket.closeReason()));
        QVERIFY(!c.socket.closeReason().contains(m_keys[0]));
        m_fake->setBehaviour(m_keys[0], Behaviour::Normal);
        m_fake->setBehaviour(m_keys[1], Behaviour::Normal);
    }

    void unsupportedModelPassesThrough()
    {
        QVERIFY(start(2));
        LiveClient c;
        QVERIFY(c.open(port(), kPath, keyQuery()));
        c.socket.sendTextMessage(QString::fromUtf8(json(QJsonObject { { QStringLiteral("setup"),
            QJsonObject { { QStringLiteral("model"), QStringLiteral("models/gemini-no-live") } } } })));
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.socket.closeCode()), 1008);
        QCOMPARE(endedSessions(1).size(), 1); // not retried on the second key: it is the client's request
        QCOMPARE(m_pool->status(QStringLiteral("k0")), KeyStatus::Active);
    }

    void resumptionKeepsItsKey()
    {
        QVERIFY(start(3));
        const QJsonObject resumable { { QStringLiteral("sessionResumption"), QJsonObject {} } };
        LiveClient first;
        QVERIFY(startSession(first, setupMessage(resumable)));
        const int at = first.waitFor("sessionResumptionUpdate");
        QVERIFY(at >= 0);
        const QString handle = QJsonDocument::fromJson(first.messages[at].second)
                                   .object()
                                   .value(u"sessionResumptionUpdate")
                                   .toObject()
                                   .value(u"newHandle")
                                   .toString();
        QVERIFY(!handle.isEmpty());
        first.socket.close();
        QVERIFY(first.waitClosed());
        const QString owner = endedSessions(1).first().key;
        for (int i = 0; i < 10; ++i) {
            LiveClient again;
            QVERIFY(startSession(again,
                setupMessage({ { QStringLiteral("sessionResumption"),
                    QJsonObject { { QStringLiteral("handle"), handle } } } })));
            again.socket.close();
            QVERIFY(again.waitClosed());
        }
        const QList<ga::test::LiveSession> ended = endedSessions(11);
        QCOMPARE(ended.size(), 11);
        for (const ga::test::LiveSession &s : ended) {
            QCOMPARE(s.key, owner);
            QVERIFY(s.setupCompleted);
        }
    }

    void ephemeralTokenGoesToItsProject()
    {
        QVERIFY(start(3));
        // Created through the proxy (with the access token) by whichever key the pool picks…
        QTcpSocket http;
        http.connectToHost(QHostAddress::LocalHost, port());
        QVERIFY(http.waitForConnected(3000));
        const QByteArray body = R"({"uses":1})";
        http.write("POST /v1alpha/auth_tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + m_token
            + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
            + body);
        QByteArray answer;
        QElapsedTimer t;
        t.start();
        while (!answer.contains("auth_tokens/") && t.elapsed() < 5000) {
            QTest::qWait(5);
            answer += http.readAll();
        }
        const QByteArray bodyIn = answer.mid(answer.indexOf("\r\n\r\n") + 4);
        const QString name = QJsonDocument::fromJson(bodyIn).object().value(u"name").toString();
        QVERIFY2(name.startsWith(u"auth_tokens/"), answer.constData());
        QString creator;
        for (const ga::test::RecordedRequest &r : m_fake->requests()) {
            if (r.path.endsWith("auth_tokens")) {
                creator = r.key;
            }
        }
        QVERIFY(!creator.isEmpty());
        // …then used by a browser that has no access token: the session goes to the creator's project.
        for (int i = 0; i < 3; ++i) {
            m_fake->clearLiveSessions();
            LiveClient c;
            QVERIFY(c.open(port(), kConstrained, "access_token=" + QUrl::toPercentEncoding(name)));
            c.socket.sendTextMessage(QString::fromUtf8(setupMessage()));
            if (i == 0) {
                QVERIFY(c.waitFor("setupComplete") >= 0);
            } else {
                c.waitClosed(2000); // the token had one use; Google's answer passes through
            }
            c.socket.close();
            c.waitClosed();
            const QList<ga::test::LiveSession> ended = endedSessions(1);
            QCOMPARE(ended.size(), 1);
            QCOMPARE(ended.first().project, m_fake->liveSessions().first().project);
            QVERIFY(!ended.first().query.contains(name.toLatin1())); // the token went in a header
        }
        // An unknown ephemeral token and no access token: refused before upgrading.
        RawClient raw;
        QVERIFY(!raw.handshake(port(), kConstrained + "?access_token=auth_tokens/unknown123", {}));
        QCOMPARE(raw.status, 401);
    }

    void hostileClients()
    {
        QVERIFY(start(1, 800));
        // No token: 401 before the upgrade.
        {
            RawClient raw;
            QVERIFY(!raw.handshake(port(), kPath, {}));
            QCOMPARE(raw.status, 401);
        }
        // The access token as "Authorization: Token …" (the scheme Live clients use for tokens) is accepted.
        {
            RawClient raw;
            QVERIFY(raw.handshake(port(), kPath, "Authorization: Token " + m_token + "\r\n"));
            RawClient wrong;
            QVERIFY(!wrong.handshake(port(), kPath, "Authorization: Token not-our-token-at-all\r\n"));
            QCOMPARE(wrong.status, 401);
        }
        // A web page of another origin: 403 before the upgrade.
        {
            RawClient raw;
            QVERIFY(!raw.handshake(port(), kPath + "?" + keyQuery(), "Origin: https://evil.example\r\n"));
            QCOMPARE(raw.status, 403);
        }
        // Not a WebSocket request.
        {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port());
            QVERIFY(s.waitForConnected(3000));
            s.write("GET " + kPath + "?" + keyQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QTRY_VERIFY(s.bytesAvailable() > 0);
            QVERIFY(s.readAll().startsWith("HTTP/1.1 426"));
        }
        // A frame announcing more than 16 MiB: close 1009 at once.
        {
            RawClient raw;
            QVERIFY(raw.handshake(port(), kPath + "?" + keyQuery(), {}));
            QByteArray header;
            header += char(0x81);
            header += char(0x80 | 127);
            char len[8];
            qToBigEndian<quint64>(17ULL * 1024 * 1024, len);
            header.append(len, 8);
            header.append("\x01\x02\x03\x04", 4);
            raw.socket.write(header);
            raw.socket.flush();
            const auto frame = raw.next();
            QCOMPARE(frame.first, quint8(ws::Close));
            QCOMPARE(qFromBigEndian<quint16>(frame.second.constData()), quint16(1009));
        }
        // Never sends setup: closed after the header timeout (800 ms here).
        {
            RawClient raw;
            QVERIFY(raw.handshake(port(), kPath + "?" + keyQuery(), {}));
            QElapsedTimer t;
            t.start();
            const auto frame = raw.next(5000);
            QCOMPARE(frame.first, quint8(ws::Close));
            QCOMPARE(qFromBigEndian<quint16>(frame.second.constData()), quint16(1008));
            QVERIFY(t.elapsed() >= 600);
        }
        // An unmasked client frame is a protocol error.
        {
            RawClient raw;
            QVERIFY(raw.handshake(port(), kPath + "?" + keyQuery(), {}));
            raw.socket.write(ws::buildFrame(ws::Text, setupMessage()));
            const auto frame = raw.next();
            QCOMPARE(frame.first, quint8(ws::Close));
            QCOMPARE(qFromBigEndian<quint16>(frame.second.constData()), quint16(1002));
        }
    }

    void fragmentsPingAndCloseRelayed()
    {
        QVERIFY(start(1));
        RawClient raw;
        // Behind a base path and with the double slash @google/genai sends.
        QVERIFY(raw.handshake(port(),
            "/gemini//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?" + keyQuery(), {}));
        const QByteArray setup = setupMessage();
        raw.send(ws::Text, setup.left(10), false);
        raw.send(ws::Ping, "are you there"); // a control frame between fragments
        raw.send(ws::Continuation, setup.mid(10), true);
        // The ping is answered by the fake (through the relay) or the proxy; then setupComplete.
        bool pong = false;
        bool complete = false;
        for (int i = 0; i < 4 && !(pong && complete); ++i) {
            const auto f = raw.next();
            pong = pong || (f.first == ws::Pong && f.second == "are you there");
            complete = complete || (f.first == ws::Binary && f.second.contains("setupComplete"));
        }
        QVERIFY(pong);
        QVERIFY2(complete, qPrintable(QString::number(m_fake->liveSessions().size())));
        const QByteArray turn = textTurn(QStringLiteral("fragmented"));
        raw.send(ws::Text, turn.left(5), false);
        raw.send(ws::Continuation, turn.mid(5, 5), false);
        raw.send(ws::Continuation, turn.mid(10), true);
        bool done = false;
        for (int i = 0; i < 6 && !done; ++i) {
            done = raw.next().second.contains("turnComplete");
        }
        QVERIFY(done);
        raw.send(ws::Close, ws::closePayload(4000, "custom reason"));
        const auto close = raw.next();
        QCOMPARE(close.first, quint8(ws::Close));
        const QList<ga::test::LiveSession> ended = endedSessions(1);
        QCOMPARE(ended.first().closeCode, 4000);
        QCOMPARE(ended.first().closeReason, QStringLiteral("custom reason"));
    }

    void goAwayAndGooglesClosePassThrough()
    {
        QVERIFY(start(1));
        m_fake->setLiveMaxSessionMs(300); // Google's session limit, shortened
        LiveClient c;
        QVERIFY(startSession(c));
        QVERIFY(c.waitFor("goAway", 1) > 0);
        QVERIFY(c.waitClosed());
        m_fake->setLiveMaxSessionMs(0);
        QCOMPARE(int(c.socket.closeCode()), 1000);
        QTRY_VERIFY(!m_proxy->recorder()->history().empty());
        QCOMPARE(m_proxy->recorder()->history().back().live->closeCode, 1000);
    }

    void liveSessionCapPerToken()
    {
        QVERIFY(start(1, 10'000, 1));
        LiveClient first;
        QVERIFY(startSession(first));
        RawClient second;
        QVERIFY(!second.handshake(port(), kPath + "?" + keyQuery(), {}));
        QCOMPARE(second.status, 429);
        first.socket.close();
        QVERIFY(first.waitClosed());
        // The slot is free once the proxy has seen the session end (a moment after the client's close).
        bool started = false;
        for (int i = 0; i < 50 && !started; ++i) {
            LiveClient third;
            started = startSession(third);
            if (!started) {
                QTest::qWait(100);
            }
        }
        QVERIFY(started);
    }
};

QTEST_GUILESS_MAIN(TestLive)
#include "tst_live.moc"
