// SPDX-License-Identifier: GPL-3.0-or-later
// The request history on disk (core/metrics/historystore.h): records survive a restart, retention and the row cap
// prune, a damaged database is moved aside and made anew, and the recorder hands every record to it.
#include "logging/redact.h"
#include "metrics/historystore.h"
#include "metrics/recorder.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <map>
#include <sqlite3.h>

using ga::metrics::AccessRecord;
using ga::metrics::HistoryStore;

namespace {

// Runs SQL on the file directly (as a user with the sqlite3 tool would); false with the message on failure.
bool execSql(const QString &file, const char *sql, QString *message = nullptr)
{
    sqlite3 *db = nullptr;
    int rc = sqlite3_open_v2(
        QFile::encodeName(file).constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    char *error = nullptr;
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    }
    if (rc != SQLITE_OK && message) {
        *message = QString::fromUtf8(error ? error : sqlite3_errstr(rc));
    }
    sqlite3_free(error);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

// The first column of the first row of `sql` as another connection sees the file (committed rows), -1 when it
// cannot be read.
qint64 sqlValue(const QString &file, const char *sql)
{
    sqlite3 *db = nullptr;
    sqlite3_stmt *q = nullptr;
    qint64 value = -1;
    if (sqlite3_open_v2(QFile::encodeName(file).constData(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK
        && sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
        value = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return value;
}

// The rows another connection sees (committed ones), -1 when the file cannot be read.
qint64 committedRows(const QString &file)
{
    return sqlValue(file, "SELECT COUNT(*) FROM history");
}

// Another connection on the file holding its write lock, as `sqlite3` open on it can, until released.
class FileWriteLock
{
public:
    explicit FileWriteLock(const QString &file)
    {
        m_held
            = sqlite3_open_v2(QFile::encodeName(file).constData(), &m_db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK
            && sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    ~FileWriteLock() { release(); }
    FileWriteLock(const FileWriteLock &) = delete;
    FileWriteLock &operator=(const FileWriteLock &) = delete;
    bool held() const { return m_held; }
    // Ends the transaction (nothing written) and closes; false when that failed.
    bool release()
    {
        const bool ended = !m_held || sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
        sqlite3_close(m_db);
        m_db = nullptr;
        m_held = false;
        return ended;
    }

private:
    sqlite3 *m_db = nullptr;
    bool m_held = false;
};

AccessRecord record(quint64 id, qint64 startedMs)
{
    AccessRecord r;
    r.id = id;
    r.startedMs = startedMs;
    r.client = QStringLiteral("cline");
    r.peer = QStringLiteral("127.0.0.1");
    r.method = QStringLiteral("POST");
    r.path = QStringLiteral("/v1beta/models/gemini-2.5-flash:generateContent");
    r.kind = QStringLiteral("native");
    r.model = QStringLiteral("gemini-2.5-flash");
    r.mode = QStringLiteral("local");
    r.keyId = QStringLiteral("k%1").arg(id % 3);
    r.route = QStringLiteral("direct");
    r.status = id % 5 == 0 ? 429 : 200;
    r.ttfbMs = 12;
    r.totalMs = 40 + qint64(id);
    r.tokensIn = 7;
    r.tokensOut = 11;
    r.attempts.push_back({ r.keyId, r.route, r.status, QStringLiteral("ok"), 40 });
    return r;
}

} // namespace

class TestHistoryStore : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath(QStringLiteral("history.sqlite")); }

private Q_SLOTS:
    void init() { QFile::remove(path()); }

    void recordsSurviveARestart()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            QVERIFY(store.open(1000).empty());
            for (quint64 i = 1; i <= 50; ++i) {
                AccessRecord r = record(i, now - 50'000 + qint64(i) * 1000);
                if (i == 50) {
                    r.kind = QStringLiteral("live");
                    r.status = 101;
                    r.live = ga::metrics::LiveFigures { 3, 5, 150, 498, 1000, QStringLiteral("bye"), true };
                }
                store.append(r);
            }
        } // the destructor writes what is queued
        QVERIFY(QFile::exists(path()));
        QCOMPARE(
            QFile::permissions(path()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        HistoryStore again({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> back = again.open(1000);
        QCOMPARE(back.size(), size_t(50));
        QCOMPARE(back.front().id, quint64(1)); // oldest first
        QCOMPARE(back.back().id, quint64(50));
        const AccessRecord &r = back[9];
        const AccessRecord want = record(10, now - 50'000 + 10'000);
        QCOMPARE(r.startedMs, want.startedMs);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.keyId, want.keyId);
        QCOMPARE(r.model, want.model);
        QCOMPARE(r.totalMs, want.totalMs);
        QCOMPARE(r.tokensOut, qint64(11));
        QCOMPARE(r.attempts.size(), size_t(1));
        QVERIFY(back.back().live);
        QCOMPARE(back.back().live->closeCode, 1000);
        QCOMPARE(back.back().live->framesOut, qint64(5));
        // Only the newest N come back when fewer are wanted.
        HistoryStore third({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> newest = third.open(5);
        QCOMPARE(newest.size(), size_t(5));
        QCOMPARE(newest.front().id, quint64(46));
    }

    // A new file is made with 16 KiB pages (fewer WAL frames per commit); the page size is in the file's header.
    void newFilesUseLargePages()
    {
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            store.open(0);
            store.append(record(1, QDateTime::currentMSecsSinceEpoch()));
            store.flush();
        } // closed: checkpointed into the file
        QFile file(path());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray header = file.read(100);
        QVERIFY(header.startsWith("SQLite format 3"));
        QCOMPARE((quint8(header[16]) << 8) | quint8(header[17]), 16384);
        file.close();
        HistoryStore again({ path(), 30, 1'000'000 });
        QCOMPARE(again.open(10).size(), size_t(1));
    }

    void retentionAndCapPrune()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            HistoryStore store({ path(), 0, 0 });
            store.open(0);
            store.append(record(1, now - 40LL * 86'400'000)); // older than 30 days
            store.append(record(2, now - 10LL * 86'400'000));
            for (quint64 i = 3; i <= 25; ++i) {
                store.append(record(i, now - 1000));
            }
            store.flush();
            QCOMPARE(store.count(), qint64(25));
        }
        HistoryStore store({ path(), 30, 1'000'000 });
        store.open(0);
        QCOMPARE(store.count(), qint64(24)); // the 40-day-old one went at open
        store.setRetention(30, 10);
        store.flush();
        QCOMPARE(store.count(), qint64(10));
        const std::vector<AccessRecord> left = store.query(0, 0, 100);
        QCOMPARE(left.front().id, quint64(25)); // newest first; the oldest went
        QCOMPARE(left.back().id, quint64(16));
    }

    // The store's thread takes records into an open transaction as they queue up (a few hundred at a time) and
    // commits 200 ms after the transaction's first: without a flush, every record reaches the file, committed (seen
    // by another connection, as with the sqlite3 tool).
    void recordsAreCommittedWithoutAFlush()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        HistoryStore store({ path(), 30, 1'000'000 });
        store.open(0);
        for (quint64 i = 1; i <= 1000; ++i) {
            store.append(record(i, now));
        }
        QTRY_COMPARE_WITH_TIMEOUT(committedRows(path()), qint64(1000), 10'000);
        store.append(record(1001, now)); // a transaction after the first commit is committed too
        QTRY_COMPARE_WITH_TIMEOUT(committedRows(path()), qint64(1001), 10'000);
        QCOMPARE(store.count(), qint64(1001));
    }

    // Rows are kept in start order whatever order they finish in (a long stream is written after short requests that
    // started later), and ties keep the order they were written in.
    void startOrderNotWriteOrder()
    {
        HistoryStore store({ path(), 0, 0 });
        store.open(0);
        const qint64 base = 1'700'000'000'000;
        for (quint64 id : { 3, 1, 4, 2, 5, 6 }) {
            store.append(record(id, base + (id == 6 ? 5 : qint64(id)) * 1000)); // 5 and 6 started together
        }
        store.flush();
        std::vector<quint64> ids;
        for (const AccessRecord &r : store.query(0, 0, 100)) {
            ids.push_back(r.id);
        }
        QCOMPARE(ids, (std::vector<quint64> { 6, 5, 4, 3, 2, 1 }));
        QCOMPARE(store.query(base + 2000, base + 4000, 100).size(), size_t(2)); // 2 and 3
        QCOMPARE(store.query(base + 5000, base + 5001, 100).size(), size_t(2)); // 5 and 6, to the millisecond
    }

    // A row whose id is taken (the clock went back after a restart, which numbers rows from 0 again) goes after the
    // rows of its millisecond: nothing is lost.
    void sameMillisecondAfterARestart()
    {
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - 1000;
        for (int run = 0; run < 3; ++run) {
            HistoryStore store({ path(), 30, 1'000'000 });
            store.open(0);
            for (quint64 i = 1; i <= 4; ++i) {
                store.append(record(quint64(run) * 10 + i, at));
            }
        }
        HistoryStore store({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> back = store.open(100);
        QCOMPARE(back.size(), size_t(12));
        QCOMPARE(store.count(), qint64(12));
        QCOMPARE(back.front().id, quint64(1));
        QCOMPARE(back[4].id, quint64(11)); // in the order written
        QCOMPARE(back.back().id, quint64(24));
    }

    // Rows are written sixteen to a statement: a taken id inside such a group (here the sixth and on) keeps the
    // rows before it and moves that row after the last of its millisecond, and the group goes on from there.
    void takenIdInsideAGroupOfRows()
    {
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - 1000;
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            store.open(0);
            for (quint64 i = 1; i <= 20; ++i) {
                store.append(record(i, at)); // sequence numbers 0-19 of `at`
            }
            store.append(record(21, at + 1)); // the table's last row a millisecond later
        }
        HistoryStore store({ path(), 30, 1'000'000 });
        store.open(0);
        // A restart numbers from 0 again. The rows start before the table's last one, so each is given an id in its
        // place: 0-4 in the millisecond before `at`, then 5 (the sixth row) is taken at `at`.
        for (quint64 i = 101; i <= 140; ++i) {
            store.append(record(i, i <= 105 ? at - 1 : at));
        }
        store.flush();
        QCOMPARE(store.count(), qint64(61));
        std::vector<quint64> ids;
        for (const AccessRecord &r : store.query(0, 0, 100)) {
            ids.push_back(r.id);
        }
        std::vector<quint64> expected { 21 };
        for (quint64 i = 140; i >= 106; --i) {
            expected.push_back(i); // after the first run's, in the order written
        }
        for (quint64 i = 20; i >= 1; --i) {
            expected.push_back(i);
        }
        for (quint64 i = 105; i >= 101; --i) {
            expected.push_back(i);
        }
        QCOMPARE(ids, expected);
        QCOMPARE(sqlValue(path(), "SELECT COUNT(*) FROM history WHERE id >> 20 != started_ms"), qint64(0));
    }

    // A row's id holds its start (the millisecond times 2^20, then a sequence number), whatever order the rows come
    // in: a row started in the millisecond of the table's last row takes the next id (SQLite's own, without a look
    // for a free one), the first of a later millisecond sequence number 0, one started earlier an id in its place.
    // The table's last row is read again for each step: another program may have written one meanwhile.
    void idsFollowStartsInAnyOrder()
    {
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - 10'000;
        std::vector<std::pair<qint64, quint64>> written; // (start, record id) of every row, in the order written
        HistoryStore store({ path(), 30, 1'000'000 });
        store.open(0);
        const auto add = [&](quint64 id, qint64 startedMs) {
            store.append(record(id, startedMs));
            written.emplace_back(startedMs, id);
        };
        for (quint64 i = 1; i <= 40; ++i) {
            add(i, at + qint64(i * 7 % 4)); // in the order they ended, not the one they started in
        }
        add(41, at - 3); // one that ran long
        store.flush();
        const QByteArray later = QByteArray::number(at + 5);
        const QByteArray insert = "INSERT INTO history (id, started_ms, status, record) VALUES ((" + later
            + " << 20) + 7, " + later + ", 200, '{\"i\":900}')";
        QString message;
        QVERIFY2(execSql(path(), insert.constData(), &message), qPrintable(message));
        written.emplace_back(at + 5, 900);
        for (quint64 i = 42; i <= 61; ++i) {
            add(i, i <= 51 ? at - 1 : at + 5); // before the other program's row, then in its millisecond
        }
        store.flush();

        std::stable_sort(
            written.begin(), written.end(), [](const auto &x, const auto &y) { return x.first < y.first; });
        std::vector<quint64> expected, ids;
        for (auto it = written.rbegin(); it != written.rend(); ++it) {
            expected.push_back(it->second); // newest first, those of one millisecond the last written first
        }
        for (const AccessRecord &r : store.query(0, 0, 100)) {
            ids.push_back(r.id);
        }
        QCOMPARE(ids, expected);
        QCOMPARE(sqlValue(path(), "SELECT COUNT(*) FROM history WHERE id >> 20 != started_ms"), qint64(0));
        const auto seq = [&](const char *what, qint64 startedMs) {
            return sqlValue(path(),
                (QByteArray("SELECT ") + what
                    + "(id & 1048575) FROM history WHERE started_ms = " + QByteArray::number(startedMs))
                    .constData());
        };
        // The rows of `at + 1` (i = 3, 7, …, 39) count from 0, after the rows of `at`.
        QCOMPARE(seq("MIN", at + 1), qint64(0));
        QCOMPARE(seq("MAX", at + 1), qint64(9));
        // The ten of `at + 5` follow the other program's row (sequence number 7).
        QCOMPARE(seq("MIN", at + 5), qint64(7));
        QCOMPARE(seq("MAX", at + 5), qint64(17));
        // The ten of `at - 1`, started before the table's last row, each in its place.
        QCOMPARE(seq("MIN", at - 1), qint64(0));
        QCOMPARE(seq("MAX", at - 1), qint64(9));
    }

    // A row's key, model and route are bound again only when they change (the bytes bound stay where they are):
    // rows that change them in any pattern, in groups of sixteen and one by one, each read back as written.
    void textColumnsFollowEachRow()
    {
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - 10'000;
        // The first row of each statement has no key and no model (empty texts are bound as '', not left NULL).
        const QStringList models { QStringLiteral("gemini-2.5-flash"), QString(), QStringLiteral("gemini-2.5-flash"),
            QStringLiteral("gemini-2.5-pro"), QStringLiteral("模型-x"), QStringLiteral("gemini-2.5-pro") };
        const QStringList routes { QStringLiteral("direct"), QStringLiteral("relay-1"), QStringLiteral("direct") };
        std::map<quint64, AccessRecord> written;
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            store.open(0);
            for (int step = 0; step < 3; ++step) {
                for (quint64 i = 1; i <= 37; ++i) { // two groups of sixteen and five one by one, three times
                    const quint64 id = quint64(step) * 100 + i;
                    AccessRecord r = record(id, at + qint64(id));
                    r.keyId = id % 5 == 1 ? QString() : QStringLiteral("k%1").arg((id * 7) % 5);
                    r.model = models[int((id + quint64(step)) % quint64(models.size()))];
                    r.route = routes[int((id / 4) % quint64(routes.size()))];
                    written[id] = r;
                    store.append(r);
                }
                store.flush();
            }
        }
        HistoryStore store({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> back = store.open(1000);
        QCOMPARE(back.size(), written.size());
        for (const AccessRecord &r : back) {
            const AccessRecord &w = written.at(r.id);
            QCOMPARE(r.keyId, w.keyId);
            QCOMPARE(r.model, w.model);
            QCOMPARE(r.route, w.route);
        }
        QCOMPARE(sqlValue(path(), "SELECT COUNT(*) FROM history WHERE key IS NULL OR model IS NULL OR route IS NULL"),
            qint64(0));
    }

    // A file from before the time-keyed layout (a table "requests" with an index on started_ms) is moved over when
    // opened: every row, in start order, counted for the row cap; the old table goes.
    void oldLayoutIsMigrated()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QByteArray sql = "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE requests (id INTEGER PRIMARY KEY, started_ms INTEGER NOT NULL, status INTEGER, "
                         "key TEXT, model TEXT, route TEXT, record TEXT NOT NULL);"
                         "CREATE INDEX requests_started ON requests (started_ms);";
        // Written in the old way: ids in write order, start times not; 3 and 4 started in the same millisecond.
        for (quint64 id : { 2, 1, 3, 4, 5 }) {
            const qint64 started = now - 10'000 + (id == 4 ? 3 : qint64(id)) * 1000;
            AccessRecord r = record(id, started);
            sql += "INSERT INTO requests (started_ms, status, key, model, route, record) VALUES ("
                + QByteArray::number(started) + ", " + QByteArray::number(r.status) + ", '" + r.keyId.toUtf8()
                + "', 'gemini-2.5-flash', 'direct', '" + ga::metrics::toJsonBytes(r).replace('\'', "''") + "');";
        }
        QString message;
        QVERIFY2(execSql(path(), sql.constData(), &message), qPrintable(message));
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            const std::vector<AccessRecord> back = store.open(100);
            std::vector<quint64> ids;
            for (const AccessRecord &r : back) {
                ids.push_back(r.id);
            }
            QCOMPARE(ids, (std::vector<quint64> { 1, 2, 3, 4, 5 }));
            QCOMPARE(store.count(), qint64(5));
            QCOMPARE(back[1].keyId, QStringLiteral("k2"));
            store.append(record(6, now));
            store.setRetention(30, 3);
            store.flush();
            QCOMPARE(store.count(), qint64(3)); // the migrated rows count for the cap
            QCOMPARE(store.query(0, 0, 100).back().id, quint64(4));
        }
        QVERIFY(!execSql(path(), "SELECT 1 FROM requests", &message)); // gone
        QVERIFY2(message.contains(QLatin1String("no such table")), qPrintable(message));
    }

    // A large old file moves in steps, the newest first: the start-up's read has them at once, and the rest follows
    // while the store writes and answers.
    void largeOldLayoutMovesInSteps()
    {
        const qint64 base = QDateTime::currentMSecsSinceEpoch() - 3'600'000;
        const QByteArray sql = "CREATE TABLE requests (id INTEGER PRIMARY KEY, started_ms INTEGER NOT NULL, "
                               "status INTEGER, key TEXT, model TEXT, route TEXT, record TEXT NOT NULL);"
                               "CREATE INDEX requests_started ON requests (started_ms);"
                               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45000) "
                               "INSERT INTO requests (started_ms, status, key, model, route, record) "
                               "SELECT "
            + QByteArray::number(base)
            + " + i / 2, 200, 'k1', 'm', 'direct', '{\"id\":' || i || '}' FROM n;"; // two rows a millisecond
        QString message;
        QVERIFY2(execSql(path(), sql.constData(), &message), qPrintable(message));
        HistoryStore store({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> newest = store.open(3);
        QCOMPARE(newest.size(), size_t(3));
        QCOMPARE(newest.back().id, quint64(45000));
        QCOMPARE(newest.front().id, quint64(44998));
        store.append(record(45001, base + 3'600'000));
        QTRY_COMPARE_WITH_TIMEOUT(store.count(), qint64(45001), 10'000);
        QCOMPARE(store.query(0, 0, 1, 45000).front().id, quint64(1)); // the oldest, moved last
        store.setRetention(30, 45000);
        store.flush();
        QCOMPARE(store.count(), qint64(45000)); // counted as they moved
        QVERIFY(!execSql(path(), "SELECT 1 FROM requests", &message));
    }

    // The row cap trusts a count kept in the file; one higher than the rows there are (rows deleted by hand) is found
    // when the cap meets fewer rows than it says, counted again, and the cap still holds.
    void rowCapSurvivesAWrongCount()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            HistoryStore store({ path(), 0, 0 });
            store.open(0);
            for (quint64 i = 1; i <= 20; ++i) {
                store.append(record(i, now - 100'000 + qint64(i)));
            }
        }
        QString message;
        QVERIFY2(
            execSql(path(), "UPDATE history_meta SET value = 1000 WHERE name = 'rows'", &message), qPrintable(message));
        HistoryStore store({ path(), 0, 0 });
        store.open(0);
        store.setRetention(0, 15);
        store.flush();
        QCOMPARE(store.count(), qint64(15));
        QCOMPARE(store.query(0, 0, 100).back().id, quint64(6));
        // Counted right again from there on: writes add, the cap removes exactly what is over.
        store.append(record(21, now));
        store.setRetention(0, 10);
        store.flush();
        QCOMPARE(store.count(), qint64(10));
        QCOMPARE(store.query(0, 0, 100).back().id, quint64(12));
    }

    // The direct writer gives the same object as toJson(), whatever the strings hold.
    void compactJsonMatchesToJson()
    {
        AccessRecord r = record(7, 1'764'800'000'123);
        r.path = QStringLiteral("/v1beta/models/x\"y\\z:generateContent\n\t\r\x01\x1f end");
        r.client = QString::fromUtf8("客户端 ☃ 😀");
        r.kind = QString::fromUtf8("ascii \" then é \\ \n 😀 \x7f end"); // ASCII, then the rest encoded
        r.model.clear();
        r.attempts.push_back(
            { QStringLiteral("k2"), QStringLiteral("relay-1"), 0, QStringLiteral("timeout: \"x\""), 5 });
        QCOMPARE(QJsonDocument::fromJson(ga::metrics::toJsonBytes(r)).object(), ga::metrics::toJson(r));
        r.attempts.clear();
        r.live = ga::metrics::LiveFigures { 1, 2, 3, 4, 1007, QStringLiteral("API key not valid"), false };
        QJsonParseError error {};
        const QJsonDocument doc = QJsonDocument::fromJson(ga::metrics::toJsonBytes(r), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(doc.object(), ga::metrics::toJson(r));
        QCOMPARE(ga::metrics::accessRecordFromJson(doc.object()).path, r.path);
        {
            // The writer sizes its storage for the worst case: every character escaped or multi-byte, many attempts,
            // the longest numbers (ASan finds a write past it).
            AccessRecord worst = r;
            const QString hostile = QString(300, QChar(0x01)) + QStringLiteral("\"\\\u00e9\u6f22\U0001F600\x7f");
            worst.client = worst.peer = worst.method = worst.path = worst.kind = worst.model = worst.mode = hostile;
            worst.keyId = worst.route = hostile;
            worst.live->closeReason = hostile;
            for (int i = 0; i < 40; ++i) {
                worst.attempts.push_back({ hostile, hostile, -2147483647, hostile, 0 });
            }
            auto setNumbers = [&worst](qint64 v) {
                worst.id = v == std::numeric_limits<qint64>::min() ? std::numeric_limits<quint64>::max() : quint64(-v);
                worst.bytesIn = worst.bytesOut = worst.ttfbMs = worst.totalMs = worst.tokensIn = worst.tokensOut = v;
                worst.live->framesIn = worst.live->framesOut = worst.live->bytesIn = worst.live->bytesOut = v;
                for (ga::metrics::Attempt &a : worst.attempts) {
                    a.ms = v;
                }
            };
            setNumbers(std::numeric_limits<qint64>::min()); // 20 characters
            QJsonDocument::fromJson(ga::metrics::toJsonBytes(worst), &error);
            QCOMPARE(error.error, QJsonParseError::NoError);
            // Equal to toJson(), which holds numbers as doubles: compared where a double holds them exactly.
            setNumbers(-(qint64(1) << 53) + 1);
            const QJsonDocument parsed = QJsonDocument::fromJson(ga::metrics::toJsonBytes(worst), &error);
            QCOMPARE(error.error, QJsonParseError::NoError);
            QCOMPARE(parsed.object(), ga::metrics::toJson(worst));
        }
        // A key a client put in its path never reaches the database, the admin API or the JSON log.
        const QString key = ga::test::fakeKey(3);
        r.path = QStringLiteral("/v1beta/models/") + key;
        r.model = key;
        QVERIFY(!ga::metrics::toJsonBytes(r).contains(key.toLatin1()));
        QVERIFY(!QJsonDocument(ga::metrics::toJson(r)).toJson().contains(key.toLatin1()));
        QVERIFY(!ga::metrics::toJsonBytes(r).contains(key.mid(12, 12).toLatin1()));
    }

    // The history's own form (short names, no fields held in columns, no defaults) reads back every field: the
    // whole JSON of what is read equals the original's.
    void storedFormKeepsEveryField()
    {
        using ga::metrics::StoredColumns;
        const auto roundTrip = [](const AccessRecord &r) {
            QByteArray stored;
            ga::metrics::toStoredJsonBytes(r, stored);
            QJsonParseError error {};
            const QJsonObject o = QJsonDocument::fromJson(stored, &error).object();
            [&] { QCOMPARE(error.error, QJsonParseError::NoError); }();
            return ga::metrics::accessRecordFromStored(
                o, StoredColumns { r.startedMs, r.status, r.keyId, r.model, r.route });
        };
        AccessRecord r = record(7, 1'764'800'000'123);
        r.path = QStringLiteral("/v1beta/models/x\"y\\z:generateContent\n\t\r\x01\x1f end");
        r.client = QString::fromUtf8("客户端 ☃ 😀");
        r.stream = true;
        r.broken = true;
        r.bytesIn = 40;
        r.bytesOut = (qint64(1) << 53) + 1; // whole numbers past a double's precision come back exact
        r.fallbacks = 2;
        // One attempt elsewhere (written whole), the last with the record's key, route and status (short).
        r.attempts.insert(r.attempts.begin(),
            { QStringLiteral("k2"), QStringLiteral("relay-1"), 0, QStringLiteral("timeout: \"x\""), 5 });
        AccessRecord back = roundTrip(r);
        QCOMPARE(back.attempts.size(), size_t(2));
        QCOMPARE(ga::metrics::toJsonBytes(back), ga::metrics::toJsonBytes(r));
        // The same key and route but another status: not the short form.
        r.attempts.back().status = 503;
        QCOMPARE(ga::metrics::toJsonBytes(roundTrip(r)), ga::metrics::toJsonBytes(r));
        r.attempts.back().status = r.status;
        r.attempts.back().route = QStringLiteral("relay-2");
        QCOMPARE(ga::metrics::toJsonBytes(roundTrip(r)), ga::metrics::toJsonBytes(r));
        // Zero where the default is not zero (a first byte at once), a Live session's figures.
        r.ttfbMs = 0;
        r.live = ga::metrics::LiveFigures { 1, 2, 3, 4, 1007, QStringLiteral("API key not valid"), true };
        back = roundTrip(r);
        QCOMPARE(back.ttfbMs, qint64(0));
        QVERIFY(back.live);
        QCOMPARE(ga::metrics::toJsonBytes(back), ga::metrics::toJsonBytes(r));
        r.live->started = false;
        QCOMPARE(ga::metrics::toJsonBytes(roundTrip(r)), ga::metrics::toJsonBytes(r));
        // A record with nothing set (a connection refused before its head): every default comes back.
        AccessRecord bare;
        bare.id = 3;
        bare.startedMs = 1'764'800'000'000;
        back = roundTrip(bare);
        QCOMPARE(back.ttfbMs, qint64(-1));
        QCOMPARE(ga::metrics::toJsonBytes(back), ga::metrics::toJsonBytes(bare));
        // Under half the bytes of the whole JSON for a usual request (what the history's cost follows).
        QByteArray usual;
        ga::metrics::toStoredJsonBytes(record(10, 1'764'800'000'123), usual);
        QVERIFY2(usual.size() * 2 < ga::metrics::toJsonBytes(record(10, 1'764'800'000'123)).size(), usual.constData());
        // Sized for the worst case like the whole form (ASan finds a write past it); a key in the path or the model
        // is redacted here too.
        AccessRecord worst = r;
        const QString hostile = QString(300, QChar(0x01)) + QStringLiteral("\"\\\u00e9\u6f22\U0001F600\x7f");
        worst.client = worst.peer = worst.method = worst.path = worst.kind = worst.mode = worst.keyId = hostile;
        worst.live->closeReason = hostile;
        for (int i = 0; i < 40; ++i) {
            worst.attempts.push_back({ hostile, hostile, -2147483647, hostile, std::numeric_limits<qint64>::min() });
        }
        worst.bytesIn = worst.tokensIn = worst.live->framesIn = std::numeric_limits<qint64>::min();
        worst.id = std::numeric_limits<quint64>::max();
        QCOMPARE(ga::metrics::toJsonBytes(roundTrip(worst)), ga::metrics::toJsonBytes(worst));
        const QString key = ga::test::fakeKey(3);
        r.path = QStringLiteral("/v1beta/models/") + key;
        r.client = key;
        QByteArray stored;
        ga::metrics::toStoredJsonBytes(r, stored);
        QVERIFY(!stored.contains(key.mid(12, 12).toLatin1()));
    }

    // A thread keeps the JSON of the last record's client, address, method, path, kind and mode, and the log line's
    // texts on either side of the status, and copies them while a record's are the same strings: any one of them
    // changed (another string, the same text elsewhere, an empty one) is written as it is now, and the one after
    // that again.
    void keptTextsFollowEachRecord()
    {
        AccessRecord base = record(1, 1'764'800'000'123);
        base.kind = QStringLiteral("native");
        base.mode = QStringLiteral("local");
        base.redacted = true; // as from the recorder: its own strings are written
        // The log line as written after the record before, against the line of a copy whose texts are all elsewhere
        // (nothing kept can match it); then once more from what is kept.
        const auto lineChecks = [](const AccessRecord &r) {
            const QByteArray line = ga::metrics::toLogLineUtf8(r);
            AccessRecord elsewhere = r;
            for (QString *t : { &elsewhere.client, &elsewhere.method, &elsewhere.path, &elsewhere.model,
                     &elsewhere.keyId, &elsewhere.route }) {
                *t = QString(t->constData(), t->size());
            }
            const QByteArray want = ga::metrics::toLogLineUtf8(elsewhere);
            QCOMPARE(line, want);
            QCOMPARE(ga::metrics::toLogLineUtf8(r), want);
            QCOMPARE(ga::metrics::toLogLineUtf8(r), want);
        };
        const auto stored = [](const AccessRecord &r) {
            QByteArray out;
            ga::metrics::toStoredJsonBytes(r, out);
            return QJsonDocument::fromJson(out).object();
        };
        const auto textsOf = [](const AccessRecord &r) {
            return QStringList { r.client, r.peer, r.method, r.path, r.kind, r.mode, r.model, r.keyId, r.route };
        };
        const QStringList names { "c", "p", "m", "u", "k",
            "o" }; // the stored form's (the model, key and route: columns)
        const auto check = [&](const AccessRecord &r) {
            const QJsonObject o = stored(r);
            const QStringList want = textsOf(r);
            for (qsizetype i = 0; i < names.size(); ++i) {
                QCOMPARE(o.value(names[i]).toString(), want[i]);
            }
            QCOMPARE(o.value("i").toInteger(), qint64(r.id));
            lineChecks(r);
        };
        check(base);
        check(base); // the same strings: from what is kept
        for (qsizetype field = 0; field < textsOf(base).size(); ++field) {
            // Another text of the same size (what is kept must not be taken for it), and none.
            const QString sameSize(textsOf(base)[field].size(), QLatin1Char('x'));
            for (const QString &other : { sameSize, QString() }) {
                AccessRecord r = base; // shares the strings
                r.id = quint64(10 + field);
                QString *texts[]
                    = { &r.client, &r.peer, &r.method, &r.path, &r.kind, &r.mode, &r.model, &r.keyId, &r.route };
                *texts[field] = other;
                check(r);
                check(r);
                check(base);
            }
            AccessRecord copy = base; // the same text elsewhere
            QString *copyTexts[] = { &copy.client, &copy.peer, &copy.method, &copy.path, &copy.kind, &copy.mode,
                &copy.model, &copy.keyId, &copy.route };
            *copyTexts[field] = QString(copyTexts[field]->constData(), copyTexts[field]->size());
            check(copy);
            check(base);
        }
    }

    // Rows written before the stored form hold the whole record's JSON: they read back as they were, and the
    // filters and the summary find their kind, tokens and breaks as they find the new rows'.
    void wholeRowsReadBesideStoredOnes()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        std::vector<AccessRecord> records;
        for (quint64 id = 1; id <= 4; ++id) {
            AccessRecord r = record(id, now - 10'000 + qint64(id) * 1000);
            r.kind = id % 2 ? QStringLiteral("native") : QStringLiteral("admin");
            r.broken = id == 1 || id == 3;
            r.tokensIn = qint64(id) * 100;
            records.push_back(r);
        }
        {
            HistoryStore store({ path(), 30, 1'000'000 });
            store.open(0);
            store.append(records[2]);
            store.append(records[3]);
        }
        QByteArray sql;
        for (const AccessRecord &r : { records[0], records[1] }) { // as the writer before the stored form put them
            sql += "INSERT INTO history (id, started_ms, status, key, model, route, record) VALUES ("
                + QByteArray::number(r.startedMs * (qint64(1) << 20)) + ", " + QByteArray::number(r.startedMs) + ", "
                + QByteArray::number(r.status) + ", '" + r.keyId.toUtf8() + "', '" + r.model.toUtf8() + "', '"
                + r.route.toUtf8() + "', '" + ga::metrics::toJsonBytes(r).replace('\'', "''") + "');";
        }
        sql += "UPDATE history_meta SET value = value + 2 WHERE name = 'rows';";
        QString message;
        QVERIFY2(execSql(path(), sql.constData(), &message), qPrintable(message));
        HistoryStore store({ path(), 30, 1'000'000 });
        const std::vector<AccessRecord> back = store.open(10);
        QCOMPARE(back.size(), size_t(4));
        for (size_t i = 0; i < 4; ++i) {
            QCOMPARE(ga::metrics::toJsonBytes(back[i]), ga::metrics::toJsonBytes(records[i]));
        }
        const auto ids = [&store](const HistoryStore::Filter &f) {
            std::vector<quint64> out;
            for (const AccessRecord &r : store.query(f, 10)) {
                out.push_back(r.id);
            }
            return out;
        };
        HistoryStore::Filter f;
        f.kind = QStringLiteral("admin");
        QCOMPARE(ids(f), (std::vector<quint64> { 4, 2 }));
        f.kind.clear();
        f.notKind = QStringLiteral("admin");
        QCOMPARE(ids(f), (std::vector<quint64> { 3, 1 }));
        // The summary leaves the admin calls out; errors are the broken ones, tokens in plus out.
        ga::metrics::HistorySummary fromDisk(now - 60'000, now, 60'000);
        store.summarize(fromDisk, now);
        ga::metrics::HistorySummary expected(now - 60'000, now, 60'000);
        expected.add(records[0]);
        expected.add(records[2]);
        QStringList keysFromDisk = fromDisk.byKey.keys(), keysExpected = expected.byKey.keys();
        keysFromDisk.sort(); // a QHash's order is its own (seeded per process)
        keysExpected.sort();
        QCOMPARE(keysFromDisk, keysExpected);
        for (auto it = expected.byKey.cbegin(); it != expected.byKey.cend(); ++it) {
            const auto &got = fromDisk.byKey.value(it.key());
            QCOMPARE(got.requests, it->requests);
            QCOMPARE(got.errors, it->errors);
            QCOMPARE(got.tokens, it->tokens);
        }
        QCOMPARE(fromDisk.byModel.value(QStringLiteral("gemini-2.5-flash")).tokens, qint64(100 + 300 + 22));
        QCOMPARE(fromDisk.byModel.value(QStringLiteral("gemini-2.5-flash")).errors, qint64(2));
    }

    // Text is copied eight UTF-16 units a step where it needs no escaping: a unit that does (or is not ASCII) is
    // found at every place in a block and across blocks, in the JSON and in the log line.
    void unitsNeedingCareAnywhereInABlock()
    {
        const QString specials[] = { QStringLiteral("\""), QStringLiteral("\\"), QStringLiteral("\x01"),
            QStringLiteral("\x1f"), QStringLiteral("\n"), QStringLiteral("\x7f"), QString(QChar(0x80)),
            QString(QChar(0xe9)), QString(QChar(0x6f22)), QString::fromUtf8("😀"), QString(QChar(0xfffd)) };
        AccessRecord r = record(9, 1'764'800'000'123);
        for (const QString &special : specials) {
            for (int at = 0; at < 26; ++at) {
                QString text = QStringLiteral("abcdefghijklmnopqrstuvwxyz");
                text.insert(at, special);
                r.path = text;
                r.client = text.left(at + 3); // the special unit in the last, short block too
                QJsonParseError error {};
                const QJsonDocument doc = QJsonDocument::fromJson(ga::metrics::toJsonBytes(r), &error);
                QCOMPARE(error.error, QJsonParseError::NoError);
                QCOMPARE(doc.object().value(u"path").toString(), text);
                QCOMPARE(doc.object().value(u"client").toString(), text.left(at + 3));
                const QString line = ga::metrics::toLogLine(r);
                QVERIFY2(line.contains(u' ' + text + u' '), qPrintable(line));
                QVERIFY2(line.contains(u' ' + text.left(at + 3) + u' '), qPrintable(line));
            }
        }
    }

    // A record's text equal to one found clean before is not searched again, until the registered secrets change:
    // then the same text is searched anew. Text that differs is always searched.
    void textFoundCleanIsSearchedAgainWhenSecretsChange()
    {
        const auto redacted = [](const QString &path, const QString &model) {
            AccessRecord r = record(1, 1000);
            r.path = path;
            r.model = model;
            ga::metrics::redactFreeText(r);
            return r;
        };
        const QString secret = QStringLiteral("relay-secret-0123456789");
        const QString path = QStringLiteral("/v1beta/models/x:generateContent/") + secret;
        QCOMPARE(redacted(path, QStringLiteral("m")).path, path); // nothing registered: clean
        QCOMPARE(redacted(path, QStringLiteral("m")).path, path); // remembered as clean
        ga::logging::Redactor::addSecret(secret.toUtf8());
        const auto cleanup = qScopeGuard([&] { ga::logging::Redactor::removeSecret(secret.toUtf8()); });
        QVERIFY(!redacted(path, QStringLiteral("m")).path.contains(secret));
        QVERIFY(!redacted(QString(path), QStringLiteral("m")).path.contains(secret)); // the same, in another string
        // After a clean text, one holding a key is still searched.
        const QString key = ga::test::fakeKey(6);
        QCOMPARE(redacted(path, QStringLiteral("gemini")).model, QStringLiteral("gemini"));
        QVERIFY(!redacted(path, QStringLiteral("gemini-") + key).model.contains(key.mid(8, 20)));
    }

    // The human-readable access line, written straight as UTF-8: every field in its place, text fields redacted.
    void logLineFieldByField()
    {
        AccessRecord r = record(7, 1'764'800'000'123);
        r.bytesOut = 567;
        const QByteArray plain = "#7 cline POST /v1beta/models/gemini-2.5-flash:generateContent 200 gemini-2.5-flash "
                                 "key=k1 route=direct tries=1 ttfb=12ms total=47ms out=567B tokens=7/11";
        QCOMPARE(ga::metrics::toLogLineUtf8(r), plain);
        QCOMPARE(ga::metrics::toLogLine(r), QString::fromUtf8(plain));

        // Empty fields as "-", no usage, non-ASCII text, a fallback's attempts and a Live session's figures.
        r.client.clear();
        r.model = QString::fromUtf8("模型-é");
        r.keyId.clear();
        r.ttfbMs = -1;
        r.tokensIn = r.tokensOut = 0;
        r.fallbacks = 1;
        r.attempts = { { QStringLiteral("k1"), QStringLiteral("relay-1"), 0, QStringLiteral("relay failed: ☃"), 5 },
            { QStringLiteral("k2"), QStringLiteral("direct"), 200, QStringLiteral("ok"), 9 } };
        r.live = ga::metrics::LiveFigures { 3, 4, 1000, 2000, 1000, QString::fromUtf8("bye ✓"), true };
        QCOMPARE(QString::fromUtf8(ga::metrics::toLogLineUtf8(r)),
            QString::fromUtf8("#7 - POST /v1beta/models/gemini-2.5-flash:generateContent 200 模型-é key=- route=direct "
                              "tries=2 ttfb=-ms total=47ms out=567B live frames=3/4 in=1000B close=1000 \"bye ✓\" "
                              "[k1@relay-1:relay failed: ☃, k2@direct:ok]"));

        // A key in any free-text field never reaches the line.
        const QString key = ga::test::fakeKey(4);
        r.path = QStringLiteral("/v1beta/models/") + key + QStringLiteral(":generateContent");
        r.attempts[0].outcome = QStringLiteral("upstream said ") + key;
        r.live->closeReason = key;
        const QByteArray line = ga::metrics::toLogLineUtf8(r);
        QVERIFY2(!line.contains(key.toLatin1()) && !line.contains(key.mid(12, 12).toLatin1()), line.constData());

        // Storage sized for the worst: every unit three bytes of UTF-8, many attempts, the longest numbers (ASan finds
        // a write past it).
        const QString wide = QString(200, QChar(0x6f22));
        AccessRecord worst = r;
        worst.client = worst.method = worst.path = worst.model = worst.keyId = worst.route = wide;
        worst.live->closeReason = wide;
        worst.attempts.clear();
        for (int i = 0; i < 40; ++i) {
            worst.attempts.push_back({ wide, wide, -2147483647, wide, std::numeric_limits<qint64>::min() });
        }
        worst.id = std::numeric_limits<quint64>::max();
        worst.status = std::numeric_limits<int>::min();
        worst.ttfbMs = worst.totalMs = worst.bytesOut = worst.tokensIn = worst.tokensOut
            = std::numeric_limits<qint64>::min();
        worst.live->framesIn = worst.live->framesOut = worst.live->bytesIn = std::numeric_limits<qint64>::min();
        worst.live->closeCode = std::numeric_limits<int>::min();
        const QString wrote = ga::metrics::toLogLine(worst);
        QCOMPARE(wrote.count(wide), 7 + 3 * 40);
        QVERIFY(wrote.endsWith(wide + u']'));
    }

    // A record's time is written without QDateTime (the history formats one per record): the same text.
    void timeIsIsoUtcWithMilliseconds()
    {
        const qint64 day = 86'400'000;
        QList<qint64> times { 0, 1, 999, day - 1, day, 951'782'400'000 /* 2000-02-29 */, 4'107'542'399'999,
            253'402'300'799'999 /* 9999-12-31T23:59:59.999 */, 253'402'300'800'000 /* 10000: QDateTime writes it */, -1,
            -day, -62'135'596'800'000 /* 0001-01-01 */ };
        for (qint64 t = 0; t < 4'200'000'000'000; t += 7'919'876'543) {
            times << t;
        }
        // Within a second and across one, forwards and back (the text up to the second is kept per thread).
        for (const qint64 base : { qint64(0), qint64(1'764'800'000'000), -day, qint64(-1000) }) {
            for (const qint64 step : { 0, 1, 500, 999, 1000, 999, 1001, -1, 0, -1000, -1001, 1 }) {
                times << base + step;
            }
        }
        for (const qint64 t : times) {
            AccessRecord r = record(1, t);
            const QString expected = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC).toString(Qt::ISODateWithMs);
            QCOMPARE(toJson(r).value(u"time").toString(), expected);
            QVERIFY2(toJsonBytes(r).contains("\"time\":\"" + expected.toUtf8() + '"'), qPrintable(expected));
        }
    }

    void queryByTime()
    {
        HistoryStore store({ path(), 0, 0 });
        store.open(0);
        for (quint64 i = 1; i <= 10; ++i) {
            store.append(record(i, qint64(i) * 1000));
        }
        store.flush();
        const std::vector<AccessRecord> window = store.query(3000, 6000, 100);
        QCOMPARE(window.size(), size_t(3));
        QCOMPARE(window.front().id, quint64(5));
        QCOMPARE(store.query(0, 0, 2, 1).front().id, quint64(9)); // paged
        HistoryStore::Filter f;
        f.status = 429;
        QCOMPARE(store.query(f, 100).size(), size_t(2)); // ids 5 and 10
        f.status = 2;
        QCOMPARE(store.query(f, 100).size(), size_t(8));
        f.key = QStringLiteral("k1");
        QCOMPARE(store.query(f, 100).size(), size_t(3)); // 1, 4, 7 (10 is a 429)
        f.key = QStringLiteral("nobody");
        QCOMPARE(store.query(f, 100).size(), size_t(0));
    }

    // The writer keeps one buffer for each text it binds, from row to row: long rows then short ones, and text that is
    // not ASCII, come back as written, in the record and in the columns the filters use.
    void rowsOfEverySizeComeBackWhole()
    {
        HistoryStore store({ path(), 0, 0 });
        store.open(0);
        std::vector<AccessRecord> written;
        for (quint64 i = 1; i <= 12; ++i) {
            AccessRecord r = record(i, qint64(i) * 1000);
            const int n = int((i * 37) % 11) * 40; // sizes up and down
            r.path = QStringLiteral("/v1beta/models/") + QString(n, u'p') + QStringLiteral(":generateContent");
            r.model = i % 3 == 0 ? QString::fromUtf8("模型-") + QString(n / 4, u'm') : QString(n / 4 + 1, u'm');
            r.keyId = i % 4 == 0 ? QString::fromUtf8("ключ") : QStringLiteral("k") + QString(int(i), u'1');
            r.route = i % 2 ? QString(n / 8 + 1, u'r') : QStringLiteral("direct");
            r.redacted = i % 2 == 0;
            store.append(r);
            written.push_back(r);
        }
        store.flush();
        const std::vector<AccessRecord> back = store.query(0, 0, 100);
        QCOMPARE(back.size(), written.size());
        for (const AccessRecord &want : written) {
            const auto got
                = std::find_if(back.begin(), back.end(), [&want](const AccessRecord &r) { return r.id == want.id; });
            QVERIFY(got != back.end());
            QCOMPARE(got->path, want.path);
            QCOMPARE(got->model, want.model);
            QCOMPARE(got->keyId, want.keyId);
            QCOMPARE(got->route, want.route);
            HistoryStore::Filter f;
            f.key = want.keyId;
            f.model = want.model;
            f.route = want.route;
            const std::vector<AccessRecord> matching = store.query(f, 100);
            QVERIFY2(std::any_of(
                         matching.begin(), matching.end(), [&want](const AccessRecord &r) { return r.id == want.id; }),
                qPrintable(want.keyId + u' ' + want.model + u' ' + want.route));
        }
    }

    void damagedDatabaseIsMovedAsideAndMadeAnew()
    {
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("SQLite format 3") + QByteArray(5000, '\x7f'));
        }
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("is damaged")));
        HistoryStore store({ path(), 30, 1000 });
        QVERIFY(store.open(100).empty());
        store.append(record(1, QDateTime::currentMSecsSinceEpoch()));
        store.flush();
        QCOMPARE(store.count(), qint64(1));
        const QStringList aside
            = QDir(m_dir.path()).entryList({ QStringLiteral("history.sqlite.corrupt-*") }, QDir::Files);
        QCOMPARE(aside.size(), 1);
        QVERIFY(QFile::remove(m_dir.filePath(aside.first())));
    }

    // Damage past the header is not looked for at the start (that would read the whole file); SQLite reports it
    // when a query meets it, and then the file is moved aside and a new one started, as at the start.
    void damageFoundLaterIsMovedAsideAndMadeAnew()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            HistoryStore store({ path(), 30, 100'000 });
            store.open(0);
            for (int i = 1; i <= 3000; ++i) {
                store.append(record(quint64(i), now - 3000 + i));
            }
            store.flush();
        }
        {
            QFile f(path());
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.size() > 200'000);
            for (qint64 at = 16384; at + 4096 < f.size(); at += 65536) {
                f.seek(at);
                f.write(QByteArray(4096, '\x5a'));
            }
        }
        HistoryStore store({ path(), 30, 100'000 });
        store.open(10); // the newest pages may be intact: not asked to read the rest
        // The retention run after the open, or this full scan, meets the damage.
        QVERIFY(store.query(0, 0, 100'000).size() < 3000);
        const QStringList aside
            = QDir(m_dir.path()).entryList({ QStringLiteral("history.sqlite.corrupt-*") }, QDir::Files);
        QCOMPARE(aside.size(), 1);
        store.append(record(5000, now));
        store.flush();
        QCOMPARE(store.count(), qint64(1)); // the new file
        QVERIFY(QFile::remove(m_dir.filePath(aside.first())));
    }

    // Kept records share their text with earlier ones of the same value, whether it repeats the record just before
    // or one further back, and keep every value as it was.
    void keptRecordsShareRepeatedText()
    {
        ga::metrics::Recorder recorder(100);
        const QStringList paths { QStringLiteral("/v1beta/models/a:generateContent"),
            QStringLiteral("/v1beta/models/b:generateContent"), QStringLiteral("/v1beta/models/a:generateContent") };
        const QStringList clients { QStringLiteral("cline"), QStringLiteral("cline"), QStringLiteral("roo") };
        std::vector<AccessRecord> made;
        for (int i = 0; i < 9; ++i) {
            AccessRecord r = record(recorder.nextId(), 1000);
            // Made anew each time, as a request's text is (not shared with the one before).
            r.path = QString(paths[i % 3].constData(), paths[i % 3].size());
            r.client = QString(clients[i / 3].constData(), clients[i / 3].size());
            r.model = QString::fromUtf8(i % 2 ? "m-odd" : "m-even");
            made.push_back(r);
            recorder.record(r);
        }
        const std::vector<AccessRecord> kept = recorder.history();
        QCOMPARE(kept.size(), made.size());
        for (size_t i = 0; i < kept.size(); ++i) {
            QCOMPARE(kept[i].path, made[i].path);
            QCOMPARE(kept[i].client, made[i].client);
            QCOMPARE(kept[i].model, made[i].model);
            for (size_t j = 0; j < i; ++j) {
                for (const auto field : { &AccessRecord::path, &AccessRecord::client, &AccessRecord::model }) {
                    if (kept[i].*field == kept[j].*field) {
                        QCOMPARE((kept[i].*field).constData(), (kept[j].*field).constData()); // one allocation
                    }
                }
            }
        }
    }

    void recorderHandsRecordsToTheStore()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            HistoryStore store({ path(), 30, 1000 });
            ga::metrics::Recorder recorder(100);
            recorder.restoreHistory(store.open(100));
            recorder.setStore(&store);
            recorder.record(record(recorder.nextId(), now)); // an id taken ahead is kept
            for (int i = 0; i < 2; ++i) {
                recorder.record(record(0, now)); // none: given the next as it is recorded
            }
            recorder.setStore(nullptr);
            QCOMPARE(recorder.history().back().id, quint64(3));
        }
        HistoryStore store({ path(), 30, 1000 });
        ga::metrics::Recorder recorder(100);
        recorder.restoreHistory(store.open(100));
        QCOMPARE(recorder.history().size(), size_t(3));
        QCOMPARE(recorder.history().front().id, quint64(1));
        QCOMPARE(recorder.requestsTotal(), quint64(0)); // counters are this run's
        recorder.record(record(0, now));
        QCOMPARE(recorder.history().back().id, quint64(4)); // ids go on after the restored ones
        QCOMPARE(recorder.nextId(), quint64(5));
    }

    // While the store's thread waits on the disk (here: another connection holds the write lock, as `sqlite3` on the
    // file can), the queue stops at maxQueued and what comes after is left out, counted and reported; once the disk
    // answers, everything queued is written and records are kept again.
    void fullQueueLeavesRecordsOut()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        HistoryStore::Options options { path(), 30, 1'000'000 };
        options.maxQueued = 1000;
        HistoryStore store(options);
        store.open(0);
        ga::metrics::Recorder recorder(10);
        recorder.setStore(&store);
        FileWriteLock lock(path());
        QVERIFY(lock.held());
        constexpr int kAppended = 5000;
        for (int i = 1; i <= kAppended; ++i) {
            store.append(record(quint64(i), now));
        }
        // What the thread took before it blocked counts with the queue: maxQueued records wait in all.
        const quint64 dropped = store.dropped();
        QCOMPARE(dropped, quint64(kAppended - 1000));
        QVERIFY(
            recorder.renderPrometheus({}).contains("\nga_history_dropped_total " + QByteArray::number(dropped) + '\n'));
        QVERIFY(lock.release());
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(
                QStringLiteral("^%1 requests were left out of the request history in .*writer fell behind")
                    .arg(dropped)));
        store.flush();
        QCOMPARE(store.count(), qint64(kAppended) - qint64(dropped));
        for (int i = kAppended + 1; i <= kAppended + 100; ++i) {
            store.append(record(quint64(i), now));
        }
        store.flush(); // nothing more left out: no second warning
        QCOMPARE(store.dropped(), dropped);
        QCOMPARE(store.count(), qint64(kAppended + 100) - qint64(dropped));
        recorder.setStore(nullptr);
    }

    // Writes that fail (here: another connection keeps the write lock past the busy timeout; a full disk alike) lose
    // their records, counted with dropped(); the first failure is a warning, the ones after it are not (each batch was
    // a warning of its own), and the first write that works says how many failed meanwhile.
    void failingWritesAreCountedAndReportedOnce()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        HistoryStore::Options options { path(), 30, 1'000'000 };
        options.busyTimeoutMs = 20;
        HistoryStore store(options);
        store.open(0);
        store.append(record(1, now));
        store.flush();
        QCOMPARE(store.count(), qint64(1));
        FileWriteLock lock(path());
        QVERIFY(lock.held());
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("^could not write the request history to .*: .*database is locked")));
        QTest::failOnWarning(QRegularExpression(QStringLiteral("could not write the request history")));
        quint64 id = 2;
        for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 300; ++i) {
                store.append(record(id++, now));
            }
            store.flush();
        }
        QCOMPARE(store.dropped(), quint64(1500));
        QVERIFY(lock.release());
        QTest::ignoreMessage(QtInfoMsg,
            QRegularExpression(QStringLiteral("^the request history is written to .* again \\([1-9][0-9]* writes "
                                              "failed since the last warning\\)$")));
        store.append(record(id++, now));
        store.flush();
        QCOMPARE(store.count(), qint64(2));
        QCOMPARE(store.dropped(), quint64(1500));
    }

    // Not a test: tests/benchmarks/bench-history.sh sets BENCH_HISTORY_RECORDS and reads the figure printed here.
    void writeMany()
    {
        const int n = qEnvironmentVariableIntValue("BENCH_HISTORY_RECORDS");
        if (n <= 0) {
            QSKIP("benchmark only (BENCH_HISTORY_RECORDS)");
        }
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        HistoryStore::Options options { path(), 30, 10'000'000 };
        options.maxQueued = size_t(n); // all of them at once: nothing left out
        HistoryStore store(options);
        store.open(0);
        QElapsedTimer t;
        t.start();
        for (int i = 1; i <= n; ++i) {
            store.append(record(quint64(i), now));
        }
        const qint64 queued = t.elapsed();
        store.flush();
        const qint64 written = t.elapsed();
        QCOMPARE(store.count(), qint64(n));
        qInfo("history: %d records queued in %lld ms, all written after %lld ms (%.0f records/s)", n, queued, written,
            n * 1000.0 / double(std::max<qint64>(written, 1)));
    }
};

QTEST_GUILESS_MAIN(TestHistoryStore)
#include "tst_historystore.moc"
