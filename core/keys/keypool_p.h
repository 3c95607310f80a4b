// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the parts of KeyPool share, all guarded by its one mutex: the keys (each with its health and its usage)
// and the signals owed. `generation` is the contract between the health policy, which bumps it whenever a key
// may have become usable or unusable, and the selector, which rebuilds its per-model views when it moved.
// Not part of the API: only core/keys/ includes it.

#include "keys/keyhealth.h"
#include "keys/keypool.h"
#include "keys/usageledger.h"

#include <QDateTime>
#include <QHash>
#include <QJsonValue>

#include <limits>
#include <vector>

namespace ga::keys {

inline constexpr qint64 kNever = std::numeric_limits<qint64>::max();

struct KeyRec
{
    PoolKeyConfig cfg;
    QString scope; // who shares quota: "g:<group>", or "k:<id>" for a key without a group
    KeyHealth health;
    KeyUsage usage;

    static QString scopeOf(const PoolKeyConfig &c)
    {
        return c.group.isEmpty() ? QStringLiteral("k:") + c.id : QStringLiteral("g:") + c.group;
    }
};

// A keyStatusChanged signal owed: collected under the lock, emitted after it is released.
struct StatusEvent
{
    QString id;
    KeyStatus status;
    QString reason;
};

struct PoolState
{
    std::vector<KeyRec> keys;
    QHash<QString, int> index; // id → position in keys
    quint64 generation = 0; // bumped whenever which keys are usable may have changed
    qint64 nextExpiry = kNever; // the earliest end of a cooldown or breaker: generation moves then too
    std::vector<StatusEvent> events;
    bool sharing = false; // cluster mode: facts and usage deltas are collected
    std::vector<SharedFact> facts; // learned here, owed to the cluster
    UsageByKey sharedUsage; // every node's usage, for reports

    void share(SharedFact fact)
    {
        if (sharing) {
            facts.push_back(std::move(fact));
        }
    }

    KeyRec *find(const QString &id)
    {
        const auto it = index.constFind(id);
        return it == index.constEnd() ? nullptr : &keys[size_t(*it)];
    }
    const KeyRec *find(const QString &id) const
    {
        const auto it = index.constFind(id);
        return it == index.constEnd() ? nullptr : &keys[size_t(*it)];
    }
    void expiresAt(qint64 until) { nextExpiry = std::min(nextExpiry, until); }
};

inline bool wasTried(TriedKeys tried, const QString &id)
{
    for (const QString &t : tried) {
        if (t == id) {
            return true;
        }
    }
    return false;
}

// keystate.json's and the log's time format: UTC, ISO 8601 with milliseconds.
inline QString isoMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

inline qint64 fromIsoMs(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

} // namespace ga::keys
