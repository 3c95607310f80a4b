// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/memorysecretstore.h"

#include <QObject>
#include <QTest>

#include <memory>

using namespace ga::secrets;

namespace {

SecretResult readSync(SecretStore &store, const QString &name)
{
    return waitFor([&](QObject *context, SecretStore::Callback done) { store.read(name, context, std::move(done)); });
}

SecretResult writeSync(SecretStore &store, const QString &name, const QByteArray &secret)
{
    return waitFor(
        [&](QObject *context, SecretStore::Callback done) { store.write(name, secret, context, std::move(done)); });
}

SecretResult removeSync(SecretStore &store, const QString &name)
{
    return waitFor([&](QObject *context, SecretStore::Callback done) { store.remove(name, context, std::move(done)); });
}

} // namespace

// The SecretStore contract, on the store other unit tests use as a stand-in for the keychain.
class TestMemorySecretStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readWriteRemove();
    void callbacksAreNeverSynchronous();
    void destroyedContextGetsNoCallback();
    void waitForSurvivesLateCallbacks();
};

void TestMemorySecretStore::readWriteRemove()
{
    MemorySecretStore store;
    QCOMPARE(readSync(store, QStringLiteral("key/k1")).error, SecretError::NotFound);

    const QByteArray binary("\x00\xff\x10", 3);
    QVERIFY(writeSync(store, QStringLiteral("key/k1"), binary).ok());
    QVERIFY(store.contains(QStringLiteral("key/k1")));
    const SecretResult read = readSync(store, QStringLiteral("key/k1"));
    QVERIFY(read.ok());
    QCOMPARE(read.value, binary);

    QVERIFY(removeSync(store, QStringLiteral("key/k1")).ok());
    QCOMPARE(readSync(store, QStringLiteral("key/k1")).error, SecretError::NotFound);
    QVERIFY(removeSync(store, QStringLiteral("key/k1")).ok()); // idempotent
    QCOMPARE(store.count(), 0);
    QCOMPARE(writeSync(store, QString(), "x").error, SecretError::Other);
}

void TestMemorySecretStore::callbacksAreNeverSynchronous()
{
    MemorySecretStore store;
    QObject context;
    int calls = 0;
    store.write(QStringLiteral("a"), "1", &context, [&](const SecretResult &) { ++calls; });
    store.read(QStringLiteral("a"), &context, [&](const SecretResult &) { ++calls; });
    store.remove(QStringLiteral("a"), &context, [&](const SecretResult &) { ++calls; });
    QCOMPARE(calls, 0);
    QTRY_COMPARE(calls, 3);
}

void TestMemorySecretStore::destroyedContextGetsNoCallback()
{
    MemorySecretStore store;
    bool called = false;
    auto context = std::make_unique<QObject>();
    store.write(QStringLiteral("a"), "1", context.get(), [&](const SecretResult &) { called = true; });
    context.reset();
    QVERIFY(readSync(store, QStringLiteral("a")).ok()); // delivered after the first callback would have been
    QVERIFY(!called);
}

void TestMemorySecretStore::waitForSurvivesLateCallbacks()
{
    // waitFor returns on the first answer; a call still pending for its context then must go nowhere.
    // The second callback runs in the same event pass as the first and queues a third, which is still
    // pending when the loop exits.
    MemorySecretStore store;
    bool contextDestroyed = false;
    int lateCalls = 0;
    const SecretResult result = waitFor([&](QObject *context, SecretStore::Callback done) {
        QObject::connect(context, &QObject::destroyed, [&] { contextDestroyed = true; });
        store.write(QStringLiteral("a"), "1", context, std::move(done));
        store.read(QStringLiteral("a"), context, [&store, &lateCalls, context](const SecretResult &) {
            store.read(QStringLiteral("a"), context, [&lateCalls](const SecretResult &) { ++lateCalls; });
        });
    });
    QVERIFY(result.ok());
    QVERIFY(contextDestroyed);
    QVERIFY(readSync(store, QStringLiteral("a")).ok());
    QCOMPARE(lateCalls, 0);
}

QTEST_GUILESS_MAIN(TestMemorySecretStore)
#include "tst_memorysecretstore.moc"
