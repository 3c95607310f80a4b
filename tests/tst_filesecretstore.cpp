// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/filesecretstore.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

using namespace ga::secrets;

namespace {

const cipher::CipherParams kFast { 10, 8, 1 };
const QByteArray kPassphrase = QByteArrayLiteral("test passphrase");
const QByteArray kBinary("\x00\xff\x01\n\r\"\\}{\x80", 10);

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

QByteArray contents(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

int unixMode(const QString &path)
{
#ifdef Q_OS_UNIX
    struct stat st
    { };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) {
        return -1;
    }
    return int(st.st_mode & 07777);
#else
    Q_UNUSED(path);
    return -1;
#endif
}

} // namespace

class TestFileSecretStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void roundTrip();
    void persistsAcrossInstances();
    void removeEntry();
    void notFound();
    void missingFileCreatedOnFirstWrite();
    void secretsAreNotInTheFile();
    void wrongPassphraseChangesNothing();
    void foreignFileChangesNothing();
    void emptyPassphraseRefused();
    void checkFailsFast();
    void fileModeIs0600();
    void existingLooseModeIsNarrowed();
    void twoStoresDoNotLoseWrites();
    void emptyLockFileIsTakenOverAtOnce();
    void callbacksAreNeverSynchronous();
    void destroyedContextGetsNoCallback();
    void describesItself();
    void listsEntryNamesOnly();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestFileSecretStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("secrets.bin"));
}

void TestFileSecretStore::cleanup()
{
    m_dir.reset();
}

void TestFileSecretStore::roundTrip()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(store, QStringLiteral("key/k1"), "AIzaSecretOne").ok());
    QVERIFY(writeSync(store, QStringLiteral("token/binary"), kBinary).ok());
    QVERIFY(writeSync(store, QStringLiteral("empty"), QByteArray()).ok());

    SecretResult result = readSync(store, QStringLiteral("key/k1"));
    QVERIFY2(result.ok(), qPrintable(result.message));
    QCOMPARE(result.value, QByteArray("AIzaSecretOne"));
    result = readSync(store, QStringLiteral("token/binary"));
    QVERIFY(result.ok());
    QCOMPARE(result.value, kBinary);
    result = readSync(store, QStringLiteral("empty"));
    QVERIFY(result.ok());
    QVERIFY(result.value.isEmpty());

    QVERIFY(writeSync(store, QStringLiteral("key/k1"), "replaced").ok());
    QCOMPARE(readSync(store, QStringLiteral("key/k1")).value, QByteArray("replaced"));
}

void TestFileSecretStore::persistsAcrossInstances()
{
    {
        FileSecretStore store(m_path, kPassphrase, kFast);
        QVERIFY(writeSync(store, QStringLiteral("token/binary"), kBinary).ok());
    }
    FileSecretStore reopened(m_path, kPassphrase, cipher::CipherParams {}); // the file's own params win
    const SecretResult result = readSync(reopened, QStringLiteral("token/binary"));
    QVERIFY2(result.ok(), qPrintable(result.message));
    QCOMPARE(result.value, kBinary);
    QCOMPARE(quint8(contents(m_path).at(9)), quint8(kFast.logN));
}

void TestFileSecretStore::removeEntry()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(store, QStringLiteral("a"), "1").ok());
    QVERIFY(writeSync(store, QStringLiteral("b"), "2").ok());

    QVERIFY(removeSync(store, QStringLiteral("a")).ok());
    QCOMPARE(readSync(store, QStringLiteral("a")).error, SecretError::NotFound);
    QCOMPARE(readSync(store, QStringLiteral("b")).value, QByteArray("2"));

    // Removing a missing entry succeeds and does not rewrite the file.
    const QByteArray before = contents(m_path);
    QVERIFY(removeSync(store, QStringLiteral("a")).ok());
    QCOMPARE(contents(m_path), before);

    FileSecretStore reopened(m_path, kPassphrase, kFast);
    QCOMPARE(readSync(reopened, QStringLiteral("a")).error, SecretError::NotFound);
}

void TestFileSecretStore::notFound()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    const SecretResult result = readSync(store, QStringLiteral("key/none"));
    QCOMPARE(result.error, SecretError::NotFound);
    QVERIFY(!result.message.isEmpty());
    QVERIFY(result.value.isEmpty());
    QVERIFY(!QFile::exists(m_path)); // reads never create the file

    QVERIFY(removeSync(store, QStringLiteral("key/none")).ok());
    QVERIFY(!QFile::exists(m_path)); // nor do removes
}

void TestFileSecretStore::missingFileCreatedOnFirstWrite()
{
    const QString nested = m_dir->filePath(QStringLiteral("config/gemini-aggregator/secrets.bin"));
    FileSecretStore store(nested, kPassphrase, kFast);
    QVERIFY(store.check().ok());
    QVERIFY(!QFile::exists(nested));
    QVERIFY(writeSync(store, QStringLiteral("key/k1"), "v").ok());
    QVERIFY(QFile::exists(nested));
    QVERIFY(!QFile::exists(nested + QStringLiteral(".lock")));
#ifdef Q_OS_UNIX
    QCOMPARE(unixMode(QFileInfo(nested).absolutePath()), 0700);
#endif
}

void TestFileSecretStore::secretsAreNotInTheFile()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(store, QStringLiteral("key/visible-name"), "AIzaVerySecretValue").ok());
    const QByteArray bytes = contents(m_path);
    QVERIFY(bytes.startsWith("GASECRET"));
    QVERIFY(!bytes.contains("AIzaVerySecretValue"));
    QVERIFY(!bytes.contains(QByteArray("AIzaVerySecretValue").toBase64()));
    QVERIFY(!bytes.contains("visible-name"));
    QVERIFY(!bytes.contains(kPassphrase));
}

void TestFileSecretStore::wrongPassphraseChangesNothing()
{
    {
        FileSecretStore store(m_path, kPassphrase, kFast);
        QVERIFY(writeSync(store, QStringLiteral("key/k1"), "AIzaOriginal").ok());
    }
    const QByteArray before = contents(m_path);
    const QDateTime modifiedBefore = QFileInfo(m_path).lastModified();
    QVERIFY(!before.isEmpty());

    FileSecretStore wrong(m_path, "hunter2-not-it", kFast);
    const SecretResult checked = wrong.check();
    QCOMPARE(checked.error, SecretError::BadPassphrase);
    QVERIFY2(checked.message.contains(QDir::toNativeSeparators(m_path)), qPrintable(checked.message));
    QVERIFY(checked.message.contains(QStringLiteral("Nothing was changed")));
    QVERIFY(!checked.message.contains(QStringLiteral("hunter2"))); // the passphrase is never echoed

    const SecretResult read = readSync(wrong, QStringLiteral("key/k1"));
    QCOMPARE(read.error, SecretError::BadPassphrase);
    QVERIFY(read.value.isEmpty());
    QCOMPARE(contents(m_path), before);

    QCOMPARE(writeSync(wrong, QStringLiteral("key/k1"), "AIzaOverwrite").error, SecretError::BadPassphrase);
    QCOMPARE(writeSync(wrong, QStringLiteral("key/k2"), "AIzaNew").error, SecretError::BadPassphrase);
    QCOMPARE(removeSync(wrong, QStringLiteral("key/k1")).error, SecretError::BadPassphrase);
    QCOMPARE(contents(m_path), before);
    QCOMPARE(QFileInfo(m_path).lastModified(), modifiedBefore);
    QVERIFY(!QFile::exists(m_path + QStringLiteral(".lock")));

    FileSecretStore right(m_path, kPassphrase, kFast);
    QCOMPARE(readSync(right, QStringLiteral("key/k1")).value, QByteArray("AIzaOriginal"));
}

void TestFileSecretStore::foreignFileChangesNothing()
{
    const QByteArray foreign = R"({"key/k1":"AIza..."})";
    {
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(foreign);
    }
    FileSecretStore store(m_path, kPassphrase, kFast);
    const SecretResult result = writeSync(store, QStringLiteral("key/k1"), "v");
    QCOMPARE(result.error, SecretError::Other);
    QVERIFY2(
        result.message.contains(QStringLiteral("not a Gemini Aggregator secret file")), qPrintable(result.message));
    QCOMPARE(contents(m_path), foreign);

    QByteArray truncated = cipher::seal({}, kPassphrase, kFast).left(30);
    {
        QFile file(m_path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(truncated);
    }
    QCOMPARE(store.check().error, SecretError::Other);
    QCOMPARE(writeSync(store, QStringLiteral("key/k1"), "v").error, SecretError::Other);
    QCOMPARE(contents(m_path), truncated);
}

void TestFileSecretStore::emptyPassphraseRefused()
{
    FileSecretStore store(m_path, QByteArray(), kFast);
    QCOMPARE(store.check().error, SecretError::BadPassphrase);
    QCOMPARE(writeSync(store, QStringLiteral("key/k1"), "v").error, SecretError::BadPassphrase);
    QVERIFY(!QFile::exists(m_path));
}

void TestFileSecretStore::checkFailsFast()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(store.check().ok()); // missing file: fine
    QVERIFY(writeSync(store, QStringLiteral("key/k1"), "v").ok());
    QVERIFY(store.check().ok());
    FileSecretStore fresh(m_path, kPassphrase, kFast);
    QVERIFY(fresh.check().ok());
    FileSecretStore wrong(m_path, "nope", kFast);
    QCOMPARE(wrong.check().error, SecretError::BadPassphrase);
}

void TestFileSecretStore::fileModeIs0600()
{
#ifdef Q_OS_UNIX
    // A permissive umask must not leak into the file: the mode is set explicitly, not inherited.
    const mode_t previous = ::umask(0);
#endif
    FileSecretStore store(m_path, kPassphrase, kFast);
    const SecretResult result = writeSync(store, QStringLiteral("key/k1"), "v");
#ifdef Q_OS_UNIX
    ::umask(previous);
#endif
    QVERIFY2(result.ok(), qPrintable(result.message));
    const QFileDevice::Permissions owner = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    const QFileDevice::Permissions others = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    QCOMPARE(QFile::permissions(m_path) & (owner | others | QFileDevice::ExeOwner), owner);
#ifdef Q_OS_UNIX
    QCOMPARE(unixMode(m_path), 0600);
    QVERIFY(writeSync(store, QStringLiteral("key/k2"), "w").ok()); // and again on a rewrite
    QCOMPARE(unixMode(m_path), 0600);
#endif
}

void TestFileSecretStore::existingLooseModeIsNarrowed()
{
#ifndef Q_OS_UNIX
    QSKIP("Unix file modes only");
#else
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(store, QStringLiteral("key/k1"), "v").ok());
    QVERIFY(::chmod(QFile::encodeName(m_path).constData(), 0644) == 0);
    QCOMPARE(unixMode(m_path), 0644);
    QVERIFY(writeSync(store, QStringLiteral("key/k2"), "w").ok());
    QCOMPARE(unixMode(m_path), 0600);
#endif
}

void TestFileSecretStore::twoStoresDoNotLoseWrites()
{
    FileSecretStore daemon(m_path, kPassphrase, kFast);
    FileSecretStore cli(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(daemon, QStringLiteral("key/a"), "1").ok());
    QVERIFY(writeSync(cli, QStringLiteral("key/b"), "2").ok());
    QVERIFY(writeSync(daemon, QStringLiteral("key/c"), "3").ok());
    QCOMPARE(readSync(cli, QStringLiteral("key/a")).value, QByteArray("1"));
    QCOMPARE(readSync(daemon, QStringLiteral("key/b")).value, QByteArray("2"));
    QCOMPARE(readSync(cli, QStringLiteral("key/c")).value, QByteArray("3"));
}

// An empty lock file (its creator was killed before writing its PID) does not hold writes up for 30 s.
void TestFileSecretStore::emptyLockFileIsTakenOverAtOnce()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(writeSync(store, QStringLiteral("a"), "one").ok());
    {
        QFile empty(m_path + QStringLiteral(".lock"));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        QVERIFY(empty.setFileTime(QDateTime::currentDateTime().addSecs(-2), QFileDevice::FileModificationTime));
    }
    QElapsedTimer timer;
    timer.start();
    QVERIFY(writeSync(store, QStringLiteral("b"), "two").ok());
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QStringLiteral("the write waited %1 ms").arg(timer.elapsed())));
    QCOMPARE(readSync(store, QStringLiteral("a")).value, QByteArray("one"));
    QCOMPARE(readSync(store, QStringLiteral("b")).value, QByteArray("two"));
}

void TestFileSecretStore::callbacksAreNeverSynchronous()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QObject context;
    int calls = 0;
    SecretResult last;
    const auto done = [&](const SecretResult &result) {
        ++calls;
        last = result;
    };

    store.write(QStringLiteral("key/k1"), "v", &context, done);
    QCOMPARE(calls, 0);
    QTRY_COMPARE(calls, 1);
    QVERIFY(last.ok());

    store.read(QStringLiteral("key/k1"), &context, done);
    QCOMPARE(calls, 1);
    QTRY_COMPARE(calls, 2);
    QCOMPARE(last.value, QByteArray("v"));

    store.read(QStringLiteral("key/none"), &context, done);
    QCOMPARE(calls, 2);
    QTRY_COMPARE(calls, 3);
    QCOMPARE(last.error, SecretError::NotFound);

    store.remove(QStringLiteral("key/k1"), &context, done);
    QCOMPARE(calls, 3);
    QTRY_COMPARE(calls, 4);
    QVERIFY(last.ok());
}

void TestFileSecretStore::destroyedContextGetsNoCallback()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    bool called = false;
    auto context = std::make_unique<QObject>();
    store.write(QStringLiteral("key/k1"), "v", context.get(), [&](const SecretResult &) { called = true; });
    store.read(QStringLiteral("key/k1"), context.get(), [&](const SecretResult &) { called = true; });
    context.reset();

    // Callbacks are delivered in order: once a later call has completed, the earlier ones would have run.
    QVERIFY(readSync(store, QStringLiteral("key/k1")).ok()); // the write itself did happen
    QVERIFY(!called);
}

void TestFileSecretStore::describesItself()
{
    FileSecretStore store(m_path, kPassphrase, kFast);
    QCOMPARE(store.description(), QStringLiteral("encrypted file ") + QDir::toNativeSeparators(m_path));
    QCOMPARE(store.path(), m_path);
}

// `keys doctor` finds orphans by listing: names only, sorted; a file the passphrase does not open lists nothing.
void TestFileSecretStore::listsEntryNamesOnly()
{
    const auto list = [](SecretStore &store, QStringList *names) {
        QEventLoop loop;
        QObject context;
        SecretResult result;
        store.list(&context, [&](const SecretResult &r, const QStringList &listed) {
            result = r;
            *names = listed;
            loop.quit();
        });
        loop.exec();
        return result;
    };
    FileSecretStore store(m_path, kPassphrase, kFast);
    QVERIFY(store.canList());
    QStringList names;
    QVERIFY(list(store, &names).ok()); // no file yet: an empty store
    QVERIFY(names.isEmpty());
    QVERIFY(writeSync(store, QStringLiteral("token/b"), "second").ok());
    QVERIFY(writeSync(store, QStringLiteral("key/a"), "first").ok());
    const SecretResult listed = list(store, &names);
    QVERIFY(listed.ok() && listed.value.isEmpty());
    QCOMPARE(names, QStringList({ QStringLiteral("key/a"), QStringLiteral("token/b") }));

    FileSecretStore wrong(m_path, "not the passphrase", kFast);
    QCOMPARE(list(wrong, &names).error, SecretError::BadPassphrase);
    QVERIFY(names.isEmpty());
}

QTEST_GUILESS_MAIN(TestFileSecretStore)
#include "tst_filesecretstore.moc"
