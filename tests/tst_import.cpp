// SPDX-License-Identifier: GPL-3.0-or-later
// keys import (text, CSV, our export) and export [--with-secrets], through the real CLI and the encrypted
// file store of a sandbox.
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <sys/resource.h>
#include <sys/stat.h>

using ga::test::CliResult;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

namespace {

QJsonArray keysOf(const Sandbox &sb)
{
    return QJsonDocument::fromJson(
        runCli(sb, { QStringLiteral("keys"), QStringLiteral("list"), QStringLiteral("--json") }).out)
        .array();
}

QString write(const Sandbox &sb, const QString &name, const QByteArray &content)
{
    const QString path = sb.path() + u'/' + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size()) {
        return QString();
    }
    return path;
}

// What the silent-input tests shorten the 30 s wait to.
const QString kShortTimeoutMs = QStringLiteral("400");

// The CLI with at most `addressSpace` bytes of memory (none under a sanitizer, which reserves terabytes), stdin
// from `inputFile` (or an open pipe nobody writes to, when empty), killed after `waitMs`.
struct Limited
{
    CliResult result;
    qint64 elapsedMs = 0;
};

Limited runLimited(const Sandbox &sb, const QStringList &args, const QString &inputFile, int waitMs,
    const QByteArray &writeWithoutClosing = {})
{
    QProcess p;
    p.setProcessEnvironment(sb.environment());
#if !defined(__SANITIZE_ADDRESS__)
    p.setChildProcessModifier([] {
        const rlimit limit { rlim_t(1) << 30, rlim_t(1) << 30 }; // 1 GiB: the 64 MiB limit fits well within
        ::setrlimit(RLIMIT_AS, &limit);
    });
#endif
    if (!inputFile.isEmpty()) {
        p.setStandardInputFile(inputFile);
    }
    Limited out;
    QElapsedTimer t;
    t.start();
    p.start(ga::test::daemonPath(), args);
    if (!p.waitForStarted(10'000)) {
        return out;
    }
    if (!writeWithoutClosing.isEmpty()) {
        p.write(writeWithoutClosing);
        p.waitForBytesWritten(5000);
    }
    out.result.finished = p.waitForFinished(waitMs);
    out.elapsedMs = t.elapsed();
    if (!out.result.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    out.result.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    out.result.out = p.readAllStandardOutput();
    out.result.err = p.readAllStandardError();
    return out;
}

} // namespace

class TestImport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // 10,000 lines (valid, duplicate, malformed) with a correct report. The speed target (< 5 s) is checked by
    // tests/benchmarks/bench-import.sh on a release build; here the time is only printed.
    void tenThousandMixedLines()
    {
        Sandbox sb;
        QByteArray text = "# exported from somewhere\n";
        for (int i = 0; i < 9000; ++i) {
            text += fakeKey(100000 + i).toLatin1() + '\n';
        }
        for (int i = 0; i < 500; ++i) {
            text += fakeKey(100000 + i * 7).toLatin1() + '\n'; // repeats
        }
        for (int i = 0; i < 500; ++i) {
            text
                += i % 2 ? QByteArray("AIzaTOOSHORT") + QByteArray::number(i) + '\n' : QByteArray("not a key at all\n");
        }
        const QString file = write(sb, QStringLiteral("keys.txt"), text);
        QVERIFY(!file.isEmpty());
        QElapsedTimer t;
        t.start();
        const CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), file });
        const qint64 ms = t.elapsed();
        qInfo("keys import of 10,000 lines: %lld ms", ms);
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY2(r.outText().contains(QStringLiteral("added 9000, skipped 500 duplicate(s), 500 invalid")),
            qPrintable(r.outText()));
        QVERIFY2(r.errText().contains(QStringLiteral("line 9503:")), qPrintable(r.errText().left(400)));
        QCOMPARE(keysOf(sb).size(), 9000);
        // Nothing secret in the config; a second import adds nothing.
        QVERIFY(!ga::test::readAll(sb.configPath()).contains(fakeKey(100123).toLatin1()));
        const CliResult again = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), file });
        QVERIFY2(again.outText().contains(QStringLiteral("added 0, skipped 9500 duplicate(s)")),
            qPrintable(again.outText()));
    }

    void csvWithColumns()
    {
        Sandbox sb;
        const QByteArray csv = "label,key,weight,group\n"
                               "\"work, main\","
            + fakeKey(201).toLatin1() + ",5,proj-a\n" + "home," + fakeKey(202).toLatin1() + ",,proj-b\n" + "bad,"
            + fakeKey(203).toLatin1() + ",9999,proj-c\n";
        const QString file = write(sb, QStringLiteral("keys.csv"), csv);
        const CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), file });
        QVERIFY2(r.outText().contains(QStringLiteral("added 2, skipped 0 duplicate(s), 1 invalid")),
            qPrintable(r.outText()));
        QVERIFY2(r.errText().contains(QStringLiteral("line 4: weight")), qPrintable(r.errText()));
        const QJsonArray keys = keysOf(sb);
        QCOMPARE(keys.size(), 2);
        QCOMPARE(keys.at(0).toObject().value(u"label").toString(), QStringLiteral("work, main"));
        QCOMPARE(keys.at(0).toObject().value(u"weight").toInt(), 5);
        QCOMPARE(keys.at(0).toObject().value(u"group").toString(), QStringLiteral("proj-a"));
        QCOMPARE(keys.at(1).toObject().value(u"weight").toInt(), 1);
    }

    void csvWithoutKeyColumnIsRefused()
    {
        Sandbox sb;
        const QString file = write(sb, QStringLiteral("k.csv"), "name,value\nx," + fakeKey(1).toLatin1() + "\n");
        const CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), file });
        // No "key" header: read as text, where "name,value" is not a key.
        QVERIFY(r.outText().contains(QStringLiteral("added 0")));
        QCOMPARE(keysOf(sb).size(), 0);
    }

    void exportWithSecretsMovesKeysToAnotherMachine()
    {
        Sandbox a;
        QVERIFY(runCli(a,
                    { QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("--group"), QStringLiteral("g1") },
                    fakeKey(301).toLatin1() + '\n' + fakeKey(302).toLatin1() + '\n')
                    .exitCode
            == 0);
        QCOMPARE(runCli(a,
                     { QStringLiteral("keys"), QStringLiteral("disable"),
                         keysOf(a).at(1).toObject().value(u"id").toString() })
                     .exitCode,
            0);

        // Without secrets: metadata only, and no key in it.
        const CliResult plain = runCli(a, { QStringLiteral("export") });
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(plain.out.contains("gemini-aggregator-export"));
        QVERIFY(!plain.out.contains(fakeKey(301).toLatin1()) && !plain.out.contains("\"secrets\""));

        a.setEnv(QStringLiteral("GEMINI_AGGREGATOR_EXPORT_PASSPHRASE"), QStringLiteral("correct horse battery"));
        const QString out = a.path() + QStringLiteral("/export.json");
        const CliResult exported = runCli(
            a, { QStringLiteral("export"), QStringLiteral("--with-secrets"), QStringLiteral("--output"), out });
        QVERIFY2(exported.exitCode == 0, qPrintable(exported.errText()));
        const QByteArray file = ga::test::readAll(out);
        QVERIFY(file.contains("\"secrets\""));
        QVERIFY(!file.contains(fakeKey(301).toLatin1()) && !file.contains(fakeKey(302).toLatin1())); // encrypted
        QCOMPARE(
            QFile(out).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

        Sandbox b;
        b.setEnv(QStringLiteral("GEMINI_AGGREGATOR_EXPORT_PASSPHRASE"), QStringLiteral("wrong"));
        CliResult r = runCli(b, { QStringLiteral("keys"), QStringLiteral("import"), out });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("wrong passphrase")), qPrintable(r.errText()));
        QCOMPARE(keysOf(b).size(), 0);

        b.setEnv(QStringLiteral("GEMINI_AGGREGATOR_EXPORT_PASSPHRASE"), QStringLiteral("correct horse battery"));
        r = runCli(b, { QStringLiteral("keys"), QStringLiteral("import"), out });
        QVERIFY2(
            r.exitCode == 0 && r.outText().contains(QStringLiteral("added 2")), qPrintable(r.outText() + r.errText()));
        const QJsonArray keys = keysOf(b);
        QCOMPARE(keys.size(), 2);
        QSet<QString> hints;
        for (const QJsonValue &k : keys) {
            hints.insert(k.toObject().value(u"key").toString());
            QCOMPARE(k.toObject().value(u"group").toString(), QStringLiteral("g1"));
        }
        QCOMPARE(keys.at(1).toObject().value(u"enabled").toBool(), false);
        QVERIFY(hints.contains(QStringLiteral("AIza…") + fakeKey(301).right(4)));
        // The secrets really arrived: the same import again finds them all as duplicates.
        r = runCli(b, { QStringLiteral("keys"), QStringLiteral("import"), out });
        QVERIFY2(r.outText().contains(QStringLiteral("added 0, skipped 2")), qPrintable(r.outText()));
    }

    void exportWithoutSecretsCannotBeImported()
    {
        Sandbox a;
        QVERIFY(
            runCli(a, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(401).toLatin1() + '\n').exitCode == 0);
        const QString out = a.path() + QStringLiteral("/plain.json");
        QCOMPARE(runCli(a, { QStringLiteral("export"), QStringLiteral("--output"), out }).exitCode, 0);
        Sandbox b;
        const CliResult r = runCli(b, { QStringLiteral("keys"), QStringLiteral("import"), out });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("--with-secrets")), qPrintable(r.errText()));
    }

    // An endless file is refused at 64 MiB, quickly and within 1 GiB of memory (it used to grow until bad_alloc).
    void importOfAnEndlessFileStopsAtTheLimit()
    {
        Sandbox sb;
        const Limited run = runLimited(
            sb, { QStringLiteral("keys"), QStringLiteral("import"), QStringLiteral("/dev/zero") }, {}, 30'000);
        const CliResult &r = run.result;
        QVERIFY2(r.finished, "keys import /dev/zero did not finish within 30 s");
        QVERIFY2(r.exitCode == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.errText().left(400))));
        QVERIFY2(r.errText().contains(QStringLiteral("64 MiB")) && r.errText().contains(QStringLiteral("split")),
            qPrintable(r.errText()));
        QCOMPARE(r.errText().count(u'\n'), 1); // one sentence
        QVERIFY2(run.elapsedMs < 10'000, qPrintable(QString::number(run.elapsedMs)));
        QCOMPARE(keysOf(sb).size(), 0);
    }

    // The same bound for keys piped into `keys add`.
    void keysAddOfAnEndlessInputStopsAtTheLimit()
    {
        Sandbox sb;
        const Limited run
            = runLimited(sb, { QStringLiteral("keys"), QStringLiteral("add") }, QStringLiteral("/dev/zero"), 30'000);
        QVERIFY2(run.result.finished, "keys add < /dev/zero did not finish within 30 s");
        QCOMPARE(run.result.exitCode, 1);
        QVERIFY2(run.result.errText().contains(QStringLiteral("64 MiB")), qPrintable(run.result.errText()));
        QCOMPARE(keysOf(sb).size(), 0);
    }

    // 1,000,000 lines are read; one more is refused before any parsing, with what to do.
    void importOfMoreThanAMillionLinesIsRefused()
    {
        Sandbox sb;
        QByteArray text;
        text.reserve(2'000'100);
        for (int i = 0; i < 999'999; ++i) {
            text += "#\n";
        }
        text += fakeKey(501).toLatin1() + '\n';
        const QString atLimit = write(sb, QStringLiteral("million.txt"), text);
        QVERIFY(!atLimit.isEmpty());
        CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), atLimit });
        QVERIFY2(r.exitCode == 0 && r.outText().contains(QStringLiteral("added 1,")), qPrintable(r.errText()));

        text += fakeKey(502).toLatin1(); // line 1,000,001, without a final newline
        const QString over = write(sb, QStringLiteral("million-and-one.txt"), text);
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("import"), over });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(
            r.errText().contains(QStringLiteral("1,000,000 lines")) && r.errText().contains(QStringLiteral("split")),
            qPrintable(r.errText()));
        QCOMPARE(keysOf(sb).size(), 1);
    }

    // A pipe nobody writes to: `keys add` gives up after the (shortened) silence with what to do; nothing is added,
    // not even what arrived before the silence (the input was never closed, so it may be incomplete).
    void keysAddFromASilentPipeTimesOut()
    {
        Sandbox sb;
        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS"), kShortTimeoutMs);
        for (const QByteArray &sent : { QByteArray(), fakeKey(601).toLatin1() + '\n' }) {
            const Limited run = runLimited(sb, { QStringLiteral("keys"), QStringLiteral("add") }, {}, 15'000, sent);
            QVERIFY2(run.result.finished, "keys add waited for a silent pipe for 15 s");
            QCOMPARE(run.result.exitCode, 1);
            QVERIFY2(
                run.result.errText().contains(QStringLiteral("pipe the keys in")), qPrintable(run.result.errText()));
            QVERIFY(run.elapsedMs >= kShortTimeoutMs.toInt());
            QVERIFY(!run.result.err.contains(fakeKey(601).toLatin1()));
            QCOMPARE(keysOf(sb).size(), 0);
        }
    }

    // A named pipe given as FILE with no writer: the same limit instead of waiting forever in open().
    void importFromAPipeWithoutWriterTimesOut()
    {
        Sandbox sb;
        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS"), kShortTimeoutMs);
        const QString fifo = sb.path() + QStringLiteral("/keys.fifo");
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        const Limited run = runLimited(sb, { QStringLiteral("keys"), QStringLiteral("import"), fifo }, {}, 15'000);
        QVERIFY2(run.result.finished, "keys import of a pipe without writer waited for 15 s");
        QCOMPARE(run.result.exitCode, 1);
        QVERIFY2(run.result.errText().contains(fifo), qPrintable(run.result.errText()));
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
