// SPDX-License-Identifier: GPL-3.0-or-later
// The key pool inside the proxy: a ProxyServer in front of the fake Gemini upstream, each key with its own
// behaviour there (invalid, per-minute or per-day quota, 503, region block), driven with raw sockets. The pool
// runs on a ManualClock, so cooldowns end when the test moves the clock, never by waiting.
#include "fakegemini/fakegemini.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "rawhttp.h"
#include "testsupport.h"
#include "time/clock.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <map>
#include <memory>

using ga::keys::KeyPool;
using ga::keys::KeyReport;
using ga::keys::KeyStatus;
using ga::keys::PoolKeyConfig;
using ga::keys::Strategy;
using ga::test::Behaviour;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::Script;

Q_DECLARE_METATYPE(ga::keys::Strategy)

namespace {

using ga::test::Client;
using ga::test::parseReply;
using ga::test::post;
using ga::test::Reply;

const QString kFlash = QStringLiteral("gemini-2.5-flash");
const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
const QByteArray kGeneratePro = "/v1beta/models/gemini-2.5-pro:generateContent";
const QByteArray kCompatChat = "/v1beta/openai/chat/completions";
const QByteArray kPrompt = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";

constexpr int kKeys = 5;

qint64 utc(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

PoolKeyConfig keyConfig(int n, const QString &group = {}, int weight = 1)
{
    return { QStringLiteral("k%1").arg(n), fakeKey(n).toLatin1(), group, weight, true };
}

std::vector<PoolKeyConfig> keyConfigs(int count)
{
    std::vector<PoolKeyConfig> keys;
    for (int i = 1; i <= count; ++i) {
        keys.push_back(keyConfig(i));
    }
    return keys;
}

KeyReport reportOf(const KeyPool &pool, const QString &id)
{
    for (const KeyReport &r : pool.report()) {
        if (r.id == id) {
            return r;
        }
    }
    return {};
}

} // namespace

class TestKeyPoolProxy : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    ga::time::ManualClock m_clock;
    std::unique_ptr<KeyPool> m_pool;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;
    QHash<QString, QString> m_idOfSecret; // fake key → pool id ("k1", ...)

    // A fresh pool (with `keys`, and `state` when given) and a proxy in front of the fake with it.
    bool start(const std::vector<PoolKeyConfig> &keys, int maxAttempts = 3, Strategy strategy = Strategy::RoundRobin,
        const QJsonObject &state = {})
    {
        m_proxy.reset();
        m_pool = std::make_unique<KeyPool>(m_clock);
        m_pool->setStrategy(strategy);
        m_pool->setKeys(keys);
        if (!state.isEmpty()) {
            m_pool->loadState(state);
        }
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(m_pool.get(), 2);
        m_proxy->authenticator()->setAllowAnonymousLoopback(true); // auth has its own suite (tst_hostile)
        QString error;
        if (!m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error)) {
            qWarning() << error;
            return false;
        }
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        c.maxAttempts = maxAttempts;
        const ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
        if (!s) {
            qWarning() << error;
            return false;
        }
        m_proxy->applySettings(s);
        return true;
    }

    quint16 port() const { return m_proxy->port(); }

    void setBehaviour(int n, Behaviour b, const QByteArray &retryDelay = "37s", bool daily = false)
    {
        Script s;
        s.behaviour = b;
        s.retryDelay = retryDelay;
        s.dailyQuota = daily;
        m_fake->setScript(fakeKey(n), s);
    }

    // Pool ids of the keys the fake saw, in arrival order, from request `from` on.
    QStringList keysSeen(qsizetype from = 0) const
    {
        QStringList ids;
        const auto all = m_fake->requests();
        for (qsizetype i = from; i < all.size(); ++i) {
            ids << m_idOfSecret.value(all.at(i).key, QStringLiteral("?"));
        }
        return ids;
    }

    // Sends `n` generateContent requests, one after the other; true when each got `status`.
    bool requests(Client &c, int n, int status = 200, const QByteArray &path = kGenerate)
    {
        for (int i = 0; i < n; ++i) {
            c.send(post(path, kPrompt));
            const Reply r = c.read();
            if (r.status != status) {
                qWarning() << "request" << i << "got" << r.status << r.body.left(300);
                return false;
            }
        }
        return true;
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
        m_fake->setThreads(2);
        QVERIFY(m_fake->listen());
        for (int i = 1; i <= kKeys; ++i) {
            // k1 and k2 share a Google Cloud project (group cooling), the others have their own.
            m_fake->addKey(fakeKey(i), i <= 2 ? QStringLiteral("project-a") : QStringLiteral("project-%1").arg(i));
            m_idOfSecret.insert(fakeKey(i), QStringLiteral("k%1").arg(i));
        }
    }

    void init()
    {
        m_clock.setNow(utc("2026-01-15T20:00:00Z")); // 12:00 PST
        m_fake->setDefaultScript(Script());
        for (int i = 1; i <= kKeys; ++i) {
            m_fake->clearScript(fakeKey(i));
        }
        m_fake->clearRequests();
    }

    void cleanup()
    {
        m_proxy.reset();
        m_pool.reset();
    }

    void anyUsableKeyGives200()
    {
        QVERIFY(start(keyConfigs(5), 5));
        setBehaviour(1, Behaviour::Invalid);
        setBehaviour(2, Behaviour::RateLimited, "37s");
        setBehaviour(3, Behaviour::RateLimited, "37s", true);
        setBehaviour(4, Behaviour::Overloaded);
        Client c(port());
        for (int i = 0; i < 12; ++i) {
            QVERIFY(requests(c, 1));
            m_clock.advance(1'000);
        }
        const QStringList seen = keysSeen();
        // Every key was tried; each broken one once (the 503 one maybe more: it is not to blame at first).
        QCOMPARE(seen.first(), QStringLiteral("k1"));
        QCOMPARE(seen.count(QStringLiteral("k1")), 1);
        QVERIFY(seen.count(QStringLiteral("k4")) >= 1);
        QCOMPARE(seen.count(QStringLiteral("k2")), 1);
        QCOMPARE(seen.count(QStringLiteral("k3")), 1);
        QCOMPARE(seen.count(QStringLiteral("k5")), 12);
        for (const auto &r : m_fake->requests()) {
            QCOMPARE(r.status, r.key == fakeKey(5) ? 200 : r.key == fakeKey(4) ? 503 : r.key == fakeKey(1) ? 400 : 429);
        }
        QCOMPARE(m_pool->status(QStringLiteral("k1")), KeyStatus::Invalid);
        QCOMPARE(m_pool->status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(m_pool->status(QStringLiteral("k3"), kFlash), KeyStatus::Cooling);
        QVERIFY(reportOf(*m_pool, QStringLiteral("k2")).reason.contains(QStringLiteral("PerMinute")));
        QVERIFY(reportOf(*m_pool, QStringLiteral("k3")).reason.contains(QStringLiteral("daily quota")));
        QCOMPARE(reportOf(*m_pool, QStringLiteral("k3")).untilMs, utc("2026-01-16T08:00:00Z"));
    }

    void invalidKeyIsNeverTriedAgain()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::Invalid);
        Client c(port());
        QVERIFY(requests(c, 20));
        QCOMPARE(keysSeen().count(QStringLiteral("k1")), 1);
        QCOMPARE(keysSeen().count(QStringLiteral("k2")), 20);
        const KeyReport r = reportOf(*m_pool, QStringLiteral("k1"));
        QCOMPARE(r.status, KeyStatus::Invalid);
        QVERIFY(r.reason.contains(QStringLiteral("API key not valid")));
        QVERIFY(!r.reason.contains(fakeKey(1)));
        m_clock.advance(3LL * 86'400'000); // days later: still not tried
        m_fake->clearRequests();
        QVERIFY(requests(c, 10));
        QCOMPARE(keysSeen().count(QStringLiteral("k1")), 0);
    }

    void perMinuteCooledKeyReturnsAfterRetryDelay_data()
    {
        QTest::addColumn<QByteArray>("retryDelay");
        QTest::addColumn<qint64>("delayMs");
        QTest::newRow("37s") << QByteArray("37s") << qint64(37'000);
        QTest::newRow("1.68s") << QByteArray("1.68s") << qint64(1'680);
    }

    void perMinuteCooledKeyReturnsAfterRetryDelay()
    {
        QFETCH(QByteArray, retryDelay);
        QFETCH(qint64, delayMs);
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::RateLimited, retryDelay);
        Client c(port());
        QVERIFY(requests(c, 1)); // k1: 429, then k2: 200
        QCOMPARE(keysSeen(), QStringList({ "k1", "k2" }));
        QCOMPARE(m_fake->requests().first().status, 429);
        setBehaviour(1, Behaviour::Normal); // from now on only the pool keeps k1 away
        QVERIFY(requests(c, 6));
        QCOMPARE(keysSeen(2), QStringList(6, QStringLiteral("k2")));
        m_clock.advance(delayMs - 1);
        QVERIFY(requests(c, 4));
        QCOMPARE(keysSeen(8), QStringList(4, QStringLiteral("k2")));
        m_clock.advance(1);
        QVERIFY(requests(c, 4));
        QCOMPARE(keysSeen(12).count(QStringLiteral("k1")), 2);
        QCOMPARE(m_pool->status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
    }

    void perDayCooledKeyReturnsAfterPacificMidnight_data()
    {
        QTest::addColumn<QString>("noon");
        QTest::addColumn<QString>("midnight");
        QTest::newRow("January (PST, UTC-8)")
            << QStringLiteral("2026-01-15T20:00:00Z") << QStringLiteral("2026-01-16T08:00:00Z");
        QTest::newRow("July (PDT, UTC-7)")
            << QStringLiteral("2026-07-15T19:00:00Z") << QStringLiteral("2026-07-16T07:00:00Z");
    }

    void perDayCooledKeyReturnsAfterPacificMidnight()
    {
        QFETCH(QString, noon);
        QFETCH(QString, midnight);
        m_clock.setNow(utc(noon.toLatin1().constData()));
        const qint64 until = utc(midnight.toLatin1().constData());
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::RateLimited, "37s", true); // the RetryInfo must not bring it back early
        Client c(port());
        QVERIFY(requests(c, 1));
        QCOMPARE(keysSeen(), QStringList({ "k1", "k2" }));
        QVERIFY(m_fake->requests().first().status == 429);
        QCOMPARE(reportOf(*m_pool, QStringLiteral("k1")).untilMs, until);
        setBehaviour(1, Behaviour::Normal);
        m_clock.advance(3'600'000);
        QVERIFY(requests(c, 4));
        m_clock.setNow(until - 1);
        QVERIFY(requests(c, 4));
        QCOMPARE(keysSeen(2), QStringList(8, QStringLiteral("k2")));
        m_clock.setNow(until);
        QVERIFY(requests(c, 4));
        QCOMPARE(keysSeen(10).count(QStringLiteral("k1")), 2);
    }

    void groupSharesA429()
    {
        QVERIFY(start({ keyConfig(1, QStringLiteral("project-a")), keyConfig(2, QStringLiteral("project-a")),
            keyConfig(3, QStringLiteral("project-b")) }));
        setBehaviour(1, Behaviour::RateLimited, "37s"); // k2 would answer, but it shares k1's quota
        Client c(port());
        QVERIFY(requests(c, 1));
        QCOMPARE(keysSeen(), QStringList({ "k1", "k3" })); // k2 skipped at once
        setBehaviour(1, Behaviour::Normal);
        QVERIFY(requests(c, 10));
        QCOMPARE(keysSeen(2), QStringList(10, QStringLiteral("k3")));
        QCOMPARE(m_pool->status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QCOMPARE(m_pool->status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(reportOf(*m_pool, QStringLiteral("k2")).coolingModels, QStringList { kFlash });
        // Another model is another quota.
        QVERIFY(requests(c, 3, 200, kGeneratePro));
        QCOMPARE(keysSeen(12), QStringList({ "k1", "k2", "k3" }));
        m_clock.advance(37'000);
        QVERIFY(requests(c, 3));
        QCOMPARE(keysSeen(15).size(), 3);
        QVERIFY(keysSeen(15).contains(QStringLiteral("k1")));
        QVERIFY(keysSeen(15).contains(QStringLiteral("k2")));
    }

    void serverErrorsDoNotBlameKeys()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::Overloaded);
        Client c(port());
        QVERIFY(requests(c, 1)); // k1: 503, k2: 200
        QCOMPARE(keysSeen(), QStringList({ "k1", "k2" }));
        QCOMPARE(m_fake->requests().first().status, 503);
        KeyReport r = reportOf(*m_pool, QStringLiteral("k1"));
        QCOMPARE(ga::keys::keyStatusName(r.status), QStringLiteral("active"));
        QVERIFY(r.lastError.contains(QStringLiteral("server-error")));

        // Google overloaded for everyone: the client gets the 503, and no key is benched for it.
        m_clock.advance(60'000);
        setBehaviour(2, Behaviour::Overloaded);
        for (int i = 0; i < 6; ++i) {
            const qsizetype before = m_fake->requests().size();
            c.send(post(kGenerate, kPrompt));
            const Reply reply = c.read();
            QCOMPARE(reply.status, 503);
            QVERIFY(reply.body.contains("UNAVAILABLE"));
            QCOMPARE(keysSeen(before).size(), 2); // both keys tried, every time
            m_clock.advance(1'000);
        }
        for (const KeyReport &k : m_pool->report()) {
            QCOMPARE(ga::keys::keyStatusName(k.status), QStringLiteral("active"));
        }
        // Google is back: served at once.
        setBehaviour(1, Behaviour::Normal);
        setBehaviour(2, Behaviour::Normal);
        QVERIFY(requests(c, 2));
    }

    void keyThatAloneKeepsFailingIsBenched()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::Internal);
        Client c(port());
        for (int i = 0; i < 8; ++i) {
            QVERIFY(requests(c, 1)); // every client request still succeeds via k2
            m_clock.advance(1'000);
        }
        // k1 failed while k2 worked: after a few failures its circuit opens and it is skipped.
        QCOMPARE(m_pool->status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QVERIFY(keysSeen().count(QStringLiteral("k1")) <= 4);
        QVERIFY(reportOf(*m_pool, QStringLiteral("k1")).reason.contains(QStringLiteral("circuit")));
    }

    void clientErrorIsNotRetriedNorCounted()
    {
        QVERIFY(start(keyConfigs(2)));
        Client c(port());
        // Broken JSON to the OpenAI-compatible endpoint: Google's 400 INVALID_ARGUMENT, the client's fault.
        for (int i = 0; i < 4; ++i) {
            const qsizetype before = m_fake->requests().size();
            c.send(post(kCompatChat, R"({"model": "gemini-2.5-flash", "messages": [)"));
            const Reply r = c.read();
            QCOMPARE(r.status, 400);
            QVERIFY(r.body.contains("INVALID_ARGUMENT"));
            QVERIFY(r.body.contains("Invalid JSON payload received."));
            QCOMPARE(keysSeen(before).size(), 1); // not retried on another key
        }
        QCOMPARE(keysSeen(), QStringList({ "k1", "k2", "k1", "k2" }));
        for (const KeyReport &k : m_pool->report()) {
            QCOMPARE(k.status, KeyStatus::Active);
            QVERIFY2(k.lastError.isEmpty(), qPrintable(k.lastError));
            for (const auto &[day, models] : k.usage) {
                for (const auto &[model, u] : models) {
                    QVERIFY(u.errors.isEmpty());
                }
            }
        }
        // An unknown model (404 NOT_FOUND) is the client's mistake too.
        c.send(post("/v1beta/models/nonexistent-model:generateContent", kPrompt));
        QCOMPARE(c.read().status, 404);
        QCOMPARE(m_fake->requests().size(), 5);
        QCOMPARE(m_pool->status(QStringLiteral("k1")), KeyStatus::Active);
        QVERIFY(requests(c, 2));
    }

    void regionBlockIsPassedOnWithoutBlame()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::RegionBlocked);
        Client c(port());
        c.send(post(kGenerate, kPrompt));
        const Reply r = c.read();
        QCOMPARE(r.status, 400);
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"error").toObject().value(u"status").toString(),
            QStringLiteral("FAILED_PRECONDITION"));
        QCOMPARE(m_fake->requests().size(), 1); // another key would get the same from this IP
        for (int i = 0; i < 4; ++i) {
            c.send(post(kGenerate, kPrompt));
            c.read();
        }
        QCOMPARE(keysSeen(), QStringList({ "k1", "k2", "k1", "k2", "k1" })); // k1 still in rotation
        QCOMPARE(m_pool->status(QStringLiteral("k1")), KeyStatus::Active);
    }

    void allKeysCoolingGives429WithRetryAfter()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::RateLimited, "37s");
        setBehaviour(2, Behaviour::RateLimited, "20s");
        Client c(port());
        c.send(post(kGenerate, kPrompt));
        Reply r = c.read();
        QCOMPARE(r.status, 429); // Google's own, from the last key tried
        QVERIFY(r.body.contains("\"retryDelay\": \"20s\""));
        QCOMPARE(m_fake->requests().size(), 2);

        const auto expectOwn429 = [&](int retryAfter) {
            c.send(post(kGenerate, kPrompt));
            const Reply own = c.read();
            QCOMPARE(own.status, 429);
            QCOMPARE(own.header("retry-after"), QByteArray::number(retryAfter));
            QCOMPARE(own.header("content-type"), QByteArray("application/json; charset=UTF-8"));
            const QJsonObject error = QJsonDocument::fromJson(own.body).object().value(u"error").toObject();
            QCOMPARE(error.value(u"code").toInt(), 429);
            QCOMPARE(error.value(u"status").toString(), QStringLiteral("RESOURCE_EXHAUSTED"));
            const QString message = error.value(u"message").toString();
            QVERIFY2(message.contains(QStringLiteral("2 cooling down")), qPrintable(message));
            QVERIFY2(message.contains(kFlash), qPrintable(message));
            QVERIFY2(message.contains(QStringLiteral("back in %1 s").arg(retryAfter)), qPrintable(message));
        };
        expectOwn429(20); // k2 is back first
        QCOMPARE(m_fake->requests().size(), 2); // nothing went upstream
        m_clock.advance(5'500);
        expectOwn429(15); // 14.5 s, rounded up
        m_clock.advance(14'499);
        expectOwn429(1);
        QCOMPARE(m_fake->requests().size(), 2);
        m_clock.advance(1);
        setBehaviour(2, Behaviour::Normal);
        QVERIFY(requests(c, 1));
        QCOMPARE(keysSeen(2), QStringList({ "k2" }));
    }

    void allKeysOutOfDailyQuotaRetryAfterMidnight()
    {
        QVERIFY(start(keyConfigs(2)));
        setBehaviour(1, Behaviour::RateLimited, "37s", true);
        setBehaviour(2, Behaviour::RateLimited, "37s", true);
        Client c(port());
        c.send(post(kGenerate, kPrompt));
        QCOMPARE(c.read().status, 429);
        m_clock.advance(3'600'000); // 13:00 PST: 11 h to midnight Pacific time
        c.send(post(kGenerate, kPrompt));
        const Reply r = c.read();
        QCOMPARE(r.status, 429);
        QCOMPARE(r.header("retry-after"), QByteArray::number(11 * 3600));
        QCOMPARE(m_fake->requests().size(), 2);
    }

    void distribution_data()
    {
        QTest::addColumn<Strategy>("strategy");
        QTest::addColumn<QList<int>>("weights");
        QTest::addColumn<QList<int>>("expected");
        QTest::addColumn<int>("tolerancePercent");
        QTest::newRow("round_robin") << Strategy::RoundRobin << QList<int> { 1, 1, 1 }
                                     << QList<int> { 1000, 1000, 1000 } << 0;
        QTest::newRow("weighted 1:2:3") << Strategy::Weighted << QList<int> { 1, 2, 3 }
                                        << QList<int> { 500, 1000, 1500 } << 1;
    }

    void distribution()
    {
        QFETCH(Strategy, strategy);
        QFETCH(QList<int>, weights);
        QFETCH(QList<int>, expected);
        QFETCH(int, tolerancePercent);
        QVERIFY(
            start({ keyConfig(1, {}, weights.at(0)), keyConfig(2, {}, weights.at(1)), keyConfig(3, {}, weights.at(2)) },
                3, strategy));
        Client c(port());
        QVERIFY(requests(c, 3000));
        std::map<QString, int> counts;
        for (const QString &id : keysSeen()) {
            ++counts[id];
        }
        qInfo() << "3000 requests:" << counts[QStringLiteral("k1")] << counts[QStringLiteral("k2")]
                << counts[QStringLiteral("k3")];
        QCOMPARE(counts.size(), size_t(3));
        for (int i = 0; i < 3; ++i) {
            const int got = counts[QStringLiteral("k%1").arg(i + 1)];
            const int want = expected.at(i);
            QVERIFY2(qAbs(got - want) * 100 <= want * tolerancePercent,
                qPrintable(QStringLiteral("k%1: %2, expected %3").arg(i + 1).arg(got).arg(want)));
            QCOMPARE(reportOf(*m_pool, QStringLiteral("k%1").arg(i + 1)).requestsToday, qint64(got));
        }
    }

    void stateSurvivesRestart()
    {
        QVERIFY(start(keyConfigs(3), 3));
        setBehaviour(1, Behaviour::Invalid);
        setBehaviour(2, Behaviour::RateLimited, "37s");
        Client c(port());
        QVERIFY(requests(c, 2));
        const qint64 cooledAt = m_clock.nowMs();
        const QJsonObject state
            = QJsonDocument::fromJson(QJsonDocument(m_pool->saveState()).toJson()).object(); // via the file format
        const qint64 k3Requests = reportOf(*m_pool, QStringLiteral("k3")).requestsToday;

        // Restart: a new pool and proxy; the fake would now serve every key.
        QVERIFY(start(keyConfigs(3), 3, Strategy::RoundRobin, state));
        m_fake->clearScript(fakeKey(1));
        m_fake->clearScript(fakeKey(2));
        m_fake->clearRequests();
        QCOMPARE(m_pool->status(QStringLiteral("k1")), KeyStatus::Invalid);
        QCOMPARE(m_pool->status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(reportOf(*m_pool, QStringLiteral("k3")).requestsToday, k3Requests);
        Client again(port());
        QVERIFY(requests(again, 4));
        QCOMPARE(keysSeen(), QStringList(4, QStringLiteral("k3")));
        m_clock.setNow(cooledAt + 37'000);
        QVERIFY(requests(again, 4));
        QCOMPARE(keysSeen(4).count(QStringLiteral("k2")), 2);
        QCOMPARE(keysSeen().count(QStringLiteral("k1")), 0);
    }
};

QTEST_GUILESS_MAIN(TestKeyPoolProxy)
#include "tst_keypool_proxy.moc"
