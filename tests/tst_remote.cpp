// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI's --remote mode against a real running daemon: commands travel through the admin API.
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

using ga::test::CliResult;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

class TestRemote : public QObject
{
    Q_OBJECT

private:
    // Waits until the daemon's stderr holds `needle` (from `from` on); returns the offset after it, or -1.
    qsizetype waitFor(QProcess &p, QByteArray &log, const QString &needle, int timeoutMs, qsizetype from = 0)
    {
        QSignalSpy spy(&p, &QProcess::readyReadStandardError);
        const QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            log += p.readAllStandardError();
            const qsizetype at = QString::fromUtf8(log).indexOf(needle, from);
            if (at >= 0) {
                return at + needle.size();
            }
            if (deadline.hasExpired() || p.state() == QProcess::NotRunning) {
                return -1;
            }
            spy.wait(int(std::max<qint64>(1, deadline.remainingTime())));
        }
    }

private Q_SLOTS:
    void commandsGoThroughTheAdminApi()
    {
        Sandbox sb;
        const quint16 port = ga::test::freePort();
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(port) })
                     .exitCode,
            0);
        const CliResult admin
            = runCli(sb, { QStringLiteral("token"), QStringLiteral("show"), QStringLiteral("--admin") });
        QCOMPARE(admin.exitCode, 0);
        const QByteArray adminToken = admin.out.trimmed();
        QVERIFY(adminToken.startsWith("gat_"));
        const QByteArray accessToken = runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).out.trimmed();
        QVERIFY(accessToken != adminToken);

        QProcess daemon;
        daemon.setProcessEnvironment(sb.environment());
        daemon.start(ga::test::daemonPath(), { QStringLiteral("run") });
        QByteArray log;
        qsizetype at = waitFor(daemon, log, QStringLiteral("ready"), 20'000);
        QVERIFY2(at >= 0, log.constData());

        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        auto remote = [&](QStringList words, const QByteArray &input = {}) {
            words.prepend(url);
            words.prepend(QStringLiteral("--remote"));
            return runCli(sb, words, input);
        };

        // No admin token (and no terminal to ask on): a clear refusal, nothing sent.
        CliResult r = remote({ QStringLiteral("status") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("GEMINI_AGGREGATOR_ADMIN_TOKEN")), qPrintable(r.errText()));

        // An access token is not an admin token.
        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_ADMIN_TOKEN"), QString::fromLatin1(accessToken));
        r = remote({ QStringLiteral("status") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("answered 401")), qPrintable(r.errText()));
        QVERIFY(!r.err.contains(accessToken));

        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_ADMIN_TOKEN"), QString::fromLatin1(adminToken));
        r = remote({ QStringLiteral("status") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(u"mode").toString(), QStringLiteral("local"));

        // keys add through the daemon: the secret goes into the daemon's store, the config gets the metadata.
        r = remote({ QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("--label"), QStringLiteral("far") },
            fakeKey(501).toLatin1() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QString id = QJsonDocument::fromJson(r.out).object().value(u"id").toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(!r.out.contains(fakeKey(501).toLatin1()));
        at = waitFor(daemon, log, QStringLiteral("keys: 0 → 1"), 5000, at);
        QVERIFY2(at >= 0, log.constData());
        r = remote({ QStringLiteral("keys"), QStringLiteral("list") });
        QVERIFY(r.outText().contains(QStringLiteral("AIza…") + fakeKey(501).right(4)));
        QVERIFY(r.outText().contains(QStringLiteral("\"far\"")));
        // The same key again: the daemon's 409 becomes exit 1 with its message.
        r = remote({ QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(501).toLatin1() + '\n');
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("409")), qPrintable(r.errText()));

        r = remote({ QStringLiteral("mode"), QStringLiteral("hybrid") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        at = waitFor(daemon, log, QStringLiteral("routing.mode: local → hybrid"), 5000, at);
        QVERIFY2(at >= 0, log.constData());
        QVERIFY(ga::test::readAll(sb.configPath()).contains("\"hybrid\""));

        // Validation problems come back by path; nothing changes.
        r = remote({ QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
            QStringLiteral("70000") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("listen.port:")), qPrintable(r.errText()));
        QVERIFY(ga::test::readAll(sb.configPath()).contains(QByteArray::number(port)));

        r = remote({ QStringLiteral("keys"), QStringLiteral("disable"), id });
        QVERIFY2(r.exitCode == 0 && QJsonDocument::fromJson(r.out).object().value(u"enabled") == false,
            qPrintable(r.outText() + r.errText()));
        r = remote({ QStringLiteral("keys"), QStringLiteral("remove"), id });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        r = remote({ QStringLiteral("keys"), QStringLiteral("remove"), id });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("404")), qPrintable(r.errText()));

        // The proxy's password through the daemon: into its secret store, the file only stamped.
        r = remote({ QStringLiteral("proxy"), QStringLiteral("password") }, "remote-pr0xy-pw\n");
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        at = waitFor(daemon, log, QStringLiteral("upstream.proxyPasswordSetAt"), 5000, at);
        QVERIFY2(at >= 0, log.constData());
        QVERIFY(!ga::test::readAll(sb.configPath()).contains("remote-pr0xy-pw"));

        // Commands that make no sense remotely are a usage error.
        QCOMPARE(remote({ QStringLiteral("run") }).exitCode, 2);

        ::kill(pid_t(daemon.processId()), SIGTERM);
        QVERIFY(daemon.waitForFinished(10'000));
        log += daemon.readAllStandardError();
        QVERIFY(!log.contains(adminToken) && !log.contains(fakeKey(501).toLatin1()));
        QVERIFY(!log.contains("remote-pr0xy-pw"));
    }
};

QTEST_GUILESS_MAIN(TestRemote)
#include "tst_remote.moc"
