// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDate>
#include <QDateTime>

#include <atomic>
#include <chrono>

namespace ga::time {

namespace detail {
// The wall-clock time of this thread's event-loop turn, once something in the turn read it: -1 in a turn that has
// not read it yet, 0 on a thread whose event loop does not keep it (the proxy's dispatcher marks each turn).
inline thread_local qint64 turnWallMs = 0;
} // namespace detail

// Milliseconds since the Unix epoch, UTC, read now.
inline qint64 readWallMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Milliseconds since the Unix epoch, UTC. On a proxy worker, read once a turn of its event loop (the first time
// something in the turn asks), as nginx keeps its time: a proxied request read the wall clock six times (a request's
// start, the rate limiter's window, the key pool, the log line's time), each a vDSO call callgrind does not see,
// all within microseconds of each other. Elsewhere the clock is read each time.
inline qint64 wallMs()
{
    const qint64 turn = detail::turnWallMs;
    if (turn > 0) {
        return turn;
    }
    const qint64 now = readWallMs();
    if (turn < 0) {
        detail::turnWallMs = now;
    }
    return now;
}

// Wall-clock time, injectable: tests move a ManualClock instead of sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0; // milliseconds since the Unix epoch, UTC
    QDateTime now() const { return QDateTime::fromMSecsSinceEpoch(nowMs(), Qt::UTC); }

    static const Clock &system();
};

class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 startMs = 1'767'225'600'000) // 2026-01-01T00:00:00Z
        : m_now(startMs)
    { }
    qint64 nowMs() const override { return m_now.load(); }
    void setNow(qint64 ms) { m_now.store(ms); }
    void advance(qint64 ms) { m_now.fetch_add(ms); }

private:
    std::atomic<qint64> m_now;
};

// Google's daily quotas reset at midnight Pacific time (America/Los_Angeles, DST included).
QDate pacificDate(qint64 utcMs);
// The next midnight Pacific time after `utcMs`, as UTC milliseconds.
qint64 nextPacificMidnightMs(qint64 utcMs);

} // namespace ga::time
