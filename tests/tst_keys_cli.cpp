// SPDX-License-Identifier: GPL-3.0-or-later
// The key pool as a user meets it: `keys test`, `keys list` state, `keys stats`, state kept across a daemon
// restart, and `keys enable` bringing an invalid key back — real daemon, fake upstream on its own thread.
#include "fakegemini/fakegemini.h"
#include "secrets/filesecretstore.h"
#include "secrets/secretcipher.h"
#include "testsupport.h"
#include "time/clock.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <csignal>

using ga::test::CliResult;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

// The fake upstream on a thread of its own, so that blocking on a CLI process does not stall it.
class FakeOnThread
{
public:
    FakeOnThread()
    {
        m_thread.start();
        m_fake = new FakeGemini;
        m_fake->moveToThread(&m_thread);
        call([this] { m_fake->listen(); });
    }
    ~FakeOnThread()
    {
        call([this] { delete m_fake; });
        m_thread.quit();
        m_thread.wait();
    }
    template<typename F>
    void call(F f)
    {
        QMetaObject::invokeMethod(m_fake, f, Qt::BlockingQueuedConnection);
    }
    QString baseUrl()
    {
        QString url;
        call([&] { url = m_fake->baseUrl(); });
        return url;
    }
    QList<ga::test::RecordedRequest> requests()
    {
        QList<ga::test::RecordedRequest> r;
        call([&] { r = m_fake->requests(); });
        return r;
    }
    FakeGemini *fake() { return m_fake; }

private:
    QThread m_thread;
    FakeGemini *m_fake = nullptr;
};

class Daemon
{
public:
    explicit Daemon(const Sandbox &sb)
    {
        m_process.setProcessEnvironment(sb.environment());
        m_process.start(ga::test::daemonPath(), { QStringLiteral("run") });
    }
    ~Daemon()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    bool waitFor(const QString &needle, int timeoutMs)
    {
        QSignalSpy spy(&m_process, &QProcess::readyReadStandardError);
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            m_err += m_process.readAllStandardError();
            if (QString::fromUtf8(m_err).contains(needle)) {
                return true;
            }
            if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning) {
                return false;
            }
            spy.wait(int(std::max<qint64>(1, deadline.remainingTime())));
        }
    }
    int stop()
    {
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(10'000)) {
            return -2;
        }
        m_err += m_process.readAllStandardError();
        return m_process.exitCode();
    }
    QString log() const { return QString::fromUtf8(m_err); }

private:
    QProcess m_process;
    QByteArray m_err;
};

// The access token the daemon of the current test accepts (set by useTokenOf()).
QByteArray g_token;

void useTokenOf(const Sandbox &sb)
{
    g_token = runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).out.trimmed();
}

int generate(quint16 port)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000)) {
        return -1;
    }
    const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
    s.write("POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            "x-goog-api-key: "
        + g_token + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray got;
    while (s.waitForReadyRead(10'000)) {
        got += s.readAll();
    }
    got += s.readAll();
    return got.mid(9, 3).toInt();
}

QJsonArray keysJson(const Sandbox &sb, const QString &what = QStringLiteral("list"))
{
    return QJsonDocument::fromJson(runCli(sb, { QStringLiteral("keys"), what, QStringLiteral("--json") }).out).array();
}

QJsonObject byId(const QJsonArray &a, const QString &id)
{
    for (const QJsonValue &v : a) {
        if (v.toObject().value(u"id").toString() == id) {
            return v.toObject();
        }
    }
    return {};
}

// The sandbox's encrypted secret file as the file store reads it: entry names to values.
QMap<QString, QByteArray> storedSecrets(const Sandbox &sb)
{
    const QByteArray passphrase = sb.environment().value(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE")).toUtf8();
    return ga::secrets::cipher::open(ga::test::readAll(sb.secretPath()), passphrase).entries;
}

// Writes an entry straight into the sandbox's secret file, as a command killed before its config write leaves it.
bool storeSecret(const Sandbox &sb, const QString &name, const QByteArray &value)
{
    ga::secrets::FileSecretStore store(
        sb.secretPath(), sb.environment().value(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE")).toUtf8());
    return ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
        store.write(name, value, context, std::move(done));
    }).ok();
}

// The journal a command keeps beside the config while its secrets are not yet named by the config.
QString journalPath(const Sandbox &sb)
{
    return sb.path() + QStringLiteral("/config/secrets.journal");
}

bool usePort(const Sandbox &sb, quint16 port)
{
    return runCli(sb,
               { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                   QString::number(port) })
               .exitCode
        == 0;
}

// A relay's /health endpoint only (for `instances test`): checks x-relay-secret, reports upstream reachability.
class HealthRelay : public QTcpServer
{
public:
    HealthRelay(QByteArray secret, bool upstreamReachable)
        : m_secret(std::move(secret))
        , m_reachable(upstreamReachable)
    { }

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *c = new QTcpSocket(this);
        c->setSocketDescriptor(fd);
        connect(c, &QIODevice::readyRead, this, [this, c] {
            const QByteArray req = c->readAll();
            QByteArray secret;
            for (const QByteArray &line : req.split('\n')) {
                if (line.toLower().startsWith("x-relay-secret:")) {
                    secret = line.mid(15).trimmed();
                }
            }
            QByteArray body;
            QByteArray head;
            if (secret != m_secret) {
                body
                    = R"({"error": {"code": 401, "message": "relay secret missing or wrong", "status": "UNAUTHENTICATED"}})";
                head = "HTTP/1.1 401 Unauthorized\r\nx-relay-error: auth\r\n";
            } else {
                body = m_reachable
                    ? R"({"ok": true, "version": "t", "upstream": {"reachable": true, "status": 403, "latencyMs": 5}})"
                    : R"({"ok": true, "version": "t", "upstream": {"reachable": false, "status": 0, "latencyMs": 5, "error": "connection refused"}})";
                head = "HTTP/1.1 200 OK\r\n";
            }
            c->write(head + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
                + "\r\nConnection: close\r\n\r\n" + body);
            c->disconnectFromHost();
        });
    }

private:
    QByteArray m_secret;
    bool m_reachable;
};

// Runs `f` on a thread with an event loop and keeps the objects it makes there alive until destruction.
class ServerThread
{
public:
    ServerThread() { m_thread.start(); }
    ~ServerThread()
    {
        QMetaObject::invokeMethod(
            m_context, [this] { qDeleteAll(m_owned); }, Qt::BlockingQueuedConnection);
        delete m_context;
        m_thread.quit();
        m_thread.wait();
    }
    quint16 start(const std::function<HealthRelay *()> &make)
    {
        quint16 port = 0;
        QMetaObject::invokeMethod(
            m_context,
            [&] {
                HealthRelay *server = make(); // created on this thread, so its sockets live here too
                m_owned.append(server);
                server->listen(QHostAddress::LocalHost);
                port = server->serverPort();
            },
            Qt::BlockingQueuedConnection);
        return port;
    }

private:
    QThread m_thread;
    QObject *m_context = [this] {
        auto *o = new QObject;
        o->moveToThread(&m_thread);
        return o;
    }();
    QList<QObject *> m_owned;
};

} // namespace

class TestKeysCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testListStatsRestartEnable()
    {
        FakeOnThread fake;
        const QString good = fakeKey(41);
        const QString bad = fakeKey(42);
        fake.call([&] {
            fake.fake()->addKey(good);
            fake.fake()->addKey(bad);
            fake.fake()->setBehaviour(bad, ga::test::Behaviour::Invalid);
        });
        Sandbox sb;
        const quint16 port = ga::test::freePort();
        QCOMPARE(
            runCli(sb,
                { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("upstream.baseUrl"), fake.baseUrl() })
                .exitCode,
            0);
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(port) })
                     .exitCode,
            0);
        CliResult r = runCli(
            sb, { QStringLiteral("keys"), QStringLiteral("add") }, good.toLatin1() + '\n' + bad.toLatin1() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QJsonArray listed = keysJson(sb);
        QCOMPARE(listed.size(), 2);
        const QString goodId = listed.at(0).toObject().value(u"id").toString();
        const QString badId = listed.at(1).toObject().value(u"id").toString();

        // keys test: one valid, one invalid → exit 1, a line per key with latency.
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("test") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.outText().contains(QRegularExpression(goodId + QStringLiteral("\\s+valid\\s+200\\s+\\d+ ms"))),
            qPrintable(r.outText()));
        QVERIFY2(r.outText().contains(QRegularExpression(badId + QStringLiteral("\\s+invalid\\s+400"))),
            qPrintable(r.outText()));
        QVERIFY(!r.out.contains(bad.toLatin1()) && !r.err.contains(bad.toLatin1()));
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("test"), goodId }).exitCode, 0);

        // The daemon learns the bad key is invalid and keeps that across a restart.
        {
            useTokenOf(sb);
            Daemon d(sb);
            QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
            for (int i = 0; i < 4; ++i) {
                QCOMPARE(generate(port), 200);
            }
            QVERIFY2(d.waitFor(QStringLiteral("is now invalid"), 5000), qPrintable(d.log()));
            QCOMPARE(d.stop(), 0);
        }
        QFile state(sb.path() + QStringLiteral("/config/keystate.json"));
        QVERIFY(state.open(QIODevice::ReadOnly));
        QVERIFY(!state.readAll().contains('\n')); // compact: a large pool's state is a third of the size indented
        QCOMPARE(byId(keysJson(sb), badId).value(u"state").toString(), QStringLiteral("invalid"));
        QCOMPARE(byId(keysJson(sb), goodId).value(u"state").toString(), QStringLiteral("active"));
        QVERIFY(byId(keysJson(sb), goodId).value(u"requestsToday").toInt() >= 4);
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("list") });
        QVERIFY2(r.outText().contains(QStringLiteral("invalid")), qPrintable(r.outText()));
        const QJsonObject stats = byId(keysJson(sb, QStringLiteral("stats")), goodId);
        QVERIFY(
            stats.value(u"days").toObject().begin().value().toObject().contains(QStringLiteral("gemini-2.5-flash")));

        int badSeen = 0;
        for (const auto &rq : fake.requests()) {
            badSeen += rq.key == bad ? 1 : 0;
        }
        {
            useTokenOf(sb);
            Daemon d(sb);
            QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
            for (int i = 0; i < 4; ++i) {
                QCOMPARE(generate(port), 200);
            }
            int badAfter = 0;
            for (const auto &rq : fake.requests()) {
                badAfter += rq.key == bad ? 1 : 0;
            }
            QCOMPARE(badAfter, badSeen); // the invalid mark survived the restart: never tried again

            // The user fixes the key at Google and re-enables it: the running daemon puts it back at once.
            fake.call([&] { fake.fake()->setBehaviour(bad, ga::test::Behaviour::Normal); });
            QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("enable"), badId }).exitCode, 0);
            QVERIFY2(d.waitFor(QStringLiteral("was re-enabled"), 2000), qPrintable(d.log()));
            for (int i = 0; i < 4; ++i) {
                QCOMPARE(generate(port), 200);
            }
            int badLater = 0;
            for (const auto &rq : fake.requests()) {
                badLater += rq.key == bad ? 1 : 0;
            }
            QVERIFY2(badLater > badAfter,
                qPrintable(
                    QStringLiteral("the re-enabled key was not used again (%1 requests with it before and after)\n%2")
                        .arg(badAfter)
                        .arg(d.log())));
            QCOMPARE(d.stop(), 0);
        }
    }

    void modeSwitchAppliesToTheNextRequest()
    {
        FakeOnThread fake;
        const QString key = fakeKey(43);
        fake.call([&] { fake.fake()->addKey(key); });
        Sandbox sb;
        const quint16 port = ga::test::freePort();
        QCOMPARE(
            runCli(sb,
                { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("upstream.baseUrl"), fake.baseUrl() })
                .exitCode,
            0);
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(port) })
                     .exitCode,
            0);
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, key.toLatin1() + '\n').exitCode, 0);
        useTokenOf(sb);
        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
        QCOMPARE(generate(port), 200);

        // serverless without any relay: nothing may leave directly.
        QCOMPARE(runCli(sb, { QStringLiteral("mode"), QStringLiteral("serverless") }).exitCode, 0);
        QVERIFY2(d.waitFor(QStringLiteral("routing.mode: local → serverless"), 1000), qPrintable(d.log()));
        QCOMPARE(generate(port), 503);

        // hybrid: relays first, none here, so direct.
        QCOMPARE(runCli(sb, { QStringLiteral("mode"), QStringLiteral("hybrid") }).exitCode, 0);
        QVERIFY2(d.waitFor(QStringLiteral("routing.mode: serverless → hybrid"), 1000), qPrintable(d.log()));
        QCOMPARE(generate(port), 200);
        QCOMPARE(d.stop(), 0);
    }

    void instancesTestTellsCausesApart()
    {
        ServerThread servers;
        const QByteArray secret = "relay-secret-0123456789abcdef";
        const quint16 healthy = servers.start([&] { return new HealthRelay(secret, true); });
        const quint16 wrongSecret = servers.start([] { return new HealthRelay("another-secret-0123456789", true); });
        const quint16 noUpstream = servers.start([&] { return new HealthRelay(secret, false); });
        const quint16 dead = ga::test::freePort();
        Sandbox sb;
        QStringList ids;
        for (const quint16 port : { healthy, wrongSecret, noUpstream, dead }) {
            const CliResult r = runCli(sb,
                { QStringLiteral("instances"), QStringLiteral("add"), QStringLiteral("--name"),
                    QStringLiteral("r%1").arg(port), QStringLiteral("--url"),
                    QStringLiteral("http://127.0.0.1:%1").arg(port) },
                secret + '\n');
            QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
            QVERIFY(!r.out.contains(secret)); // a given secret is never echoed
            ids << r.outText().section(u' ', 1, 1);
        }
        const CliResult r = runCli(sb, { QStringLiteral("instances"), QStringLiteral("test") });
        const QString out = r.outText();
        QVERIFY2(r.exitCode == 1, qPrintable(out + r.errText()));
        QVERIFY2(out.contains(QRegularExpression(ids[0] + QStringLiteral("\\s+ok\\s+200"))), qPrintable(out));
        QVERIFY2(out.contains(QRegularExpression(ids[1] + QStringLiteral("\\s+bad-secret\\s+401"))), qPrintable(out));
        QVERIFY2(out.contains(QRegularExpression(ids[2] + QStringLiteral("\\s+no-upstream\\s+200"))), qPrintable(out));
        QVERIFY2(out.contains(QRegularExpression(ids[3] + QStringLiteral("\\s+unreachable"))), qPrintable(out));
        QVERIFY(!r.out.contains(secret) && !r.err.contains(secret));
        QCOMPARE(runCli(sb, { QStringLiteral("instances"), QStringLiteral("test"), ids[0] }).exitCode, 0);

        // Without a secret on stdin, one is generated and shown once.
        const CliResult gen = runCli(sb,
            { QStringLiteral("instances"), QStringLiteral("add"), QStringLiteral("--name"), QStringLiteral("gen"),
                QStringLiteral("--url"), QStringLiteral("https://relay.example.dev") });
        QCOMPARE(gen.exitCode, 0);
        QVERIFY(gen.outText().contains(QStringLiteral("RELAY_SECRET")));
        QVERIFY(!ga::test::readAll(sb.configPath()).contains(gen.outText().section(u' ', -1).trimmed().toLatin1()));
    }

    // The daemon keeps the usage of the days before today in keyusage.json, written once a day, and only today's in
    // keystate.json, which it rewrites while requests come. A whole keystate.json from an older version is split at
    // the first save; `keys stats` reads both; an unreadable keyusage.json or keystate.json is kept beside, not
    // overwritten.
    void pastDaysAreSavedApartBadStateFilesKept()
    {
        Sandbox sb;
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(ga::test::freePort()) })
                     .exitCode,
            0);
        QCOMPARE(
            runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(81).toLatin1() + '\n').exitCode, 0);
        const QString id = keysJson(sb).at(0).toObject().value(u"id").toString();
        const QDate day = ga::time::pacificDate(QDateTime::currentMSecsSinceEpoch());
        const QString today = day.toString(Qt::ISODate);
        const QString past = day.addDays(-2).toString(Qt::ISODate);
        const auto usage = [](int requests) {
            return QJsonObject { { QStringLiteral("gemini-2.5-flash"),
                QJsonObject {
                    { QStringLiteral("requests"), requests }, { QStringLiteral("totalTokens"), 10 * requests } } } };
        };
        const QString dir = sb.path() + QStringLiteral("/config/");
        QVERIFY(ga::test::writeAll(dir + QStringLiteral("keystate.json"),
            QJsonDocument(QJsonObject { { QStringLiteral("version"), 1 },
                              { QStringLiteral("keys"),
                                  QJsonObject { { id,
                                      QJsonObject { { QStringLiteral("usage"),
                                          QJsonObject { { past, usage(7) }, { today, usage(3) } } } } } } } })
                .toJson()));
        const auto file
            = [&dir](const QString &name) { return QJsonDocument::fromJson(ga::test::readAll(dir + name)).object(); };
        const auto stateDays = [&] {
            return file(QStringLiteral("keystate.json"))
                .value(u"keys")
                .toObject()
                .value(id)
                .toObject()
                .value(u"usage")
                .toObject()
                .keys();
        };
        const auto pastDays
            = [&] { return file(QStringLiteral("keyusage.json")).value(u"keys").toObject().value(id).toObject(); };
        const auto statsDays
            = [&] { return byId(keysJson(sb, QStringLiteral("stats")), id).value(u"days").toObject(); };
        QString log;
        const auto run = [&sb, &log] {
            Daemon d(sb);
            QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
            QCOMPARE(d.stop(), 0);
            log = d.log();
        };

        run();
        QCOMPARE(stateDays(), QStringList { today });
        QCOMPARE(pastDays().keys(), QStringList { past });
        QCOMPARE(pastDays().value(past).toObject().value(u"gemini-2.5-flash").toObject().value(u"requests").toInt(), 7);
        QCOMPARE(QFile::permissions(dir + QStringLiteral("keyusage.json"))
                & (QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup
                    | QFileDevice::ReadOther),
            QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QCOMPARE(statsDays().keys(), (QStringList { past, today }));
        QCOMPARE(
            statsDays().value(past).toObject().value(u"gemini-2.5-flash").toObject().value(u"requests").toInt(), 7);

        run(); // the past comes back from keyusage.json alone
        QCOMPARE(stateDays(), QStringList { today });
        QCOMPARE(pastDays().keys(), QStringList { past });
        QCOMPARE(statsDays().keys(), (QStringList { past, today }));

        // A file the daemon cannot read is reported and kept beside, never written over.
        const auto keptWhenBad = [&](const QString &name, const QByteArray &bytes, const QString &message) {
            QVERIFY(ga::test::writeAll(dir + name, bytes));
            run();
            QVERIFY2(log.contains(message), qPrintable(log));
            const QStringList kept = QDir(dir).entryList({ name + QStringLiteral(".bad-*") });
            QCOMPARE(kept.size(), 1);
            QCOMPARE(ga::test::readAll(dir + kept.first()), bytes);
        };
        keptWhenBad(QStringLiteral("keyusage.json"), "{ not json", QStringLiteral("could not read the key usage file"));
        QVERIFY(pastDays().isEmpty()); // written again with what the daemon knew: today's only
        QCOMPARE(statsDays().keys(), QStringList { today });
        keptWhenBad(QStringLiteral("keystate.json"), "[truncated", QStringLiteral("could not read the key state file"));
        QVERIFY(file(QStringLiteral("keystate.json")).contains(u"keys"));
        keptWhenBad(QStringLiteral("resources.json"),
            "{\"version\":", QStringLiteral("could not read the resource owners file"));
        if (ga::time::pacificDate(QDateTime::currentMSecsSinceEpoch()) != day) {
            QSKIP("the day changed in Pacific time during the test");
        }
    }

    // A state file that cannot be written (here a folder stands where keystate.json goes; a full disk does the same)
    // is reported once while the saves go on failing, about every second under requests, and once when it works
    // again.
    void stateWriteFailuresAreReportedOnce()
    {
        FakeOnThread fake;
        const QString key = fakeKey(91);
        fake.call([&] { fake.fake()->addKey(key); });
        Sandbox sb;
        const quint16 port = ga::test::freePort();
        for (const auto &[name, value] : { std::pair { QStringLiteral("upstream.baseUrl"), fake.baseUrl() },
                 std::pair { QStringLiteral("listen.port"), QString::number(port) } }) {
            QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("set"), name, value }).exitCode, 0);
        }
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, key.toLatin1() + '\n').exitCode, 0);
        useTokenOf(sb);
        const QString blocked = sb.path() + QStringLiteral("/config/keystate.json");
        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
        QFile::remove(blocked);
        QVERIFY(QDir().mkpath(blocked)); // after the start, which would keep an unreadable one aside
        const QString failed = QStringLiteral("cannot write the state file ") + blocked;
        const QDeadlineTimer saving(3500); // three saves or more: one a second while requests come
        while (!saving.hasExpired()) {
            QCOMPARE(generate(port), 200);
            QTest::qWait(100);
        }
        QVERIFY2(d.waitFor(failed, 2000), qPrintable(d.log()));
        QCOMPARE(d.log().count(failed), 1);
        QVERIFY(QDir(blocked).removeRecursively());
        QCOMPARE(generate(port), 200);
        QVERIFY2(d.waitFor(QStringLiteral("the state file ") + blocked + QStringLiteral(" is written again"), 5000),
            qPrintable(d.log()));
        QCOMPARE(d.stop(), 0);
        QCOMPARE(d.log().count(failed), 1);
        QVERIFY(QJsonDocument::fromJson(ga::test::readAll(blocked)).isObject());
    }

    // `keys doctor` lists secrets no config entry names (keys, relays, named tokens; written directly, or left by an
    // interrupted command according to the journal) and `--fix` removes exactly those: never an entry the config
    // names, the admin token or the JWT secret, and never a value on screen.
    void doctorListsAndFixesOrphanedSecrets()
    {
        Sandbox sb;
        QCOMPARE(
            runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(701).toLatin1() + '\n').exitCode, 0);
        const QString realId = keysJson(sb).at(0).toObject().value(u"id").toString();
        QCOMPARE(runCli(sb, { QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("cline") }).exitCode, 0);
        QCOMPARE(
            runCli(sb, { QStringLiteral("token"), QStringLiteral("show"), QStringLiteral("--admin") }).exitCode, 0);
        QCOMPARE(
            runCli(sb, { QStringLiteral("token"), QStringLiteral("jwt-secret") }, QByteArray(40, 'j')).exitCode, 0);
        const QByteArray relayValue = "relay-orphan-secret-0123456789";
        const QByteArray tokenValue = "gat_ghost-token-value-0123456789abcdef0123";
        QVERIFY(storeSecret(sb, QStringLiteral("key/k0a0b0c0d"), fakeKey(702).toLatin1()));
        QVERIFY(storeSecret(sb, QStringLiteral("relay/i0a0b0c0d"), relayValue));
        QVERIFY(storeSecret(sb, QStringLiteral("token/ghost"), tokenValue));
        QVERIFY(storeSecret(sb, QStringLiteral("key/kdeadbeef"), fakeKey(703).toLatin1()));
        QVERIFY(ga::test::writeAll(journalPath(sb),
            "pending: key/kdeadbeef\npending: key/" + realId.toLatin1()
                + "\npending: token/gone\npending: admin/token\npending: jwt/hs256\n"));
        const QStringList orphans = { QStringLiteral("key/k0a0b0c0d"), QStringLiteral("relay/i0a0b0c0d"),
            QStringLiteral("token/ghost"), QStringLiteral("key/kdeadbeef") };
        const QStringList named = { QStringLiteral("key/") + realId, QStringLiteral("token/cline"),
            QStringLiteral("admin/token"), QStringLiteral("jwt/hs256") };
        const QMap<QString, QByteArray> before = storedSecrets(sb);
        for (const QString &name : orphans + named) {
            QVERIFY2(before.contains(name), qPrintable(name));
        }

        CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("doctor") });
        QVERIFY2(r.exitCode == 1, qPrintable(r.outText() + r.errText()));
        for (const QString &name : orphans) {
            QVERIFY2(r.outText().contains(name), qPrintable(name + u'\n' + r.outText()));
        }
        for (const QString &name : named) {
            QVERIFY2(!r.outText().contains(name), qPrintable(name + u'\n' + r.outText()));
        }
        QVERIFY(!r.outText().contains(QStringLiteral("token/gone"))); // pending, but its secret was never written
        QVERIFY2(r.errText().contains(QStringLiteral("keys doctor --fix")), qPrintable(r.errText()));
        for (const QByteArray &value : { fakeKey(702).toLatin1(), fakeKey(703).toLatin1(), relayValue, tokenValue }) {
            QVERIFY(!r.out.contains(value) && !r.err.contains(value));
        }
        QCOMPARE(storedSecrets(sb), before); // listing changes nothing

        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("doctor"), QStringLiteral("--fix") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.outText() + r.errText()));
        const QMap<QString, QByteArray> after = storedSecrets(sb);
        for (const QString &name : orphans) {
            QVERIFY2(r.outText().contains(QStringLiteral("removed ") + name), qPrintable(r.outText()));
            QVERIFY2(!after.contains(name), qPrintable(name));
        }
        for (const QString &name : named) {
            QVERIFY2(after.value(name) == before.value(name), qPrintable(name));
        }
        QVERIFY(!QFile::exists(journalPath(sb)));
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("doctor") });
        QVERIFY2(
            r.exitCode == 0 && r.outText().contains(QStringLiteral("no orphaned secrets")), qPrintable(r.outText()));
    }

    // At start the daemon removes what an interrupted command left (the journal's names the config does not name)
    // and logs the name, never the value. An unnamed secret the journal does not mention stays: it may belong to
    // another config sharing the store, so only `keys doctor --fix` removes it.
    void startRemovesSecretsLeftByAnInterruptedCommand()
    {
        Sandbox sb;
        QVERIFY(usePort(sb, ga::test::freePort()));
        QCOMPARE(
            runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(711).toLatin1() + '\n').exitCode, 0);
        const QString realId = keysJson(sb).at(0).toObject().value(u"id").toString();
        QVERIFY(storeSecret(sb, QStringLiteral("key/kdeadbeef"), fakeKey(712).toLatin1()));
        QVERIFY(storeSecret(sb, QStringLiteral("key/k0a0b0c0d"), fakeKey(713).toLatin1()));
        QVERIFY(
            ga::test::writeAll(journalPath(sb), "pending: key/kdeadbeef\npending: key/" + realId.toLatin1() + "\n"));
        {
            Daemon d(sb);
            QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
            QVERIFY2(d.log().contains(QStringLiteral("key/kdeadbeef")), qPrintable(d.log()));
            QVERIFY(!d.log().contains(fakeKey(712)) && !d.log().contains(QStringLiteral("key/") + realId));
            QCOMPARE(d.stop(), 0);
        }
        const QMap<QString, QByteArray> after = storedSecrets(sb);
        QVERIFY(!after.contains(QStringLiteral("key/kdeadbeef")));
        QCOMPARE(after.value(QStringLiteral("key/") + realId), fakeKey(711).toLatin1());
        QVERIFY(after.contains(QStringLiteral("key/k0a0b0c0d")));
        QVERIFY(!QFile::exists(journalPath(sb)));
    }

    // kill -9 of `keys add` after its secret write and before its config write (held deterministically: the test
    // holds the config's lock), several times: the next start leaves no orphan.
    void killedAddLeavesNoOrphanAfterStart()
    {
        for (int round = 0; round < 3; ++round) {
            Sandbox sb;
            QVERIFY(usePort(sb, ga::test::freePort()));
            QLockFile configLock(sb.configPath() + QStringLiteral(".lock"));
            QVERIFY(configLock.tryLock(0));
            QProcess add;
            add.setProcessEnvironment(sb.environment());
            add.start(ga::test::daemonPath(), { QStringLiteral("keys"), QStringLiteral("add") });
            QVERIFY(add.waitForStarted(10'000));
            QByteArray input;
            for (int i = 0; i <= round; ++i) {
                input += fakeKey(720 + 10 * round + i).toLatin1() + '\n';
            }
            add.write(input);
            add.closeWriteChannel();
            const QDeadlineTimer deadline(10'000);
            while (!QFile::exists(sb.secretPath()) && !deadline.hasExpired() && add.state() == QProcess::Running) {
                QTest::qWait(10);
            }
            QVERIFY2(QFile::exists(sb.secretPath()), add.readAllStandardError().constData());
            add.kill(); // SIGKILL, while it waits for the config lock
            QVERIFY(add.waitForFinished(5000));
            configLock.unlock();

            QStringList orphans;
            for (const QString &name : storedSecrets(sb).keys()) {
                if (name.startsWith(QStringLiteral("key/"))) {
                    orphans << name;
                }
            }
            QCOMPARE(orphans.size(), round + 1);
            QCOMPARE(keysJson(sb).size(), 0);
            {
                Daemon d(sb);
                QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000), qPrintable(d.log()));
                for (const QString &name : std::as_const(orphans)) {
                    QVERIFY2(d.log().contains(name), qPrintable(d.log()));
                }
                QCOMPARE(d.stop(), 0);
            }
            const QMap<QString, QByteArray> after = storedSecrets(sb);
            for (const QString &name : std::as_const(orphans)) {
                QVERIFY2(!after.contains(name), qPrintable(name));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestKeysCli)
#include "tst_keys_cli.moc"
