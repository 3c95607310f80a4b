// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace ga::security {

// Sliding-window request counts over `buckets` slots of `bucketMs` each (the window is their sum).
// Accuracy is one slot: per-minute windows use 1 s slots, per-day windows 15 min slots.
class SlidingWindow
{
public:
    SlidingWindow(int buckets, qint64 bucketMs);
    int count(qint64 nowMs);
    void add(qint64 nowMs);
    // How long until count() drops below `limit` (0 when it already is).
    qint64 retryAfterMs(qint64 nowMs, int limit);

private:
    void advance(qint64 nowMs);
    std::vector<int> m_counts;
    qint64 m_bucketMs;
    qint64 m_head = -1; // index (time / bucketMs) of the newest slot
    int m_total = 0;
};

// Request windows kept for several daemons together (cluster mode, core/cluster): a token limited to 60 requests per
// minute gets 60 across all of them. Called from proxy worker threads.
class SharedWindows
{
public:
    struct Window
    {
        QString key; // the subject ("token:NAME")
        int perMinute = 0; // 0: none
        int perDay = 0;
    };
    struct Verdict
    {
        bool allowed = true;
        qint64 retryAfterMs = 0;
        int window = -1; // when refused: the index of the full window
        bool perDay = false; // … and which of its limits
    };
    virtual ~SharedWindows() = default;
    // Counts one request against every window, or against none when one of them is full. nullopt when the shared
    // store cannot answer now: the limiter then counts on this node alone.
    virtual std::optional<Verdict> admit(const std::vector<Window> &windows) = 0;
};

// Per-subject limits: requests per minute, per day (sliding windows) and open streams at once.
// A subject is a string such as "token:cline" or "address:192.168.1.7". Thread-safe.
class RateLimiter
{
public:
    struct Subject
    {
        QString key; // "token:NAME" / "address:IP"
        QString label; // for the client's error message: "token 'cline'", "address 192.168.1.7"
        config::RateLimits limits;
    };

    // Returned by admit(); while a streaming request's ticket lives, it holds a stream slot.
    class Ticket
    {
    public:
        Ticket() = default;
        ~Ticket();
        Ticket(Ticket &&other) noexcept;
        Ticket &operator=(Ticket &&other) noexcept;
        Ticket(const Ticket &) = delete;
        Ticket &operator=(const Ticket &) = delete;
        void release();

    private:
        friend class RateLimiter;
        RateLimiter *m_limiter = nullptr;
        std::vector<QString> m_streamKeys;
    };

    struct Decision
    {
        bool allowed = true;
        qint64 retryAfterMs = 0;
        QString message; // for the client: which limit, for whom, when to retry
        Ticket ticket;
    };

    RateLimiter();
    ~RateLimiter();
    RateLimiter(const RateLimiter &) = delete;
    RateLimiter &operator=(const RateLimiter &) = delete;

    // Counts one request against every subject, or (when any limit is reached) against none.
    Decision admit(const std::vector<Subject> &subjects, bool stream, qint64 nowMs);
    int openStreams(const QString &key) const;
    // Cluster mode: the per-minute and per-day windows are counted there (and here too, for when it cannot answer);
    // open streams stay per node. Null: this node alone.
    void setShared(std::shared_ptr<SharedWindows> shared);
    int rejected() const;

private:
    struct Entry;
    void releaseStreams(const std::vector<QString> &keys);
    mutable QMutex m_mutex;
    std::shared_ptr<SharedWindows> m_shared;
    QHash<QString, std::shared_ptr<Entry>> m_entries;
    qint64 m_lastSweepMs = 0;
    int m_rejected = 0;
};

} // namespace ga::security
