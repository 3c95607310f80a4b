// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI against a real gnome-keyring (through tests/keychain-session.sh): keys land in the keychain,
// never in the config file, and are shown masked.
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <csignal>

using ga::test::CliResult;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

// secret-tool prints matching items with their secrets; only test secrets go through here.
QString secretToolSearch(const QString &entry, bool exact = true)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QStringList args { QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"),
        QStringLiteral("gemini-aggregator") };
    if (exact) {
        args << QStringLiteral("user") << entry;
    }
    p.start(QStringLiteral("secret-tool"), args);
    if (!p.waitForFinished(30'000)) {
        return QStringLiteral("<secret-tool did not finish>");
    }
    return QString::fromUtf8(p.readAll());
}

// QtKeychain stores binary secrets base64-encoded (attribute type=base64); accept either form.
bool holdsSecret(const QString &searchOutput, const QString &secret)
{
    return searchOutput.contains(QStringLiteral("secret = ") + secret)
        || searchOutput.contains(QStringLiteral("secret = ") + QString::fromLatin1(secret.toUtf8().toBase64()));
}

} // namespace

class TestKeychainCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (!qEnvironmentVariableIsSet("GA_KEYCHAIN_TEST_SESSION")) {
            QFAIL("run through tests/keychain-session.sh (a private D-Bus session with gnome-keyring)");
        }
        QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("secret-tool")).isEmpty(),
            "secret-tool (libsecret-tools) is required");
    }

    void keysLiveInTheKeychainOnly()
    {
        Sandbox sb;
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE"));
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"));
        const QString key = fakeKey(101);

        CliResult r = runCli(sb,
            { QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("--label"), QStringLiteral("kc") },
            key.toLatin1() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QString id = r.outText().section(u' ', 1, 1);
        QVERIFY(id.startsWith(u'k'));

        const QString found = secretToolSearch(QStringLiteral("key/") + id);
        QVERIFY2(holdsSecret(found, key), "secret-tool does not find the key");

        const QByteArray config = ga::test::readAll(sb.configPath());
        QVERIFY(config.contains(id.toLatin1()));
        QVERIFY(!config.contains(key.toLatin1()));
        QVERIFY(!QFile::exists(sb.secretPath())); // no file store was created on the side

        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("list") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.outText().contains(QStringLiteral("AIza…") + key.right(4)), qPrintable(r.outText()));
        QVERIFY(!r.outText().contains(key));

        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("remove"), id });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY(!holdsSecret(secretToolSearch(QStringLiteral("key/") + id), key));
    }

    void accessTokenLivesInTheKeychain()
    {
        Sandbox sb;
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE"));
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"));
        const CliResult r = runCli(sb, { QStringLiteral("token"), QStringLiteral("rotate") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QString token = r.outText().trimmed();
        QVERIFY(token.startsWith(QStringLiteral("gat_")));
        QVERIFY(holdsSecret(secretToolSearch(QStringLiteral("token/default")), token));
        QCOMPARE(runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).outText().trimmed(), token);
    }

    // The keychain cannot list its entries, so the journal is what finds the secret of a `keys add` killed between
    // its keychain write and its config write (held there: the test holds the config's lock): `keys doctor` lists it,
    // and the next start removes it from the keychain and logs its name.
    void orphanOfAKilledAddIsRemovedFromTheKeychain()
    {
        Sandbox sb;
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE"));
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"));
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QString::number(ga::test::freePort()) })
                     .exitCode,
            0);
        const QString key = fakeKey(102);
        QLockFile configLock(sb.configPath() + QStringLiteral(".lock"));
        QVERIFY(configLock.tryLock(0));
        QProcess add;
        add.setProcessEnvironment(sb.environment());
        add.start(ga::test::daemonPath(), { QStringLiteral("keys"), QStringLiteral("add") });
        QVERIFY(add.waitForStarted(10'000));
        add.write(key.toLatin1() + '\n');
        QVERIFY(add.waitForBytesWritten(5000));
        add.closeWriteChannel();
        const QRegularExpression entry(QStringLiteral("user = (key/k[0-9a-f]{8})"));
        QString name;
        for (const QDeadlineTimer deadline(20'000); name.isEmpty() && !deadline.hasExpired();) {
            name = entry.match(secretToolSearch(QStringLiteral("key/"), false)).captured(1);
        }
        QVERIFY2(!name.isEmpty(), add.readAllStandardError().constData());
        add.kill(); // SIGKILL, while it waits for the config lock
        QVERIFY(add.waitForFinished(5000));
        configLock.unlock();
        QVERIFY(holdsSecret(secretToolSearch(name), key));

        CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("doctor") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.outText().contains(name), qPrintable(r.outText() + r.errText()));
        QVERIFY2(r.errText().contains(QStringLiteral("cannot list")), qPrintable(r.errText()));
        QVERIFY(!r.out.contains(key.toLatin1()) && !r.err.contains(key.toLatin1()));

        QProcess daemon;
        daemon.setProcessEnvironment(sb.environment());
        daemon.start(ga::test::daemonPath(), { QStringLiteral("run") });
        QByteArray log;
        QSignalSpy spy(&daemon, &QProcess::readyReadStandardError);
        for (const QDeadlineTimer deadline(20'000); !log.contains("ready") && !deadline.hasExpired();) {
            spy.wait(500);
            log += daemon.readAllStandardError();
        }
        ::kill(pid_t(daemon.processId()), SIGTERM);
        QVERIFY(daemon.waitForFinished(10'000));
        log += daemon.readAllStandardError();
        QVERIFY2(log.contains(name.toLatin1()), log.constData());
        QVERIFY(!log.contains(key.toLatin1()));
        QVERIFY(!holdsSecret(secretToolSearch(name), key));
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("doctor") }).exitCode, 0);
    }
};

QTEST_GUILESS_MAIN(TestKeychainCli)
#include "tst_keychain_cli.moc"
