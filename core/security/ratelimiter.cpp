// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/ratelimiter.h"

#include <QMutexLocker>
#include <QVarLengthArray>

#include <algorithm>

namespace ga::security {

namespace {
constexpr qint64 kMinuteSlotMs = 1000;
constexpr int kMinuteSlots = 60;
constexpr qint64 kDaySlotMs = 15 * 60 * 1000;
constexpr int kDaySlots = 96;
constexpr qint64 kIdleForgetMs = 25LL * 3600 * 1000; // a subject silent for longer than a day window
} // namespace

SlidingWindow::SlidingWindow(int buckets, qint64 bucketMs)
    : m_counts(size_t(buckets), 0)
    , m_bucketMs(bucketMs)
{ }

void SlidingWindow::advance(qint64 nowMs)
{
    const qint64 slot = nowMs / m_bucketMs;
    if (m_head < 0) {
        m_head = slot;
        return;
    }
    if (slot <= m_head) {
        return; // a clock that went back keeps the newest slot
    }
    const qint64 n = qint64(m_counts.size());
    const qint64 steps = std::min(slot - m_head, n);
    for (qint64 i = 1; i <= steps; ++i) {
        int &c = m_counts[size_t((m_head + i) % n)];
        m_total -= c;
        c = 0;
    }
    m_head = slot;
}

int SlidingWindow::count(qint64 nowMs)
{
    advance(nowMs);
    return m_total;
}

void SlidingWindow::add(qint64 nowMs)
{
    advance(nowMs);
    ++m_counts[size_t(m_head % qint64(m_counts.size()))];
    ++m_total;
}

qint64 SlidingWindow::retryAfterMs(qint64 nowMs, int limit)
{
    advance(nowMs);
    if (m_total < limit) {
        return 0;
    }
    // Oldest slot first: once enough requests have aged out, a new one fits.
    const qint64 n = qint64(m_counts.size());
    int remaining = m_total;
    for (qint64 age = n - 1; age >= 0; --age) {
        const qint64 slot = m_head - age;
        remaining -= m_counts[size_t(((slot % n) + n) % n)];
        if (remaining < limit) {
            const qint64 expiresAt = (slot + n) * m_bucketMs; // the slot leaves the window then
            return std::max<qint64>(1, expiresAt - nowMs);
        }
    }
    return m_bucketMs;
}

struct RateLimiter::Entry
{
    SlidingWindow minute { kMinuteSlots, kMinuteSlotMs };
    SlidingWindow day { kDaySlots, kDaySlotMs };
    int streams = 0;
    qint64 lastSeenMs = 0;
};

RateLimiter::Ticket::~Ticket()
{
    release();
}

RateLimiter::Ticket::Ticket(Ticket &&other) noexcept
    : m_limiter(std::exchange(other.m_limiter, nullptr))
    , m_streamKeys(std::move(other.m_streamKeys))
{ }

RateLimiter::Ticket &RateLimiter::Ticket::operator=(Ticket &&other) noexcept
{
    if (this != &other) {
        release();
        m_limiter = std::exchange(other.m_limiter, nullptr);
        m_streamKeys = std::move(other.m_streamKeys);
    }
    return *this;
}

void RateLimiter::Ticket::release()
{
    if (m_limiter && !m_streamKeys.empty()) {
        m_limiter->releaseStreams(m_streamKeys);
    }
    m_limiter = nullptr;
    m_streamKeys.clear();
}

RateLimiter::RateLimiter() = default;
RateLimiter::~RateLimiter() = default;

void RateLimiter::setShared(std::shared_ptr<SharedWindows> shared)
{
    QMutexLocker lock(&m_mutex);
    m_shared = std::move(shared);
}

namespace {
QString perMinuteMessage(const QString &label, int limit, bool cluster)
{
    return (cluster ? QStringLiteral("Rate limit reached for %1: %2 requests per minute across the cluster.")
                    : QStringLiteral("Local rate limit reached for %1: %2 requests per minute."))
        .arg(label)
        .arg(limit);
}

QString perDayMessage(const QString &label, int limit, bool cluster)
{
    return (cluster ? QStringLiteral("Rate limit reached for %1: %2 requests per day across the cluster.")
                    : QStringLiteral("Local rate limit reached for %1: %2 requests per day."))
        .arg(label)
        .arg(limit);
}
} // namespace

RateLimiter::Decision RateLimiter::admit(const std::vector<Subject> &subjects, bool stream, qint64 nowMs)
{
    Decision d;
    const auto counted = [](const config::RateLimits &l) { return l.requestsPerMinute > 0 || l.requestsPerDay > 0; };
    const bool anyCounted
        = std::any_of(subjects.begin(), subjects.end(), [&](const Subject &s) { return counted(s.limits); });
    if (!anyCounted && std::none_of(subjects.begin(), subjects.end(), [](const Subject &s) {
            return s.limits.concurrentStreams > 0;
        })) {
        d.ticket.m_limiter = this; // nothing limited (the default): nothing to count, and no lock taken a request
        return d;
    }
    std::vector<SharedWindows::Window> windows;
    std::vector<size_t> windowSubject;
    std::shared_ptr<SharedWindows> shared;
    if (anyCounted) {
        QMutexLocker lock(&m_mutex);
        shared = m_shared;
    }
    if (shared) {
        for (size_t i = 0; i < subjects.size(); ++i) {
            const config::RateLimits &l = subjects[i].limits;
            if (counted(l)) {
                windows.push_back({ subjects[i].key, std::max(0, l.requestsPerMinute), std::max(0, l.requestsPerDay) });
                windowSubject.push_back(i);
            }
        }
    }
    // Streams (and, without an answer from the cluster, the windows) are checked here first, so that a request
    // refused for them is not counted in the cluster's windows.
    std::optional<SharedWindows::Verdict> verdict;
    for (int pass = 0; pass < 2; ++pass) {
        QMutexLocker lock(&m_mutex);
        if (nowMs - m_lastSweepMs > 60'000) {
            m_lastSweepMs = nowMs;
            for (auto it = m_entries.begin(); it != m_entries.end();) {
                it = (nowMs - it.value()->lastSeenMs > kIdleForgetMs && it.value()->streams == 0) ? m_entries.erase(it)
                                                                                                  : std::next(it);
            }
        }
        const bool clusterCounts = verdict.has_value();
        QVarLengthArray<Entry *, 4> entries; // a request has a few subjects: no allocation for them
        for (const Subject &s : subjects) {
            const config::RateLimits &l = s.limits;
            if (l.requestsPerMinute <= 0 && l.requestsPerDay <= 0 && l.concurrentStreams <= 0) {
                entries.push_back(nullptr); // unlimited: nothing to count
                continue;
            }
            std::shared_ptr<Entry> &e = m_entries[s.key];
            if (!e) {
                e = std::make_shared<Entry>();
            }
            e->lastSeenMs = nowMs;
            entries.push_back(e.get());
            const bool windowsHere = pass == 0 ? windows.empty() : !clusterCounts;
            if (windowsHere && l.requestsPerMinute > 0 && e->minute.count(nowMs) >= l.requestsPerMinute) {
                d.allowed = false;
                d.retryAfterMs = std::max(d.retryAfterMs, e->minute.retryAfterMs(nowMs, l.requestsPerMinute));
                d.message = perMinuteMessage(s.label, l.requestsPerMinute, false);
            } else if (windowsHere && l.requestsPerDay > 0 && e->day.count(nowMs) >= l.requestsPerDay) {
                d.allowed = false;
                d.retryAfterMs = std::max(d.retryAfterMs, e->day.retryAfterMs(nowMs, l.requestsPerDay));
                d.message = perDayMessage(s.label, l.requestsPerDay, false);
            } else if (stream && l.concurrentStreams > 0 && e->streams >= l.concurrentStreams) {
                d.allowed = false;
                d.retryAfterMs = std::max<qint64>(d.retryAfterMs, 1000);
                d.message = QStringLiteral("Too many streams open for %1 (at most %2 at once); retry when one ends.")
                                .arg(s.label)
                                .arg(l.concurrentStreams);
            }
        }
        if (pass == 1 && clusterCounts && !verdict->allowed) {
            const Subject &s = subjects[windowSubject[size_t(std::max(0, verdict->window))]];
            d.allowed = false;
            d.retryAfterMs = std::max(d.retryAfterMs, verdict->retryAfterMs);
            d.message = verdict->perDay ? perDayMessage(s.label, s.limits.requestsPerDay, true)
                                        : perMinuteMessage(s.label, s.limits.requestsPerMinute, true);
        }
        if (!d.allowed) {
            ++m_rejected;
            d.message += QStringLiteral(" Retry in %1 s. The limits are set in the proxy's config (limits.*).")
                             .arg((d.retryAfterMs + 999) / 1000);
            return d;
        }
        if (pass == 0 && !windows.empty()) {
            lock.unlock();
            verdict = shared->admit(windows); // a round trip to the shared store, outside the lock
            continue;
        }
        for (size_t i = 0; i < subjects.size(); ++i) {
            Entry *e = entries[i];
            if (!e) {
                continue;
            }
            // Counted here as well: when the cluster cannot answer, this node goes on from what it saw.
            e->minute.add(nowMs);
            e->day.add(nowMs);
            if (stream) {
                ++e->streams;
                d.ticket.m_streamKeys.push_back(subjects[i].key);
            }
        }
        d.ticket.m_limiter = this;
        return d;
    }
    return d;
}

void RateLimiter::releaseStreams(const std::vector<QString> &keys)
{
    QMutexLocker lock(&m_mutex);
    for (const QString &k : keys) {
        if (const auto it = m_entries.find(k); it != m_entries.end() && it.value()->streams > 0) {
            --it.value()->streams;
        }
    }
}

int RateLimiter::openStreams(const QString &key) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.constFind(key);
    return it == m_entries.constEnd() ? 0 : it.value()->streams;
}

int RateLimiter::rejected() const
{
    QMutexLocker lock(&m_mutex);
    return m_rejected;
}

} // namespace ga::security
