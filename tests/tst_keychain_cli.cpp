// SPDX-License-Identifier: GPL-3.0-or-later
// The CLI against a real gnome-keyring (through tests/keychain-session.sh): keys land in the keychain,
// never in the config file, and are shown masked.
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using ga::test::CliResult;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

// secret-tool prints matching items with their secrets; only test secrets go through here.
QString secretToolSearch(const QString &entry)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("secret-tool"),
        { QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"),
            QStringLiteral("gemini-aggregator"), QStringLiteral("user"), entry });
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
};

QTEST_GUILESS_MAIN(TestKeychainCli)
#include "tst_keychain_cli.moc"
