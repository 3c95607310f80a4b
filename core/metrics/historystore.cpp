// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/historystore.h"

#include "logging/logging.h"
#include "logging/redact.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutex>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <optional>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sqlite3.h>
#include <utility>

namespace ga::metrics {

namespace {

// A field of the record's JSON in SQL: rows written since the stored form name it `stored`, older rows (whole
// records) `whole`; `fallback` when neither has it (the stored form leaves out fields at their defaults).
QByteArray jsonField(const char *stored, const char *whole, const char *fallback)
{
    return QByteArray("COALESCE(json_extract(record, '$.") + stored + "'), json_extract(record, '$." + whole + "'), "
        + fallback + ")";
}
QByteArray jsonKind()
{
    return jsonField("k", "kind", "''");
}

// SQLite's own API, not Qt SQL: Qt SQL cost ~17,000 instructions a row in its bound values alone (each positional
// value is named with QString::arg, converted to UTF-16 and bound with sqlite3_bind_text16), more than the insert
// itself (profile.sh: the history was nearly a quarter of a proxied request's instructions). One statement, prepared
// once.
class Statement
{
public:
    Statement() = default;
    Statement(sqlite3 *db, QByteArrayView sql)
    {
        sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &m_stmt, nullptr);
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    Statement(Statement &&other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
    { }
    Statement &operator=(Statement &&other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        return *this;
    }

    explicit operator bool() const { return m_stmt != nullptr; }
    void bind(int i, qint64 value) { sqlite3_bind_int64(m_stmt, i, value); }
    void bindNull(int i) { sqlite3_bind_null(m_stmt, i); }
    // The text must outlive the step (SQLITE_STATIC: not copied).
    void bind(int i, const QByteArray &utf8)
    {
        sqlite3_bind_text(m_stmt, i, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
    }
    int step() { return sqlite3_step(m_stmt); }
    // After a step: the statement can run again, and lets go of its read transaction.
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    // reset() keeping the bindings, for a statement whose every parameter is bound again before the next step.
    void rewind() { sqlite3_reset(m_stmt); }
    qint64 int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
    bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    // Valid until the next step: not copied.
    QByteArray rawText(int column) const
    {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return QByteArray::fromRawData(text, sqlite3_column_bytes(m_stmt, column));
    }
    QString string(int column) const
    {
        const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return text ? QString::fromUtf8(text, sqlite3_column_bytes(m_stmt, column)) : QString();
    }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

// A value of a query put together at run time.
struct Value
{
    qint64 number = 0;
    QByteArray text; // used when not null
    bool isText = false;
};
Value number(qint64 n)
{
    return { n, {}, false };
}
Value text(const QString &s)
{
    return { 0, s.toUtf8(), true };
}

// A row's id is its start time in milliseconds times 2^20 plus a sequence number: the table's own B-tree keeps the
// rows in start order, so a time range is a range of ids and no second index is needed (the started_ms index was
// ~2,400 of a proxied request's ~61,000 instructions, profile.sh). 2^20 rows can start in one millisecond, and the
// ids hold times until the year 2248.
constexpr int kSeqBits = 20;
constexpr qint64 kSeqSpan = qint64(1) << kSeqBits;
constexpr qint64 kMaxMs = std::numeric_limits<qint64>::max() / kSeqSpan - 1;

// A start time clamped to the ones an id can hold.
qint64 clampMs(qint64 ms)
{
    return std::clamp(ms, -kMaxMs, kMaxMs);
}

// The first id of a row started at `ms` (or later), clamped to the ids there are.
qint64 firstIdAt(qint64 ms)
{
    return std::clamp(ms, -kMaxMs, kMaxMs + 1) * kSeqSpan;
}

} // namespace

// Lives on the store's thread: the only user of its database connection.
class HistoryWriter final : public QObject
{
    Q_OBJECT

    static constexpr int kColumns = 7;
    static constexpr int kRowsPerInsert = 16;
    // A row's text column as bound: UTF-8 bytes, converted from `from` (kept, so that its storage cannot hold another
    // text meanwhile), and a count of the conversions, which tells a statement whether what it holds bound for this
    // column is still these bytes.
    struct TextColumn
    {
        QByteArray utf8;
        QString from;
        quint32 conversions = 0;
    };
    struct RowText
    {
        TextColumn key, model, route;
        QByteArray json; // a row's record, bound from here
    };
    // What a statement's row has bound for its key, model and route: the conversion each was bound after.
    static constexpr quint32 kNotBound = std::numeric_limits<quint32>::max();
    using BoundText = std::array<quint32, 3>;
    static constexpr BoundText kNoneBound { kNotBound, kNotBound, kNotBound };

    // `text` bound to parameter `index` of `st` from `column`. A row's key, model and route are nearly always the ones
    // of the row these buffers held before (texts interned where they are made): the text is converted only when it
    // is another one, and bound again only when it was converted since this statement's row bound it (the bytes
    // bound stay where they are until then: SQLITE_STATIC). Three conversions were ~310 and three binds ~540 of a
    // row's ~6,600 instructions (profile.sh).
    static void bindText(Statement &st, int index, const QString &text, TextColumn &column, quint32 &bound)
    {
        if (text.constData() != column.from.constData() || text.size() != column.from.size()) {
            toUtf8Into(text, column.utf8);
            column.from = text;
            ++column.conversions;
        }
        if (bound != column.conversions) {
            st.bind(index, column.utf8);
            bound = column.conversions;
        }
    }

public:
    explicit HistoryWriter(HistoryStore::Options options)
        : m_options(std::move(options))
    { }

    ~HistoryWriter() override { close(); }

    std::vector<AccessRecord> open(int max)
    {
        if (!openDatabase()) {
            return {};
        }
        if (hasOldLayout()) {
            qCInfo(lcMetrics).noquote() << "moving the request history in" << m_options.path << "to its new layout";
            migrate(std::max(max, 1)); // the newest first: what is read next is there, the rest follows
        }
        // The retention runs after the caller has its records (queued: the start-up does not wait for a DELETE
        // over a large table), then hourly.
        m_pruneTimer = new QTimer(this);
        m_pruneTimer->setInterval(3600 * 1000);
        connect(m_pruneTimer, &QTimer::timeout, this, &HistoryWriter::prune);
        m_pruneTimer->start();
        QMetaObject::invokeMethod(this, &HistoryWriter::prune, Qt::QueuedConnection);
        std::vector<AccessRecord> out = query(0, 0, max, 0);
        std::reverse(out.begin(), out.end());
        return out;
    }

    void enqueue(AccessRecord record)
    {
        size_t queued = 0;
        {
            QMutexLocker lock(&m_mutex);
            if (m_queue.size() + m_takenCount >= m_options.maxQueued) {
                ++m_dropped; // write() says so; the record goes here, on the thread that made it
                return;
            }
            m_queue.push_back(std::move(record));
            queued = m_queue.size();
        }
        if (queued == 1) {
            // The transaction is committed kCommitDelayMs after its first record (one event for that, not one a
            // record).
            QMetaObject::invokeMethod(this, &HistoryWriter::scheduleWrite, Qt::QueuedConnection);
        } else if (queued == kDrainAt) {
            QMetaObject::invokeMethod(this, &HistoryWriter::drain, Qt::QueuedConnection);
        }
    }

    void scheduleWrite()
    {
        if (!m_writeTimer) {
            m_writeTimer = new QTimer(this);
            m_writeTimer->setSingleShot(true);
            m_writeTimer->setInterval(kCommitDelayMs);
            connect(m_writeTimer, &QTimer::timeout, this, &HistoryWriter::write);
        }
        if (!m_writeTimer->isActive()) {
            m_writeTimer->start();
        }
    }

    // Takes what is queued into the open transaction (begun here if none is); write() commits it. False when the
    // rows could not be written (logged; the transaction's rows are dropped).
    bool drain()
    {
        {
            QMutexLocker lock(&m_mutex);
            m_taken.swap(m_queue); // the queue goes on in the storage the last drain emptied
            m_takenCount = m_taken.size(); // counts against maxQueued until written (the disk may be what waits)
        }
        const size_t n = m_taken.size();
        const bool written = n == 0 || insertTaken();
        m_taken.clear();
        {
            QMutexLocker lock(&m_mutex);
            m_takenCount = 0;
        }
        if (m_taken.capacity() > 4 * kDrainAt) {
            // A burst the thread fell behind on (a long query, a slow disk): its storage is not kept, and what its
            // records held goes back to the system (the proxy's workers do the same after a burst of connections).
            std::vector<AccessRecord>().swap(m_taken);
            m_taken.reserve(kDrainAt);
#ifdef __GLIBC__
            malloc_trim(0);
#endif
        }
        return written;
    }

    // Commits the rows drained so far and what is still queued.
    // Records not written: turned away by the full queue, or lost with a write that failed.
    quint64 dropped()
    {
        return queueDropped() + m_lostInWrites.load(std::memory_order_relaxed);
    }

    quint64 queueDropped()
    {
        QMutexLocker lock(&m_mutex);
        return m_dropped;
    }

    void write()
    {
        reportDropped();
        if (!drain() || !m_inTransaction) {
            return;
        }
        if (const int rc = addRows(m_uncommitted); rc != SQLITE_OK) {
            return abandon(rc);
        }
        if (int rc = exec("COMMIT"); rc != SQLITE_OK) {
            return abandon(rc);
        }
        m_inTransaction = false;
        m_written += m_uncommitted;
        m_uncommitted = 0;
        writeWorked();
        if (m_written >= kPruneEveryRecords) {
            m_written = 0;
            prune(); // the row cap holds between the hourly runs too
        }
    }

    void prune()
    {
        if (!m_open) {
            return;
        }
        if (const int rc = inTransaction([this] { return pruneInTransaction(); }); rc != SQLITE_OK) {
            failed("could not prune the request history:", rc);
        }
    }

    std::vector<AccessRecord> query(qint64 sinceMs, qint64 untilMs, int limit, int offset)
    {
        HistoryStore::Filter f;
        f.sinceMs = sinceMs;
        f.untilMs = untilMs;
        return query(f, limit, offset);
    }

    std::vector<AccessRecord> query(const HistoryStore::Filter &f, int limit, int offset)
    {
        std::vector<AccessRecord> out;
        if (!m_open || limit <= 0) {
            return out;
        }
        write(); // what is still queued is part of the answer
        QByteArray sql = "SELECT record, started_ms, status, key, model, route FROM history WHERE id >= ? AND id < ?";
        std::vector<Value> values { number(firstIdAt(f.sinceMs)),
            number(f.untilMs > 0 ? firstIdAt(f.untilMs) : std::numeric_limits<qint64>::max()) };
        if (f.status >= 100) {
            sql += " AND status = ?";
            values.push_back(number(f.status));
        } else if (f.status >= 1 && f.status <= 5) {
            sql += " AND status >= ? AND status < ?";
            values.push_back(number(f.status * 100));
            values.push_back(number((f.status + 1) * 100));
        }
        for (const auto &[column, value] :
            { std::pair { "key", &f.key }, std::pair { "model", &f.model }, std::pair { "route", &f.route } }) {
            if (!value->isEmpty()) {
                sql += QByteArray(" AND ") + column + " = ?";
                values.push_back(text(*value));
            }
        }
        // The kind is in the record's JSON only: tested on the rows the other conditions leave.
        if (!f.kind.isEmpty()) {
            sql += " AND " + jsonKind() + " = ?";
            values.push_back(text(f.kind));
        }
        if (!f.notKind.isEmpty()) {
            sql += " AND " + jsonKind() + " != ?";
            values.push_back(text(f.notKind));
        }
        // By start time, which is the table's own order: nothing is sorted, however large the range.
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?";
        values.push_back(number(limit));
        values.push_back(number(offset));
        Statement q = prepare(sql, values);
        int rc = q ? q.step() : sqlite3_errcode(m_db);
        for (; rc == SQLITE_ROW; rc = q.step()) {
            out.push_back(accessRecordFromStored(QJsonDocument::fromJson(q.rawText(0)).object(),
                StoredColumns { q.int64(1), int(q.int64(2)), q.string(3), q.string(4), q.string(5) }));
        }
        if (rc != SQLITE_DONE) {
            // A step failed part way (damage met after the first rows): what was read is answered.
            failed(
                out.empty() ? "could not read the request history:" : "could not read all of the request history:", rc);
        }
        return out;
    }

    void summarize(HistorySummary &summary, qint64 untilMs)
    {
        if (!m_open) {
            return;
        }
        write();
        // Grouped in SQLite: one row per bucket, key and model, not one per request. The kind and the token counts
        // live in the record's JSON only (SQLite's JSON functions read them).
        Statement q = prepare("SELECT (started_ms - ?) / ? AS b, key, model, COUNT(*), "
                              "SUM(CASE WHEN status IS NULL OR status <= 0 OR status >= 400 OR "
                + jsonField("b", "broken", "0") + " THEN 1 ELSE 0 END), SUM(" + jsonField("ti", "tokensIn", "0") + " + "
                + jsonField("to", "tokensOut", "0") + ") FROM history WHERE id >= ? AND id < ? AND " + jsonKind()
                + " != 'admin' GROUP BY b, key, model",
            { number(summary.sinceMs), number(summary.bucketMs), number(firstIdAt(summary.sinceMs)),
                number(firstIdAt(untilMs)) });
        int rc = q ? q.step() : sqlite3_errcode(m_db);
        for (; rc == SQLITE_ROW; rc = q.step()) {
            const qint64 count = q.int64(3);
            const qint64 errors = q.int64(4);
            const qint64 started = summary.sinceMs + q.int64(0) * summary.bucketMs;
            const QString key = q.string(1);
            const QString model = q.string(2);
            // Split into the failed and the rest, each counted once; tokens go with the rest.
            summary.add(started, key, model, false, q.int64(5), count - errors);
            if (errors > 0) {
                summary.add(started, key, model, true, 0, errors);
            }
        }
        if (rc != SQLITE_DONE) {
            failed("could not summarise the request history:", rc);
        }
    }

    qint64 count()
    {
        if (!m_open) {
            return 0;
        }
        Statement q(m_db, "SELECT COUNT(*) FROM history");
        return q && q.step() == SQLITE_ROW ? q.int64(0) : 0;
    }

    void setRetention(int days, qint64 maxRecords)
    {
        m_options.retentionDays = days;
        m_options.maxRecords = maxRecords;
        write(); // what is queued counts for the cap
        prune();
    }

private:
    int exec(const char *sql)
    {
        return sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    }

    // Runs `body` in a write transaction: committed when it returns SQLITE_OK, SQLITE_ROW or SQLITE_DONE (its result is
    // returned), rolled back on any other code (returned too), or on a failed commit (the commit's code).
    template<typename Body>
    int inTransaction(Body &&body)
    {
        if (m_inTransaction) {
            write(); // the rows drained so far are committed first
        }
        if (const int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
            return rc;
        }
        const int rc = body();
        if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
            exec("ROLLBACK");
            return rc;
        }
        if (const int commitRc = exec("COMMIT"); commitRc != SQLITE_OK) {
            exec("ROLLBACK");
            return commitRc;
        }
        return rc;
    }

    // The drained rows into the open transaction, begun first when there is none.
    bool insertTaken()
    {
        if (!m_open) {
            return false; // kept in memory only (see open())
        }
        if (!m_inTransaction) {
            // The write lock first (waiting out another writer as an insert would), so that the last id read below
            // is the table's when the rows go in.
            if (const int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
                writeFailed(rc, m_taken.size());
                return false;
            }
            m_inTransaction = true;
        }
        const std::vector<AccessRecord> &batch = m_taken;
        if (!readLastId()) {
            abandon(sqlite3_errcode(m_db));
            return false;
        }
        // In start order (those of one millisecond in the order they came): all but the first row of a millisecond
        // then take SQLite's next id (see idFor()).
        // Sorted as (start, index) pairs, not indexes compared through the records: those are a few hundred bytes
        // apart, and the comparisons' loads cost more than the rest of the sort (profile.sh).
        m_order.resize(batch.size());
        for (size_t k = 0; k < batch.size(); ++k) {
            m_order[k] = { clampMs(batch[k].startedMs), quint32(k) };
        }
        if (!std::is_sorted(m_order.begin(), m_order.end())) {
            std::sort(m_order.begin(), m_order.end());
        }
        const auto row = [&](size_t i) -> const AccessRecord & { return batch[m_order[i].second]; };
        // Rows go kRowsPerInsert to a statement (a statement's own start and end were ~900 of a row's ~6,400
        // instructions, profile.sh); the rest one at a time.
        size_t i = 0;
        while (i < batch.size()) {
            if (batch.size() - i >= size_t(kRowsPerInsert) && m_insertMany) {
                std::array<qint64, kRowsPerInsert> seqAt {};
                bool lastTakesNextId = false;
                for (int k = 0; k < kRowsPerInsert; ++k) {
                    seqAt[size_t(k)] = m_seq;
                    lastTakesNextId = bindRow(
                        m_insertMany, k * kColumns, row(i + size_t(k)), m_rows[size_t(k)], m_manyBound[size_t(k)]);
                }
                const int rc = m_insertMany.step();
                m_insertMany.rewind();
                if (rc == SQLITE_DONE) {
                    i += size_t(kRowsPerInsert);
                    if (lastTakesNextId && sqlite3_last_insert_rowid(m_db) != m_lastId && !readLastId()) {
                        abandon(sqlite3_errcode(m_db)); // not expected: the ids are read again from the table
                        return false;
                    }
                    continue;
                }
                if (rc != SQLITE_CONSTRAINT) {
                    abandon(rc);
                    return false;
                }
                // An id of the group is taken: OR FAIL kept the rows before it (no statement journal to back them
                // out: that copy of every page a statement writes cost more than the statement's start and end
                // saved). The row goes after the last one of its millisecond, and the rest of the group on.
                const int kept = std::clamp(sqlite3_changes(m_db), 0, kRowsPerInsert - 1);
                i += size_t(kept);
                m_seq = seqAt[size_t(kept)];
                if (!readLastId()) {
                    abandon(sqlite3_errcode(m_db));
                    return false;
                }
                if (const int oneRc = insertOne(row(i)); oneRc != SQLITE_DONE) {
                    abandon(oneRc);
                    return false;
                }
                ++i;
                continue;
            }
            if (const int rc = insertOne(row(i)); rc != SQLITE_DONE) {
                abandon(rc);
                return false;
            }
            ++i;
        }
        m_uncommitted += qint64(batch.size());
        return true;
    }

    // The open transaction's rows are dropped, with a warning (and a damaged file moved aside).
    void abandon(int rc)
    {
        exec("ROLLBACK");
        m_inTransaction = false;
        const auto lost = size_t(m_uncommitted) + m_taken.size(); // the transaction's rows and the batch being added
        m_uncommitted = 0;
        writeFailed(rc, lost);
    }

    // A row's parameters, from `first` + 1 on, in the statement's order (id, started_ms, status, key, model, route,
    // record); true when its id is left to SQLite (see idFor()). Its text is written into storage kept from row to
    // row: four allocations (and frees) a row were ~2,500 instructions with the JSON's (profile.sh). Every parameter
    // is bound again for each row but a text column whose bytes are still the ones bound (bindText()), so the
    // bindings are not cleared; they point into these buffers, which keep those bytes until the next bind.
    bool bindRow(Statement &st, int first, const AccessRecord &r, RowText &t, BoundText &bound)
    {
        const qint64 startedMs = clampMs(r.startedMs);
        const std::optional<qint64> id = idFor(startedMs);
        if (id) {
            st.bind(first + 1, *id);
        } else {
            st.bindNull(first + 1);
        }
        st.bind(first + 2, startedMs);
        st.bind(first + 3, qint64(r.status));
        bindText(st, first + 4, r.keyId, t.key, bound[0]);
        // Redacted as in the record.
        bindText(st, first + 5, r.model.isEmpty() || r.redacted ? r.model : logging::Redactor::redact(r.model), t.model,
            bound[1]);
        bindText(st, first + 6, r.route, t.route, bound[2]);
        toStoredJsonBytes(r, t.json);
        st.bind(first + 7, t.json);
        return !id;
    }

    // The id of a row started at `startedMs`, or none when it is SQLite's own next one (the table's last + 1). With
    // an id given, SQLite descends the table's B-tree to see that it is free (~1,600 of a row's ~7,600 instructions
    // in a C program writing rows as this one does); its own next id needs no look: its cursor stands on the last
    // row. So a row started in the millisecond of the table's last row takes the next id (sequence numbers count up
    // within a millisecond), the first row of a later millisecond takes sequence number 0, and only a row started
    // before the last one (a request that ran long, a clock that went back) is given an id in its place: the next
    // sequence number, and when that is taken, after the last row of its millisecond (insertAfterLastOf()).
    std::optional<qint64> idFor(qint64 startedMs)
    {
        if (m_lastId) {
            const qint64 lastMs = *m_lastId >> kSeqBits; // floor, also before 1970
            if (startedMs == lastMs && (*m_lastId & (kSeqSpan - 1)) != kSeqSpan - 1) {
                ++*m_lastId;
                return std::nullopt;
            }
            if (startedMs <= lastMs) {
                return startedMs * kSeqSpan + nextSeq();
            }
        }
        m_lastId = startedMs * kSeqSpan;
        return m_lastId;
    }

    // The table's last id (none when it is empty), for idFor(); read at each step, so it holds whatever wrote to the
    // table in between (a prune, a migration, another program). False when it cannot be read.
    bool readLastId()
    {
        const int rc = m_lastIdQuery.step();
        m_lastId = rc == SQLITE_ROW && !m_lastIdQuery.isNull(0) ? std::optional<qint64>(m_lastIdQuery.int64(0))
                                                                : std::nullopt;
        m_lastIdQuery.rewind();
        return rc == SQLITE_ROW;
    }

    int insertOne(const AccessRecord &r)
    {
        bindRow(m_insert, 0, r, m_rows[0], m_oneBound);
        int rc = m_insert.step();
        m_insert.rewind();
        if (rc == SQLITE_CONSTRAINT) {
            // The id is taken: the clock went back past rows written with this sequence number (or another
            // process writes the file too). The row goes after the last one of its millisecond.
            rc = insertAfterLastOf(clampMs(r.startedMs));
        }
        return rc;
    }

    qint64 nextSeq()
    {
        const qint64 seq = m_seq;
        m_seq = (m_seq + 1) % kSeqSpan;
        return seq;
    }

    // The insert whose id was taken, bound again after the last row of its millisecond (the other parameters are
    // still bound).
    int insertAfterLastOf(qint64 startedMs)
    {
        Statement last(m_db, "SELECT MAX(id) FROM history WHERE id >= ? AND id < ?");
        last.bind(1, startedMs * kSeqSpan);
        last.bind(2, (startedMs + 1) * kSeqSpan);
        int rc = last ? last.step() : sqlite3_errcode(m_db);
        if (rc != SQLITE_ROW) {
            return rc;
        }
        const qint64 id = last.int64(0) + 1;
        if (id >= (startedMs + 1) * kSeqSpan) {
            return SQLITE_FULL; // 2^20 rows started in this millisecond
        }
        m_seq = (id + 1) % kSeqSpan;
        m_insert.bind(1, id);
        rc = m_insert.step();
        m_insert.rewind();
        if (rc == SQLITE_DONE && (!m_lastId || id > *m_lastId)) {
            m_lastId = id;
        }
        return rc;
    }

    qint64 rowCount()
    {
        Statement q(m_db, "SELECT value FROM history_meta WHERE name = 'rows'");
        return q && q.step() == SQLITE_ROW ? q.int64(0) : 0;
    }

    int addRows(qint64 n)
    {
        m_addRows.bind(1, n);
        const int rc = m_addRows.step();
        m_addRows.rewind();
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }

    // The retention and the row cap, inside the caller's transaction. The number of rows is kept in history_meta
    // (counted up by each write, down by each prune) because counting them reads the whole table: ~500 MB at the
    // default cap.
    int pruneInTransaction()
    {
        if (m_options.retentionDays > 0) {
            Statement q(m_db, "DELETE FROM history WHERE id < ?");
            q.bind(1, firstIdAt(QDateTime::currentMSecsSinceEpoch() - qint64(m_options.retentionDays) * 86'400'000));
            if (const int rc = run(q); rc != SQLITE_DONE) {
                return rc;
            }
            if (const int rc = addRows(-qint64(sqlite3_changes(m_db))); rc != SQLITE_OK) {
                return rc;
            }
        }
        if (m_options.maxRecords <= 0) {
            return SQLITE_OK;
        }
        for (int pass = 0; pass < 2; ++pass) {
            const qint64 excess = rowCount() - m_options.maxRecords;
            if (excess <= 0) {
                return SQLITE_OK;
            }
            // The oldest first: the ids below the excess-th one (a walk over the rows that go, from the table's
            // left edge).
            Statement q(m_db, "DELETE FROM history WHERE id < (SELECT id FROM history ORDER BY id LIMIT 1 OFFSET ?)");
            q.bind(1, excess);
            if (const int rc = run(q); rc != SQLITE_DONE) {
                return rc;
            }
            if (const int removed = sqlite3_changes(m_db); removed > 0) {
                return addRows(-qint64(removed));
            }
            // Fewer rows than counted (the file was edited by hand): counted again, once.
            Statement recount(
                m_db, "UPDATE history_meta SET value = (SELECT COUNT(*) FROM history) WHERE name = 'rows'");
            if (const int rc = run(recount); rc != SQLITE_DONE) {
                return rc;
            }
        }
        return SQLITE_OK;
    }

    // The layout before time-keyed ids: a table "requests" with a plain rowid and an index on started_ms. Its rows
    // move into "history" in steps of kMigrateStep, the newest first (the start-up's read needs only those), each
    // step one transaction that copies and deletes, so an interrupted move goes on at the next start. Between steps
    // the thread writes and answers queries (which meanwhile miss the rows not moved yet). A row keeps its old id
    // modulo 2^20 as its sequence number, unique within its millisecond (ids were handed out one by one). An older
    // version started on the file later makes itself a new, empty "requests".
    bool hasOldLayout()
    {
        Statement q(m_db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'");
        return q && q.step() == SQLITE_ROW;
    }

    void migrate(qint64 rows)
    {
        if (!m_open) {
            return;
        }
        const int rc = migrateStep(rows);
        if (rc == SQLITE_ROW) {
            QTimer::singleShot(0, this, [this] { migrate(kMigrateStep); });
            return;
        }
        if (rc == SQLITE_DONE) {
            qCInfo(lcMetrics).noquote() << "the request history in" << m_options.path << "is in its new layout";
            prune(); // the moved rows count for the cap now
            return;
        }
        qCWarning(lcMetrics).noquote() << "could not move the request history in" << m_options.path
                                       << "to its new layout (tried again at the next start):" << errorText(rc);
    }

    // SQLITE_ROW while rows are left, SQLITE_DONE once the old table is gone, or an error.
    int migrateStep(qint64 rows)
    {
        return inTransaction([this, rows] { return migrateInTransaction(rows); });
    }

    int migrateInTransaction(qint64 rows)
    {
        // The step takes every row started at or after the rows-th newest start (ties stay together).
        qint64 from = std::numeric_limits<qint64>::min();
        {
            Statement edge(m_db, "SELECT started_ms FROM requests ORDER BY started_ms DESC LIMIT 1 OFFSET ?");
            edge.bind(1, rows - 1);
            const int rc = edge ? edge.step() : sqlite3_errcode(m_db);
            if (rc == SQLITE_ROW) {
                from = edge.int64(0);
            } else if (rc != SQLITE_DONE) {
                return rc;
            }
        }
        const QByteArray copySql = "INSERT OR IGNORE INTO history (id, started_ms, status, key, model, route, record) "
                                   "SELECT MIN(MAX(started_ms, "
            + QByteArray::number(-kMaxMs) + "), " + QByteArray::number(kMaxMs) + ") * " + QByteArray::number(kSeqSpan)
            + " + id % " + QByteArray::number(kSeqSpan)
            + ", started_ms, status, key, model, route, record FROM requests WHERE started_ms >= ?";
        Statement copy(m_db, copySql);
        copy.bind(1, from);
        if (const int rc = copy ? run(copy) : sqlite3_errcode(m_db); rc != SQLITE_DONE) {
            return rc;
        }
        if (const int rc = addRows(sqlite3_changes(m_db)); rc != SQLITE_OK) {
            return rc;
        }
        if (from == std::numeric_limits<qint64>::min()) {
            const int rc = exec("DROP TABLE requests");
            return rc == SQLITE_OK ? SQLITE_DONE : rc;
        }
        Statement remove(m_db, "DELETE FROM requests WHERE started_ms >= ?");
        remove.bind(1, from);
        const int rc = remove ? run(remove) : sqlite3_errcode(m_db);
        return rc == SQLITE_DONE ? SQLITE_ROW : rc;
    }

    // Steps a statement that returns no rows to its end.
    static int run(Statement &q)
    {
        int rc = q.step();
        while (rc == SQLITE_ROW) {
            rc = q.step();
        }
        return rc;
    }

    Statement prepare(QByteArrayView sql, const std::vector<Value> &values)
    {
        Statement q(m_db, sql);
        if (!q) {
            return q;
        }
        for (int i = 0; i < int(values.size()); ++i) {
            if (values[size_t(i)].isText) {
                q.bind(i + 1, values[size_t(i)].text); // the values outlive the statement's steps
            } else {
                q.bind(i + 1, values[size_t(i)].number);
            }
        }
        return q;
    }

    QString errorText(int rc) const
    {
        // The connection's message when it is about this code, else SQLite's text for the code itself.
        const int current = m_db ? sqlite3_extended_errcode(m_db) : SQLITE_OK;
        return QString::fromUtf8(current == rc && m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc));
    }

    void failed(const char *what, int rc)
    {
        qCWarning(lcMetrics).noquote() << what << errorText(rc);
        recoverIfDamaged(rc);
    }

    // Records the full queue turned away since the last warning, at most one warning a minute.
    void reportDropped()
    {
        const quint64 dropped = queueDropped();
        if (dropped == m_droppedReported || (m_droppedSince.isValid() && !m_droppedSince.hasExpired(60'000))) {
            return;
        }
        qCWarning(lcMetrics).noquote() << dropped - m_droppedReported
                                       << "requests were left out of the request history in" << m_options.path
                                       << ": its writer fell behind (a slow or locked disk); the access log has them";
        m_droppedReported = dropped;
        m_droppedSince.start();
    }

    // A write that failed lost `lost` records (counted with dropped()). The first failure is reported at once; while
    // writes go on failing (a full disk, a file another program keeps locked) at most one warning a minute says how
    // many failed since, and the first write that works again says so: each batch of 256 records was a warning of
    // its own (280 a second at 72,000 requests a second), into a log on the same full disk.
    void writeFailed(int rc, size_t lost)
    {
        m_lostInWrites.fetch_add(lost, std::memory_order_relaxed);
        ++m_failedWrites;
        if (!m_failedSince.isValid() || m_failedSince.hasExpired(60'000)) {
            const QString since = m_failedWrites > 1
                ? QStringLiteral(" (%1 writes failed since the last warning)").arg(m_failedWrites)
                : QString();
            qCWarning(lcMetrics).noquote()
                << "could not write the request history to" << m_options.path << ":" << errorText(rc) + since;
            m_failedWrites = 0;
            m_failedSince.start();
        }
        recoverIfDamaged(rc);
    }

    // A commit went through: after failed ones, says so once.
    void writeWorked()
    {
        if (!m_failedSince.isValid()) {
            return;
        }
        qCInfo(lcMetrics).noquote() << "the request history is written to" << m_options.path << "again"
                                    << QStringLiteral("(%1 writes failed since the last warning)").arg(m_failedWrites);
        m_failedWrites = 0;
        m_failedSince.invalidate();
    }

    // The integrity of a large file is not checked at every start (PRAGMA quick_check reads all of it: seconds for
    // the default cap of a million records); SQLite says so when it meets damage, and then the file is checked and,
    // if damaged, moved aside and made anew like at the start.
    void recoverIfDamaged(int rc)
    {
        const int code = rc & 0xff; // primary result code of an extended one
        if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) {
            return;
        }
        {
            Statement q(m_db, "PRAGMA quick_check");
            if (q && q.step() == SQLITE_ROW && q.rawText(0) == "ok") {
                return;
            }
        }
        m_error = errorText(rc);
        m_open = false;
        m_open = recreate();
    }

    bool openDatabase()
    {
        QDir().mkpath(QFileInfo(m_options.path).absolutePath());
        if (tryOpen()) {
            m_open = true;
            return true;
        }
        m_open = recreate();
        return m_open;
    }

    void close()
    {
        m_inTransaction = false; // an open transaction ends with the connection (rolled back)
        m_uncommitted = 0;
        m_insert = Statement();
        m_insertMany = Statement();
        m_addRows = Statement();
        m_lastIdQuery = Statement();
        // A statement still open (a read that met damage) keeps the connection until it is finalized.
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }

    // Unreadable or damaged: kept for a look, and a new one made. The history is not worth stopping for.
    bool recreate()
    {
        close();
        const QString aside = m_options.path + QStringLiteral(".corrupt-")
            + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        qCWarning(lcMetrics).noquote() << "the request history" << m_options.path << "is damaged (" << m_error
                                       << "); it was moved to" << aside << "and a new one started";
        QFile::rename(m_options.path, aside);
        QFile::remove(m_options.path + QStringLiteral("-wal"));
        QFile::remove(m_options.path + QStringLiteral("-shm"));
        if (tryOpen()) {
            return true;
        }
        qCWarning(lcMetrics).noquote() << "the request history is not kept on disk:" << m_error;
        return false;
    }

    bool tryOpen()
    {
        close();
        const bool existed = QFileInfo::exists(m_options.path);
        // One thread uses the connection: no mutex inside SQLite.
        const int rc = sqlite3_open_v2(QFile::encodeName(m_options.path).constData(), &m_db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            m_error = errorText(rc);
            close();
            return false;
        }
        sqlite3_busy_timeout(m_db, m_options.busyTimeoutMs);
        if (!existed) {
            QFile::setPermissions(m_options.path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        // WAL: a write does not block a read (the admin API and the CLI read while the proxy writes). Reading the
        // header here is also what finds a file that is not a database at all.
        // 16 KiB pages for a new file (SQLite's 4 KiB, fixed once the file has tables in WAL mode): a commit writes a
        // few hundred records, each WAL frame is written with two pwrite() calls, and the checkpoint copies every frame
        // back; a quarter of the frames halved the history thread's system time (bench-proxy.sh, /proc/PID/task).
        if (!existed || QFileInfo(m_options.path).size() == 0) {
            exec("PRAGMA page_size=16384");
        }
        Statement wal(m_db, "PRAGMA journal_mode=WAL");
        if (const int walRc = wal ? wal.step() : sqlite3_errcode(m_db); walRc != SQLITE_ROW) {
            m_error = errorText(walRc);
            return false;
        }
        wal = Statement();
        exec("PRAGMA synchronous=NORMAL");
        // Rows land at or near the table's right edge (by start time), which is all a write touches: 256 KiB of page
        // cache (not SQLite's default 2 MB, which a busy daemon would fill and keep) serves that.
        exec("PRAGMA cache_size=-256");
        // The id is the rowid (see firstIdAt), without AUTOINCREMENT (which reads and rewrites sqlite_sequence on
        // every insert, a quarter of an insert's time). The number of rows is kept beside it (see pruneInTransaction).
        for (const char *sql : { "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, started_ms INTEGER "
                                 "NOT NULL, status INTEGER, key TEXT, model TEXT, route TEXT, record TEXT NOT NULL)",
                 "CREATE TABLE IF NOT EXISTS history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
                 "INSERT OR IGNORE INTO history_meta (name, value) VALUES ('rows', 0)" }) {
            if (const int createRc = exec(sql); createRc != SQLITE_OK) {
                m_error = errorText(createRc);
                return false;
            }
        }
        QByteArray insert = "INSERT INTO history (id, started_ms, status, key, model, route, record) VALUES ";
        const QByteArray row = "(?, ?, ?, ?, ?, ?, ?)";
        m_insert = Statement(m_db, insert + row);
        m_oneBound = kNoneBound; // new statements: nothing bound yet
        m_manyBound.fill(kNoneBound);
        insert.replace("INSERT", "INSERT OR FAIL");
        for (int k = 0; k < kRowsPerInsert; ++k) {
            insert += (k ? ", " : "") + row;
        }
        m_insertMany = Statement(m_db, insert);
        m_addRows = Statement(m_db, "UPDATE history_meta SET value = value + ? WHERE name = 'rows'");
        m_lastIdQuery = Statement(m_db, "SELECT MAX(id) FROM history");
        if (!m_insert || !m_addRows || !m_lastIdQuery) {
            m_error = errorText(sqlite3_errcode(m_db));
            return false;
        }
        return true;
    }

    static constexpr qint64 kPruneEveryRecords = 10'000;
    // A commit writes every page it changed in full to the WAL (16 KiB each, checksummed): the records of a second
    // share one commit, where requests a few hundred ms apart had one each, ~20,000 instructions of checksum a record
    // (see README). A crash loses at most this much of the history; a query commits first.
    static constexpr int kCommitDelayMs = 1000;
    // Records queued before the store's thread takes them into the open transaction (committed kCommitDelayMs after
    // its first record): the queue stays small and is reused, not a vector grown to a batch's size (see README).
    static constexpr size_t kDrainAt = 256;
    static constexpr qint64 kMigrateStep = 20'000;
    HistoryStore::Options m_options;
    sqlite3 *m_db = nullptr;
    Statement m_insert; // one row
    Statement m_insertMany; // kRowsPerInsert rows
    Statement m_addRows;
    Statement m_lastIdQuery;
    std::optional<qint64> m_lastId; // the table's last id (see idFor()), none when it has no rows
    std::vector<std::pair<qint64, quint32>> m_order; // the step's rows in start order: (start, index in m_taken)
    qint64 m_seq = 0; // the next row's sequence number within its millisecond (see firstIdAt)
    std::array<RowText, kRowsPerInsert> m_rows;
    BoundText m_oneBound = kNoneBound; // what m_insert has bound for its row's text columns (see bindText())
    std::array<BoundText, kRowsPerInsert> m_manyBound {}; // the same for each row of m_insertMany
    QString m_error;
    bool m_open = false;
    QMutex m_mutex;
    std::vector<AccessRecord> m_queue; // under m_mutex
    size_t m_takenCount = 0; // under m_mutex: records drain() took and has not written yet
    quint64 m_dropped = 0; // under m_mutex: records the full queue turned away
    quint64 m_droppedReported = 0;
    std::atomic<quint64> m_lostInWrites { 0 }; // records of writes that failed (the store's thread adds)
    QElapsedTimer m_droppedSince; // since the last warning about them
    qint64 m_failedWrites = 0; // since the last warning about them
    QElapsedTimer m_failedSince; // since that warning; invalid while writes work
    std::vector<AccessRecord> m_taken; // what drain() took from it
    bool m_inTransaction = false; // rows drained, not committed: write() commits
    qint64 m_uncommitted = 0;
    QTimer *m_writeTimer = nullptr;
    QTimer *m_pruneTimer = nullptr;
    qint64 m_written = 0;
};

qint64 parseHistoryTime(const QString &text, qint64 nowMs)
{
    static const QRegularExpression ago(QStringLiteral("^([0-9]{1,7})([smhd])$"));
    if (const QRegularExpressionMatch m = ago.match(text); m.hasMatch()) {
        const QChar unit = m.captured(2).at(0);
        const qint64 ms = unit == u's' ? 1000 : unit == u'm' ? 60'000 : unit == u'h' ? 3'600'000 : 86'400'000;
        return nowMs - m.captured(1).toLongLong() * ms;
    }
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

HistoryStore::HistoryStore(Options options)
    : m_path(options.path)
    , m_thread(new QThread)
    , m_writer(new HistoryWriter(std::move(options)))
{
    m_thread->setObjectName(QStringLiteral("history"));
    m_writer->moveToThread(m_thread);
    m_thread->start();
}

HistoryStore::~HistoryStore()
{
    flush();
    QMetaObject::invokeMethod(
        m_writer, [w = m_writer] { delete w; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

std::vector<AccessRecord> HistoryStore::open(int max)
{
    std::vector<AccessRecord> out;
    QMetaObject::invokeMethod(
        m_writer, [&] { out = m_writer->open(max); }, Qt::BlockingQueuedConnection);
    return out;
}

void HistoryStore::append(AccessRecord record)
{
    m_writer->enqueue(std::move(record));
}

void HistoryStore::setRetention(int retentionDays, qint64 maxRecords)
{
    QMetaObject::invokeMethod(
        m_writer, [w = m_writer, retentionDays, maxRecords] { w->setRetention(retentionDays, maxRecords); },
        Qt::QueuedConnection);
}

void HistoryStore::flush()
{
    QMetaObject::invokeMethod(
        m_writer, [w = m_writer] { w->write(); }, Qt::BlockingQueuedConnection);
}

std::vector<AccessRecord> HistoryStore::query(qint64 sinceMs, qint64 untilMs, int limit, int offset)
{
    std::vector<AccessRecord> out;
    QMetaObject::invokeMethod(
        m_writer, [&] { out = m_writer->query(sinceMs, untilMs, limit, offset); }, Qt::BlockingQueuedConnection);
    return out;
}

std::vector<AccessRecord> HistoryStore::query(const Filter &filter, int limit, int offset)
{
    std::vector<AccessRecord> out;
    QMetaObject::invokeMethod(
        m_writer, [&] { out = m_writer->query(filter, limit, offset); }, Qt::BlockingQueuedConnection);
    return out;
}

void HistoryStore::summarize(HistorySummary &summary, qint64 untilMs)
{
    QMetaObject::invokeMethod(
        m_writer, [&] { m_writer->summarize(summary, untilMs); }, Qt::BlockingQueuedConnection);
}

quint64 HistoryStore::dropped() const
{
    return m_writer->dropped();
}

qint64 HistoryStore::count()
{
    qint64 n = 0;
    QMetaObject::invokeMethod(
        m_writer, [&] { n = m_writer->count(); }, Qt::BlockingQueuedConnection);
    return n;
}

} // namespace ga::metrics

#include "historystore.moc"
