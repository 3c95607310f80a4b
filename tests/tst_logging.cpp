// SPDX-License-Identifier: GPL-3.0-or-later
// The log file: size-based rotation that never splits a record, JSON lines, redaction on the way out.
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cstdio>
#include <memory>
#include <vector>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using namespace ga::logging;

class TestLogging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        installMessageHandler();
        setLogLevel(LogLevel::Info);
    }

    void cleanup()
    {
        closeLogFile();
        setLogFormat(LogFormat::Text);
    }

    void rotationKeepsWholeRecordsAndTheLimit_data()
    {
        QTest::addColumn<int>("maxBytes");
        QTest::addColumn<int>("keep");
        QTest::addColumn<int>("lines");
        QTest::newRow("4 KiB, keep 3") << 4096 << 3 << 600;
        QTest::newRow("8 KiB, keep 1") << 8192 << 1 << 400;
        QTest::newRow("16 KiB, keep 5") << 16384 << 5 << 2000;
    }

    void rotationKeepsWholeRecordsAndTheLimit()
    {
        QFETCH(int, maxBytes);
        QFETCH(int, keep);
        QFETCH(int, lines);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("logs/ga.log"));
        QString error;
        QVERIFY2(setLogFile(path, maxBytes, keep, &error), qPrintable(error));
        setLogFormat(LogFormat::Json);
        for (int i = 0; i < lines; ++i) {
            // Lengths vary so that records end anywhere relative to the limit.
            qCInfo(lcProxy).noquote() << "record" << i << QString(i % 97, QChar(u'a' + i % 26));
        }
        // The configured number of old files, and no more.
        for (int n = 1; n <= keep; ++n) {
            QVERIFY2(QFile::exists(path + u'.' + QString::number(n)), qPrintable(QString::number(n)));
        }
        QVERIFY(!QFile::exists(path + u'.' + QString::number(keep + 1)));
        QCOMPARE(QDir(dir.filePath(QStringLiteral("logs"))).entryList(QDir::Files).size(), keep + 1);

        // None larger than the limit; every line a whole JSON record; records in order across files.
        int last = -1;
        int seen = 0;
        for (int n = keep; n >= 0; --n) {
            QFile f(n == 0 ? path : path + u'.' + QString::number(n));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray text = f.readAll();
            QVERIFY2(
                text.size() <= maxBytes, qPrintable(QStringLiteral("%1: %2 bytes").arg(f.fileName()).arg(text.size())));
            QVERIFY(text.endsWith('\n'));
            for (const QByteArray &line : text.split('\n')) {
                if (line.isEmpty()) {
                    continue;
                }
                const QJsonObject o = QJsonDocument::fromJson(line).object();
                QVERIFY2(o.value(u"category").toString() == u"ga.proxy", line.constData());
                const int i = o.value(u"message").toString().section(u' ', 1, 1).toInt();
                QVERIFY2(last < 0 || i == last + 1, line.constData()); // nothing lost inside the kept window
                last = i;
                ++seen;
            }
        }
        QCOMPARE(last, lines - 1);
        QVERIFY(seen < lines); // rotation dropped the oldest records
    }

    void reopeningAppends()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ga.log"));
        QString error;
        QVERIFY(setLogFile(path, 1 << 20, 2, &error));
        qCInfo(lcProxy) << "first";
        closeLogFile();
        QVERIFY(setLogFile(path, 1 << 20, 2, &error));
        qCInfo(lcProxy) << "second";
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.contains("first") && text.contains("second"));
        QCOMPARE(text.count('\n'), 2);
        QCOMPARE(logFilePath(), path);
    }

    void secretsAreRedactedInTheFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ga.log"));
        QString error;
        QVERIFY(setLogFile(path, 1 << 20, 1, &error));
        const QByteArray relaySecret = "relay-secret-value-for-the-log-test";
        Redactor::addSecret(relaySecret);
        const QString key = QStringLiteral("AIza") + QString(35, u'Q');
        qCWarning(lcProxy).noquote() << "upstream said: api_key:" + key << "relay" << relaySecret
                                     << "token gat_abcdefghijklmnopqrstuvwxyz0123456789";
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.contains("upstream said"));
        QVERIFY(!text.contains(key.toLatin1()));
        QVERIFY(!text.contains(relaySecret));
        QVERIFY(!text.contains("gat_abcdefghijklmnopqrstuvwxyz0123456789"));
        Redactor::removeSecret(relaySecret);
    }

    void unwritableFileIsReported()
    {
        QString error;
        QVERIFY(!setLogFile(QStringLiteral("/proc/ga-cannot-write-here/ga.log"), 4096, 1, &error));
        QVERIFY2(error.contains(QStringLiteral("ga.log")) || error.contains(QStringLiteral("ga-cannot-write-here")),
            qPrintable(error));
        QVERIFY(logFilePath().isEmpty());
    }

    void perCategoryLevels()
    {
        QString error;
        QVERIFY(setLogLevel(LogLevel::Warning, QStringLiteral("proxy=debug, access=error"), &error));
        QVERIFY(lcProxy().isDebugEnabled());
        QVERIFY(!lcKeys().isInfoEnabled());
        QVERIFY(!lcAccess().isWarningEnabled());
        QVERIFY(!setLogLevel(LogLevel::Info, QStringLiteral("nosuch=debug"), &error));
        QVERIFY2(error.contains(QStringLiteral("nosuch")), qPrintable(error));
        QVERIFY(setLogLevel(LogLevel::Info));
        QVERIFY(lcKeys().isInfoEnabled());
    }

    // The writer thread: lines from several threads all arrive, each thread's in its order, rotation still never
    // splits one; a warning is in the file when the call returns; stopping drains what is queued.
    void writerThreadKeepsEveryLineInOrder()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ga.log"));
        QString error;
        QVERIFY(setLogFile(path, 128 * 1024, 9, &error)); // rotates, and keeps all of it
        startLogWriter();
        constexpr int kThreads = 4;
        constexpr int kLines = 2000;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([t] {
                for (int i = 0; i < kLines; ++i) {
                    qCInfo(lcProxy).noquote() << QStringLiteral("line-of %1 %2").arg(t).arg(i) << QString(i % 50, u'x');
                }
            }));
            threads.back()->start();
        }
        for (auto &thread : threads) {
            QVERIFY(thread->wait(60'000));
        }
        qCWarning(lcProxy) << "warning-written-at-once";
        QVERIFY(readAllLogs(path).contains("warning-written-at-once")); // no flushLog() needed
        qCInfo(lcProxy) << "queued-before-stop";
        stopLogWriter();
        const QByteArray all = readAllLogs(path);
        QVERIFY(all.contains("queued-before-stop"));
        std::vector<int> next(kThreads, 0);
        for (const QByteArray &line : all.split('\n')) {
            const qsizetype at = line.indexOf(": line-of ");
            if (at < 0) {
                continue;
            }
            const QList<QByteArray> words = line.mid(at + 10).split(' ');
            const int t = words.value(0).toInt();
            QVERIFY(t >= 0 && t < kThreads);
            QCOMPARE(words.value(1).toInt(), next[size_t(t)]);
            ++next[size_t(t)];
        }
        for (int t = 0; t < kThreads; ++t) {
            QCOMPARE(next[size_t(t)], kLines);
        }
        // Synchronous again: a line is in the file when the call returns.
        qCInfo(lcProxy) << "after-stop";
        QVERIFY(readAllLogs(path).contains("after-stop"));
    }

    // What the access record uses: a safe message through this handler's format and sinks, no redaction pass; and
    // nothing when another handler is installed.
    void safeMessagesUseTheHandlersFormat()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ga.log"));
        QString error;
        QVERIFY(setLogFile(path, 1 << 20, 1, &error));
        const QDateTime before = QDateTime::currentDateTime().addMSecs(-1);
        QVERIFY(writeSafeMessage(QtInfoMsg, "ga.access", QByteArray("#1 safe-line")));
        setLogFormat(LogFormat::Json);
        QVERIFY(writeSafeMessage(QtInfoMsg, "ga.access", QByteArray("{\"id\":2}")));
        setLogFormat(LogFormat::Text);
        QDateTime after = QDateTime::currentDateTime().addMSecs(1);
        const QList<QByteArray> lines = readAllLogs(path).split('\n');
        QVERIFY2(lines.size() >= 2, readAllLogs(path).constData());
        // Each line's time is local, with milliseconds, and between the times read before and after.
        const auto timeIsNow = [&](const QByteArray &text) {
            const QDateTime t = QDateTime::fromString(QString::fromLatin1(text), Qt::ISODateWithMs);
            return text.size() == 23 && t.isValid() && t >= before && t <= after;
        };
        QVERIFY2(lines[0].endsWith(" info ga.access: #1 safe-line"), lines[0].constData());
        QVERIFY2(timeIsNow(lines[0].left(lines[0].indexOf(' '))), lines[0].constData());
        const QJsonObject json = QJsonDocument::fromJson(lines[1]).object();
        QCOMPARE(json.value(u"access").toObject().value(u"id").toInt(), 2);
        QVERIFY2(timeIsNow(json.value(u"time").toString().toLatin1()), lines[1].constData());
        // Through the writer thread the line is written straight into its queue: the same format.
        startLogWriter();
        QVERIFY(writeSafeMessage(QtInfoMsg, "ga.access", QByteArray("#3 queued-line")));
        QVERIFY(writeSafeMessage(QtInfoMsg, "ga.access", QByteArray("#4 queued-line")));
        stopLogWriter(); // writes what is queued
        after = QDateTime::currentDateTime().addMSecs(1);
        const QList<QByteArray> queued = readAllLogs(path).split('\n');
        QVERIFY2(queued.size() >= 4, readAllLogs(path).constData());
        QVERIFY2(queued[2].endsWith(" info ga.access: #3 queued-line"), queued[2].constData());
        QVERIFY2(timeIsNow(queued[2].left(queued[2].indexOf(' '))), queued[2].constData());
        QVERIFY2(queued[3].endsWith(" info ga.access: #4 queued-line"), queued[3].constData());
        const QtMessageHandler ours = qInstallMessageHandler(nullptr);
        const QtMessageHandler other = installMessageHandler(); // the default one, now replaced again
        restoreMessageHandler(other);
        QVERIFY(!writeSafeMessage(QtInfoMsg, "ga.access", QByteArray("#2 not-ours")));
        qInstallMessageHandler(ours);
        installMessageHandler();
        QVERIFY(!readAllLogs(path).contains("not-ours"));
    }

    // A stderr whose reader stalls (journald, a paused pipe) does not hold up the threads that log: past the full
    // queue the lines nobody waits for are left out, and the log says how many, where they went missing.
    void stalledReaderLeavesLinesOut()
    {
#ifdef Q_OS_UNIX
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ga.log"));
        QString error;
        QVERIFY(setLogFile(path, 64 << 20, 1, &error));
        int fds[2] = { -1, -1 };
        QCOMPARE(::pipe(fds), 0);
        std::fflush(stderr);
        const int savedErr = ::dup(2);
        QVERIFY(savedErr >= 0);
        QCOMPARE(::dup2(fds[1], 2), 2);
        ::close(fds[1]);
        std::unique_ptr<QThread> reader;
        auto restore = qScopeGuard([&] {
            std::fflush(stderr);
            ::dup2(savedErr, 2); // the pipe's last writing end closes: the reader sees its end
            ::close(savedErr);
            if (reader) {
                reader->wait(10'000);
            }
            ::close(fds[0]);
        });
        startLogWriter();
        // Nobody reads the pipe: the writer blocks once its 64 KiB are full, and ~10 MB of lines overflow the queue.
        constexpr int kLines = 40'000;
        std::unique_ptr<QThread> logger(QThread::create([] {
            const QString filler(200, u'x');
            for (int i = 0; i < kLines; ++i) {
                qCInfo(lcProxy).noquote() << "stalled-line" << i << filler;
            }
        }));
        logger->start();
        const bool loggerFinished = logger->wait(30'000);
        reader.reset(QThread::create([fd = fds[0]] {
            char buf[65536];
            while (::read(fd, buf, sizeof buf) > 0) { }
        }));
        reader->start(); // the writer goes on
        QVERIFY2(loggerFinished, "a logger waited for the stalled reader");
        stopLogWriter();
        const QByteArray all = readAllLogs(path);
        const auto kept = int(all.count("stalled-line "));
        int leftOut = 0;
        QRegularExpressionMatchIterator notes = QRegularExpression(
            QStringLiteral(" warning ga.logging: (\\d+) log lines were left out: the log's reader"))
                                                    .globalMatch(QString::fromUtf8(all));
        while (notes.hasNext()) {
            leftOut += notes.next().captured(1).toInt();
        }
        QVERIFY2(kept > 10'000 && leftOut > 10'000, QByteArray::number(kept) + " kept");
        QCOMPARE(kept + leftOut, kLines);
        // What was kept is every line up to the queue's filling, in order; the note stands after it, where the rest
        // went missing.
        QVERIFY(all.contains("stalled-line " + QByteArray::number(kept - 1) + ' '));
        QVERIFY(!all.contains("stalled-line " + QByteArray::number(kept) + ' '));
        QVERIFY(all.indexOf("log lines were left out") > all.lastIndexOf("stalled-line "));
#else
        QSKIP("needs a pipe as stderr");
#endif
    }

private:
    // The file and its rotated predecessors, oldest first.
    static QByteArray readAllLogs(const QString &path)
    {
        QByteArray all;
        for (int n = 9; n >= 0; --n) {
            QFile f(n == 0 ? path : path + u'.' + QString::number(n));
            if (f.open(QIODevice::ReadOnly)) {
                all += f.readAll();
            }
        }
        return all;
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
