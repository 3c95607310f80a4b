// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/accessrecord.h"

#include <QObject>
#include <QTimer>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <array>

namespace ga::daemon {
class Service;
}
namespace ga::time {
class Clock;
}

namespace ga::ui {

// Live figures for the dashboard, from the proxy's access records (queued onto this thread) and the key
// pool. The chart keeps one bucket per minute for the last hour.
class Dashboard final : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the dashboard comes from Backend.dashboard")
    // Ticks every second (UTC ms): countdowns in QML bind to it.
    Q_PROPERTY(double nowMs READ nowMs NOTIFY tick)
    // 60 numbers, oldest first: requests finished in each of the last 60 minutes (the last is this minute).
    Q_PROPERTY(QVariantList requestsPerMinute READ requestsPerMinute NOTIFY figuresChanged)
    // Same buckets, answers with a 2xx status.
    Q_PROPERTY(QVariantList successesPerMinute READ successesPerMinute NOTIFY figuresChanged)
    Q_PROPERTY(int requestsLastMinute READ requestsLastMinute NOTIFY figuresChanged)
    Q_PROPERTY(int requestsLastHour READ requestsLastHour NOTIFY figuresChanged)
    // 0..1 over the last hour; -1 when there were no requests.
    Q_PROPERTY(double successRate READ successRate NOTIFY figuresChanged)
    Q_PROPERTY(int activeStreams READ activeStreams NOTIFY figuresChanged)
    Q_PROPERTY(int liveSessions READ liveSessions NOTIFY figuresChanged)
    // Prompt + output tokens today (Pacific day, as Google counts), over all keys.
    Q_PROPERTY(double tokensToday READ tokensToday NOTIFY figuresChanged)
    Q_PROPERTY(double requestsToday READ requestsToday NOTIFY figuresChanged)
    // Per project (a key group, or one ungrouped key) and model used today:
    //   [{project, model, used, limit (0 = none set), fraction (0..1, -1 without limit)}], busiest first.
    Q_PROPERTY(QVariantList quota READ quota NOTIFY figuresChanged)
    // When the daily quotas reset (next midnight America/Los_Angeles), UTC ms.
    Q_PROPERTY(double quotaResetMs READ quotaResetMs NOTIFY tick)

public:
    Dashboard(daemon::Service *service, const time::Clock &clock, QObject *parent = nullptr);

    double nowMs() const;
    QVariantList requestsPerMinute() const;
    QVariantList successesPerMinute() const;
    int requestsLastMinute() const;
    int requestsLastHour() const;
    double successRate() const;
    int activeStreams() const;
    int liveSessions() const; // Live API sessions open (counted in activeStreams too)
    double tokensToday() const { return m_tokensToday; }
    double requestsToday() const { return m_requestsToday; }
    QVariantList quota() const { return m_quota; }
    double quotaResetMs() const;

    // Counts one finished request (the proxy's recorder feeds this; tests may call it).
    void add(const metrics::AccessRecord &record);
    void count(qint64 minute, const metrics::AccessRecord &record);
    // Re-reads the key pool's usage (tokens, quota).
    Q_INVOKABLE void refresh();

Q_SIGNALS:
    void tick();
    void figuresChanged();

private:
    struct Bucket
    {
        qint64 minute = -1; // minutes since the epoch
        int requests = 0;
        int successes = 0;
    };
    void advance();
    QVariantList series(bool successes) const;

    daemon::Service *m_service;
    const time::Clock &m_clock;
    std::array<Bucket, 60> m_buckets {};
    QTimer m_timer;
    double m_tokensToday = 0;
    double m_requestsToday = 0;
    QVariantList m_quota;
    int m_ticks = 0;
};

// Daily request limit for `model` from quota.modelLimits ("m=100, …"), else quota.dailyRequests.
int dailyLimitFor(const QString &modelLimits, int dailyRequests, const QString &model);

} // namespace ga::ui
