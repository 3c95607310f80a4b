// SPDX-License-Identifier: GPL-3.0-or-later
// `gemini-aggregatord run`: starts, reports where things are, follows its config live, stops on signals.
// The start-up order is also checked on an in-process Service whose secret store answers slowly.
#include "config/configschema.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini/fakegemini.h"
#include "keys/apikey.h"
#include "metrics/recorder.h"
#include "proxy/proxyserver.h"
#include "rawhttp.h"
#include "secrets/memorysecretstore.h"
#include "security/accesstoken.h"
#include "testsupport.h"
#include "tunnelproxies.h"
#include "upstream/upstream.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <optional>

using ga::test::CliResult;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

// A running daemon whose stderr is collected as it arrives; waits are on readyRead signals with deadlines.
class Daemon
{
public:
    explicit Daemon(const Sandbox &sb, const QStringList &args = { QStringLiteral("run") })
    {
        m_process.setProcessEnvironment(sb.environment());
        m_process.start(ga::test::daemonPath(), args);
    }
    ~Daemon()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QProcess &process() { return m_process; }
    QString log() const { return QString::fromUtf8(m_err); }

    // Waits until stderr (from `from` on) contains `needle`; returns the offset after it, or -1.
    qsizetype waitFor(const QString &needle, int timeoutMs, qsizetype from = 0)
    {
        QSignalSpy spy(&m_process, &QProcess::readyReadStandardError);
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            m_err += m_process.readAllStandardError();
            const qsizetype at = log().indexOf(needle, from);
            if (at >= 0) {
                return at + needle.size();
            }
            if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning) {
                return -1;
            }
            spy.wait(int(std::max<qint64>(1, deadline.remainingTime())));
        }
    }

    int terminate(int sig)
    {
        ::kill(pid_t(m_process.processId()), sig);
        if (!m_process.waitForFinished(10'000)) {
            return -2;
        }
        m_err += m_process.readAllStandardError();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

private:
    QProcess m_process;
    QByteArray m_err;
};

// A keychain that answers slowly (a login keyring still starting): every read completes `delayMs` later.
// Writes and removes are immediate.
class SlowSecretStore final : public ga::secrets::SecretStore
{
public:
    explicit SlowSecretStore(int delayMs)
        : m_delayMs(delayMs)
    { }

    void read(const QString &name, QObject *context, Callback done) override
    {
        QTimer::singleShot(m_delayMs, context, [this, name, context, done] { m_inner.read(name, context, done); });
    }
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override
    {
        m_inner.write(name, secret, context, std::move(done));
    }
    void remove(const QString &name, QObject *context, Callback done) override
    {
        m_inner.remove(name, context, std::move(done));
    }
    QString description() const override { return QStringLiteral("slow process memory"); }

private:
    ga::secrets::MemorySecretStore m_inner;
    int m_delayMs;
};

} // namespace

class TestDaemon : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsReportsAndStopsOnSigterm()
    {
        Sandbox sb;
        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(d.log()));
        QVERIFY(d.log().contains(sb.configPath()));
        QVERIFY(d.log().contains(QStringLiteral("encrypted file")));
        QVERIFY(QFile::exists(sb.secretPath())); // and the access token
        QCOMPARE(d.terminate(SIGTERM), 0);
        QVERIFY(d.log().contains(QStringLiteral("SIGTERM")));
        QVERIFY(d.log().contains(QStringLiteral("stopped")));
    }

    void stopsOnSigint()
    {
        Sandbox sb;
        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(d.log()));
        QCOMPARE(d.terminate(SIGINT), 0);
        QVERIFY(d.log().contains(QStringLiteral("SIGINT")));
    }

    void noCommandMeansRun()
    {
        Sandbox sb;
        Daemon d(sb, {});
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(d.log()));
        QCOMPARE(d.terminate(SIGTERM), 0);
    }

    void cliChangeIsInForceWithinOneSecond()
    {
        Sandbox sb;
        Daemon d(sb);
        qsizetype at = d.waitFor(QStringLiteral("ready"), 20'000);
        QVERIFY2(at >= 0, qPrintable(d.log()));

        const CliResult r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("routing.mode"),
                QStringLiteral("hybrid") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QElapsedTimer clock;
        clock.start();
        at = d.waitFor(QStringLiteral("config applied: routing.mode: local → hybrid"), 1000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        qInfo("applied %lld ms after the CLI exited", clock.elapsed());
        QVERIFY(clock.elapsed() <= 1000);
        QCOMPARE(d.terminate(SIGTERM), 0);
    }

    void handEditAppliesAndInvalidEditIsIgnored()
    {
        Sandbox sb;
        Daemon d(sb);
        qsizetype at = d.waitFor(QStringLiteral("ready"), 20'000);
        QVERIFY2(at >= 0, qPrintable(d.log()));

        // An editor-style atomic replace with a valid change: the listener moves to the new port.
        const QByteArray original = ga::test::readAll(sb.configPath());
        const QString p1
            = runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("listen.port") })
                  .outText()
                  .trimmed();
        const QString p2 = QString::number(ga::test::freePort());
        const QString p3 = QString::number(ga::test::freePort());
        const QByteArray portLine = "\"port\": " + p1.toLatin1();
        QVERIFY(original.contains(portLine));
        const QByteArray text = QByteArray(original).replace(portLine, "\"port\": " + p2.toLatin1());
        {
            QSaveFile f(sb.configPath());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
            QVERIFY(f.commit());
        }
        at = d.waitFor(QStringLiteral("listen.port: %1 → %2").arg(p1, p2), 1000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, p2.toUShort());
            QVERIFY(probe.waitForConnected(2000));
            probe.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QVERIFY(probe.waitForReadyRead(2000));
            QVERIFY(probe.readAll().startsWith("HTTP/1.1 200"));
            QTcpSocket old;
            old.connectToHost(QHostAddress::LocalHost, p1.toUShort());
            QVERIFY(!old.waitForConnected(1000));
        }

        // An invalid edit in place: logged with the reason, ignored; the file is left as the user wrote it.
        const QByteArray broken = QByteArray(text).replace("\"port\": " + p2.toLatin1(), "\"port\": 70000");
        QVERIFY(ga::test::writeAll(sb.configPath(), broken));
        at = d.waitFor(QStringLiteral("listen.port: 70000 is not a port"), 1000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QVERIFY(d.log().contains(QStringLiteral("previous settings stay in force")));
        QCOMPARE(ga::test::readAll(sb.configPath()), broken);

        // Fixing it applies relative to the config that stayed in force (p2), not to the broken one.
        QVERIFY(ga::test::writeAll(
            sb.configPath(), QByteArray(text).replace("\"port\": " + p2.toLatin1(), "\"port\": " + p3.toLatin1())));
        at = d.waitFor(QStringLiteral("listen.port: %1 → %2").arg(p2, p3), 1000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(d.terminate(SIGTERM), 0);
    }

    // Defect 2: a port that cannot be bound is refused by `config set` (exit 1, nothing written); one written by
    // hand is set back in the file by the running daemon, which keeps serving where it was, so the next start
    // does not fail on it either.
    void listenChangeThatCannotBindIsRefusedOrSetBack()
    {
        Sandbox sb;
        Daemon d(sb);
        qsizetype at = d.waitFor(QStringLiteral("ready"), 20'000);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        const QString p1
            = runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("listen.port") })
                  .outText()
                  .trimmed();
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        const QString busy = QString::number(squatter.serverPort());

        const QByteArray before = ga::test::readAll(sb.configPath());
        const CliResult refused
            = runCli(sb, { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"), busy });
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.errText().contains(QStringLiteral("already in use")), qPrintable(refused.errText()));
        QCOMPARE(ga::test::readAll(sb.configPath()), before);

        // By hand: the daemon cannot bind it, keeps p1 and writes p1 back.
        const QByteArray portLine = "\"port\": " + p1.toLatin1();
        QVERIFY(before.contains(portLine));
        QVERIFY(
            ga::test::writeAll(sb.configPath(), QByteArray(before).replace(portLine, "\"port\": " + busy.toLatin1())));
        at = d.waitFor(QStringLiteral("set back to 127.0.0.1:%1").arg(p1), 5000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QTRY_VERIFY_WITH_TIMEOUT(ga::test::readAll(sb.configPath()).contains(portLine), 5000);
        QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("check") }).exitCode, 0);
        {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, p1.toUShort());
            QVERIFY(probe.waitForConnected(2000));
            probe.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            QVERIFY(probe.waitForReadyRead(2000));
            QVERIFY(probe.readAll().startsWith("HTTP/1.1 200"));
        }
        // A free port is still taken at once, from the CLI.
        const QString p2 = QString::number(ga::test::freePort());
        QCOMPARE(
            runCli(sb, { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"), p2 }).exitCode,
            0);
        at = d.waitFor(QStringLiteral("listen.port: %1 → %2").arg(p1, p2), 2000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(d.terminate(SIGTERM), 0);
    }

    void refusesToListenBeyondLoopback()
    {
        Sandbox sb;
        // `config set` refuses it (one validation on every write); a file edited by hand is refused at start.
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.host"),
                         QStringLiteral("0.0.0.0") })
                     .exitCode,
            1);
        QVERIFY(!QFile::exists(sb.configPath()));
        QVERIFY(ga::test::writeAll(sb.configPath(), "{\"version\": 1, \"listen\": {\"host\": \"0.0.0.0\"}}\n"));
        const QByteArray before = ga::test::readAll(sb.configPath());
        Daemon d(sb);
        QVERIFY(d.process().waitForFinished(20'000));
        QCOMPARE(d.process().exitCode(), 1);
        const QString err = QString::fromUtf8(d.process().readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("listen.host 0.0.0.0")) && err.contains(QStringLiteral("127.0.0.1")),
            qPrintable(err));
        QCOMPARE(ga::test::readAll(sb.configPath()), before);
    }

    // listen.allowRemote alone is not enough: without an access token anyone on the network could use the keys.
    void remoteNeedsAllowRemoteAndAToken()
    {
        Sandbox sb;
        const QString port = QString::number(ga::test::freePort());
        const QList<std::pair<QString, QString>> settings {
            { QStringLiteral("listen.allowRemote"), QStringLiteral("true") }, { QStringLiteral("listen.port"), port }
        };
        for (const auto &[path, value] : settings) {
            QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("set"), path, value }).exitCode, 0);
        }
        const QStringList remoteHost { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.host"),
            QStringLiteral("0.0.0.0") };
        const QByteArray before = ga::test::readAll(sb.configPath());
        {
            const ga::test::CliResult refused = runCli(sb, remoteHost);
            QCOMPARE(refused.exitCode, 1);
            QVERIFY2(refused.errText().contains(QStringLiteral("no access token"))
                    && refused.errText().contains(QStringLiteral("token add")),
                qPrintable(refused.errText()));
            QCOMPARE(ga::test::readAll(sb.configPath()), before); // nothing written
        }
        const ga::test::CliResult added
            = runCli(sb, { QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("laptop") });
        QCOMPARE(added.exitCode, 0);
        const QByteArray token = added.out.trimmed();
        QVERIFY(token.startsWith("gat_"));
        QVERIFY(!ga::test::readAll(sb.configPath()).contains(token));
        QCOMPARE(runCli(sb, remoteHost).exitCode, 0);

        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(d.log()));
        QVERIFY2(d.log().contains(QStringLiteral("remote access is on")), qPrintable(d.log()));
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        const QByteArray path = "/v1beta/models/gemini-2.5-flash:generateContent";
        {
            ga::test::Client c(quint16(port.toInt()));
            c.send(ga::test::post(path, body));
            const ga::test::Reply r = c.read();
            QCOMPARE(r.status, 401);
            QVERIFY2(r.body.contains("token show"), r.body.constData());
        }
        {
            ga::test::Client c(quint16(port.toInt()));
            c.send(ga::test::post(path, body, "x-goog-api-key: " + token + "\r\n"));
            const ga::test::Reply r = c.read();
            QVERIFY2(r.status != 401 && r.status != 0, r.body.constData()); // past the token check (no keys: 503)
        }
        QVERIFY(!d.log().contains(QString::fromLatin1(token)));
        QCOMPARE(d.terminate(SIGTERM), 0);
    }

    // Named tokens: created, rotated and revoked by the CLI, in force on the running daemon at once.
    void tokensApplyLive()
    {
        Sandbox sb;
        const quint16 port = ga::test::freePort();
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(port) })
                     .exitCode,
            0);
        auto status = [port](const QByteArray &credentialHeader) {
            ga::test::Client c(port);
            c.send(ga::test::post("/v1beta/models/gemini-2.5-flash:generateContent", "{}", credentialHeader));
            return c.read().status;
        };
        auto add = [&sb](const char *name) {
            const ga::test::CliResult r
                = runCli(sb, { QStringLiteral("token"), QStringLiteral("add"), QString::fromLatin1(name) });
            return r.exitCode == 0 ? r.out.trimmed() : QByteArray();
        };
        const QByteArray cline = add("cline");
        QVERIFY(cline.startsWith("gat_"));
        Daemon d(sb);
        qsizetype at = d.waitFor(QStringLiteral("ready"), 20'000);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QVERIFY2(!d.log().contains(QStringLiteral("created the access token 'default'")), qPrintable(d.log()));
        QCOMPARE(status("x-goog-api-key: " + cline + "\r\n"), 503); // accepted; no API key configured
        QCOMPARE(status("Authorization: Bearer " + cline + "\r\n"), 503);
        QCOMPARE(status(""), 401);

        const QByteArray cursor = add("cursor");
        QVERIFY(!cursor.isEmpty() && cursor != cline);
        at = d.waitFor(QStringLiteral("tokens: 1 → 2"), 5000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(status("x-goog-api-key: " + cursor + "\r\n"), 503);
        QCOMPARE(add("cursor"), QByteArray()); // the name is taken

        const ga::test::CliResult listed = runCli(sb, { QStringLiteral("token"), QStringLiteral("list") });
        QVERIFY(
            listed.outText().contains(QStringLiteral("cline")) && listed.outText().contains(QStringLiteral("cursor")));
        QVERIFY(!listed.out.contains(cline) && !listed.out.contains(cursor));

        const ga::test::CliResult rotated
            = runCli(sb, { QStringLiteral("token"), QStringLiteral("rotate"), QStringLiteral("cline") });
        QCOMPARE(rotated.exitCode, 0);
        const QByteArray cline2 = rotated.out.trimmed();
        at = d.waitFor(QStringLiteral("tokens: 2 edited"), 5000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(status("x-goog-api-key: " + cline + "\r\n"), 401);
        QCOMPARE(status("x-goog-api-key: " + cline2 + "\r\n"), 503);

        QCOMPARE(
            runCli(sb, { QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("cursor") }).exitCode, 0);
        at = d.waitFor(QStringLiteral("tokens: 2 → 1"), 5000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(status("x-goog-api-key: " + cursor + "\r\n"), 401);
        QCOMPARE(
            runCli(sb, { QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("cursor") }).exitCode, 1);

        // The explicit switch for no token on this machine, with a warning when it takes effect.
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("auth.allowAnonymousLoopback"),
                         QStringLiteral("true") })
                     .exitCode,
            0);
        at = d.waitFor(QStringLiteral("auth.allowAnonymousLoopback: false → true"), 5000, at);
        QVERIFY2(at >= 0, qPrintable(d.log()));
        QCOMPARE(status(""), 503);
        QCOMPARE(d.terminate(SIGTERM), 0);
        for (const QByteArray &t : { cline, cline2, cursor }) {
            QVERIFY(!d.log().contains(QString::fromLatin1(t)));
            QVERIFY(!ga::test::readAll(sb.configPath()).contains(t));
        }
        Daemon again(sb);
        QVERIFY2(again.waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(again.log()));
        QVERIFY2(again.log().contains(QStringLiteral("auth.allowAnonymousLoopback is on")), qPrintable(again.log()));
        QCOMPARE(again.terminate(SIGTERM), 0);
    }

    // Defect 7 ("401 right after start"): the listener opened before the access tokens were read, so a client
    // that connected at once was refused with a valid token. Until keys, tokens and relays are in force the proxy
    // answers 503 with Retry-After: 1 (and /readyz says 503); it never answers 401 to a valid token.
    void noWrongAnswerBeforeSecretsAreRead()
    {
        ga::test::FakeGemini fake;
        QVERIFY(fake.listen());
        fake.addKey(ga::test::fakeKey(7));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString configPath = dir.filePath(QStringLiteral("config/config.json"));
        const quint16 port = ga::test::freePort();
        const QJsonObject config {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), int(port) } } },
            { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), fake.baseUrl() } } },
            { QStringLiteral("keys"),
                QJsonObject { { QStringLiteral("items"),
                    QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("k7") } } } } } },
            { QStringLiteral("auth"),
                QJsonObject { { QStringLiteral("tokens"),
                    QJsonObject { { QStringLiteral("items"),
                        QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("default") } } } } } } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        QVERIFY(ga::test::writeAll(configPath, QJsonDocument(config).toJson()));
        SlowSecretStore secrets(300);
        const QByteArray token = ga::security::generateAccessToken();
        const auto store = [&secrets](const QString &name, const QByteArray &value) {
            return ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
                secrets.write(name, value, context, std::move(done));
            }).ok();
        };
        QVERIFY(store(ga::security::tokenEntryName(QStringLiteral("default")), token));
        QVERIFY(store(ga::keys::secretEntryName(QStringLiteral("k7")), ga::test::fakeKey(7).toLatin1()));

        const QByteArray path = "/v1beta/models/gemini-2.5-flash:generateContent";
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        const QByteArray credential = "x-goog-api-key: " + token + "\r\n";
        int early = 0;
        for (int round = 0; round < 20; ++round) {
            ga::config::ConfigStore configStore(configPath);
            QVERIFY(!configStore.load().hasErrors());
            ga::daemon::Service service(&configStore, &secrets);
            service.setWorkerCount(2);
            service.setFileLogging(false);
            QSignalSpy ready(&service, &ga::daemon::Service::ready);
            QString error;
            QVERIFY2(service.start(&error), qPrintable(error));

            // As soon as the port accepts a connection, not after the ready signal.
            ga::test::Client c(port);
            QCOMPARE(c.socket().state(), QAbstractSocket::ConnectedState);
            c.send(ga::test::post(path, body, credential));
            const ga::test::Reply r = c.read();
            QVERIFY2(r.status != 401, qPrintable(QStringLiteral("round %1: 401 %2").arg(round).arg(r.body)));
            if (r.status == 503) {
                ++early;
                QCOMPARE(r.header("retry-after"), QByteArray("1"));
                const QJsonObject e = QJsonDocument::fromJson(r.body).object().value(u"error").toObject();
                QCOMPARE(e.value(u"code").toInt(), 503);
                QCOMPARE(e.value(u"status").toString(), QStringLiteral("UNAVAILABLE"));
            } else {
                QCOMPARE(r.status, 200); // already in force (the store answered before the request came)
                QVERIFY(!ready.isEmpty());
            }
            // The probes: alive at once; ready only once everything is in force.
            {
                ga::test::Client probe(port);
                probe.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                QCOMPARE(probe.read().status, 200);
                probe.send("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                const ga::test::Reply readyz = probe.read();
                QVERIFY2(readyz.status == 503 || !ready.isEmpty(), readyz.body.constData());
            }

            QVERIFY(!ready.isEmpty() || ready.wait(5000));
            ga::test::Client after(port);
            after.send(ga::test::post(path, body, credential));
            const ga::test::Reply served = after.read();
            QVERIFY2(served.status == 200, served.body.constData());
        }
        qInfo("%d of 20 starts answered a request before the secrets were read", early);
        QVERIFY(early > 0); // the window was really hit
    }

    // The request history is on disk: after a restart the last run's requests are in the history (Logs, the
    // dashboard, the admin API), and metrics.historyRetentionDays 0 keeps nothing.
    void historySurvivesARestart()
    {
        ga::test::FakeGemini fake;
        QVERIFY(fake.listen());
        fake.addKey(ga::test::fakeKey(7));
        QTemporaryDir dir;
        const QString configPath = dir.filePath(QStringLiteral("config/config.json"));
        const quint16 port = ga::test::freePort();
        QJsonObject config {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), int(port) } } },
            { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), fake.baseUrl() } } },
            { QStringLiteral("keys"),
                QJsonObject { { QStringLiteral("items"),
                    QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("k7") } } } } } },
            { QStringLiteral("auth"), QJsonObject { { QStringLiteral("allowAnonymousLoopback"), true } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        QVERIFY(ga::test::writeAll(configPath, QJsonDocument(config).toJson()));
        SlowSecretStore secrets(0);
        QVERIFY(ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
            secrets.write(ga::keys::secretEntryName(QStringLiteral("k7")), ga::test::fakeKey(7).toLatin1(), context,
                std::move(done));
        }).ok());
        const QByteArray path = "/v1beta/models/gemini-2.5-flash:generateContent";
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        auto run = [&](int requests) -> std::optional<std::vector<ga::metrics::AccessRecord>> {
            ga::config::ConfigStore configStore(configPath);
            if (configStore.load().hasErrors()) {
                return std::nullopt;
            }
            ga::daemon::Service service(&configStore, &secrets);
            service.setWorkerCount(2);
            service.setFileLogging(false);
            QSignalSpy ready(&service, &ga::daemon::Service::ready);
            QString error;
            if (!service.start(&error) || !(ready.count() > 0 || ready.wait(5000))) {
                return std::nullopt;
            }
            const std::vector<ga::metrics::AccessRecord> before = service.proxyServer()->recorder()->history();
            for (int i = 0; i < requests; ++i) {
                ga::test::Client c(port);
                c.send(ga::test::post(path, body, {}));
                if (c.read().status != 200) {
                    return std::nullopt;
                }
            }
            return before;
        };
        auto first = run(0);
        QVERIFY(first && first->empty());
        auto second = run(7);
        QVERIFY(second && second->empty()); // nothing was served before
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("config/history.sqlite"))));
        const auto restored = run(0);
        QVERIFY(restored);
        const std::vector<ga::metrics::AccessRecord> &back = *restored;
        QCOMPARE(back.size(), size_t(7));
        QCOMPARE(back.back().status, 200);
        QCOMPARE(back.back().keyId, QStringLiteral("k7"));
        QCOMPARE(back.back().model, QStringLiteral("gemini-2.5-flash"));
        // Not kept on disk: a restart starts empty again (the file is left alone).
        config.insert(QStringLiteral("metrics"), QJsonObject { { QStringLiteral("historyRetentionDays"), 0 } });
        QVERIFY(ga::test::writeAll(configPath, QJsonDocument(config).toJson()));
        const auto off = run(2);
        QVERIFY(off && off->empty());
        const auto offAgain = run(0);
        QVERIFY(offAgain && offAgain->empty());
    }

    // upstream.proxy names the user; the password is the secret store's (`proxy password` writes it and stamps
    // upstream.proxyPasswordSetAt). The service reads it before it serves, logs in with it, and reads it again when
    // the stamp changes; without one the proxy's 407 is a 502 that says what to do.
    void proxyPasswordFromTheSecretStore()
    {
        ga::test::FakeGemini fake;
        QVERIFY(fake.listen());
        fake.addKey(ga::test::fakeKey(7));
        ga::test::ConnectProxy middle;
        QVERIFY(middle.listen(QHostAddress::LocalHost));
        middle.challenge = "Proxy-Authenticate: Basic realm=\"corp\"\r\n";
        QByteArray accepted = "Basic " + QByteArray("alice:first pass").toBase64();
        middle.acceptsLogin = [&](const QByteArray &login) { return login == accepted; };
        QTemporaryDir dir;
        const QString configPath = dir.filePath(QStringLiteral("config/config.json"));
        const quint16 port = ga::test::freePort();
        const QJsonObject config {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), int(port) } } },
            { QStringLiteral("upstream"),
                QJsonObject { { QStringLiteral("baseUrl"), fake.baseUrl() },
                    { QStringLiteral("proxy"),
                        QStringLiteral("http://alice@127.0.0.1:%1").arg(middle.serverPort()) } } },
            { QStringLiteral("keys"),
                QJsonObject { { QStringLiteral("items"),
                    QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("k7") } } } } } },
            { QStringLiteral("auth"), QJsonObject { { QStringLiteral("allowAnonymousLoopback"), true } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        QVERIFY(ga::test::writeAll(configPath, QJsonDocument(config).toJson()));
        SlowSecretStore secrets(100); // the first request must wait for it, not go without it
        const auto store = [&secrets](const QString &name, const QByteArray &value) {
            return ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
                secrets.write(name, value, context, std::move(done));
            }).ok();
        };
        QVERIFY(store(ga::keys::secretEntryName(QStringLiteral("k7")), ga::test::fakeKey(7).toLatin1()));
        QVERIFY(store(QString::fromLatin1(ga::upstream::kProxyPasswordEntry), "first pass"));

        ga::config::ConfigStore configStore(configPath);
        QVERIFY(!configStore.load().hasErrors());
        ga::daemon::Service service(&configStore, &secrets);
        service.setWorkerCount(1);
        service.setFileLogging(false);
        QSignalSpy ready(&service, &ga::daemon::Service::ready);
        QSignalSpy applied(&service, &ga::daemon::Service::configApplied);
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        QVERIFY(ready.count() > 0 || ready.wait(10000));
        const QByteArray path = "/v1beta/models/gemini-2.5-flash:generateContent";
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        auto send = [&] {
            ga::test::Client c(port);
            c.send(ga::test::post(path, body));
            return c.read();
        };
        // What `proxy password` does to the file: a new upstream.proxyPasswordSetAt, applied once read.
        auto stamp = [&](const QString &at) {
            applied.clear();
            const bool saved
                = configStore
                      .update([&](QJsonObject &doc) {
                          ga::config::schema::setValueAt(doc, QStringLiteral("upstream.proxyPasswordSetAt"), at);
                          return QString();
                      })
                      .ok;
            return saved && (applied.count() > 0 || applied.wait(5000));
        };
        ga::test::Reply r = send();
        QVERIFY2(r.status == 200, r.body.constData());
        QVERIFY(middle.logins.contains(accepted));
        QVERIFY(!ga::test::readAll(configPath).contains("first pass"));

        // `proxy password` again: a new secret and a new stamp; the proxy now takes only the new one.
        QVERIFY(store(QString::fromLatin1(ga::upstream::kProxyPasswordEntry), "second pass"));
        accepted = "Basic " + QByteArray("alice:second pass").toBase64();
        QVERIFY(stamp(QStringLiteral("2026-12-08T03:00:00.000Z")));
        middle.logins.clear();
        r = send();
        QVERIFY2(r.status == 200, r.body.constData());
        QVERIFY(middle.logins.contains(accepted));

        // No password stored: asked for one, the client hears what to do.
        QVERIFY(ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
            secrets.remove(QString::fromLatin1(ga::upstream::kProxyPasswordEntry), context, std::move(done));
        }).ok());
        QVERIFY(stamp(QStringLiteral("2026-12-08T03:01:00.000Z")));
        r = send();
        QCOMPARE(r.status, 502);
        QVERIFY2(r.body.contains("gemini-aggregatord proxy password"), r.body.constData());
    }

    // listen.workers sets the proxy's worker threads when the service starts; 0 (the default) is half the cores, at
    // least one. A change while running is reported in "config applied" and waits for the next start.
    void workersAreReadAtStart()
    {
        QCOMPARE(ga::proxy::ProxyServer::defaultWorkerCount(), std::max(1, QThread::idealThreadCount() / 2));
        QTemporaryDir dir;
        const QString configPath = dir.filePath(QStringLiteral("config/config.json"));
        auto configWith = [&](const QJsonObject &listen) {
            const QJsonObject config { { QStringLiteral("version"), 1 }, { QStringLiteral("listen"), listen },
                { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } } };
            return ga::test::writeAll(configPath, QJsonDocument(config).toJson());
        };
        ga::secrets::MemorySecretStore secrets;
        QJsonObject listen { { QStringLiteral("port"), int(ga::test::freePort()) } };
        QVERIFY(configWith(listen));
        {
            ga::config::ConfigStore configStore(configPath);
            QVERIFY(!configStore.load().hasErrors());
            ga::daemon::Service service(&configStore, &secrets);
            service.setFileLogging(false);
            QString error;
            QVERIFY2(service.start(&error), qPrintable(error));
            QCOMPARE(service.proxyServer()->workerCount(), ga::proxy::ProxyServer::defaultWorkerCount());
        }
        listen.insert(QStringLiteral("workers"), 3);
        QVERIFY(configWith(listen));
        ga::config::ConfigStore configStore(configPath);
        QVERIFY(!configStore.load().hasErrors());
        ga::daemon::Service service(&configStore, &secrets);
        service.setFileLogging(false);
        QSignalSpy applied(&service, &ga::daemon::Service::configApplied);
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        QCOMPARE(service.proxyServer()->workerCount(), 3);
        QVERIFY(configStore
                    .update([](QJsonObject &doc) {
                        ga::config::schema::setValueAt(doc, QStringLiteral("listen.workers"), 1);
                        return QString();
                    })
                    .ok);
        QVERIFY(applied.count() > 0 || applied.wait(5000)); // applied within update() or once the watcher saw it
        QVERIFY2(applied.last().first().toStringList().contains(QStringLiteral("listen.workers: 3 → 1")),
            qPrintable(applied.last().first().toStringList().join(u'|')));
        QCOMPARE(service.proxyServer()->workerCount(), 3);
        // Out of range: refused like any other setting.
        const auto refused = configStore.update([](QJsonObject &doc) {
            ga::config::schema::setValueAt(doc, QStringLiteral("listen.workers"), 1000);
            return QString();
        });
        QVERIFY(!refused.ok);
    }

    // What a reload reads again is decided from the changed paths (typed), not by searching the log text.
    void changesAreTypedBySection()
    {
        using ga::config::schema::setValueAt;
        const QJsonObject base
            = ga::config::schema::effectiveDocument(QJsonObject { { QStringLiteral("version"), 1 } });
        auto changed = [&](const QString &path, const QJsonValue &value) {
            QJsonObject after = base;
            setValueAt(after, path, value);
            return ga::daemon::describeChanges(base, after);
        };
        auto c = changed(QStringLiteral("keys.strategy"), QStringLiteral("random"));
        QVERIFY(c.keys && !c.auth && !c.listen);
        QCOMPARE(c.lines.size(), 1);
        c = changed(QStringLiteral("auth.tokens.items"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("x") } } });
        QVERIFY(c.auth && !c.keys);
        c = changed(QStringLiteral("listen.port"), 4000);
        QVERIFY(c.listen && !c.keys && !c.auth);
        // Text that mentions keys or tokens elsewhere does not count: only the section does.
        c = changed(QStringLiteral("routing.mode"), QStringLiteral("hybrid"));
        QVERIFY(!c.keys && !c.auth && !c.listen && !c.isEmpty());
        QVERIFY(ga::daemon::describeChanges(base, base).isEmpty());
    }

    // The key state is saved at most once a second, and after a slow save (a large pool) ten times as long later, up
    // to a minute.
    void keyStateSavesSpaceOutAfterSlowOnes()
    {
        using ga::daemon::keyStateSaveIntervalMs;
        QCOMPARE(keyStateSaveIntervalMs(0), 1000);
        QCOMPARE(keyStateSaveIntervalMs(100), 1000);
        QCOMPARE(keyStateSaveIntervalMs(101), 1010);
        QCOMPARE(keyStateSaveIntervalMs(2500), 25'000);
        QCOMPARE(keyStateSaveIntervalMs(6000), 60'000);
        QCOMPARE(keyStateSaveIntervalMs(3'600'000), 60'000);
    }

    void corruptConfigAtStartExitsOne()
    {
        Sandbox sb;
        const QByteArray bytes = "{ \"listen\": { \"port\": 0 } }";
        QVERIFY(ga::test::writeAll(sb.configPath(), bytes));
        Daemon d(sb);
        QVERIFY(d.process().waitForFinished(20'000));
        QCOMPARE(d.process().exitCode(), 1);
        const QString err = QString::fromUtf8(d.process().readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("listen.port")) && err.contains(sb.configPath()), qPrintable(err));
        QCOMPARE(ga::test::readAll(sb.configPath()), bytes);
    }
};

QTEST_GUILESS_MAIN(TestDaemon)
#include "tst_daemon.moc"
