// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The cooldown table of the key pool: which (scope, model) waits until when and why — a scope being a group
// (Google project) or a lone key, because Google applies quota per project and model. It records and forgets
// cooldowns and saves them; when to cool and for how long is the health policy's call (keyhealth.h,
// egressbackoff.h). Guarded by KeyPool's mutex.

#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QString>

#include <limits>
#include <vector>

namespace ga::keys {

struct PoolState;

struct Cooldown
{
    qint64 until = 0;
    qint64 createdAt = 0;
    QString reason;
    int minuteStreak = 0; // consecutive per-minute 429s: the backoff doubles with each
    bool perMinute = false;
    bool egress = false; // held by the egress back-off, not by the project's own quota
    bool anonymous = false; // only 429s that named no quota made it: the egress back-off may replace it
    bool shared = false; // cluster mode: Google named it (quota or retry delay), or another node learned it
};

class Cooldowns
{
public:
    using Table = QHash<QString, Cooldown>;
    static constexpr qint64 kStreakMemoryMs = 3'600'000; // a per-minute streak is remembered this long after it ends

    explicit Cooldowns(PoolState &pool);

    // Entries are keyed by scope and model together; an empty model means every model.
    static QString key(const QString &scope, const QString &model);
    static QString scopeOf(const QString &key);
    static QString modelOf(const QString &key);

    // Nothing cooling: the usual state, checked before a key is made for a lookup (a string built per request).
    bool isEmpty() const { return m_table.isEmpty(); }
    Cooldown *find(const QString &key);
    const Cooldown *find(const QString &key) const;
    // The entry for `key`, when one is running at `now`.
    const Cooldown *running(const QString &key, qint64 now) const;
    void erase(const QString &key);

    // Cools `model` for every key of `scope` until `until` (a project's own quota only ever lengthens it; the
    // egress back-off sets its own times), announcing it for each of them. The entry stays valid until the
    // table changes again.
    Cooldown &cool(const QString &scope, const QString &model, qint64 until, const QString &reason, bool perMinute,
        int streak, qint64 now, bool egress = false);
    // Drops what ended at `now` (per-minute entries only after kStreakMemoryMs) and returns the scopes that got a
    // model back; notes the earliest end still to come in the pool.
    QSet<QString> expire(qint64 now);
    // Forgets every entry of a scope (the user cleared a key), or those created at or before `before`.
    void clearScope(const QString &scope, qint64 before = std::numeric_limits<qint64>::max());
    bool anyRunning(const QString &scope, qint64 now) const;
    // The running entries by scope, found in one pass (per key, reports would scan the table once each).
    QHash<QString, std::vector<Table::const_iterator>> runningByScope(qint64 now) const;

    // Every entry, for a pass over them (the cluster's snapshot).
    const Table &table() const { return m_table; }

    // keystate.json: running entries, and ended per-minute ones (their streak).
    QJsonArray save(qint64 now) const;
    void load(const QJsonArray &entries, qint64 now);

private:
    PoolState &m_pool;
    Table m_table;
};

} // namespace ga::keys
