// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/accessrecord.h"
#include "metrics/historysummary.h"

#include <QString>

#include <memory>
#include <vector>

class QThread;

namespace ga::metrics {

class HistoryWriter;

// The request history on disk (SQLite, embedded: nothing to install or run), so the Logs page, the
// dashboard's last hour and `history` survive a restart.
//
// Proxy threads only queue a record (a lock and a move); the store's own thread writes what queued up in one
// transaction, at most once a second, and applies the retention (days, and a cap on the number of records) when it
// opens and then hourly. A database that cannot be opened, or fails its integrity check, is moved aside
// (`history.sqlite.corrupt-<time>`) and made anew with a warning; the proxy never waits on it and never fails
// because of it (a failed write is logged and its records dropped).
class HistoryStore final
{
public:
    struct Options
    {
        QString path; // the database file; created 0600 with its directory
        int retentionDays = 30; // 0: kept until maxRecords
        qint64 maxRecords = 1'000'000;
        // Records waiting for the disk at most (queued, or taken by the store's thread and not written yet): past
        // them a record is left out of the file (dropped(), a warning at most once a minute) instead of memory growing
        // while the thread waits on a slow or locked disk (~450 bytes a record: 32,768 are ~14 MB, half a second of
        // a busy proxy).
        size_t maxQueued = 32'768;
        // How long a write waits for another connection's lock on the file (`sqlite3` open on it) before it fails.
        int busyTimeoutMs = 2000;
    };

    explicit HistoryStore(Options options);
    ~HistoryStore(); // writes what is queued, then stops its thread
    HistoryStore(const HistoryStore &) = delete;
    HistoryStore &operator=(const HistoryStore &) = delete;

    // Opens the database (or makes it anew, see above) and returns the latest `max` records, oldest first. Cheap
    // however large the file: the integrity is checked when SQLite finds damage, and the retention runs after.
    std::vector<AccessRecord> open(int max);
    // Queues a record; thread-safe and cheap.
    void append(AccessRecord record);
    void setRetention(int retentionDays, qint64 maxRecords);
    // Blocks until everything queued so far is written.
    void flush();
    // Records started in [sinceMs, untilMs) (untilMs <= 0: no upper bound), the latest started first, `limit` from
    // `offset`.
    std::vector<AccessRecord> query(qint64 sinceMs, qint64 untilMs, int limit, int offset = 0);
    // The same, narrowed: only the fields that are set must match (status: exact code, or 1–5 for a class).
    struct Filter
    {
        qint64 sinceMs = 0;
        qint64 untilMs = 0;
        int status = 0;
        QString key;
        QString model;
        QString route;
        QString kind; // native, openai, upload, live, local, admin
        QString notKind; // leaves this kind out (the console's own admin calls)
    };
    std::vector<AccessRecord> query(const Filter &filter, int limit, int offset = 0);
    // Adds the records started in [summary.sinceMs, untilMs) to `summary` (grouped by the database).
    void summarize(HistorySummary &summary, qint64 untilMs);
    qint64 count();
    // Records not written to the file since the store was made: turned away by the full queue (Options::maxQueued)
    // or lost with a write that failed (a full disk, a lock held past busyTimeoutMs). Thread-safe.
    quint64 dropped() const;
    QString path() const { return m_path; }

private:
    QString m_path;
    QThread *m_thread = nullptr;
    HistoryWriter *m_writer = nullptr;
};

// A time for a history query: an ISO 8601 date-time ("2026-12-04T10:00:00Z"), or a time ago ("90s", "15m", "2h",
// "7d") counted back from `nowMs`. -1 when it is neither.
qint64 parseHistoryTime(const QString &text, qint64 nowMs);

} // namespace ga::metrics
