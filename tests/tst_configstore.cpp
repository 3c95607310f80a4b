// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configstore.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLockFile>
#include <QObject>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

#ifdef Q_OS_LINUX
#include <QSocketNotifier>

#include <sys/inotify.h>
#include <unistd.h>
#endif

using namespace ga::config;
using ga::test::readAll;
using ga::test::writeAll;

namespace {

// A hand edit must be picked up well within this.
constexpr qint64 kReloadBudgetMs = 1000;
// How long to wait at most for something that should happen (a deadline, not a delay).
constexpr int kDeadlineMs = 5000;

QByteArray configBytes(int port, const QString &mode = QStringLiteral("local"))
{
    QJsonObject doc = schema::defaultDocument();
    schema::setValueAt(doc, QStringLiteral("listen.port"), port);
    schema::setValueAt(doc, QStringLiteral("routing.mode"), mode);
    return schema::serialize(doc);
}

// What an editor does: write a temporary file next to the target and rename it over the target.
bool saveAtomically(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit();
}

// What a simple editor (or `cat > file`) does: truncate the file and write it again.
bool overwriteInPlace(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

int ownerGroupOtherPermissions(const QString &path)
{
    return (QFile::permissions(path) & ~(QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser))
        .toInt();
}

QString describe(const QList<Problem> &problems)
{
    QStringList lines;
    for (const Problem &p : problems) {
        lines.append(p.toString());
    }
    return lines.join(u'\n');
}

ConfigStore::Change setPort(int port)
{
    return [port](QJsonObject &doc) {
        schema::setValueAt(doc, QStringLiteral("listen.port"), port);
        return QString();
    };
}

#ifdef Q_OS_LINUX
// Counts how often someone opened `filePath` read-only and closed it again (inotify IN_CLOSE_NOWRITE). The
// store reads the file when it reloads, so this tells a test that a reload has happened, without waiting
// a fixed time for a signal that should not come.
class ReadObserver
{
public:
    explicit ReadObserver(const QString &filePath)
        : m_name(QFile::encodeName(QFileInfo(filePath).fileName()))
        , m_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
    {
        const QByteArray dir = QFile::encodeName(QFileInfo(filePath).absolutePath());
        if (m_fd < 0 || ::inotify_add_watch(m_fd, dir.constData(), IN_CLOSE_NOWRITE) < 0) {
            return;
        }
        m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, m_notifier.get(), [this] { drain(); });
    }
    ~ReadObserver()
    {
        m_notifier.reset();
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    ReadObserver(const ReadObserver &) = delete;
    ReadObserver &operator=(const ReadObserver &) = delete;

    bool isValid() const { return m_notifier != nullptr; }
    int reads() const { return m_reads; }

private:
    void drain()
    {
        alignas(inotify_event) char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0) {
                return;
            }
            for (ssize_t at = 0; at < n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
                const char *name = event->name;
                if (event->len > 0 && QByteArrayView(name) == m_name) {
                    ++m_reads;
                }
                at += ssize_t(sizeof(inotify_event) + event->len);
            }
        }
    }

    QByteArray m_name;
    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    int m_reads = 0;
};
#endif

// Sets `path` in `doc`: a dotted setting path, or "list[i].field" for a field of an item.
void applyEdit(QJsonObject &doc, const QString &path, const QJsonValue &value)
{
    const qsizetype open = path.indexOf(u'[');
    if (open < 0) {
        schema::setValueAt(doc, path, value);
        return;
    }
    const qsizetype close = path.indexOf(u']', open);
    const QString list = path.left(open);
    const int index = path.mid(open + 1, close - open - 1).toInt();
    QJsonArray items = schema::valueAt(doc, list).toArray();
    QJsonObject item = items.at(index).toObject();
    item.insert(path.mid(close + 2), value);
    items.replace(index, item);
    schema::setValueAt(doc, list, items);
}

// A config with two keys (k1 "work", k2 "home") and one relay instance (i1 "relay").
QByteArray configWithEntries()
{
    QJsonObject doc = schema::defaultDocument();
    schema::setValueAt(doc, QStringLiteral("keys.items"),
        QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("k1") },
                         { QStringLiteral("label"), QStringLiteral("work") } },
            QJsonObject { { QStringLiteral("id"), QStringLiteral("k2") },
                { QStringLiteral("label"), QStringLiteral("home") } } });
    schema::setValueAt(doc, QStringLiteral("instances.items"),
        QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("i1") },
            { QStringLiteral("name"), QStringLiteral("relay") },
            { QStringLiteral("url"), QStringLiteral("https://relay.example.com") } } });
    return schema::serialize(doc);
}

} // namespace

class TestConfigStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void missingFileGivesDefaults();
    void ensureExistsWritesPrivateValidFile();
    void ensureExistsKeepsExistingFile();
    void updateSavesAtomically();
    void emptyLockFileIsTakenOverAtOnce();
    void updateKeepsUnknownMembers();
    void updateRefusesInvalidFile_data();
    void updateRefusesInvalidFile();
    void changeErrorAbortsWithoutWriting();
    void updateRejectsInvalidResult();
    void loadBadJson();
    void loadWrongTypes();
    void loadOutOfRange();
    void reloadAfterAtomicSave();
    void reloadAfterInPlaceWrite();
    void reloadWhenFileAppears();
    void invalidHandEditIsRejected();
    void badJsonHandEditIsRejected();
    void identicalBytesDoNotEmitChanged();
    void otherFilesInTheFolderDoNotScheduleAReload();
    void ownSaveEmitsChangedOnce();
    void updateRefusesWhatTheReaderWouldNot_data();
    void updateRefusesWhatTheReaderWouldNot();
    void remoteListenWithoutAllowRemoteIsRefusedOnLoad();
    void oldBadTextLoadsAndSavesButNoNewOne();

private:
    // Writes a valid file with `port`, loads it, and checks the store took it.
    bool prepare(ConfigStore &store, int port);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestConfigStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("gemini-aggregator/config.json"));
}

void TestConfigStore::cleanup()
{
    m_dir.reset();
}

bool TestConfigStore::prepare(ConfigStore &store, int port)
{
    if (!writeAll(m_path, configBytes(port))) {
        return false;
    }
    const ParseResult r = store.load();
    return r.problems.isEmpty() && store.config().listenPort == port;
}

void TestConfigStore::missingFileGivesDefaults()
{
    ConfigStore store(m_path);
    QCOMPARE(store.path(), m_path);
    QVERIFY(!store.fileExists());
    QCOMPARE(store.config(), Config()); // before load()

    const ParseResult r = store.load();
    QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r.problems)));
    QCOMPARE(r.config, Config());
    QCOMPARE(store.config(), Config());
    QVERIFY(!store.fileExists());
    QVERIFY(!QFileInfo::exists(m_path)); // loading never creates the file
}

void TestConfigStore::ensureExistsWritesPrivateValidFile()
{
    ConfigStore store(m_path);
    const ConfigStore::UpdateResult result = store.ensureExists();
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(result.error.isEmpty());
    QVERIFY(store.fileExists());
    QCOMPARE(ownerGroupOtherPermissions(m_path), (QFileDevice::ReadOwner | QFileDevice::WriteOwner).toInt());

    const QByteArray bytes = readAll(m_path);
    const ParseResult parsed = schema::parse(bytes);
    QVERIFY2(parsed.problems.isEmpty(), qPrintable(describe(parsed.problems)));
    QCOMPARE(parsed.config, Config());
    QCOMPARE(parsed.document.value(u"version").toInt(), kConfigVersion);
    for (const QString &path : schema::settingPaths()) {
        QVERIFY2(!schema::valueAt(parsed.document, path).isUndefined(), qPrintable(path)); // every setting visible
    }
    QCOMPARE(store.config(), Config());

    // Nothing else is left in the folder: no temporary file, no lock file.
    QCOMPARE(QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files | QDir::Hidden | QDir::System),
        QStringList { QStringLiteral("config.json") });

    // A second call leaves the file alone.
    QVERIFY(store.ensureExists().ok);
    QCOMPARE(readAll(m_path), bytes);
}

void TestConfigStore::ensureExistsKeepsExistingFile()
{
    const QByteArray mine = "{\n  \"listen\": {\"port\": 4444}\n}\n";
    QVERIFY(writeAll(m_path, mine));
    ConfigStore store(m_path);
    QVERIFY(store.ensureExists().ok);
    QCOMPARE(readAll(m_path), mine);
}

void TestConfigStore::updateSavesAtomically()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray before = readAll(m_path);
    QSignalSpy changed(&store, &ConfigStore::changed);
    QVERIFY(changed.isValid());

    // A reader that opened the file before the save keeps seeing the old file: the save replaced it whole
    // rather than rewriting it in place, so no reader can ever see half a file.
    QFile reader(m_path);
    QVERIFY(reader.open(QIODevice::ReadOnly));

    const ConfigStore::UpdateResult result = store.update(setPort(4001));
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(result.problems.isEmpty());
    QCOMPARE(reader.readAll(), before);

    const QByteArray after = readAll(m_path);
    const ParseResult reparsed = schema::parse(after);
    QVERIFY2(reparsed.problems.isEmpty(), qPrintable(describe(reparsed.problems)));
    QCOMPARE(reparsed.config.listenPort, 4001);
    QCOMPARE(store.config().listenPort, 4001);
    QCOMPARE(schema::valueAt(store.document(), QStringLiteral("listen.port")).toInt(), 4001);
    QCOMPARE(ownerGroupOtherPermissions(m_path), (QFileDevice::ReadOwner | QFileDevice::WriteOwner).toInt());
    QCOMPARE(QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files | QDir::Hidden | QDir::System),
        QStringList { QStringLiteral("config.json") });

    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<Config>().listenPort, 4001);
    QCOMPARE(changed.at(0).at(1).value<Config>().listenPort, 4000);

    // Another store on the same file sees the saved value.
    ConfigStore other(m_path);
    QVERIFY(other.load().problems.isEmpty());
    QCOMPARE(other.config().listenPort, 4001);

    // A change that changes nothing saves but does not announce a change.
    QVERIFY(store.update([](QJsonObject &) { return QString(); }).ok);
    QCOMPARE(changed.count(), 1);
}

// `kill -9` between creating the lock file and writing its owner's PID leaves it empty: the next save must not
// wait for QLockFile's 30 s stale time (hardening issue, defect 5). A lock that names a live owner still holds.
void TestConfigStore::emptyLockFileIsTakenOverAtOnce()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QString lockPath = m_path + QStringLiteral(".lock");
    {
        QFile empty(lockPath);
        QVERIFY(empty.open(QIODevice::WriteOnly));
        QVERIFY(empty.setFileTime(QDateTime::currentDateTime().addSecs(-2), QFileDevice::FileModificationTime));
    }
    QElapsedTimer timer;
    timer.start();
    const ConfigStore::UpdateResult result = store.update(setPort(4002));
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QStringLiteral("the save waited %1 ms").arg(timer.elapsed())));
    QCOMPARE(store.config().listenPort, 4002);
    QVERIFY(!QFile::exists(lockPath));

    // A live owner's lock is respected: the save waits and then says so, and changes nothing.
    QLockFile held(lockPath);
    QVERIFY(held.tryLock(0));
    const ConfigStore::UpdateResult blocked = store.update(setPort(4003));
    QVERIFY(!blocked.ok);
    QVERIFY2(blocked.error.contains(QStringLiteral("another process")), qPrintable(blocked.error));
    QCOMPARE(store.config().listenPort, 4002);
}

void TestConfigStore::updateKeepsUnknownMembers()
{
    QVERIFY(writeAll(m_path, "{\n  \"comment\": \"mine\",\n  \"listen\": {\"port\": 4000, \"note\": 1}\n}\n"));
    ConfigStore store(m_path);
    const ConfigStore::UpdateResult result = store.update(setPort(4002));
    QVERIFY2(result.ok, qPrintable(result.error));
    const ParseResult reparsed = schema::parse(readAll(m_path));
    QCOMPARE(reparsed.config.listenPort, 4002);
    QCOMPARE(reparsed.document.value(u"comment").toString(), QStringLiteral("mine"));
    QCOMPARE(schema::valueAt(reparsed.document, QStringLiteral("listen.note")).toInt(), 1);
}

void TestConfigStore::updateRefusesInvalidFile_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("bad JSON") << QByteArray("{\n  \"listen\": {\n    \"port\": 3145,\n  }\n}\n")
                              << QStringLiteral(":4:");
    QTest::newRow("wrong type") << QByteArray("{\n  \"listen\": {\n    \"port\": \"3145\"\n  }\n}\n")
                                << QStringLiteral(":3: listen.port");
    QTest::newRow("out of range") << QByteArray("{\n  \"keys\": {\"maxAttempts\": 99}\n}\n")
                                  << QStringLiteral("keys.maxAttempts");
    QTest::newRow("newer version") << QByteArray("{\"version\": 2}") << QStringLiteral("version");
}

void TestConfigStore::updateRefusesInvalidFile()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, mentions);

    QVERIFY(writeAll(m_path, bytes));
    ConfigStore store(m_path);
    QSignalSpy changed(&store, &ConfigStore::changed);
    bool called = false;
    const ConfigStore::UpdateResult result = store.update([&](QJsonObject &doc) {
        called = true;
        schema::setValueAt(doc, QStringLiteral("listen.port"), 4000);
        return QString();
    });
    QVERIFY(!result.ok);
    QVERIFY(!called);
    QVERIFY2(result.error.contains(QStringLiteral("has errors")), qPrintable(result.error));
    QVERIFY2(result.error.contains(mentions), qPrintable(result.error));
    QVERIFY(!result.problems.isEmpty());
    QCOMPARE(readAll(m_path), bytes); // byte-identical
    QCOMPARE(changed.count(), 0);
    QCOMPARE(store.config(), Config());
    QCOMPARE(QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files | QDir::Hidden | QDir::System),
        QStringList { QStringLiteral("config.json") });
}

void TestConfigStore::changeErrorAbortsWithoutWriting()
{
    // No file yet: nothing is created.
    {
        ConfigStore store(m_path);
        const ConfigStore::UpdateResult result = store.update([](QJsonObject &doc) {
            schema::setValueAt(doc, QStringLiteral("listen.port"), 4000);
            return QStringLiteral("there is no key with id 'k9'");
        });
        QVERIFY(!result.ok);
        QCOMPARE(result.error, QStringLiteral("there is no key with id 'k9'"));
        QVERIFY(!store.fileExists());
    }
    // An existing file stays as it is.
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray before = readAll(m_path);
    QSignalSpy changed(&store, &ConfigStore::changed);
    const ConfigStore::UpdateResult result = store.update([](QJsonObject &doc) {
        schema::setValueAt(doc, QStringLiteral("listen.port"), 4001);
        return QStringLiteral("aborted");
    });
    QVERIFY(!result.ok);
    QCOMPARE(result.error, QStringLiteral("aborted"));
    QCOMPARE(readAll(m_path), before);
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(changed.count(), 0);
}

void TestConfigStore::updateRejectsInvalidResult()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray before = readAll(m_path);
    QSignalSpy changed(&store, &ConfigStore::changed);

    const ConfigStore::UpdateResult result = store.update(setPort(70000));
    QVERIFY(!result.ok);
    QCOMPARE(result.problems.size(), 1);
    QCOMPARE(result.problems.constFirst().path, QStringLiteral("listen.port"));
    QVERIFY2(result.error.contains(QStringLiteral("listen.port")) && result.error.contains(QStringLiteral("70000")),
        qPrintable(result.error));
    QCOMPARE(readAll(m_path), before);
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(changed.count(), 0);
}

void TestConfigStore::loadBadJson()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray corrupt = "{\n  \"listen\": {\n    \"host\": \"127.0.0.1\"\n    \"port\": 4001\n  }\n}\n";
    QVERIFY(writeAll(m_path, corrupt));

    const ParseResult r = store.load();
    QVERIFY(r.hasErrors());
    QCOMPARE(r.errors().size(), 1);
    QCOMPARE(r.errors().constFirst().line, 4);
    QVERIFY(r.errors().constFirst().message.contains(QStringLiteral("not valid JSON")));
    QVERIFY(r.errors().constFirst().toString(m_path).startsWith(m_path + QStringLiteral(":4: ")));
    QCOMPARE(store.config().listenPort, 4000); // the settings in force stay
    QCOMPARE(readAll(m_path), corrupt);
}

void TestConfigStore::loadWrongTypes()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray corrupt = "{\n"
                               "  \"listen\": {\n"
                               "    \"port\": \"4001\"\n"
                               "  },\n"
                               "  \"routing\": {\"fallbackToLocal\": \"no\"}\n"
                               "}\n";
    QVERIFY(writeAll(m_path, corrupt));

    const ParseResult r = store.load();
    QCOMPARE(r.errors().size(), 2);
    QCOMPARE(r.errors().at(0).path, QStringLiteral("listen.port"));
    QCOMPARE(r.errors().at(0).line, 3);
    QCOMPARE(r.errors().at(1).path, QStringLiteral("routing.fallbackToLocal"));
    QCOMPARE(r.errors().at(1).line, 5);
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(store.config().fallbackToLocal, true);
    QCOMPARE(readAll(m_path), corrupt);
}

void TestConfigStore::loadOutOfRange()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray corrupt = "{\n  \"listen\": {\n    \"port\": 70000\n  }\n}\n";
    QVERIFY(writeAll(m_path, corrupt));

    const ParseResult r = store.load();
    QCOMPARE(r.errors().size(), 1);
    const QString text = r.errors().constFirst().toString(m_path);
    QCOMPARE(text, m_path + QStringLiteral(":3: listen.port: 70000 is not a port (1–65535)"));
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(readAll(m_path), corrupt);
}

void TestConfigStore::reloadAfterAtomicSave()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    store.watch();
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy rejected(&store, &ConfigStore::rejected);

    // Twice: the first save replaces the watched file, and the watch must survive that.
    for (int port : { 4001, 4002 }) {
        changed.clear();
        QElapsedTimer timer;
        timer.start();
        QVERIFY(saveAtomically(m_path, configBytes(port, QStringLiteral("hybrid"))));
        QVERIFY2(changed.wait(kDeadlineMs), "no changed() after an atomic save");
        QVERIFY2(timer.elapsed() < kReloadBudgetMs, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(changed.count(), 1);
        const Config current = changed.at(0).at(0).value<Config>();
        const Config previous = changed.at(0).at(1).value<Config>();
        QCOMPARE(current.listenPort, port);
        QCOMPARE(current.routingMode, RoutingMode::Hybrid);
        QCOMPARE(previous.listenPort, port - 1);
        QCOMPARE(store.config().listenPort, port);
    }
    QCOMPARE(rejected.count(), 0);
}

void TestConfigStore::reloadAfterInPlaceWrite()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    store.watch();
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy rejected(&store, &ConfigStore::rejected);

    for (int port : { 4001, 4002 }) {
        changed.clear();
        QElapsedTimer timer;
        timer.start();
        QVERIFY(overwriteInPlace(m_path, configBytes(port)));
        QVERIFY2(changed.wait(kDeadlineMs), "no changed() after an in-place write");
        QVERIFY2(timer.elapsed() < kReloadBudgetMs, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(changed.at(0).at(0).value<Config>().listenPort, port);
        QCOMPARE(changed.at(0).at(1).value<Config>().listenPort, port - 1);
        QCOMPARE(store.config().listenPort, port);
    }
    QCOMPARE(rejected.count(), 0);
}

void TestConfigStore::reloadWhenFileAppears()
{
    ConfigStore store(m_path);
    QVERIFY(store.load().problems.isEmpty());
    store.watch(); // the file does not exist yet; its folder is watched
    QSignalSpy changed(&store, &ConfigStore::changed);

    QElapsedTimer timer;
    timer.start();
    QVERIFY(saveAtomically(m_path, configBytes(4100)));
    QVERIFY2(changed.wait(kDeadlineMs), "no changed() when the file appeared");
    QVERIFY2(timer.elapsed() < kReloadBudgetMs, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(store.config().listenPort, 4100);

    // And the new file is watched from then on.
    changed.clear();
    QVERIFY(overwriteInPlace(m_path, configBytes(4101)));
    QVERIFY(changed.wait(kDeadlineMs));
    QCOMPARE(store.config().listenPort, 4101);
}

void TestConfigStore::invalidHandEditIsRejected()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const Config before = store.config();
    store.watch();
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy rejected(&store, &ConfigStore::rejected);

    const QByteArray invalid = "{\n  \"listen\": {\n    \"port\": 70000\n  }\n}\n";
    QElapsedTimer timer;
    timer.start();
    QVERIFY(saveAtomically(m_path, invalid));
    QVERIFY2(rejected.wait(kDeadlineMs), "no rejected() after an invalid edit");
    QVERIFY2(timer.elapsed() < kReloadBudgetMs, qPrintable(QString::number(timer.elapsed())));
    const QString reason = rejected.at(0).at(0).toString();
    QVERIFY2(reason.contains(QStringLiteral("listen.port")) && reason.contains(QStringLiteral("70000"))
            && reason.contains(QStringLiteral(":3:")),
        qPrintable(reason));
    QCOMPARE(store.config(), before);
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(readAll(m_path), invalid); // the user's file is not touched

    // Fixing the file brings the new value in; the change is measured against the settings that stayed.
    QVERIFY(saveAtomically(m_path, configBytes(4005)));
    QVERIFY(changed.wait(kDeadlineMs));
    QCOMPARE(changed.at(0).at(1).value<Config>(), before);
    QCOMPARE(store.config().listenPort, 4005);
    QCOMPARE(rejected.count(), 1);
}

void TestConfigStore::badJsonHandEditIsRejected()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    store.watch();
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy rejected(&store, &ConfigStore::rejected);

    QVERIFY(overwriteInPlace(m_path, "{\n  \"listen\": {\n    \"port\": 4001,\n  }\n}\n"));
    QVERIFY2(rejected.wait(kDeadlineMs), "no rejected() after a bad JSON edit");
    const QString reason = rejected.at(0).at(0).toString();
    QVERIFY2(reason.contains(QStringLiteral(":4:")) && reason.contains(QStringLiteral("not valid JSON")),
        qPrintable(reason));
    QCOMPARE(store.config().listenPort, 4000);
    QCOMPARE(changed.count(), 0);
}

// The folder also holds what the daemon saves all the time (keystate.json every second under load, renamed over
// the last one): a change there is seen by the folder's watch, and must not set off a read of the config file. A file
// made beside it is seen by the test's own watch of the folder; by then the store has seen it too, and has nothing
// pending. The config file's own replacement still schedules a read.
void TestConfigStore::otherFilesInTheFolderDoNotScheduleAReload()
{
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    store.watch();
    QFileSystemWatcher folder({ QFileInfo(m_path).absolutePath() });
    QSignalSpy seen(&folder, &QFileSystemWatcher::directoryChanged);
    const QString other = QFileInfo(m_path).absolutePath() + QStringLiteral("/keystate.json");
    for (int i = 0; i < 3; ++i) {
        const int before = int(seen.count());
        QVERIFY(saveAtomically(other, QByteArray("{\"n\": ") + QByteArray::number(i) + "}"));
        QTRY_VERIFY_WITH_TIMEOUT(seen.count() > before, kDeadlineMs);
        for (int turn = 0; turn < 3; ++turn) {
            QCoreApplication::processEvents();
        }
        QVERIFY2(!store.reloadPending(), "a save beside the config file scheduled a read of it");
    }
    QFile::remove(other);
    QVERIFY(saveAtomically(m_path, configBytes(4002)));
    QTRY_COMPARE_WITH_TIMEOUT(store.config().listenPort, 4002, kDeadlineMs);
}

void TestConfigStore::identicalBytesDoNotEmitChanged()
{
#ifndef Q_OS_LINUX
    QSKIP("observing the store's reload without a fixed wait needs inotify");
#else
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    const QByteArray original = readAll(m_path);
    store.watch();
    ReadObserver reads(m_path);
    QVERIFY(reads.isValid());
    QSignalSpy changed(&store, &ConfigStore::changed);
    QSignalSpy rejected(&store, &ConfigStore::rejected);

    // Same bytes, written both ways: the store re-reads the file and stays quiet.
    int seen = reads.reads();
    QVERIFY(saveAtomically(m_path, original));
    QTRY_VERIFY_WITH_TIMEOUT(reads.reads() > seen, kDeadlineMs);
    QCOMPARE(changed.count(), 0);

    seen = reads.reads();
    QVERIFY(overwriteInPlace(m_path, original));
    QTRY_VERIFY_WITH_TIMEOUT(reads.reads() > seen, kDeadlineMs);
    QCOMPARE(changed.count(), 0);

    // Different bytes with the same settings (reformatted): no change either.
    seen = reads.reads();
    QVERIFY(saveAtomically(m_path, QJsonDocument::fromJson(original).toJson(QJsonDocument::Compact)));
    QTRY_VERIFY_WITH_TIMEOUT(reads.reads() > seen, kDeadlineMs);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(rejected.count(), 0);

    // The watch is still alive: a real change arrives.
    QVERIFY(saveAtomically(m_path, configBytes(4001)));
    QVERIFY(changed.wait(kDeadlineMs));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(1).value<Config>().listenPort, 4000);
#endif
}

void TestConfigStore::ownSaveEmitsChangedOnce()
{
#ifndef Q_OS_LINUX
    QSKIP("observing the store's reload without a fixed wait needs inotify");
#else
    ConfigStore store(m_path);
    QVERIFY(prepare(store, 4000));
    store.watch();
    ReadObserver reads(m_path);
    QVERIFY(reads.isValid());
    QSignalSpy changed(&store, &ConfigStore::changed);

    const int seen = reads.reads();
    QVERIFY(store.update(setPort(4001)).ok);
    QCOMPARE(changed.count(), 1); // at once, from update()
    // update() reads the file once itself; the watcher's reload of our own save reads it again.
    QTRY_VERIFY_WITH_TIMEOUT(reads.reads() >= seen + 2, kDeadlineMs);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(store.config().listenPort, 4001);
#endif
}

void TestConfigStore::updateRefusesWhatTheReaderWouldNot_data()
{
    QTest::addColumn<QJsonObject>("edit"); // path → value, applied by one update()
    QTest::addColumn<QString>("problemPath"); // empty: the whole file
    QTest::addColumn<QString>("messageContains");

    const QString control = QStringLiteral("control character");
    auto row = [](const char *tag, const QJsonObject &edit, const QString &path, const QString &contains) {
        QTest::newRow(tag) << edit << path << contains;
    };
    const QString label = QStringLiteral("keys.items[0].label");
    row("label of 201 characters", { { label, QString(201, u'x') } }, label, QStringLiteral("at most 200"));
    row("label with ESC", { { label, QStringLiteral("red\x1b[31m") } }, label, control);
    row("label with NUL", { { label, QStringLiteral("a") + QChar(0) + u'b' } }, label, control);
    row("label with newline", { { label, QStringLiteral("work\nk9  AIza…spoofed") } }, label, control);
    row("group with ESC", { { QStringLiteral("keys.items[1].group"), QStringLiteral("p\x1b[2J") } },
        QStringLiteral("keys.items[1].group"), control);
    row("instance name with ESC", { { QStringLiteral("instances.items[0].name"), QStringLiteral("relay\x1b[2J") } },
        QStringLiteral("instances.items[0].name"), control);
    row("instance name of 201 characters", { { QStringLiteral("instances.items[0].name"), QString(201, u'n') } },
        QStringLiteral("instances.items[0].name"), QStringLiteral("at most 200"));
    row("instance URL of 2100 characters",
        { { QStringLiteral("instances.items[0].url"),
            QStringLiteral("https://relay.example.com/") + QString(2100 - 26, u'a') } },
        QStringLiteral("instances.items[0].url"), QStringLiteral("at most 2048"));
    row("upstream.baseUrl of 2100 characters",
        { { QStringLiteral("upstream.baseUrl"), QStringLiteral("https://example.com/") + QString(2080, u'p') } },
        QStringLiteral("upstream.baseUrl"), QStringLiteral("at most 2048"));
    row("log.file with newline", { { QStringLiteral("log.file"), QStringLiteral("/tmp/a\n.log") } },
        QStringLiteral("log.file"), control);
    row("allowedOrigins with ESC", { { QStringLiteral("security.allowedOrigins"), QStringLiteral("https://a\x1b") } },
        QStringLiteral("security.allowedOrigins"), control);
    row("listen.host 0.0.0.0 without allowRemote", { { QStringLiteral("listen.host"), QStringLiteral("0.0.0.0") } },
        QStringLiteral("listen.host"), QStringLiteral("listen.allowRemote"));
    row("listen.host 0.0.0.0 with allowRemote but no token",
        { { QStringLiteral("listen.host"), QStringLiteral("0.0.0.0") },
            { QStringLiteral("listen.allowRemote"), true } },
        QStringLiteral("listen.host"), QStringLiteral("no access token"));
    // Bigger than the reader accepts: refused before anything else is looked at.
    row("label of 17 MiB", { { label, QString(17 * 1024 * 1024, u'x') } }, QString(), QStringLiteral("16 MiB"));
    row("unknown member of 17 MiB", { { QStringLiteral("comment"), QString(17 * 1024 * 1024, u'c') } }, QString(),
        QStringLiteral("16 MiB"));
}

// One validation on write: what update() saves, every reader (config check, keys list, a restart) accepts.
void TestConfigStore::updateRefusesWhatTheReaderWouldNot()
{
    QFETCH(QJsonObject, edit);
    QFETCH(QString, problemPath);
    QFETCH(QString, messageContains);

    QVERIFY(writeAll(m_path, configWithEntries()));
    ConfigStore store(m_path);
    QVERIFY(!store.load().hasErrors());
    const Config loaded = store.config();
    const QByteArray before = readAll(m_path);
    QSignalSpy changed(&store, &ConfigStore::changed);

    const ConfigStore::UpdateResult result = store.update([&](QJsonObject &doc) {
        for (auto it = edit.begin(); it != edit.end(); ++it) {
            applyEdit(doc, it.key(), it.value());
        }
        return QString();
    });
    QVERIFY2(!result.ok, "saved what the reader would refuse");
    const auto found = std::find_if(result.problems.begin(), result.problems.end(),
        [&](const Problem &p) { return p.isError() && p.path == problemPath; });
    QVERIFY2(found != result.problems.end(), qPrintable(describe(result.problems).left(2000)));
    QVERIFY2(found->message.contains(messageContains), qPrintable(found->message.left(2000)));
    QVERIFY2(result.error.size() < 4096, "the error sentence quotes the whole value"); // no 17 MiB message
    QCOMPARE(readAll(m_path), before); // byte-identical
    QCOMPARE(changed.count(), 0);
    QCOMPARE(store.config(), loaded);
    QCOMPARE(QDir(QFileInfo(m_path).absolutePath()).entryList(QDir::Files | QDir::Hidden | QDir::System),
        QStringList { QStringLiteral("config.json") });
}

// `config check`, `run` and every other reader refuse a listen address `run` would refuse; a save to such a
// file is refused too (the file was written by hand, or by an older version).
void TestConfigStore::remoteListenWithoutAllowRemoteIsRefusedOnLoad()
{
    QJsonObject doc = schema::defaultDocument();
    schema::setValueAt(doc, QStringLiteral("listen.host"), QStringLiteral("0.0.0.0"));
    const QByteArray bytes = schema::serialize(doc);
    QVERIFY(writeAll(m_path, bytes));
    ConfigStore store(m_path);
    const ParseResult r = store.load();
    QVERIFY(r.hasErrors());
    QCOMPARE(r.errors().constFirst().path, QStringLiteral("listen.host"));
    QVERIFY2(r.errors().constFirst().message.contains(QStringLiteral("listen.allowRemote")),
        qPrintable(describe(r.errors())));
    QCOMPARE(store.config().listenHost, QStringLiteral("127.0.0.1")); // not adopted
    const ConfigStore::UpdateResult result = store.update(setPort(4001));
    QVERIFY(!result.ok);
    QCOMPARE(readAll(m_path), bytes);

    // With remote access on and a token, the same address is fine.
    schema::setValueAt(doc, QStringLiteral("listen.allowRemote"), true);
    schema::setValueAt(doc, QStringLiteral("auth.tokens.items"),
        QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("laptop") } } });
    QVERIFY(writeAll(m_path, schema::serialize(doc)));
    QVERIFY2(!store.load().hasErrors(), qPrintable(describe(store.load().problems)));
    QCOMPARE(store.config().listenHost, QStringLiteral("0.0.0.0"));
    // Revoking the last token would leave the keys open to the network: refused.
    const QByteArray withToken = readAll(m_path);
    const ConfigStore::UpdateResult revoked = store.update([](QJsonObject &d) {
        schema::setValueAt(d, QStringLiteral("auth.tokens.items"), QJsonArray());
        return QString();
    });
    QVERIFY(!revoked.ok);
    QVERIFY2(revoked.error.contains(QStringLiteral("no access token")), qPrintable(revoked.error));
    QCOMPARE(readAll(m_path), withToken);
}

// A label with a control character from before the rule: the file loads (with a warning), other changes
// still save and keep it, but no new bad text gets in.
void TestConfigStore::oldBadTextLoadsAndSavesButNoNewOne()
{
    QJsonObject doc = QJsonDocument::fromJson(configWithEntries()).object();
    applyEdit(doc, QStringLiteral("keys.items[1].label"), QStringLiteral("old\x1b[2J"));
    QVERIFY(writeAll(m_path, schema::serialize(doc)));
    ConfigStore store(m_path);
    const ParseResult r = store.load();
    QVERIFY2(!r.hasErrors(), qPrintable(describe(r.problems)));
    QCOMPARE(r.warnings().size(), 1);
    QCOMPARE(r.warnings().constFirst().path, QStringLiteral("keys.items[1].label"));
    QCOMPARE(store.config().keys.at(1).label, QStringLiteral("old\x1b[2J"));

    // Unrelated changes save, the old label with them; so does removing the entry before it.
    ConfigStore::UpdateResult result = store.update(setPort(4001));
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(store.config().listenPort, 4001);
    QCOMPARE(store.config().keys.at(1).label, QStringLiteral("old\x1b[2J"));
    result = store.update([](QJsonObject &d) {
        QJsonArray items = schema::valueAt(d, QStringLiteral("keys.items")).toArray();
        items.removeAt(0);
        schema::setValueAt(d, QStringLiteral("keys.items"), items);
        return QString();
    });
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(store.config().keys.size(), 1);

    // A new bad value is refused, on the same entry or another one.
    const QByteArray before = readAll(m_path);
    for (const QString &path : { QStringLiteral("keys.items[0].label"), QStringLiteral("keys.items[0].group"),
             QStringLiteral("instances.items[0].name") }) {
        result = store.update([&](QJsonObject &d) {
            applyEdit(d, path, QStringLiteral("new\x1b[2J"));
            return QString();
        });
        QVERIFY2(!result.ok, qPrintable(path));
        QVERIFY2(result.error.contains(path), qPrintable(result.error));
        QCOMPARE(readAll(m_path), before);
    }
    // Fixing it is a normal save.
    result = store.update([](QJsonObject &d) {
        applyEdit(d, QStringLiteral("keys.items[0].label"), QStringLiteral("old"));
        return QString();
    });
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(store.load().problems.isEmpty());
}

QTEST_GUILESS_MAIN(TestConfigStore)
#include "tst_configstore.moc"
