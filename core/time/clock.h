// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDate>
#include <QDateTime>

#include <atomic>

namespace ga::time {

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
