// SPDX-License-Identifier: GPL-3.0-or-later
// StoreReadiness (secrets/storereadiness.h) against a store that is "not up yet" for a while: which answers end the
// wait, the back-off between probes, the limit, and that the event loop keeps running while it waits.
//   Issue 16, defect 10: "Keychain not ready at login".
#include "secrets/memorysecretstore.h"
#include "secrets/storereadiness.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace ga::secrets;

namespace {

// A keychain that is still starting: the first `unavailable` reads fail with Unavailable, later ones are read from
// a memory store; `finalError` (if set) replaces the memory store's answer.
class StartingStore final : public SecretStore
{
public:
    explicit StartingStore(int unavailable, SecretError finalError = SecretError::None)
        : m_unavailable(unavailable)
        , m_finalError(finalError)
    { }

    void read(const QString &name, QObject *context, Callback done) override
    {
        ++reads;
        if (reads <= m_unavailable) {
            deliver(context, std::move(done),
                SecretResult::failure(SecretError::Unavailable, QStringLiteral("The OS keychain is not available.")));
        } else if (m_finalError != SecretError::None) {
            deliver(context, std::move(done), SecretResult::failure(m_finalError, QStringLiteral("Refused.")));
        } else {
            memory.read(name, context, std::move(done));
        }
    }
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override
    {
        memory.write(name, secret, context, std::move(done));
    }
    void remove(const QString &name, QObject *context, Callback done) override
    {
        memory.remove(name, context, std::move(done));
    }
    QString description() const override { return QStringLiteral("starting store"); }

    int reads = 0;
    MemorySecretStore memory;

private:
    int m_unavailable;
    SecretError m_finalError;
};

} // namespace

class TestStoreReadiness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void answeringStoreIsReadyAtOnce_data()
    {
        QTest::addColumn<bool>("entryExists");
        QTest::addRow("entry missing (NotFound)") << false;
        QTest::addRow("entry present") << true;
    }
    void answeringStoreIsReadyAtOnce()
    {
        QFETCH(bool, entryExists);
        StartingStore store(0);
        if (entryExists) {
            QVERIFY(waitFor([&](QObject *c, SecretStore::Callback done) {
                store.memory.write(QStringLiteral("admin/token"), "probe-secret", c, done);
            }).ok());
        }
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        QSignalSpy waiting(&readiness, &StoreReadiness::waiting);
        const SecretResult result = readiness.wait();
        QVERIFY(result.ok());
        QVERIFY(result.value.isEmpty()); // the probe's value goes no further
        QVERIFY(readiness.result().value.isEmpty());
        QCOMPARE(readiness.attempts(), 1);
        QCOMPARE(waiting.count(), 0);
    }

    void unavailableIsRetriedWithBackoffUntilTheStoreAnswers()
    {
        StartingStore store(3);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setBackoffMs({ 20, 40, 80 });
        QSignalSpy waiting(&readiness, &StoreReadiness::waiting);
        QElapsedTimer t;
        t.start();
        const SecretResult result = readiness.wait();
        QVERIFY2(result.ok(), qPrintable(result.message));
        QCOMPARE(readiness.attempts(), 4);
        QCOMPARE(store.reads, 4);
        QCOMPARE(waiting.count(), 3);
        QList<int> delays;
        for (const QList<QVariant> &args : waiting) {
            delays.append(args.at(2).toInt());
            QCOMPARE(args.at(3).toString(), QStringLiteral("The OS keychain is not available."));
        }
        QCOMPARE(delays, (QList<int> { 20, 40, 80 }));
        QVERIFY(t.elapsed() >= 130); // 20 + 40 + 80, less what coarse timers may fire early (5 %)
    }

    void lastDelayRepeats()
    {
        StartingStore store(4);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setBackoffMs({ 5, 10 });
        QSignalSpy waiting(&readiness, &StoreReadiness::waiting);
        QVERIFY(readiness.wait().ok());
        QList<int> delays;
        for (const QList<QVariant> &args : waiting) {
            delays.append(args.at(2).toInt());
        }
        QCOMPARE(delays, (QList<int> { 5, 10, 10, 10 }));
    }

    void defaultBackoffDoublesToEightSeconds()
    {
        QCOMPARE(StoreReadiness::defaultBackoffMs(), (QList<int> { 500, 1000, 2000, 4000, 8000 }));
    }

    void otherErrorsAreFinal_data()
    {
        QTest::addColumn<SecretError>("error");
        QTest::addRow("access denied") << SecretError::AccessDenied;
        QTest::addRow("other") << SecretError::Other;
    }
    void otherErrorsAreFinal()
    {
        QFETCH(SecretError, error);
        StartingStore store(1, error);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setBackoffMs({ 10 });
        const SecretResult result = readiness.wait();
        QCOMPARE(result.error, error);
        QCOMPARE(result.message, QStringLiteral("Refused."));
        QCOMPARE(readiness.attempts(), 2); // the Unavailable one, then the final answer: no more
    }

    // Never answers: probes until the limit, the last one at the limit, then fails with the store's own sentence.
    void givesUpAtTheLimit()
    {
        StartingStore store(1'000'000);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setLimitMs(300);
        readiness.setBackoffMs({ 100 });
        QSignalSpy waiting(&readiness, &StoreReadiness::waiting);
        QSignalSpy finished(&readiness, &StoreReadiness::finished);
        QElapsedTimer t;
        t.start();
        const SecretResult result = readiness.wait();
        const qint64 took = t.elapsed();
        QCOMPARE(result.error, SecretError::Unavailable);
        QCOMPARE(result.message, QStringLiteral("The OS keychain is not available."));
        QVERIFY2(took >= 300 && took < 2000, qPrintable(QString::number(took)));
        QVERIFY2(
            readiness.attempts() >= 4 && readiness.attempts() <= 6, qPrintable(QString::number(readiness.attempts())));
        QCOMPARE(finished.count(), 1);
        for (const QList<QVariant> &args : waiting) {
            QVERIFY(args.at(1).toLongLong() + args.at(2).toInt() <= 300); // no probe is planned past the limit
        }
    }

    void zeroLimitProbesOnce()
    {
        StartingStore store(1);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setLimitMs(0);
        QCOMPARE(readiness.wait().error, SecretError::Unavailable);
        QCOMPARE(readiness.attempts(), 1);
    }

    void limitComesFromTheEnvironment_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<int>("expected");
        QTest::addRow("unset") << QByteArray() << 60'000;
        QTest::addRow("2000") << QByteArray("2000") << 2000;
        QTest::addRow("0") << QByteArray("0") << 0;
        QTest::addRow("negative") << QByteArray("-5") << 60'000;
        QTest::addRow("not a number") << QByteArray("soon") << 60'000;
    }
    void limitComesFromTheEnvironment()
    {
        QFETCH(QByteArray, value);
        QFETCH(int, expected);
        if (value.isNull()) {
            qunsetenv(StoreReadiness::kLimitEnvVar);
        } else {
            qputenv(StoreReadiness::kLimitEnvVar, value);
        }
        QCOMPARE(StoreReadiness::limitFromEnvironment(), expected);
        qunsetenv(StoreReadiness::kLimitEnvVar);
    }

    // The desktop app keeps its tray and timers alive while it waits.
    void eventLoopRunsWhileWaiting()
    {
        StartingStore store(3);
        StoreReadiness readiness(&store, QStringLiteral("admin/token"));
        readiness.setBackoffMs({ 50 });
        int ticks = 0;
        QTimer tick;
        connect(&tick, &QTimer::timeout, this, [&ticks] { ++ticks; });
        tick.start(10);
        QVERIFY(readiness.wait().ok());
        QVERIFY2(ticks >= 5, qPrintable(QString::number(ticks)));
    }

    // Destroyed while a probe is out: the late answer goes nowhere.
    void destroyedWhileWaiting()
    {
        StartingStore store(1'000'000);
        auto readiness = std::make_unique<StoreReadiness>(&store, QStringLiteral("admin/token"));
        readiness->setBackoffMs({ 10 });
        readiness->start();
        readiness.reset();
        QTest::qWait(50);
        QCOMPARE(store.reads, 1);
    }
};

QTEST_GUILESS_MAIN(TestStoreReadiness)
#include "tst_storereadiness.moc"
