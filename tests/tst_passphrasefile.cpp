// SPDX-License-Identifier: GPL-3.0-or-later
// The file secret store's passphrase read from a file (core/app/session.h, passphraseFromEnvironment()): the file
// $GEMINI_AGGREGATOR_PASSPHRASE_FILE names (a container secret) and systemd's credential
// $CREDENTIALS_DIRECTORY/passphrase (LoadCredential= in resources/systemd/gemini-aggregator.service.in).
//   - what is read: the bytes of the file, one trailing newline (LF or CRLF) dropped, nothing else changed;
//   - what is refused, with a message that names the variable and the file but never holds what the file does: both
//     variables set, a missing, unreadable or directory path, an empty file (or a newline only), a file over 64 KiB;
//   - precedence: $GEMINI_AGGREGATOR_PASSPHRASE, then the file variable, then the credential; a credentials
//     directory without a "passphrase" file is no source at all (the terminal prompt still asks);
//   - end to end through the built CLI and daemon: a secret file made with one passphrase opens with the same one
//     from a file or a credential, not with one newline more, and `run` starts with it.
#include "app/session.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using ga::app::Outcome;
using ga::app::passphraseFromEnvironment;
using ga::test::CliResult;
using ga::test::DaemonProcess;
using ga::test::Sandbox;

namespace {

const char *const kSources[]
    = { ga::app::kPassphraseEnvVar, ga::app::kPassphraseFileEnvVar, ga::app::kCredentialsDirEnvVar };
const QString kValueVar = QLatin1String(ga::app::kPassphraseEnvVar);
const QString kFileVar = QLatin1String(ga::app::kPassphraseFileEnvVar);
const QString kCredentialsVar = QLatin1String(ga::app::kCredentialsDirEnvVar);
constexpr qsizetype kMaxFileBytes = 64 * 1024;

// A passphrase-shaped marker made at run time: what no message may contain.
QByteArray marker()
{
    return "marker-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

} // namespace

class TestPassphraseFile : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    static void clearSources()
    {
        for (const char *name : kSources) {
            qunsetenv(name);
        }
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        clearSources();
    }
    void cleanup() { clearSources(); }

    void readsTheFileDroppingOneNewline_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QByteArray>("expected");
        QTest::addRow("no newline") << QByteArray("s3cret phrase") << QByteArray("s3cret phrase");
        QTest::addRow("LF, as echo writes it") << QByteArray("s3cret phrase\n") << QByteArray("s3cret phrase");
        QTest::addRow("CRLF, as a Windows editor writes it") << QByteArray("s3cret\r\n") << QByteArray("s3cret");
        QTest::addRow("only one of two newlines") << QByteArray("s3cret\n\n") << QByteArray("s3cret\n");
        QTest::addRow("spaces are kept") << QByteArray(" s3 cret \n") << QByteArray(" s3 cret ");
        QTest::addRow("a lone CR is kept") << QByteArray("s3cret\r") << QByteArray("s3cret\r");
        QTest::addRow("binary bytes") << QByteArray("\x00\xff\x01 x\n", 6) << QByteArray("\x00\xff\x01 x", 5);
        QTest::addRow("64 KiB exactly") << QByteArray(kMaxFileBytes, 'x') << QByteArray(kMaxFileBytes, 'x');
        QTest::addRow("64 KiB and its newline") << QByteArray(kMaxFileBytes - 1, 'x') + '\n'
                                                << QByteArray(kMaxFileBytes - 1, 'x');
    }
    void readsTheFileDroppingOneNewline()
    {
        QFETCH(QByteArray, contents);
        QFETCH(QByteArray, expected);
        QVERIFY(writeFile(path(QStringLiteral("passphrase")), contents));
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(path(QStringLiteral("passphrase"))));
        Outcome why;
        const std::optional<QByteArray> got = passphraseFromEnvironment(&why);
        QVERIFY2(why.ok(), qPrintable(why.message));
        QVERIFY(got.has_value());
        QCOMPARE(*got, expected);
    }

    void refusesWhatIsNoPassphrase_data()
    {
        QTest::addColumn<QString>("kind"); // file, missing, directory
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("says");
        QTest::addRow("empty file") << "file" << QByteArray() << "is empty";
        QTest::addRow("a newline only") << "file" << QByteArray("\n") << "is empty";
        QTest::addRow("CRLF only") << "file" << QByteArray("\r\n") << "is empty";
        QTest::addRow("over 64 KiB") << "file" << QByteArray(kMaxFileBytes + 1, 'x') << "is over 65536 bytes";
        QTest::addRow("no such file") << "missing" << QByteArray() << "cannot read the passphrase file";
        QTest::addRow("a directory") << "directory" << QByteArray() << "cannot read the passphrase file";
    }
    void refusesWhatIsNoPassphrase()
    {
        QFETCH(QString, kind);
        QFETCH(QByteArray, contents);
        QFETCH(QString, says);
        const QString file = path(QStringLiteral("refused-") + QString::fromLatin1(QTest::currentDataTag()));
        if (kind == u"file") {
            QVERIFY(writeFile(file, contents));
        } else if (kind == u"directory") {
            QVERIFY(QDir().mkpath(file));
        }
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(file));
        Outcome why;
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QCOMPARE(why.fault, ga::app::Fault::Failed);
        QVERIFY2(why.message.contains(says), qPrintable(why.message));
        QVERIFY2(why.message.contains(file), qPrintable(why.message));
        QVERIFY2(why.message.contains(u'$' + kFileVar), qPrintable(why.message));
    }

#ifdef Q_OS_UNIX
    void refusesAFileItCannotRead()
    {
        if (::geteuid() == 0) {
            QSKIP("root reads a file of mode 000 all the same");
        }
        const QByteArray secret = marker();
        const QString file = path(QStringLiteral("unreadable"));
        QVERIFY(writeFile(file, secret));
        QVERIFY(QFile::setPermissions(file, QFileDevice::Permissions()));
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(file));
        Outcome why;
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QVERIFY2(why.message.contains(QStringLiteral("cannot read the passphrase file")) && why.message.contains(file),
            qPrintable(why.message));
        QVERIFY(!why.message.contains(QString::fromLatin1(secret)));
    }
#endif

    void messagesNeverHoldTheFilesBytes()
    {
        // A file over the limit is the one case where the bytes were read and then refused.
        const QByteArray secret = marker();
        QVERIFY(writeFile(path(QStringLiteral("large")), secret + QByteArray(kMaxFileBytes, '\n')));
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(path(QStringLiteral("large"))));
        Outcome why;
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QVERIFY2(!why.message.isEmpty() && !why.message.contains(QString::fromLatin1(secret)), qPrintable(why.message));
    }

    void bothVariablesAreRefused()
    {
        const QByteArray secret = marker();
        QVERIFY(writeFile(path(QStringLiteral("both")), secret));
        qputenv(ga::app::kPassphraseEnvVar, secret);
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(path(QStringLiteral("both"))));
        Outcome why;
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QCOMPARE(why.fault, ga::app::Fault::Failed);
        QVERIFY2(why.message.contains(kValueVar) && why.message.contains(kFileVar), qPrintable(why.message));
        QVERIFY(!why.message.contains(QString::fromLatin1(secret)));
    }

    void precedence()
    {
        const QString credentials = path(QStringLiteral("credentials"));
        QVERIFY(QDir().mkpath(credentials));
        QVERIFY(writeFile(credentials + QStringLiteral("/passphrase"), "from the credential\n"));
        QVERIFY(writeFile(path(QStringLiteral("named")), "from the named file\n"));
        Outcome why;

        // Nothing set: no source, and no failure (the caller asks on the terminal).
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QVERIFY(why.ok());

        qputenv(ga::app::kCredentialsDirEnvVar, QFile::encodeName(credentials));
        QCOMPARE(passphraseFromEnvironment(&why).value_or("none"), QByteArray("from the credential"));
        qputenv(ga::app::kPassphraseFileEnvVar, QFile::encodeName(path(QStringLiteral("named"))));
        QCOMPARE(passphraseFromEnvironment(&why).value_or("none"), QByteArray("from the named file"));
        qunsetenv(ga::app::kPassphraseFileEnvVar);
        qputenv(ga::app::kPassphraseEnvVar, "from the variable");
        QCOMPARE(passphraseFromEnvironment(&why).value_or("none"), QByteArray("from the variable"));
        QVERIFY(why.ok());

        // A service's credentials directory that holds other credentials only: no source, no failure.
        qunsetenv(ga::app::kPassphraseEnvVar);
        const QString others = path(QStringLiteral("other-credentials"));
        QVERIFY(QDir().mkpath(others));
        QVERIFY(writeFile(others + QStringLiteral("/tls-key"), "not this"));
        qputenv(ga::app::kCredentialsDirEnvVar, QFile::encodeName(others));
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QVERIFY(why.ok());

        // An empty credential is refused, naming $CREDENTIALS_DIRECTORY.
        QVERIFY(writeFile(others + QStringLiteral("/passphrase"), "\n"));
        QVERIFY(!passphraseFromEnvironment(&why).has_value());
        QVERIFY2(why.message.contains(u'$' + kCredentialsVar) && why.message.contains(QStringLiteral("is empty")),
            qPrintable(why.message));
    }

    // ---- end to end: the built gemini-aggregatord ---------------------------------------------------------------

    void cliOpensTheStoreWithThePassphraseFromAFile()
    {
        Sandbox sb;
        QVERIFY(sb.isValid());
        QVERIFY(ga::test::useFastSecretFile(sb));
        const QByteArray passphrase = sb.environment().value(kValueVar).toUtf8();
        const CliResult made = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QCOMPARE(made.exitCode, 0);
        const QString token = made.outText().trimmed();
        QVERIFY(!token.isEmpty());
        const QByteArray store = ga::test::readAll(sb.secretPath());
        sb.unsetEnv(kValueVar);

        // The same passphrase from a file, as `echo` writes it.
        const QString file = sb.path() + QStringLiteral("/passphrase");
        QVERIFY(writeFile(file, passphrase + '\n'));
        sb.setEnv(kFileVar, file);
        CliResult r = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.outText().trimmed(), token);

        // One newline more is another passphrase: refused, the file left as it was, the passphrase not printed.
        QVERIFY(writeFile(file, passphrase + "\n\n"));
        r = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("passphrase")), r.err.constData());
        QVERIFY(!r.err.contains(passphrase) && !r.out.contains(passphrase));
        QCOMPARE(ga::test::readAll(sb.secretPath()), store);

        // Both variables: refused before the store is touched.
        QVERIFY(writeFile(file, passphrase + '\n'));
        sb.setEnv(kValueVar, QString::fromUtf8(passphrase));
        r = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(kValueVar) && r.errText().contains(kFileVar), r.err.constData());
        QVERIFY(!r.err.contains(passphrase));
        sb.unsetEnv(kValueVar);
        sb.unsetEnv(kFileVar);

        // systemd's credential, as LoadCredential=passphrase:… provides it.
        const QString credentials = sb.path() + QStringLiteral("/credentials");
        QVERIFY(QDir().mkpath(credentials));
        QVERIFY(writeFile(credentials + QStringLiteral("/passphrase"), passphrase));
        sb.setEnv(kCredentialsVar, credentials);
        r = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.outText().trimmed(), token);

        // No source at all and no terminal: the message names both variables.
        sb.unsetEnv(kCredentialsVar);
        r = ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(kValueVar) && r.errText().contains(kFileVar), r.err.constData());
    }

    void daemonRunsWithThePassphraseFromAFile()
    {
        Sandbox sb;
        QVERIFY(sb.isValid());
        QVERIFY(ga::test::useFastSecretFile(sb));
        const QByteArray passphrase = sb.environment().value(kValueVar).toUtf8();
        const QString port = QString::number(ga::test::freePort());
        QCOMPARE(ga::test::runCli(
                     sb, { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"), port })
                     .exitCode,
            0);
        QCOMPARE(ga::test::runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).exitCode, 0);
        sb.unsetEnv(kValueVar);
        const QString file = sb.path() + QStringLiteral("/passphrase");
        QVERIFY(writeFile(file, passphrase + '\n'));
        sb.setEnv(kFileVar, file);

        DaemonProcess daemon(sb);
        QVERIFY2(daemon.waitFor(QStringLiteral("ready: listening on"), 30'000) >= 0, qPrintable(daemon.log()));
        QCOMPARE(daemon.stop(SIGTERM), 0);
        QVERIFY(!daemon.log().contains(QString::fromUtf8(passphrase)));
    }
};

QTEST_GUILESS_MAIN(TestPassphraseFile)
#include "tst_passphrasefile.moc"
