// SPDX-License-Identifier: GPL-3.0-or-later
// A connection flood against the real daemon (issue 16, defect 4): 1,100 idle connections and 200 slowloris
// connections (a head sent a few bytes at a time, never finished), every one reopened as soon as it is closed,
// from the same address as the good client. The good client opens a new connection per request and must
// succeed in at least 95 % of them; refusals carry 503 + Retry-After and show in /metrics and the log.
#include "fakegemini.h"
#include "rawhttp.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <sys/resource.h>

using ga::test::runCli;
using ga::test::Sandbox;

namespace {

constexpr int kIdle = 1100;
constexpr int kSlow = 200;

// The flood, on its own thread and event loop: every socket closed by the proxy is replaced at once.
class Flood final : public QObject
{
public:
    explicit Flood(quint16 port)
        : m_port(port)
    { }

    void start()
    {
        m_drip = new QTimer(this);
        m_drip->setInterval(300);
        connect(m_drip, &QTimer::timeout, this, [this] {
            // One more header line fragment on every slow connection: never a complete head.
            for (QTcpSocket *s : std::as_const(m_slow)) {
                if (s->state() == QAbstractSocket::ConnectedState) {
                    s->write("X-a: b\r\n");
                }
            }
        });
        m_drip->start();
        for (int i = 0; i < kIdle; ++i) {
            open(false);
        }
        for (int i = 0; i < kSlow; ++i) {
            open(true);
        }
    }
    void stop()
    {
        m_stopped = true;
        m_drip->stop();
        const auto all = findChildren<QTcpSocket *>();
        for (QTcpSocket *s : all) {
            s->disconnect(this);
            s->abort();
            delete s;
        }
        m_slow.clear();
    }
    int reopened() const { return m_reopened; }
    int connected() const { return m_connected; }

private:
    void open(bool slow)
    {
        auto *s = new QTcpSocket(this);
        if (slow) {
            m_slow.insert(s);
            connect(
                s, &QTcpSocket::connected, s, [s] { s->write("POST /v1beta/models/m:generateContent HTTP/1.1\r\n"); });
        }
        connect(s, &QTcpSocket::connected, this, [this] { ++m_connected; });
        connect(s, &QIODevice::readyRead, s, [s] { s->readAll(); });
        auto replace = [this, s, slow] {
            if (m_stopped) {
                return;
            }
            m_slow.remove(s);
            s->disconnect(this);
            s->deleteLater();
            ++m_reopened;
            open(slow);
        };
        connect(s, &QAbstractSocket::disconnected, this, replace);
        connect(s, &QAbstractSocket::errorOccurred, this, replace);
        s->connectToHost(QHostAddress::LocalHost, m_port);
    }

    quint16 m_port;
    QTimer *m_drip = nullptr;
    QSet<QTcpSocket *> m_slow;
    bool m_stopped = false;
    int m_reopened = 0;
    int m_connected = 0;
};

QByteArray fetchMetrics(quint16 port)
{
    ga::test::Client c(port);
    c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return c.read(10'000).body;
}

double metric(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(name + ' ')) {
            return line.mid(name.size() + 1).toDouble();
        }
    }
    return -1;
}

} // namespace

class TestFlood : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // 1,300 flood sockets here, as many in the daemon (which raises its own limit).
        rlimit limit {};
        QVERIFY(getrlimit(RLIMIT_NOFILE, &limit) == 0);
        limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 8192);
        QVERIFY(setrlimit(RLIMIT_NOFILE, &limit) == 0);
        if (limit.rlim_cur < 4096) {
            QSKIP("the hard limit on open files is below 4096 here");
        }
    }

    void goodClientSucceedsUnderFlood()
    {
        ga::test::FakeGemini fake;
        fake.setThreads(2);
        QVERIFY(fake.listen());
        const QString key = ga::test::fakeKey(1);
        fake.addKey(key);

        Sandbox sb;
        const quint16 port = ga::test::freePort();
        for (const QStringList &args : { QStringList { "config", "set", "listen.port", QString::number(port) },
                 QStringList { "config", "set", "upstream.baseUrl", fake.baseUrl() } }) {
            const auto r = runCli(sb, args);
            QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        }
        QCOMPARE(runCli(sb, { "keys", "add" }, key.toLatin1() + '\n').exitCode, 0);

        ga::test::DaemonProcess daemon(sb);
        QVERIFY2(daemon.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(daemon.log()));
        const auto tokenRun = runCli(sb, { "token", "show" });
        QCOMPARE(tokenRun.exitCode, 0);
        const QByteArray token = tokenRun.out.trimmed();
        QVERIFY(!token.isEmpty());

        QThread floodThread;
        floodThread.start();
        auto *flood = new Flood(port);
        flood->moveToThread(&floodThread);
        QMetaObject::invokeMethod(flood, &Flood::start, Qt::BlockingQueuedConnection);
        // The flood fills the connection limit: every flood socket has connected at least once.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                int connected = 0;
                QMetaObject::invokeMethod(
                    flood, [&] { connected = flood->connected(); }, Qt::BlockingQueuedConnection);
                return connected >= kIdle + kSlow;
            }(),
            20'000);

        const QByteArray body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
        int ok = 0;
        int failed = 0;
        QMap<int, int> statuses;
        bool retryAfterOnRefusal = true;
        QList<qint64> latencies;
        QElapsedTimer run;
        run.start();
        // 15 s, and at least 50 requests to judge by (a sanitizer build is several times slower), within 60 s.
        while ((run.elapsed() < 15'000 || ok + failed < 50) && run.elapsed() < 60'000) {
            QElapsedTimer t;
            t.start();
            ga::test::Client c(port);
            c.send(ga::test::post("/v1beta/models/gemini-2.5-flash:generateContent", body,
                "x-goog-api-key: " + token + "\r\nConnection: close\r\n"));
            const ga::test::Reply r = c.read(5000);
            latencies.append(t.elapsed());
            ++statuses[r.status];
            if (r.status == 200) {
                ++ok;
            } else {
                ++failed;
                if (r.status == 503 && r.header("Retry-After").isEmpty()) {
                    retryAfterOnRefusal = false;
                }
            }
            QTest::qWait(20);
        }
        std::sort(latencies.begin(), latencies.end());
        const int total = ok + failed;
        const QByteArray metrics = fetchMetrics(port);
        int reopened = 0;
        QMetaObject::invokeMethod(
            flood, [&] { reopened = flood->reopened(); }, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(flood, &Flood::stop, Qt::BlockingQueuedConnection);
        delete flood;
        floodThread.quit();
        floodThread.wait();

        QString seen;
        for (auto it = statuses.begin(); it != statuses.end(); ++it) {
            seen += QStringLiteral(" %1×%2").arg(it.key()).arg(it.value());
        }
        qInfo().noquote() << QStringLiteral("good client: %1 of %2 succeeded (%3 %), statuses:%4; latency p50 %5 ms, "
                                            "p95 %6 ms, max %7 ms; flood sockets reopened %8 times")
                                 .arg(ok)
                                 .arg(total)
                                 .arg(total ? 100.0 * ok / total : 0, 0, 'f', 1)
                                 .arg(seen)
                                 .arg(latencies.value(latencies.size() / 2))
                                 .arg(latencies.value(latencies.size() * 95 / 100))
                                 .arg(latencies.isEmpty() ? 0 : latencies.last())
                                 .arg(reopened);
        const double evicted = metric(metrics, "ga_evicted_connections_total");
        const double refused = metric(metrics, "ga_refused_connections_total");
        qInfo() << "metrics: evicted" << evicted << "refused" << refused;

        QVERIFY2(total >= 50, "the good client made too few requests to judge");
        QVERIFY2(ok * 100 >= total * 95, "the good client succeeded in fewer than 95 % of its requests");
        QVERIFY(retryAfterOnRefusal);
        QVERIFY2(evicted > 0, metrics.constData()); // the flood did reach the limit
        QVERIFY(refused >= 0);
        QVERIFY2(
            daemon.waitFor(QStringLiteral("at the connection limit"), 1000) >= 0, "connection pressure was not logged");
        // Rate-limited: one line per 10 s at most while the flood lasted (2 s of filling, then the good client).
        const qint64 floodMs = 2000 + run.elapsed();
        QVERIFY(daemon.log().count(QStringLiteral("at the connection limit")) <= floodMs / 10'000 + 1);

        // Nothing lost: the daemon still serves, its config is valid, and it stops cleanly.
        ga::test::Client after(port);
        after.send(ga::test::post("/v1beta/models/gemini-2.5-flash:generateContent", body,
            "x-goog-api-key: " + token + "\r\nConnection: close\r\n"));
        QCOMPARE(after.read(5000).status, 200);
        QCOMPARE(runCli(sb, { "config", "check" }).exitCode, 0);
        QCOMPARE(daemon.stop(SIGTERM), 0);
    }
};

QTEST_GUILESS_MAIN(TestFlood)
#include "tst_flood.moc"
