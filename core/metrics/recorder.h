// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/accessrecord.h"

#include <QByteArray>
#include <QHash>
#include <QHashFunctions>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QSet>

#include <array>
#include <atomic>
#include <map>
#include <vector>

namespace ga::metrics {

// Fixed-bucket histogram in seconds (Prometheus "le" buckets, cumulative when rendered).
class Histogram
{
public:
    static constexpr std::array<double, 12> kBounds { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };
    void observe(double seconds);
    std::array<quint64, kBounds.size() + 1> counts {}; // the last is +Inf (not cumulative here)
    double sum = 0;
    quint64 count = 0;
};

// Gauges read at scrape time from the live objects (key pool, router, listener).
struct ScrapeState
{
    QHash<QString, int> keysByState; // active / cooling / invalid / disabled
    QHash<QString, bool> relayHealthy; // instance id → healthy
    int activeConnections = 0;
    quint64 deniedConnections = 0;
    quint64 evictedConnections = 0;
    quint64 refusedConnections = 0;
    quint64 acceptErrors = 0;
    quint64 unauthenticated = 0;
    quint64 rateLimited = 0;
    qint64 tlsNotAfterSecs = 0; // the HTTPS listener's certificate's end (seconds since the epoch); 0: no HTTPS
    int clusterState = 0; // cluster mode: 0 off, 1 connecting, 2 connected, 3 down (Redis unreachable)
    quint64 clusterPublished = 0;
    quint64 clusterReceived = 0;
    quint64 clusterReconnects = 0;
    QString version;
};

// Collects every finished request: Prometheus counters and histograms, the in-memory request history
// (last N records, for the GUI and the admin API) and the access log. Thread-safe: proxy workers call
// record(), the GUI and the admin API read.
class Recorder final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Recorder)

public:
    explicit Recorder(int historySize = 1000, QObject *parent = nullptr);

    // A request id, for a record that needs one before record() gives it one.
    quint64 nextId();
    void streamStarted();
    void streamEnded();
    // A Live session was upgraded / ended with this close code.
    void liveStarted();
    void liveEnded(int closeCode);
    // A record without an id (0) is given the next one here, under the lock the counters take anyway: ids follow
    // the order in which requests end, as the history and the access log list them (one locked add a request
    // less than giving it at the start).
    void record(AccessRecord record);

    void setHistorySize(int size);
    // Every record from now on also goes to `store` (not owned; null: none). Set before the proxy serves.
    void setStore(class HistoryStore *store);
    // Records of an earlier run (oldest first) back into the history: the GUI and the admin API show them. Counters
    // and metrics are not touched; new ids continue after the highest one.
    void restoreHistory(std::vector<AccessRecord> records);
    // Newest last; at most `max` records (all when max < 0).
    std::vector<AccessRecord> history(int max = -1) const;
    quint64 requestsTotal() const;
    int activeStreams() const;
    int activeLiveSessions() const;

    // The Prometheus text exposition format (version 0.0.4).
    QByteArray renderPrometheus(const ScrapeState &state) const;

Q_SIGNALS:
    // Emitted from the worker thread that finished the request (connect queued for UI work).
    void recorded(const ga::metrics::AccessRecord &record);

private:
    // The labels of ga_requests_total, a hash key of its own (joining them into one string cost a few allocations
    // per request).
    struct RequestLabels
    {
        QString kind;
        QString model;
        int statusClass = 0; // status / 100; 0: none
        QString mode;
        QString target;
        bool operator==(const RequestLabels &o) const = default;
        friend size_t qHash(const RequestLabels &k, size_t seed = 0)
        {
            return qHashMulti(seed, k.kind, k.model, k.statusClass, k.mode, k.target);
        }
    };

    QString modelLabel(const QString &model); // bounded set of label values
    // The kept history: a ring of m_kept records (in order of arrival from m_oldest once full), reserved in one block.
    void keepLocked(const AccessRecord &r);
    std::vector<AccessRecord> historyInOrderLocked() const;
    void setHistoryLocked(std::vector<AccessRecord> ordered);
    // `last`: the value this field was interned to last time (the next record's is mostly the same).
    void internLocked(QString &text, QString &last);
    void makeSlotsLocked();

    mutable QMutex m_mutex;
    std::atomic<class HistoryStore *> m_store { nullptr };
    quint64 m_lastId = 0; // the last request id given (record(), nextId())
    int m_historySize;
    std::vector<AccessRecord> m_history;
    size_t m_kept = 0; // records in m_history (its first slots; the rest are made ahead, see keepLocked)
    size_t m_oldest = 0;
    QSet<QString> m_interned; // the values the kept records' text fields take (internLocked)
    std::array<QString, 6> m_lastInterned; // per field (keepLocked), each one of m_interned
    QHash<RequestLabels, quint64> m_requests;
    QHash<QString, quint64> m_tokensIn; // by model label
    QHash<QString, quint64> m_tokensOut;
    QHash<QString, Histogram> m_latency; // by target kind (direct / relay)
    QHash<QString, Histogram> m_ttfb;
    QList<QString> m_models;
    // Where the last record's labels counted: most records have the labels of the one before, and finding them in
    // the hashes cost ~2,000 instructions a record (five lookups, each hashing strings). Pointers into the hashes
    // stay valid until something is inserted into that hash, which happens only in record(), which takes each
    // pointer again after its own insert; the hashes are never copied (a shared one would not be detached).
    struct LabelMemo
    {
        bool valid = false;
        QString kind, model, mode, route; // model: as in the record, route: as in the labels
        int statusClass = 0;
        QString label; // modelLabel(model)
        quint64 *requests = nullptr;
        quint64 *tokensIn = nullptr; // null until this label counted tokens
        quint64 *tokensOut = nullptr;
        Histogram *latency = nullptr;
        Histogram *ttfb = nullptr;
    };
    LabelMemo m_memo;
    quint64 m_total = 0;
    quint64 m_retries = 0;
    quint64 m_fallbacks = 0;
    quint64 m_brokenStreams = 0;
    int m_activeStreams = 0;
    int m_activeLive = 0;
    std::map<int, quint64> m_liveByClose; // sorted: the exposition lists codes in order
};

} // namespace ga::metrics

Q_DECLARE_METATYPE(ga::metrics::AccessRecord)
