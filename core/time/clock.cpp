// SPDX-License-Identifier: GPL-3.0-or-later
#include "time/clock.h"

#include <QTimeZone>

namespace ga::time {
namespace {

class SystemClock final : public Clock
{
public:
    qint64 nowMs() const override { return wallMs(); }
};

const QTimeZone &pacific()
{
    static const QTimeZone tz = [] {
        QTimeZone z(QByteArrayLiteral("America/Los_Angeles"));
        // Without a time zone database, fall back to PST (UTC−8); off by an hour in summer, never worse.
        return z.isValid() ? z : QTimeZone(-8 * 3600);
    }();
    return tz;
}

} // namespace

const Clock &Clock::system()
{
    static const SystemClock clock;
    return clock;
}

QDate pacificDate(qint64 utcMs)
{
    return QDateTime::fromMSecsSinceEpoch(utcMs, Qt::UTC).toTimeZone(pacific()).date();
}

qint64 nextPacificMidnightMs(qint64 utcMs)
{
    const QDate tomorrow = pacificDate(utcMs).addDays(1);
    return QDateTime(tomorrow, QTime(0, 0), pacific()).toMSecsSinceEpoch();
}

} // namespace ga::time
