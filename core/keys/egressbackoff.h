// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The egress back-off detector: 429s that name no quota from several projects within seconds, with nothing
// succeeding, are Google limiting this connection (IP), not the projects' quotas. It holds just those projects
// (one probe, the rest a hold time longer), backs off again while the probe still gets 429s, and releases them
// on a success. Tunables are KeyPool::kEgress*. Guarded by KeyPool's mutex.

#include <QString>
#include <QStringList>

#include <deque>
#include <utility>

namespace ga::keys {

class Cooldowns;
struct PoolState;

class EgressBackoff
{
public:
    EgressBackoff(PoolState &pool, Cooldowns &cooldowns);

    bool active() const { return m_active; }
    // Whether the back-off holds this cooldown key (Cooldowns::key).
    bool holds(const QString &cooldownKey) const { return m_active && m_held.contains(cooldownKey); }
    // The probe (or a held project) still gets 429s without a quota: back off again, doubled. Returns the end.
    qint64 backOffAgain(qint64 now);
    // A 429 naming no quota for `scope` and `model`, already cooled as a per-minute quota. Returns when the
    // back-off it started ends, or -1 when it started none.
    qint64 noteAnonymous429(const QString &scope, const QString &model, const QString &reason, qint64 now);
    // Any key worked: this connection gets answers.
    void noteSuccess(const QString &scope, qint64 now);

private:
    void hold(const QStringList &held, qint64 now);
    void release(const QString &successScope, qint64 now);

    PoolState &m_pool;
    Cooldowns &m_cooldowns;
    std::deque<std::pair<qint64, QString>> m_recent429; // (time, cooldown key) of 429s that name no quota
    qint64 m_lastSuccessMs = -1;
    // While active: the cooldown keys it holds, the one probed when it ends, and until when.
    bool m_active = false;
    qint64 m_until = 0;
    int m_backoffs = 0;
    QStringList m_held;
    QString m_probe;
};

} // namespace ga::keys
