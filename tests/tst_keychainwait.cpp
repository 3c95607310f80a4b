// SPDX-License-Identifier: GPL-3.0-or-later
// `gemini-aggregatord run` started before the keyring, as at login (issue 16, defect 10: "Keychain not ready at
// login"). Runs through `tests/keychain-session.sh --no-keyring`: a private D-Bus session where no Secret Service
// runs and none is D-Bus-activatable, so the keychain store answers "unavailable" until this test starts
// gnome-keyring-daemon in the session. The functions run in order: the keyring, once started, stays up.
#include "rawhttp.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <csignal>

using ga::test::CliResult;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

using Daemon = ga::test::DaemonProcess;

Sandbox keychainSandbox(quint16 port)
{
    Sandbox sb;
    sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE")); // the default: the OS keychain
    sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"));
    // Config only (no secret is touched): sets the port before the keyring exists.
    const CliResult r = runCli(
        sb, { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"), QString::number(port) });
    if (r.exitCode != 0) {
        qWarning("config set failed: %s", r.err.constData());
    }
    return sb;
}

// As keychain-session.sh does: an unlocked "login" collection, then the daemon joins this D-Bus session.
bool startKeyring()
{
    QProcess sh;
    sh.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    sh.start(QStringLiteral("sh"),
        { QStringLiteral("-c"),
            QStringLiteral("printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
                           "gnome-keyring-daemon --start --components=secrets >/dev/null") });
    return sh.waitForFinished(30'000) && sh.exitStatus() == QProcess::NormalExit && sh.exitCode() == 0;
}

} // namespace

class TestKeychainWait : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (!qEnvironmentVariableIsSet("GA_KEYCHAIN_TEST_SESSION")
            || !qEnvironmentVariableIsSet("GA_KEYCHAIN_NO_KEYRING")) {
            QFAIL("run through tests/keychain-session.sh --no-keyring (a private D-Bus session without a keyring)");
        }
        QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("secret-tool")).isEmpty(),
            "secret-tool (libsecret-tools) is required");
    }

    // First, while no keyring exists: with a 2 s limit the daemon gives up after about 2 s, with the sentence an
    // unavailable keychain always gave.
    void givesUpAfterTheLimit()
    {
        Sandbox sb = keychainSandbox(ga::test::freePort());
        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_KEYCHAIN_WAIT_MS"), QStringLiteral("2000"));
        QElapsedTimer t;
        t.start();
        Daemon d(sb);
        QCOMPARE(d.finished(20'000), 1);
        const qint64 took = t.elapsed();
        qInfo("gave up after %lld ms", took);
        QVERIFY2(took >= 2000 && took < 8000, qPrintable(QString::number(took)));
        QVERIFY2(d.log().contains(QStringLiteral("waiting for the OS keychain")), qPrintable(d.log()));
        QVERIFY2(d.log().contains(QStringLiteral("The OS keychain is not available")), qPrintable(d.log()));
        QVERIFY2(d.log().contains(QStringLiteral("--secret-store file")), qPrintable(d.log()));
        QVERIFY(!d.log().contains(QStringLiteral("ready: listening")));
    }

    // The keyring comes up about 3 s after the daemon: it logs the wait, then starts normally (the access token is
    // created in the keychain) and serves.
    void waitsForAKeyringThatStartsLate()
    {
        const quint16 port = ga::test::freePort();
        Sandbox sb = keychainSandbox(port);
        Daemon d(sb);
        QVERIFY2(d.waitFor(QStringLiteral("waiting for the OS keychain"), 10'000) >= 0, qPrintable(d.log()));
        QVERIFY2(d.runFor(3000), qPrintable(d.log())); // still waiting, not failed
        QVERIFY2(!d.log().contains(QStringLiteral("ready: listening")), qPrintable(d.log()));

        QVERIFY(startKeyring());
        QElapsedTimer sinceKeyring;
        sinceKeyring.start();
        QVERIFY2(d.waitFor(QStringLiteral("ready: listening"), 20'000) >= 0, qPrintable(d.log()));
        const qint64 toReady = sinceKeyring.elapsed();
        qInfo("ready %lld ms after the keyring started", toReady);
        QVERIFY2(toReady < 10'000, qPrintable(QString::number(toReady))); // the next probe, at most 8 s later
        QVERIFY2(d.log().contains(QStringLiteral("the OS keychain answered after")), qPrintable(d.log()));

        // The access token made at start is in the keychain, and the proxy knows it: without it 401, with it past
        // authentication (no key is configured, so not a 200 either).
        const CliResult token = runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QVERIFY2(token.exitCode == 0, token.err.constData());
        const QByteArray value = token.out.trimmed();
        QVERIFY(value.startsWith("gat_"));
        QVERIFY2(!d.log().toUtf8().contains(value), "the log holds the access token");
        ga::test::Client client(port);
        client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QCOMPARE(client.read().status, 200);
        client.send("GET /v1beta/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QCOMPARE(client.read().status, 401);
        ga::test::Client authed(port);
        authed.send("GET /v1beta/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + value + "\r\n\r\n");
        const ga::test::Reply reply = authed.read();
        QVERIFY2(reply.status != 0 && reply.status != 401 && reply.status != 403, reply.body.constData());

        ::kill(pid_t(d.process().processId()), SIGTERM);
        QCOMPARE(d.finished(10'000), 0);
        QVERIFY(!d.log().toUtf8().contains(value));
    }
};

QTEST_GUILESS_MAIN(TestKeychainWait)
#include "tst_keychainwait.moc"
