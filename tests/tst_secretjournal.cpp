// SPDX-License-Identifier: GPL-3.0-or-later
// The secret journal that makes "secret first, then the config entry" recoverable (core/secrets/secretjournal.h).
#include "secrets/secretjournal.h"

#include <QFile>
#include <QLockFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using ga::secrets::SecretJournal;

class TestSecretJournal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // "pending: <name>" lines, 0600, and no file at all once nothing is pending.
    void addPendingDrop()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.journal"));
        SecretJournal journal(path);
        QString error;
        QVERIFY2(journal.lock(0, &error), qPrintable(error));
        QVERIFY(journal.add({ QStringLiteral("key/k1"), QStringLiteral("relay/i1") }, &error));
        QVERIFY(journal.add({ QStringLiteral("key/k1"), QStringLiteral("token/t") }, &error)); // no duplicates
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("pending: key/k1\npending: relay/i1\npending: token/t\n"));
        QCOMPARE(file.permissions()
                & ~(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser),
            QFileDevice::Permissions());
        QVERIFY(journal.drop({ QStringLiteral("relay/i1") }, &error));
        QCOMPARE(journal.pending(&error), QStringList({ QStringLiteral("key/k1"), QStringLiteral("token/t") }));
        QVERIFY(journal.drop({ QStringLiteral("key/k1"), QStringLiteral("token/t") }, &error));
        QVERIFY(!QFile::exists(path));
        QVERIFY(error.isEmpty());

        QVERIFY(!journal.add({ QStringLiteral("key/k2\npending: key/k3") }, &error)); // one name per line, always
        QVERIFY(!error.isEmpty());
        QVERIFY(!QFile::exists(path));
    }

    // Within one process the lock is shared (the admin API runs transactions side by side); another process waits.
    void lockIsSharedWithinTheProcess()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.journal"));
        auto first = std::make_unique<SecretJournal>(path);
        SecretJournal second(path);
        QString error;
        QVERIFY(first->lock(0, &error));
        QVERIFY2(second.lock(0, &error), qPrintable(error));
        first.reset();
        QLockFile other(path + QStringLiteral(".lock"));
        QVERIFY(!other.tryLock(0)); // `second` still holds it
        second.unlock();
        QVERIFY(other.tryLock(0));
        other.unlock();
    }

    // A command killed while holding the lock: the next one takes it over at once (its PID is gone).
    void lockOfAKilledProcessIsTakenOver()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("secrets.journal"));
        QProcess gone;
        gone.start(QStringLiteral("sh"), { QStringLiteral("-c"), QStringLiteral("exit 0") });
        QVERIFY(gone.waitForFinished(5000));
        const qint64 pid = gone.processId() > 0 ? gone.processId() : 999'999;
        QFile lock(path + QStringLiteral(".lock"));
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.write(QByteArray::number(pid) + "\ngemini-aggregatord\n\n");
        lock.close();
        SecretJournal journal(path);
        QString error;
        QVERIFY2(journal.lock(0, &error), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestSecretJournal)
#include "tst_secretjournal.moc"
