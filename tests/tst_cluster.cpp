// SPDX-License-Identifier: GPL-3.0-or-later
// Cluster mode (core/cluster) with a real redis-server: three nodes in one process (each its own key pool, resource
// map, router, rate limiter and ClusterNode with its own Redis connections), as three daemons would be. What one
// learns the others learn (and how fast), usage adds up, a per-minute limit holds across nodes, Redis dying and
// coming back loses nothing.
#include "cluster/clusternode.h"
#include "cluster/sharedwindows.h"
#include "config/redisurl.h"
#include "keys/apikey.h"
#include "redisserver.h"
#include "security/ratelimiter.h"
#include "testsupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace ga;

namespace {

struct Node
{
    keys::KeyPool keys;
    affinity::ResourceMap resources;
    routing::Router router;
    security::RateLimiter limiter;
    std::unique_ptr<cluster::ClusterNode> cluster;

    Node() { cluster = std::make_unique<cluster::ClusterNode>(keys, resources, router); }
    ~Node() { cluster.reset(); }
};

struct TestKey
{
    QString secret;
    QString group;
};

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private:
    test::RedisServer m_redis;
    std::vector<std::unique_ptr<Node>> m_nodes;
    std::vector<TestKey> m_keys;

    // Node n's id for key k: ids differ between nodes (each imported on its own); fingerprints match.
    static QString idOf(int node, int key) { return QStringLiteral("n%1k%2").arg(node).arg(key); }

    void setUpNode(int n, const std::vector<int> &keyIndexes)
    {
        Node &node = *m_nodes[size_t(n)];
        std::vector<keys::PoolKeyConfig> pool;
        QList<config::KeyEntry> entries;
        for (int k : keyIndexes) {
            const TestKey &t = m_keys[size_t(k)];
            pool.push_back({ idOf(n, k), t.secret.toLatin1(), t.group, 1, true });
            config::KeyEntry e;
            e.id = idOf(n, k);
            e.group = t.group;
            e.fingerprint = keys::keyFingerprint(t.secret.toLatin1());
            entries.append(e);
        }
        node.keys.setKeys(std::move(pool));
        node.cluster->setKeys(entries);
        QObject::connect(node.cluster.get(), &cluster::ClusterNode::windowsChanged, node.cluster.get(),
            [&node] { node.limiter.setShared(node.cluster->windows()); });
    }

    config::RedisAddress address() const
    {
        config::RedisAddress a;
        QString error;
        config::parseRedisUrl(m_redis.url(), &a, &error);
        return a;
    }

    bool allConnected() const
    {
        for (const auto &n : m_nodes) {
            if (n->cluster->status().state != cluster::ClusterStatus::State::Connected) {
                return false;
            }
        }
        return true;
    }

    // Script runs Redis counted so far (EVALSHA and EVAL).
    qint64 scriptCalls() const
    {
        qint64 n = 0;
        for (const QByteArray &line :
            m_redis.cli({ QStringLiteral("INFO"), QStringLiteral("commandstats") }).split('\n')) {
            if (line.startsWith("cmdstat_evalsha:calls=") || line.startsWith("cmdstat_eval:calls=")) {
                n += line.mid(line.indexOf('=') + 1).split(',').value(0).toLongLong();
            }
        }
        return n;
    }

    static keys::Failure quota429(qint64 retryMs)
    {
        keys::Failure f;
        f.kind = keys::FailureKind::QuotaPerMinute;
        f.retryDelayMs = retryMs;
        f.quotaId = QStringLiteral("GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
        f.reason = QStringLiteral("quota exceeded");
        return f;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!test::RedisServer::available()) {
            QSKIP("redis-server is not installed (installer/bootstrap.sh deps installs it)");
        }
        if (!cluster::redisAvailable()) {
            QSKIP("built without hiredis");
        }
        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
    }

    void init()
    {
        m_redis.cli({ QStringLiteral("FLUSHALL") });
        m_keys.clear();
        for (int k = 0; k < 4; ++k) {
            m_keys.push_back({ test::fakeKey(900 + k), k < 2 ? QStringLiteral("proj-a") : QString() });
        }
        m_nodes.clear();
        for (int n = 0; n < 3; ++n) {
            m_nodes.push_back(std::make_unique<Node>());
            setUpNode(n, { 0, 1, 2, 3 });
            m_nodes.back()->cluster->configure(address(), {});
        }
        QTRY_VERIFY_WITH_TIMEOUT(allConnected(), 5000);
    }

    void cleanup() { m_nodes.clear(); }

    void urls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("display");
        QTest::newRow("host") << "redis://10.0.0.5" << true << "redis://10.0.0.5:6379/0";
        QTest::newRow("port+db") << "redis://r.internal:6380/3" << true << "redis://r.internal:6380/3";
        QTest::newRow("user") << "redis://ga@r:6379/1" << true << "redis://ga@r:6379/1";
        QTest::newRow("unix") << "unix:///run/redis/redis.sock?db=2" << true << "unix:///run/redis/redis.sock?db=2";
        QTest::newRow("password") << "redis://:hunter2hunter2@r:6379" << false << "";
        QTest::newRow("tls") << "rediss://r:6379" << false << "";
        QTest::newRow("http") << "http://r:6379" << false << "";
        QTest::newRow("db") << "redis://r/x" << false << "";
    }

    void urls()
    {
        QFETCH(QString, url);
        QFETCH(bool, ok);
        QFETCH(QString, display);
        config::RedisAddress a;
        QString error;
        QCOMPARE(config::parseRedisUrl(url, &a, &error), ok);
        if (ok) {
            QCOMPARE(a.display(), display);
        } else {
            QVERIFY(!error.isEmpty());
            QVERIFY2(!error.contains(QStringLiteral("hunter2")), qPrintable(error)); // never echoes a password
        }
    }

    // A 429 with RetryInfo seen by node 0: nodes 1 and 2 cool that project and model within 50 ms; other models
    // and other projects stay usable.
    void cooldownIsLearnedAtOnce()
    {
        // A real event loop (blocking in poll, as the daemon's does), not QTRY's 50 ms steps, so that the figure is
        // the cluster's latency and not the test's.
        QEventLoop loop;
        QTimer::singleShot(1000, &loop, &QEventLoop::quit);
        QElapsedTimer t;
        qint64 learnedAt[3] = { -1, -1, -1 };
        for (int n = 1; n < 3; ++n) {
            connect(&m_nodes[size_t(n)]->keys, &keys::KeyPool::keyStatusChanged, &loop,
                [&learnedAt, &t, &loop, n](const QString &id, keys::KeyStatus status) {
                    if (id == idOf(n, 0) && status == keys::KeyStatus::Cooling && learnedAt[n] < 0) {
                        learnedAt[n] = t.elapsed(); // when the node applied it (the signal follows at once)
                    }
                    if (learnedAt[1] >= 0 && learnedAt[2] >= 0) {
                        loop.quit();
                    }
                });
        }
        t.start();
        m_nodes[0]->keys.reportFailure(idOf(0, 0), QStringLiteral("gemini-2.5-flash"), quota429(30'000));
        loop.exec();
        QVERIFY2(learnedAt[1] >= 0 && learnedAt[2] >= 0, "not learned within 1 s");
        const qint64 learnedMs = std::max(learnedAt[1], learnedAt[2]);
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 0), QStringLiteral("gemini-2.5-flash")), keys::KeyStatus::Cooling);
        QCOMPARE(m_nodes[2]->keys.status(idOf(2, 0), QStringLiteral("gemini-2.5-flash")), keys::KeyStatus::Cooling);
        qInfo("cooldown learned by both other nodes in %lld ms", learnedMs);
        QVERIFY2(learnedMs < 50, qPrintable(QStringLiteral("took %1 ms").arg(learnedMs)));
        // The whole group (project) cools: key 1 is of proj-a too; key 2 is its own project.
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 1), QStringLiteral("gemini-2.5-flash")), keys::KeyStatus::Cooling);
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 2), QStringLiteral("gemini-2.5-flash")), keys::KeyStatus::Active);
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 0), QStringLiteral("gemini-2.5-pro")), keys::KeyStatus::Active);
        // … for the 30 s Google asked.
        for (const keys::KeyReport &r : m_nodes[2]->keys.report()) {
            if (r.id == idOf(2, 0)) {
                const qint64 left = r.untilMs - QDateTime::currentMSecsSinceEpoch();
                QVERIFY2(left > 29'000 && left <= 30'000, qPrintable(QString::number(left)));
            }
        }
        // Picks on node 2 avoid the project for that model.
        for (int i = 0; i < 20; ++i) {
            keys::Pick p;
            QVERIFY(m_nodes[2]->keys.pick(QStringLiteral("gemini-2.5-flash"), {}, &p));
            QVERIFY(p.id != idOf(2, 0) && p.id != idOf(2, 1));
        }
        // Redis holds it with its TTL.
        const qint64 pttl = m_redis
                                .cli({ QStringLiteral("PTTL"),
                                    QStringLiteral("ga:cd:") + keys::keyFingerprint(m_keys[0].secret.toLatin1()) })
                                .toLongLong();
        QVERIFY2(pttl > 28'000 && pttl <= 30'000, qPrintable(QString::number(pttl)));
    }

    // A 429 that names no quota and gives no delay may be this node's connection (egress throttling): not shared.
    void anonymous429StaysLocal()
    {
        keys::Failure f;
        f.kind = keys::FailureKind::QuotaPerMinute;
        f.reason = QStringLiteral("Resource has been exhausted");
        m_nodes[0]->keys.reportFailure(idOf(0, 2), QStringLiteral("m"), f);
        QCOMPARE(m_nodes[0]->keys.status(idOf(0, 2), QStringLiteral("m")), keys::KeyStatus::Cooling);
        // A later, shared fact proves the channel delivered everything before it.
        m_nodes[0]->keys.reportFailure(idOf(0, 3), QStringLiteral("m"), quota429(10'000));
        QTRY_COMPARE(m_nodes[1]->keys.status(idOf(1, 3), QStringLiteral("m")), keys::KeyStatus::Cooling);
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 2), QStringLiteral("m")), keys::KeyStatus::Active);
    }

    void invalidAndClearAreShared()
    {
        keys::Failure f;
        f.kind = keys::FailureKind::InvalidKey;
        f.reason = QStringLiteral("API key not valid. Please pass a valid API key.");
        m_nodes[1]->keys.reportFailure(idOf(1, 2), QStringLiteral("m"), f);
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[0]->keys.status(idOf(0, 2)) == keys::KeyStatus::Invalid
                && m_nodes[2]->keys.status(idOf(2, 2)) == keys::KeyStatus::Invalid,
            200);
        for (int i = 0; i < 20; ++i) {
            keys::Pick p;
            QVERIFY(m_nodes[0]->keys.pick(QStringLiteral("m"), {}, &p));
            QVERIFY(p.id != idOf(0, 2));
        }
        // The user enables it again on node 2: every node uses it again.
        m_nodes[2]->keys.clearKeyState(idOf(2, 2));
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[0]->keys.status(idOf(0, 2)) == keys::KeyStatus::Active
                && m_nodes[1]->keys.status(idOf(1, 2)) == keys::KeyStatus::Active,
            200);
        QCOMPARE(m_redis.cli({ QStringLiteral("EXISTS"),
                     QStringLiteral("ga:inv:") + keys::keyFingerprint(m_keys[2].secret.toLatin1()) }),
            QByteArray("0"));
    }

    // A file uploaded through node 0 is owned by the same key (its local id) on node 2; a delete goes everywhere.
    void resourceOwnersAreShared()
    {
        affinity::Resource r;
        r.name = QStringLiteral("files/abc123def456");
        r.kind = affinity::Kind::File;
        r.keyId = idOf(0, 3);
        r.sizeBytes = 42;
        r.mimeType = QStringLiteral("text/plain");
        m_nodes[0]->resources.remember(r);
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[2]->resources.find(r.name).has_value(), 200);
        const affinity::Resource seen = *m_nodes[2]->resources.find(r.name);
        QCOMPARE(seen.keyId, idOf(2, 3));
        QCOMPARE(seen.sizeBytes, 42);
        QCOMPARE(seen.kind, affinity::Kind::File);
        QVERIFY(seen.expiresMs > QDateTime::currentMSecsSinceEpoch() + 47 * 3600 * 1000LL);
        // A group-owned resource: the receiving node's key of the group.
        r.name = QStringLiteral("cachedContents/zzz");
        r.kind = affinity::Kind::CachedContent;
        r.keyId = idOf(0, 1);
        r.group = QStringLiteral("proj-a");
        m_nodes[0]->resources.remember(r);
        QTRY_VERIFY(m_nodes[1]->resources.find(r.name).has_value());
        QCOMPARE(m_nodes[1]->resources.find(r.name)->group, QStringLiteral("proj-a"));
        m_nodes[1]->resources.forget(QStringLiteral("files/abc123def456"));
        QTRY_VERIFY(!m_nodes[0]->resources.find(QStringLiteral("files/abc123def456")).has_value());
        QTRY_VERIFY(!m_nodes[2]->resources.find(QStringLiteral("files/abc123def456")).has_value());
    }

    // Every node reports the cluster's totals: the sum of what each served.
    void usageAddsUp()
    {
        const int served[3] = { 7, 5, 9 };
        for (int n = 0; n < 3; ++n) {
            for (int i = 0; i < served[n]; ++i) {
                keys::Pick p;
                QVERIFY(m_nodes[size_t(n)]->keys.pick(QStringLiteral("gemini-2.5-flash"), {}, &p));
                keys::Usage u;
                u.known = true;
                u.promptTokens = 10;
                u.outputTokens = 2;
                u.totalTokens = 12;
                m_nodes[size_t(n)]->keys.reportSuccess(p.id, QStringLiteral("gemini-2.5-flash"), u);
            }
            m_nodes[size_t(n)]->cluster->flushUsage();
        }
        auto totals = [](Node &node, qint64 *requests, qint64 *tokens) {
            *requests = 0;
            *tokens = 0;
            for (const keys::KeyReport &r : node.keys.report()) {
                *requests += r.requestsToday;
                for (const auto &[day, models] : r.usage) {
                    for (const auto &[model, u] : models) {
                        *tokens += u.totalTokens;
                    }
                }
            }
        };
        for (int n = 0; n < 3; ++n) {
            qint64 requests = 0;
            qint64 tokens = 0;
            QTRY_VERIFY_WITH_TIMEOUT((totals(*m_nodes[size_t(n)], &requests, &tokens), requests == 21), 3000);
            QCOMPARE(tokens, 21 * 12);
        }
    }

    // A token limited to 60 per minute: 60 across all nodes, whichever node a request reaches.
    void rateLimitHoldsAcrossNodes()
    {
        security::RateLimiter::Subject s;
        s.key = QStringLiteral("token:team");
        s.label = QStringLiteral("token 'team'");
        s.limits.requestsPerMinute = 60;
        int allowed = 0;
        qint64 retryAfter = 0;
        QString message;
        for (int i = 0; i < 150; ++i) {
            security::RateLimiter::Decision d
                = m_nodes[size_t(i % 3)]->limiter.admit({ s }, false, QDateTime::currentMSecsSinceEpoch());
            if (d.allowed) {
                ++allowed;
            } else {
                retryAfter = d.retryAfterMs;
                message = d.message;
            }
        }
        QCOMPARE(allowed, 60);
        // (leases count as made at their end: at most a minute and a lease's life)
        QVERIFY2(retryAfter > 0 && retryAfter <= 60'000 + cluster::RedisWindows::kLeaseMs + 1,
            qPrintable(QString::number(retryAfter)));
        QVERIFY2(message.contains(QStringLiteral("across the cluster")), qPrintable(message));

        // A large limit (one-second slots instead of a set of times): never more than the limit either.
        s.key = QStringLiteral("token:bulk");
        s.limits.requestsPerMinute = 1500;
        allowed = 0;
        const qint64 scriptsBefore = scriptCalls();
        for (int i = 0; i < 1600; ++i) {
            allowed += m_nodes[size_t(i % 3)]->limiter.admit({ s }, false, QDateTime::currentMSecsSinceEpoch()).allowed;
        }
        QCOMPARE(allowed, 1500);
        // Busy nodes take leases: far fewer round trips than requests.
        const qint64 scripts = scriptCalls() - scriptsBefore;
        qInfo("1600 requests of a limited token on 3 nodes: %lld round trips to Redis", scripts);
        QVERIFY2(scripts < 400, qPrintable(QString::number(scripts)));
    }

    // Redis killed: nodes go on (the limiter counts locally, nothing fails), say so, reconnect and resync: what a node
    // learned meanwhile reaches the others within 5 s of Redis's return, and usage counted meanwhile is added.
    void redisDownAndBack()
    {
        // Served before the outage (node 1, flushed to Redis, which then loses everything).
        for (int i = 0; i < 3; ++i) {
            keys::Pick p;
            QVERIFY(m_nodes[1]->keys.pick(QStringLiteral("m"), {}, &p));
            m_nodes[1]->keys.reportSuccess(p.id, QStringLiteral("m"));
        }
        m_nodes[1]->cluster->flushUsage();
        QTRY_COMPARE(m_redis.cli({ QStringLiteral("KEYS"), QStringLiteral("ga:usage:*") }).isEmpty(), false);
        m_redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[0]->cluster->status().state == cluster::ClusterStatus::State::Down, 5000);
        QVERIFY(!m_nodes[0]->cluster->status().lastError.isEmpty());

        security::RateLimiter::Subject s;
        s.key = QStringLiteral("token:solo");
        s.label = QStringLiteral("token 'solo'");
        s.limits.requestsPerMinute = 5;
        int allowed = 0;
        for (int i = 0; i < 8; ++i) {
            allowed += m_nodes[1]->limiter.admit({ s }, false, QDateTime::currentMSecsSinceEpoch()).allowed ? 1 : 0;
        }
        QCOMPARE(allowed, 5); // this node's own window

        // Learned while Redis is down.
        keys::Failure f;
        f.kind = keys::FailureKind::InvalidKey;
        f.reason = QStringLiteral("API key expired. Please renew the API key.");
        m_nodes[0]->keys.reportFailure(idOf(0, 3), QStringLiteral("m"), f);
        for (int i = 0; i < 4; ++i) {
            keys::Pick p;
            QVERIFY(m_nodes[0]->keys.pick(QStringLiteral("m"), {}, &p));
            m_nodes[0]->keys.reportSuccess(p.id, QStringLiteral("m"));
        }
        m_nodes[0]->cluster->flushUsage(); // not connected: kept
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 3)), keys::KeyStatus::Active);

        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
        QElapsedTimer t;
        t.start();
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[1]->keys.status(idOf(1, 3)) == keys::KeyStatus::Invalid
                && m_nodes[2]->keys.status(idOf(2, 3)) == keys::KeyStatus::Invalid,
            5000);
        qInfo("resynced %lld ms after Redis came back", t.elapsed());
        QTRY_VERIFY_WITH_TIMEOUT(allConnected(), 5000);
        QVERIFY(m_nodes[0]->cluster->status().reconnects >= 1);
        QVERIFY(m_nodes[0]->cluster->status().lastResyncMs >= 0);
        m_nodes[0]->cluster->flushUsage();
        auto requests = [](Node &node) {
            qint64 n = 0;
            for (const keys::KeyReport &r : node.keys.report()) {
                n += r.requestsToday;
            }
            return n;
        };
        // Everything served, before and during the outage, although Redis came back empty.
        QTRY_COMPARE_WITH_TIMEOUT(requests(*m_nodes[2]), qint64(3 + 4), 3000);
        QTRY_COMPARE_WITH_TIMEOUT(requests(*m_nodes[0]), qint64(3 + 4), 3000);
    }

    // A key cleared on one node while Redis is down stays cleared when a node that still has the old mark comes back
    // later and pushes its state; a failure learned after the clear is not undone by it.
    void clearDuringOutageWins()
    {
        keys::Failure invalid;
        invalid.kind = keys::FailureKind::InvalidKey;
        invalid.reason = QStringLiteral("API key not valid. Please pass a valid API key.");
        m_nodes[1]->keys.reportFailure(idOf(1, 2), QStringLiteral("m"), invalid);
        QTRY_VERIFY(m_nodes[0]->keys.status(idOf(0, 2)) == keys::KeyStatus::Invalid
            && m_nodes[2]->keys.status(idOf(2, 2)) == keys::KeyStatus::Invalid);

        m_redis.kill();
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[0]->cluster->status().state == cluster::ClusterStatus::State::Down, 5000);
        m_nodes[2]->cluster->configure(std::nullopt, {}); // node 2 comes back last (it keeps its marks meanwhile)
        m_nodes[0]->keys.clearKeyState(idOf(0, 2)); // the user: keys enable, on node 0
        QCOMPARE(m_nodes[2]->keys.status(idOf(2, 2)), keys::KeyStatus::Invalid);

        QString error;
        QVERIFY2(m_redis.start(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(m_nodes[0]->cluster->status().state == cluster::ClusterStatus::State::Connected
                && m_nodes[1]->cluster->status().state == cluster::ClusterStatus::State::Connected,
            5000);
        QTRY_COMPARE_WITH_TIMEOUT(m_nodes[1]->keys.status(idOf(1, 2)), keys::KeyStatus::Active, 5000);
        // Node 2 rejoins with its stale mark, pushes it, pulls: the clear wins everywhere.
        QSignalSpy resynced(m_nodes[2]->cluster.get(), &cluster::ClusterNode::resynced);
        m_nodes[2]->cluster->configure(address(), {});
        QTRY_VERIFY_WITH_TIMEOUT(resynced.count() >= 1, 5000);
        QTRY_COMPARE(m_nodes[2]->keys.status(idOf(2, 2)), keys::KeyStatus::Active);
        // (the others pulled again on node 2's "sync"; give that pull its answers)
        QTRY_VERIFY(m_nodes[0]->cluster->status().received > 0);
        QCOMPARE(m_nodes[0]->keys.status(idOf(0, 2)), keys::KeyStatus::Active);
        QCOMPARE(m_nodes[1]->keys.status(idOf(1, 2)), keys::KeyStatus::Active);
        QCOMPARE(m_redis.cli({ QStringLiteral("EXISTS"),
                     QStringLiteral("ga:inv:") + keys::keyFingerprint(m_keys[2].secret.toLatin1()) }),
            QByteArray("0"));

        // Failing again after the clear: that mark is newer than the tombstone and is shared as usual.
        m_nodes[2]->keys.reportFailure(idOf(2, 2), QStringLiteral("m"), invalid);
        QTRY_VERIFY(m_nodes[0]->keys.status(idOf(0, 2)) == keys::KeyStatus::Invalid
            && m_nodes[1]->keys.status(idOf(1, 2)) == keys::KeyStatus::Invalid);
    }

    // A fingerprint the cluster names but this node lacks is logged once, not per event.
    void unknownKeyIsLoggedOnce()
    {
        auto extra = std::make_unique<Node>();
        Node &lone = *extra;
        m_nodes.push_back(std::move(extra));
        setUpNode(3, { 0 });
        lone.cluster->configure(address(), {});
        QTRY_VERIFY(lone.cluster->status().state == cluster::ClusterStatus::State::Connected);
        QTRY_VERIFY(lone.cluster->status().lastResyncMs >= 0);
        for (int i = 0; i < 3; ++i) {
            m_nodes[0]->keys.reportFailure(idOf(0, 2), QStringLiteral("m%1").arg(i), quota429(20'000));
        }
        m_nodes[0]->keys.reportFailure(idOf(0, 0), QStringLiteral("m"), quota429(20'000));
        QTRY_COMPARE(lone.keys.status(idOf(3, 0), QStringLiteral("m")), keys::KeyStatus::Cooling);
        QCOMPARE(lone.cluster->status().unknownKeys, 1);
    }

    // Off again: the node keeps what it learned and stops talking to Redis.
    void leavingTheCluster()
    {
        m_nodes[0]->cluster->configure(std::nullopt, {});
        QCOMPARE(m_nodes[0]->cluster->status().state, cluster::ClusterStatus::State::Off);
        QVERIFY(!m_nodes[0]->cluster->windows());
        m_nodes[1]->keys.reportFailure(idOf(1, 2), QStringLiteral("m"), quota429(20'000));
        QTRY_COMPARE(m_nodes[2]->keys.status(idOf(2, 2), QStringLiteral("m")), keys::KeyStatus::Cooling);
        QCOMPARE(m_nodes[0]->keys.status(idOf(0, 2), QStringLiteral("m")), keys::KeyStatus::Active);
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
