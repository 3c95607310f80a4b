// SPDX-License-Identifier: GPL-3.0-or-later
// A mixed soak against the real daemon process (issue 16, fault suite): 12 clients in a loop for 5 minutes
// ($GA_SOAK_SECONDS) against a fake upstream whose keys misbehave (one rate-limited half of the time, one breaking
// its streams). Memory must not grow after the warm-up, file descriptors must come back to the baseline once the
// clients are gone, no request may hang, and the requests that should succeed do (>= 99 %).
#include "config/configpaths.h"
#include "fakegemini.h"
#include "rawhttp.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <numeric>

using ga::test::CliResult;
using ga::test::FakeGemini;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

constexpr int kDefaultSeconds = 300;
constexpr int kClients = 12;
constexpr qint64 kHungMs = 30'000; // a request still open after this is hung (the fake answers in milliseconds)
constexpr double kMinSuccess = 0.99;
constexpr double kMaxRssGrowth = 0.05;
constexpr int kFdSettleMs = 10'000;
constexpr int kKeepAliveMs = 2000; // listen.keepAliveTimeoutMs: idle client connections do not linger
constexpr int kToggleMs = 10'000; // the rate-limited key flips between 429 and normal this often

enum class Kind
{
    Generate,
    Stream,
    Models,
    BadToken,
    Admin,
    Metrics,
    AbortStream, // a stream the client drops after its first bytes
};
constexpr Kind kKinds[]
    = { Kind::Generate, Kind::Stream, Kind::Models, Kind::BadToken, Kind::Admin, Kind::Metrics, Kind::AbortStream };

QString kindName(Kind k)
{
    switch (k) {
    case Kind::Generate:
        return QStringLiteral("generate");
    case Kind::Stream:
        return QStringLiteral("stream (sse)");
    case Kind::Models:
        return QStringLiteral("models list");
    case Kind::BadToken:
        return QStringLiteral("bad token");
    case Kind::Admin:
        return QStringLiteral("admin GET");
    case Kind::Metrics:
        return QStringLiteral("/metrics");
    case Kind::AbortStream:
        return QStringLiteral("stream aborted");
    }
    return {};
}

// Whether an outcome counts for the success ratio, and how.
enum class Verdict
{
    Success, // what it should be
    Failure, // should have succeeded and did not
    Excluded, // neither: a stream the upstream broke on purpose, a stream the client dropped
};

struct Outcome
{
    QString text; // "200", "401", "broken by the upstream", "closed after 312 bytes", …
    Verdict verdict = Verdict::Failure;
};

// Counters shared by the clients.
struct Figures
{
    QMap<Kind, QMap<QString, qint64>> outcomes;
    QMap<Kind, qint64> maxMs;
    QMap<Kind, qint64> totalMs;
    qint64 shouldSucceed = 0;
    qint64 succeeded = 0;
    qint64 hung = 0;
    qint64 newConnections = 0;
    qint64 reusedConnections = 0;
    qint64 staleRetries = 0; // a reused connection closed by the server before the request: resent once
    QStringList failures; // the first few, for the message

    void record(Kind k, const Outcome &o, qint64 ms)
    {
        ++outcomes[k][o.text];
        maxMs[k] = std::max(maxMs.value(k), ms);
        totalMs[k] += ms;
        if (o.verdict != Verdict::Excluded) {
            ++shouldSucceed;
            succeeded += o.verdict == Verdict::Success ? 1 : 0;
        }
        if (o.verdict == Verdict::Failure && failures.size() < 20) {
            failures << QStringLiteral("%1: %2").arg(kindName(k), o.text);
        }
    }
    qint64 requests(Kind k) const
    {
        const QList<qint64> counts = outcomes.value(k).values();
        return std::accumulate(counts.begin(), counts.end(), qint64(0));
    }
};

struct Credentials
{
    quint16 port = 0;
    QByteArray token;
    QByteArray admin;
};

// One client: a raw HTTP/1.1 connection, kept alive or replaced at random, one request at a time.
class Client final : public QObject
{
public:
    Client(const Credentials &credentials, Figures *figures, quint32 seed)
        : m_credentials(credentials)
        , m_figures(figures)
        , m_rng(seed)
    { }

    // Runs `plan` once (then stops), or requests of random kinds until stop() when `plan` is empty.
    void start(QList<Kind> plan = {})
    {
        m_plan = std::move(plan);
        m_limited = !m_plan.isEmpty();
        m_stopping = false;
        m_running = true;
        issue();
    }
    void stop() { m_stopping = true; }
    bool isRunning() const { return m_running; }
    bool isConnected() const { return m_socket && m_socket->state() == QAbstractSocket::ConnectedState; }
    void closeConnection() { dropSocket(); }

    // Called every second: a request open for longer than kHungMs is counted as hung and dropped.
    void checkHung()
    {
        if (m_inFlight && m_clock.elapsed() > kHungMs) {
            ++m_figures->hung;
            finish({ QStringLiteral("hung"), Verdict::Failure }, true);
        }
    }

private:
    Kind pick()
    {
        if (!m_plan.isEmpty()) {
            return m_plan.takeFirst();
        }
        const int roll = int(m_rng.bounded(100));
        return roll < 30 ? Kind::Generate
            : roll < 55  ? Kind::Stream
            : roll < 65  ? Kind::Models
            : roll < 72  ? Kind::BadToken
            : roll < 84  ? Kind::Admin
            : roll < 90  ? Kind::Metrics
                         : Kind::AbortStream;
    }

    QByteArray request(Kind k)
    {
        static const QByteArray body = R"({"contents":[{"parts":[{"text":"Say hello."}]}]})";
        static const QByteArray model = "/v1beta/models/gemini-2.5-flash";
        static const QList<QByteArray> adminPaths
            = { "/admin/api/v1/status", "/admin/api/v1/keys", "/admin/api/v1/stats", "/admin/api/v1/history" };
        const QByteArray close = m_rng.bounded(10) == 0 ? QByteArray("Connection: close\r\n") : QByteArray();
        const QByteArray token = "x-goog-api-key: " + m_credentials.token + "\r\n";
        switch (k) {
        case Kind::Generate:
            return ga::test::post(model + ":generateContent", body, token + close);
        case Kind::Stream:
        case Kind::AbortStream:
            return ga::test::post(model + ":streamGenerateContent?alt=sse", body, token + close);
        case Kind::Models:
            return "GET /v1beta/models HTTP/1.1\r\nHost: 127.0.0.1\r\n" + token + close + "\r\n";
        case Kind::BadToken:
            return ga::test::post(
                model + ":generateContent", body, "x-goog-api-key: gat_not-a-token-of-this-proxy\r\n" + close);
        case Kind::Admin:
            return "GET " + adminPaths.at(m_rng.bounded(int(adminPaths.size())))
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_credentials.admin + "\r\n" + close
                + "\r\n";
        case Kind::Metrics:
            return "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + close + "\r\n";
        }
        return {};
    }

    void issue()
    {
        if (m_stopping || (m_limited && m_plan.isEmpty())) {
            dropSocket();
            m_running = false;
            return;
        }
        m_kind = pick();
        m_request = request(m_kind);
        m_closeAfter = m_request.contains("Connection: close");
        m_retried = false;
        send(!isConnected() || m_rng.bounded(100) < 40);
    }

    void send(bool fresh)
    {
        m_inFlight = true;
        m_buffer.clear();
        m_clock.start();
        m_reused = !fresh;
        if (!fresh) {
            ++m_figures->reusedConnections;
            m_socket->write(m_request);
            return;
        }
        ++m_figures->newConnections;
        dropSocket();
        m_socket = new QTcpSocket(this);
        QTcpSocket *s = m_socket;
        connect(s, &QTcpSocket::connected, this, [this, s] {
            if (s == m_socket && m_inFlight) {
                s->write(m_request);
            }
        });
        connect(s, &QTcpSocket::readyRead, this, [this, s] {
            if (s == m_socket) {
                onReadyRead();
            }
        });
        connect(s, &QTcpSocket::disconnected, this, [this, s] {
            if (s == m_socket) {
                onClosed();
            }
        });
        connect(s, &QTcpSocket::errorOccurred, this, [this, s](QAbstractSocket::SocketError e) {
            if (s == m_socket && e != QAbstractSocket::RemoteHostClosedError) {
                onClosed();
            }
        });
        s->connectToHost(QHostAddress::LocalHost, m_credentials.port);
    }

    void onReadyRead()
    {
        m_buffer += m_socket->readAll();
        if (m_kind == Kind::AbortStream) {
            const qsizetype head = m_buffer.indexOf("\r\n\r\n");
            if (head >= 0 && m_buffer.size() > head + 4) {
                ga::test::Reply r;
                const bool done = ga::test::parseReply(m_buffer, &r) > 0;
                finish({ done ? QStringLiteral("completed before the abort") : QStringLiteral("aborted by the client"),
                           Verdict::Excluded },
                    true);
                return;
            }
        }
        ga::test::Reply r;
        const qsizetype used = ga::test::parseReply(m_buffer, &r);
        if (used == 0) {
            return;
        }
        const bool close = m_closeAfter || r.header("connection").toLower() == "close";
        finish(judge(r), close);
    }

    void onClosed()
    {
        if (!m_inFlight) {
            dropSocket(); // the server closed an idle keep-alive connection
            return;
        }
        m_buffer += m_socket->readAll();
        ga::test::Reply r;
        if (ga::test::parseReply(m_buffer, &r) > 0) {
            finish(judge(r), true);
            return;
        }
        if (m_buffer.isEmpty() && m_reused && !m_retried) {
            // The server timed out the idle connection as the request went out: a client sends it again.
            ++m_figures->staleRetries;
            m_retried = true;
            send(true);
            return;
        }
        const qsizetype head = m_buffer.indexOf("\r\n\r\n");
        const int status = head > 0 ? m_buffer.mid(9, 3).toInt() : 0;
        if ((m_kind == Kind::Stream || m_kind == Kind::AbortStream) && status == 200
            && m_buffer.contains("UNAVAILABLE")) {
            finish({ QStringLiteral("broken by the upstream (expected)"), Verdict::Excluded }, true);
            return;
        }
        finish({ QStringLiteral("closed after %1 bytes (status %2): %3")
                       .arg(m_buffer.size())
                       .arg(status)
                       .arg(m_socket->errorString()),
                   Verdict::Failure },
            true);
    }

    Outcome judge(const ga::test::Reply &r) const
    {
        const QString status = QString::number(r.status);
        bool ok = false;
        switch (m_kind) {
        case Kind::Generate:
            ok = r.status == 200 && r.body.contains("\"candidates\"");
            break;
        case Kind::Stream:
        case Kind::AbortStream:
            ok = r.status == 200 && r.complete && r.body.contains("\"finishReason\"");
            break;
        case Kind::Models:
            ok = r.status == 200 && r.body.contains("\"models\"");
            break;
        case Kind::BadToken:
            ok = r.status == 401;
            break;
        case Kind::Admin:
            ok = r.status == 200 && !QJsonDocument::fromJson(r.body).isNull();
            break;
        case Kind::Metrics:
            ok = r.status == 200 && !r.body.isEmpty();
            break;
        }
        if (m_kind == Kind::AbortStream) {
            return { QStringLiteral("completed before the abort"), Verdict::Excluded };
        }
        return { ok ? status : status + QStringLiteral(" (unexpected: ") + QString::fromUtf8(r.body.left(120)) + u')',
            ok ? Verdict::Success : Verdict::Failure };
    }

    void finish(const Outcome &o, bool close)
    {
        m_inFlight = false;
        m_figures->record(m_kind, o, m_clock.elapsed());
        if (close) {
            dropSocket();
        }
        QTimer::singleShot(0, this, [this] { issue(); });
    }

    void dropSocket()
    {
        if (!m_socket) {
            return;
        }
        QTcpSocket *s = m_socket;
        m_socket = nullptr;
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }

    Credentials m_credentials;
    Figures *m_figures;
    QRandomGenerator m_rng;
    QTcpSocket *m_socket = nullptr;
    QList<Kind> m_plan;
    bool m_limited = false;
    bool m_stopping = false;
    bool m_running = false;
    bool m_inFlight = false;
    bool m_reused = false;
    bool m_retried = false;
    bool m_closeAfter = false;
    Kind m_kind = Kind::Generate;
    QByteArray m_request;
    QByteArray m_buffer;
    QElapsedTimer m_clock;
};

struct Sample
{
    qint64 atMs = 0;
    qint64 rssKiB = 0;
    int fds = 0;
    int upstream = 0; // connections the daemon holds to the fake (its pool included)
};

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

qint64 meanRss(const QList<Sample> &samples, qint64 fromMs, qint64 toMs)
{
    qint64 sum = 0;
    qint64 n = 0;
    for (const Sample &s : samples) {
        if (s.atMs >= fromMs && s.atMs < toMs) {
            sum += s.rssKiB;
            ++n;
        }
    }
    return n ? sum / n : -1;
}

} // namespace

class TestSoak : public QObject
{
    Q_OBJECT

    Sandbox m_sb;
    FakeGemini m_fake;
    quint16 m_fakePort = 0;
    std::unique_ptr<ga::test::DaemonProcess> m_daemon;
    QList<Client *> m_clients;
    Figures m_warmup; // members: the clients (deleted in cleanup()) write to them until then
    Figures m_figures;
    QStringList m_logTail; // the daemon's last stderr lines
    qint64 m_logLines = 0;
    QMap<QString, qint64> m_warnings; // warning lines by message shape

    // Reads what the daemon wrote to stderr (access log lines included), keeping the tail and counting warnings.
    void drainLog()
    {
        const QList<QByteArray> lines = m_daemon->process().readAllStandardError().split('\n');
        for (const QByteArray &line : lines) {
            if (line.isEmpty()) {
                continue;
            }
            ++m_logLines;
            const QString text = QString::fromUtf8(line);
            if (line.contains(" warning ") || line.contains(" critical ") || line.contains(" fatal ")) {
                // Grouped by message: the timestamp dropped, numbers and ids made alike.
                static const QRegularExpression variable(QStringLiteral("[0-9a-f]*[0-9][0-9a-f]*"));
                QString shape = text.section(u' ', 1);
                shape.replace(variable, QStringLiteral("#"));
                if (m_warnings.size() < 50 || m_warnings.contains(shape)) {
                    ++m_warnings[shape];
                }
            }
            m_logTail << text;
        }
        while (m_logTail.size() > 30) {
            m_logTail.removeFirst();
        }
    }

    bool allIdle() const
    {
        return std::none_of(m_clients.begin(), m_clients.end(), [](const Client *c) { return c->isRunning(); });
    }

    // The daemon's pooled upstream connections have no idle timeout of their own: they close when the upstream
    // closes them, as Google does with idle connections. The fake drops all of its connections and listens again.
    void upstreamClosesIdleConnections()
    {
        m_fake.close();
        QVERIFY2(m_fake.listen(QHostAddress::LocalHost, m_fakePort), qPrintable(m_fake.errorString()));
    }

    // Waits (running the event loop) until the daemon holds at most `limit` fds; returns the last count.
    int waitForFds(int limit, int timeoutMs, qint64 *tookMs)
    {
        QElapsedTimer t;
        t.start();
        int fds = ga::test::openFdCount(m_daemon->pid());
        while (fds > limit && t.elapsed() < timeoutMs) {
            QTest::qWait(100);
            fds = ga::test::openFdCount(m_daemon->pid());
        }
        *tookMs = t.elapsed();
        return fds;
    }

    // The fd count once it has not changed for a second (the client idle, every socket closed).
    int settledFds()
    {
        int last = ga::test::openFdCount(m_daemon->pid());
        QElapsedTimer stable;
        stable.start();
        QElapsedTimer total;
        total.start();
        while (stable.elapsed() < 1000 && total.elapsed() < kFdSettleMs) {
            QTest::qWait(100);
            const int now = ga::test::openFdCount(m_daemon->pid());
            if (now != last) {
                last = now;
                stable.restart();
            }
        }
        return last;
    }

private Q_SLOTS:
    void cleanup()
    {
        qDeleteAll(m_clients);
        m_clients.clear();
        if (m_daemon && m_daemon->isRunning()) {
            qWarning().noquote() << "daemon stderr (last lines):\n" << m_logTail.join(u'\n');
        }
        m_daemon.reset();
    }

    void mixedTrafficLeavesNoLeak()
    {
        const int seconds = envInt("GA_SOAK_SECONDS", kDefaultSeconds);
        const qint64 warmMs = 1000LL * std::min(60, std::max(5, seconds / 5));
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo(
            "soak: %d s, %d clients, memory compared from %lld s on, seed %u", seconds, kClients, warmMs / 1000, seed);

        // The upstream: three keys, one rate-limited half of the time, one that breaks its streams.
        const QString normal = ga::test::fakeKey(901);
        const QString limited = ga::test::fakeKey(902);
        const QString broken = ga::test::fakeKey(903);
        ga::test::Script script;
        script.chunks = 4;
        script.intervalMs = 10;
        m_fake.setDefaultScript(script);
        m_fake.setRecording(false);
        m_fake.addKey(normal);
        ga::test::Script rateLimited = script;
        rateLimited.retryDelay = "2s";
        m_fake.setScript(limited, rateLimited);
        ga::test::Script breaking = script;
        breaking.behaviour = ga::test::Behaviour::MidStreamError;
        breaking.failAfterChunks = 2;
        m_fake.setScript(broken, breaking);
        QVERIFY(m_fake.listen());
        m_fakePort = m_fake.port();

        // The daemon: those keys, a short keep-alive, every request in the access log (stderr and file).
        QVERIFY(ga::test::useFastSecretFile(m_sb));
        Credentials credentials;
        credentials.port = ga::test::freePort();
        for (const auto &[path, value] :
            { std::pair { QStringLiteral("listen.port"), QString::number(credentials.port) },
                std::pair { QStringLiteral("upstream.baseUrl"), m_fake.baseUrl() },
                std::pair { QStringLiteral("listen.keepAliveTimeoutMs"), QString::number(kKeepAliveMs) } }) {
            const CliResult r = runCli(m_sb, { QStringLiteral("config"), QStringLiteral("set"), path, value });
            QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        }
        const CliResult added = runCli(m_sb,
            { QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("--label"), QStringLiteral("soak") },
            (normal + u'\n' + limited + u'\n' + broken + u'\n').toLatin1());
        QVERIFY2(added.exitCode == 0, qPrintable(added.errText()));
        credentials.token = runCli(m_sb, { QStringLiteral("token"), QStringLiteral("show") }).out.trimmed();
        credentials.admin = runCli(m_sb, { QStringLiteral("token"), QStringLiteral("show"), QStringLiteral("--admin") })
                                .out.trimmed();
        QVERIFY(credentials.token.startsWith("gat_") && !credentials.admin.isEmpty());

        m_daemon = std::make_unique<ga::test::DaemonProcess>(m_sb);
        QVERIFY2(m_daemon->waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(m_daemon->log()));
        const qint64 pid = m_daemon->pid();
        const qint64 rssStart = ga::test::residentKiB(pid);

        // Warm-up: every kind of request once from every client, then the client idle and every connection gone.
        for (int i = 0; i < kClients; ++i) {
            m_clients << new Client(credentials, &m_warmup, seed + quint32(i));
        }
        for (Client *c : std::as_const(m_clients)) {
            QList<Kind> plan(std::begin(kKinds), std::end(kKinds));
            std::shuffle(plan.begin(), plan.end(), *QRandomGenerator::global());
            c->start(plan);
        }
        QTRY_VERIFY_WITH_TIMEOUT(allIdle(), 30'000);
        drainLog();
        upstreamClosesIdleConnections();
        const int fdBaseline = settledFds();
        QVERIFY(fdBaseline > 0);
        qInfo("after start-up and the warm-up: %d fds, RSS %lld KiB", fdBaseline, ga::test::residentKiB(pid));

        // The soak: sample RSS and fds every second; flip the rate-limited key every 10 s.
        Figures &figures = m_figures;
        QList<Sample> samples;
        QElapsedTimer clock;
        clock.start();
        QTimer sampler;
        QObject::connect(&sampler, &QTimer::timeout, this, [&] {
            samples.append(
                { clock.elapsed(), ga::test::residentKiB(pid), ga::test::openFdCount(pid), m_fake.openConnections() });
            for (Client *c : std::as_const(m_clients)) {
                c->checkHung();
            }
            drainLog();
        });
        bool rateLimitedNow = false;
        QTimer toggler;
        QObject::connect(&toggler, &QTimer::timeout, this, [&] {
            rateLimitedNow = !rateLimitedNow;
            rateLimited.behaviour = rateLimitedNow ? ga::test::Behaviour::RateLimited : ga::test::Behaviour::Normal;
            m_fake.setScript(limited, rateLimited);
        });
        qDeleteAll(m_clients);
        m_clients.clear();
        for (int i = 0; i < kClients; ++i) {
            m_clients << new Client(credentials, &figures, seed + quint32(kClients + i));
            m_clients.last()->start();
        }
        sampler.start(1000);
        toggler.start(kToggleMs);
        while (clock.elapsed() < 1000LL * seconds) {
            QTest::qWait(200);
            QVERIFY2(m_daemon->isRunning(), qPrintable(m_logTail.join(u'\n')));
        }
        const qint64 trafficMs = clock.elapsed();
        for (Client *c : std::as_const(m_clients)) {
            c->stop();
        }
        QTRY_VERIFY_WITH_TIMEOUT(allIdle(), kHungMs + 5000);
        sampler.stop();
        toggler.stop();
        drainLog();

        // Clients gone, then the upstream's idle connections closed: the daemon is back at its baseline.
        for (Client *c : std::as_const(m_clients)) {
            c->closeConnection();
        }
        const int pooled = m_fake.openConnections();
        qint64 clientsGoneMs = 0;
        const int fdsClientsGone = waitForFds(fdBaseline + pooled, kFdSettleMs, &clientsGoneMs);
        upstreamClosesIdleConnections();
        qint64 fdSettleMs = 0;
        const int fdEnd = waitForFds(fdBaseline, kFdSettleMs, &fdSettleMs);
        const qint64 rssAfter = ga::test::residentKiB(pid);

        // The figures.
        qint64 rssMin = std::numeric_limits<qint64>::max();
        qint64 rssMax = 0;
        int fdPeak = 0;
        int upstreamPeak = 0;
        for (const Sample &s : std::as_const(samples)) {
            rssMin = std::min(rssMin, s.rssKiB);
            rssMax = std::max(rssMax, s.rssKiB);
            fdPeak = std::max(fdPeak, s.fds);
            upstreamPeak = std::max(upstreamPeak, s.upstream);
        }
        const qint64 rssWarm = meanRss(samples, warmMs, warmMs + 5000);
        const qint64 rssEnd = meanRss(samples, trafficMs - 5500, trafficMs + 1);
        const double growth = rssWarm > 0 ? double(rssEnd - rssWarm) / double(rssWarm) : 1.0;
        qint64 total = 0;
        qInfo("%-16s %9s %9s %9s  %s", "REQUESTS", "COUNT", "MEAN MS", "MAX MS", "OUTCOMES");
        for (Kind k : kKinds) {
            const qint64 n = figures.requests(k);
            total += n;
            QStringList parts;
            const QMap<QString, qint64> &o = figures.outcomes[k];
            for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
                parts << QStringLiteral("%1 × %2").arg(it.value()).arg(it.key());
            }
            qInfo("%-16s %9lld %9lld %9lld  %s", qPrintable(kindName(k)), n, n ? figures.totalMs[k] / n : 0,
                figures.maxMs.value(k), qPrintable(parts.join(QStringLiteral(", "))));
        }
        qInfo(
            "%-16s %9lld in %.0f s (%.0f/s); connections: %lld new, %lld reused, %lld resent after a keep-alive close",
            "total", total, trafficMs / 1000.0, total * 1000.0 / double(trafficMs), figures.newConnections,
            figures.reusedConnections, figures.staleRetries);
        qInfo("success: %lld of %lld that should succeed (%.3f %%); hung: %lld; streams the fake saw aborted: %d",
            figures.succeeded, figures.shouldSucceed, 100.0 * double(figures.succeeded) / double(figures.shouldSucceed),
            figures.hung, m_fake.abortedStreams());
        qInfo("RSS KiB: start %lld, after warm-up %lld (mean %lld-%lld s), end %lld (mean of the last 5 s), min %lld, "
              "max %lld, after the clients left %lld; growth %.2f %%",
            rssStart, rssWarm, warmMs / 1000, warmMs / 1000 + 5, rssEnd, rssMin, rssMax, rssAfter, 100.0 * growth);
        qInfo("fds: baseline %d, peak %d, clients gone %d (+%d pooled upstream, %lld ms), end %d (%lld ms after the "
              "upstream closed its side); upstream connections peak %d",
            fdBaseline, fdPeak, fdsClientsGone, pooled, clientsGoneMs, fdEnd, fdSettleMs, upstreamPeak);
        qInfo("daemon log: %lld lines, %lld warnings", m_logLines,
            std::accumulate(m_warnings.cbegin(), m_warnings.cend(), qint64(0)));
        for (auto it = m_warnings.constBegin(); it != m_warnings.constEnd(); ++it) {
            qInfo("  %6lld × %s", it.value(), qPrintable(it.key().left(200)));
        }

        QCOMPARE(figures.hung, 0);
        QVERIFY2(double(figures.succeeded) >= kMinSuccess * double(figures.shouldSucceed),
            qPrintable(figures.failures.join(u'\n')));
        QVERIFY2(
            growth < kMaxRssGrowth, qPrintable(QStringLiteral("RSS grew from %1 to %2 KiB").arg(rssWarm).arg(rssEnd)));
        QVERIFY2(fdEnd <= fdBaseline,
            qPrintable(QStringLiteral("%1 fds open %2 ms after the clients and the upstream left; baseline %3")
                           .arg(fdEnd)
                           .arg(fdSettleMs)
                           .arg(fdBaseline)));
        QCOMPARE(m_daemon->stop(SIGTERM), 0);
        // How the pool spread the load ("soak 1" normal, "soak 2" rate-limited half of the time, "soak 3" breaking
        // its streams), as the daemon saved it.
        const QJsonDocument keys = QJsonDocument::fromJson(
            runCli(m_sb, { QStringLiteral("keys"), QStringLiteral("list"), QStringLiteral("--json") }).out);
        for (const QJsonValue &v : keys.array()) {
            const QJsonObject k = v.toObject();
            qInfo("key %s (%s): %s, %.0f requests today %s", qPrintable(k.value(u"id").toString()),
                qPrintable(k.value(u"label").toString()), qPrintable(k.value(u"state").toString()),
                k.value(u"requestsToday").toDouble(), qPrintable(k.value(u"reason").toString()));
        }
        QJsonParseError error;
        const QString state = ga::config::keyStatePath(m_sb.configPath());
        QJsonDocument::fromJson(ga::test::readAll(state), &error);
        QVERIFY2(!QFile::exists(state) || error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    }
};

// QTEST_GUILESS_MAIN, with a longer watchdog: the soak function runs past QTest's default of 5 minutes per function.
int main(int argc, char *argv[])
{
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT")) {
        qputenv(
            "QTEST_FUNCTION_TIMEOUT", QByteArray::number(1000 * (envInt("GA_SOAK_SECONDS", kDefaultSeconds) + 100)));
    }
    QCoreApplication app(argc, argv);
    TestSoak test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_soak.moc"
