// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Key selection: which usable key serves the next request, by strategy (round_robin, weighted, least_used,
// random) or within a resource's scope. It keeps one view per model — the keys usable for it, rebuilt only
// when PoolState::generation moved — so a pick is O(1) for round_robin and random. Whether a key is usable is
// the health policy's answer (keyhealth.h); least_used counts come from the usage ledger (usageledger.h).
// Guarded by KeyPool's mutex.

#include "keys/keypool.h"

#include <QHash>

#include <limits>
#include <random>
#include <vector>

namespace ga::keys {

class HealthPolicy;
class UsageLedger;
struct PoolState;

class KeySelector
{
public:
    KeySelector(const PoolState &pool, const HealthPolicy &health, UsageLedger &ledger);

    Strategy strategy() const { return m_strategy; }
    // The views' rotation state survives; the caller bumps the generation so that they are rebuilt.
    void setStrategy(Strategy strategy) { m_strategy = strategy; }
    // The key list was replaced: positions in the views mean nothing any more.
    void forget()
    {
        m_views.clear();
        m_last = nullptr;
    }

    // The index in PoolState::keys of the key to use for `model`, skipping `tried`; -1 when none is usable.
    // With `only`, the first usable key of that scope in rotation order. Expire health first.
    int pick(const QString &model, TriedKeys tried, const KeyScope *only, qint64 now);

private:
    struct View
    {
        quint64 generation = std::numeric_limits<quint64>::max();
        std::vector<int> avail; // indices in PoolState::keys
        size_t cursor = 0;
        std::vector<quint64> pass; // weighted: parallel to avail
    };

    View &view(const QString &model, qint64 now);
    int choose(View &v, TriedKeys tried, qint64 now);
    int chooseIn(View &v, const KeyScope &only, TriedKeys tried);

    const PoolState &m_pool;
    const HealthPolicy &m_health;
    UsageLedger &m_ledger;
    Strategy m_strategy = Strategy::RoundRobin;
    QHash<QString, View> m_views;
    // The view of the last pick and its model: most picks are for the model of the one before, and hashing the name
    // for the lookup was ~1 % of a worker's samples under wrk (perf). Only view() inserts (which may move the other
    // views, never the one it returns) and forget() clears.
    QString m_lastModel;
    View *m_last = nullptr;
    std::mt19937 m_rng { std::random_device {}() };
};

} // namespace ga::keys
