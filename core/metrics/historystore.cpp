// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/historystore.h"

#include "logging/logging.h"
#include "logging/redact.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutex>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <atomic>

namespace ga::metrics {

// Lives on the store's thread: the only user of its database connection.
class HistoryWriter final : public QObject
{
    Q_OBJECT

public:
    explicit HistoryWriter(HistoryStore::Options options)
        : m_options(std::move(options))
        , m_connection(QStringLiteral("ga-history-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
    { }

    ~HistoryWriter() override
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            if (db.isOpen()) {
                db.close();
            }
        }
        QSqlDatabase::removeDatabase(m_connection);
    }

    std::vector<AccessRecord> open(int max)
    {
        if (!openDatabase()) {
            return {};
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
        bool first = false;
        {
            QMutexLocker lock(&m_mutex);
            first = m_queue.empty();
            m_queue.push_back(std::move(record));
        }
        if (first) {
            // One event per batch, not per record: the batch is written 200 ms after its first record.
            QMetaObject::invokeMethod(this, &HistoryWriter::scheduleWrite, Qt::QueuedConnection);
        }
    }

    void scheduleWrite()
    {
        if (!m_writeTimer) {
            m_writeTimer = new QTimer(this);
            m_writeTimer->setSingleShot(true);
            m_writeTimer->setInterval(200);
            connect(m_writeTimer, &QTimer::timeout, this, &HistoryWriter::write);
        }
        if (!m_writeTimer->isActive()) {
            m_writeTimer->start();
        }
    }

    void write()
    {
        std::vector<AccessRecord> batch;
        {
            QMutexLocker lock(&m_mutex);
            batch.swap(m_queue);
        }
        if (batch.empty() || !m_open) {
            return;
        }
        QSqlDatabase db = QSqlDatabase::database(m_connection);
        db.transaction();
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO requests (started_ms, status, key, model, route, record) "
                                 "VALUES (?, ?, ?, ?, ?, ?)"));
        for (const AccessRecord &r : batch) {
            q.addBindValue(r.startedMs);
            q.addBindValue(r.status);
            q.addBindValue(r.keyId);
            q.addBindValue(
                r.model.isEmpty() || r.redacted ? r.model : logging::Redactor::redact(r.model)); // as in the record
            q.addBindValue(r.route);
            q.addBindValue(toJsonBytes(r));
            if (!q.exec()) {
                const QSqlError error = q.lastError();
                qCWarning(lcMetrics).noquote()
                    << "could not write the request history to" << m_options.path << ":" << error.text();
                q.finish();
                db.rollback();
                recoverIfDamaged(error);
                return;
            }
        }
        if (!db.commit()) {
            const QSqlError error = db.lastError();
            qCWarning(lcMetrics).noquote()
                << "could not write the request history to" << m_options.path << ":" << error.text();
            recoverIfDamaged(error);
            return;
        }
        m_written += qint64(batch.size());
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
        QSqlDatabase db = QSqlDatabase::database(m_connection);
        QSqlQuery q(db);
        if (m_options.retentionDays > 0) {
            q.prepare(QStringLiteral("DELETE FROM requests WHERE started_ms < ?"));
            q.addBindValue(QDateTime::currentMSecsSinceEpoch() - qint64(m_options.retentionDays) * 86'400'000);
            if (!q.exec()) {
                failed(q);
                return;
            }
        }
        if (m_options.maxRecords > 0) {
            // Row ids only grow and the oldest go first, so the newest maxRecords are the ids above MAX(id) -
            // maxRecords (one index lookup, where OFFSET walked a million rows).
            q.prepare(QStringLiteral("DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?"));
            q.addBindValue(m_options.maxRecords);
            if (!q.exec()) {
                failed(q);
            }
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
        QString sql = QStringLiteral("SELECT record FROM requests WHERE started_ms >= ? AND started_ms < ?");
        QVariantList values { f.sinceMs, f.untilMs > 0 ? f.untilMs : std::numeric_limits<qint64>::max() };
        if (f.status >= 100) {
            sql += QStringLiteral(" AND status = ?");
            values << f.status;
        } else if (f.status >= 1 && f.status <= 5) {
            sql += QStringLiteral(" AND status >= ? AND status < ?");
            values << f.status * 100 << (f.status + 1) * 100;
        }
        for (const auto &[column, value] :
            { std::pair { "key", &f.key }, std::pair { "model", &f.model }, std::pair { "route", &f.route } }) {
            if (!value->isEmpty()) {
                sql += QStringLiteral(" AND %1 = ?").arg(QLatin1String(column));
                values << *value;
            }
        }
        // The kind is in the record's JSON only: tested on the rows the other conditions leave.
        if (!f.kind.isEmpty()) {
            sql += QStringLiteral(" AND json_extract(record, '$.kind') = ?");
            values << f.kind;
        }
        if (!f.notKind.isEmpty()) {
            sql += QStringLiteral(" AND IFNULL(json_extract(record, '$.kind'), '') != ?");
            values << f.notKind;
        }
        // By start time, which the index on started_ms yields as it is (its entries end in the row id, so ties
        // keep their order): "ORDER BY id" made SQLite sort every row in the time range first, which with a
        // million records took two seconds at each start-up.
        sql += QStringLiteral(" ORDER BY started_ms DESC, id DESC LIMIT ? OFFSET ?");
        values << limit << offset;
        QSqlQuery q(QSqlDatabase::database(m_connection));
        q.prepare(sql);
        for (const QVariant &v : values) {
            q.addBindValue(v);
        }
        if (!q.exec()) {
            const QSqlError error = q.lastError();
            qCWarning(lcMetrics).noquote() << "could not read the request history:" << error.text();
            q.finish();
            recoverIfDamaged(error);
            return out;
        }
        while (q.next()) {
            out.push_back(accessRecordFromJson(QJsonDocument::fromJson(q.value(0).toByteArray()).object()));
        }
        if (const QSqlError error = q.lastError(); error.isValid()) {
            // A step failed part way (damage met after the first rows): what was read is answered.
            qCWarning(lcMetrics).noquote() << "could not read all of the request history:" << error.text();
            q.finish();
            recoverIfDamaged(error);
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
        QSqlQuery q(QSqlDatabase::database(m_connection));
        q.prepare(QStringLiteral(
            "SELECT (started_ms - ?) / ? AS b, key, model, COUNT(*), "
            "SUM(CASE WHEN status IS NULL OR status <= 0 OR status >= 400 OR json_extract(record, '$.broken') "
            "THEN 1 ELSE 0 END), "
            "SUM(IFNULL(json_extract(record, '$.tokensIn'), 0) + IFNULL(json_extract(record, '$.tokensOut'), 0)) "
            "FROM requests WHERE started_ms >= ? AND started_ms < ? "
            "AND IFNULL(json_extract(record, '$.kind'), '') != 'admin' GROUP BY b, key, model"));
        for (const QVariant &v :
            { QVariant(summary.sinceMs), QVariant(summary.bucketMs), QVariant(summary.sinceMs), QVariant(untilMs) }) {
            q.addBindValue(v);
        }
        if (!q.exec()) {
            qCWarning(lcMetrics).noquote() << "could not summarise the request history:" << q.lastError().text();
            return;
        }
        while (q.next()) {
            const qint64 count = q.value(3).toLongLong();
            const qint64 errors = q.value(4).toLongLong();
            const qint64 started = summary.sinceMs + q.value(0).toLongLong() * summary.bucketMs;
            const QString key = q.value(1).toString();
            const QString model = q.value(2).toString();
            // Split into the failed and the rest, each counted once; tokens go with the rest.
            summary.add(started, key, model, false, q.value(5).toLongLong(), count - errors);
            if (errors > 0) {
                summary.add(started, key, model, true, 0, errors);
            }
        }
    }

    qint64 count()
    {
        if (!m_open) {
            return 0;
        }
        QSqlQuery q(QSqlDatabase::database(m_connection));
        return q.exec(QStringLiteral("SELECT COUNT(*) FROM requests")) && q.next() ? q.value(0).toLongLong() : 0;
    }

    void setRetention(int days, qint64 maxRecords)
    {
        m_options.retentionDays = days;
        m_options.maxRecords = maxRecords;
        prune();
    }

private:
    void failed(QSqlQuery &q)
    {
        const QSqlError error = q.lastError();
        qCWarning(lcMetrics).noquote() << "could not prune the request history:" << error.text();
        q.finish();
        recoverIfDamaged(error);
    }

    // The integrity of a large file is not checked at every start (PRAGMA quick_check reads all of it: seconds for
    // the default cap of a million records); SQLite says so when it meets damage, and then the file is checked and,
    // if damaged, moved aside and made anew like at the start.
    void recoverIfDamaged(const QSqlError &error)
    {
        const int code = error.nativeErrorCode().toInt() & 0xff; // primary result code of an extended one
        if (code != kSqliteCorrupt && code != kSqliteNotADatabase) {
            return;
        }
        {
            QSqlQuery q(QSqlDatabase::database(m_connection));
            if (q.exec(QStringLiteral("PRAGMA quick_check")) && q.next() && q.value(0).toString() == u"ok") {
                return;
            }
        }
        m_error = error.text();
        m_open = false;
        m_open = recreate();
    }

    bool openDatabase()
    {
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
            qCWarning(lcMetrics).noquote() << "the request history is not kept on disk: Qt's SQLite driver is "
                                              "missing (install libqt6sql6-sqlite)";
            return false;
        }
        QDir().mkpath(QFileInfo(m_options.path).absolutePath());
        if (tryOpen()) {
            m_open = true;
            return true;
        }
        m_open = recreate();
        return m_open;
    }

    // Unreadable or damaged: kept for a look, and a new one made. The history is not worth stopping for.
    bool recreate()
    {
        QSqlDatabase::database(m_connection, false).close();
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
        QSqlDatabase db = QSqlDatabase::contains(m_connection)
            ? QSqlDatabase::database(m_connection, false)
            : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(m_options.path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=2000"));
        const bool existed = QFileInfo::exists(m_options.path);
        if (!db.open()) {
            m_error = db.lastError().text();
            return false;
        }
        if (!existed) {
            QFile::setPermissions(m_options.path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        QSqlQuery q(db);
        // WAL: a write does not block a read (the admin API and the CLI read while the proxy writes). Reading the
        // header here is also what finds a file that is not a database at all.
        if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL"))) {
            m_error = q.lastError().text();
            return false;
        }
        q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
        // Rows and the one index are appended at their right edge, which is all a write touches: 256 KiB of page
        // cache (not SQLite's default 2 MB, which a busy daemon would fill and keep) serves that.
        q.exec(QStringLiteral("PRAGMA cache_size=-256"));
        // The id is the rowid without AUTOINCREMENT (which reads and rewrites sqlite_sequence on every insert, a
        // quarter of an insert's time): rows are only appended, and pruning removes the oldest, so a new row's id is
        // still one more than the newest (the row cap's DELETE relies on that). Files made with AUTOINCREMENT by
        // earlier versions keep it; both read the same.
        if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, "
                                   "started_ms INTEGER NOT NULL, status INTEGER, key TEXT, model TEXT, route TEXT, "
                                   "record TEXT NOT NULL)"))
            || !q.exec(QStringLiteral("CREATE INDEX IF NOT EXISTS requests_started ON requests (started_ms)"))) {
            m_error = q.lastError().text();
            return false;
        }
        return true;
    }

    static constexpr qint64 kPruneEveryRecords = 10'000;
    static constexpr int kSqliteCorrupt = 11; // SQLITE_CORRUPT
    static constexpr int kSqliteNotADatabase = 26; // SQLITE_NOTADB
    HistoryStore::Options m_options;
    QString m_connection;
    QString m_error;
    bool m_open = false;
    QMutex m_mutex;
    std::vector<AccessRecord> m_queue;
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

qint64 HistoryStore::count()
{
    qint64 n = 0;
    QMetaObject::invokeMethod(
        m_writer, [&] { n = m_writer->count(); }, Qt::BlockingQueuedConnection);
    return n;
}

} // namespace ga::metrics

#include "historystore.moc"
