// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keyselection.h"

#include "keys/keyhealth.h"
#include "keys/keypool_p.h"
#include "keys/usageledger.h"

namespace ga::keys {

namespace {
constexpr quint64 kStrideBase = 720720ULL * 1000ULL; // divisible by 1..16: exact strides for small weights
} // namespace

std::optional<Strategy> strategyFromName(const QString &name)
{
    if (name == u"round_robin") {
        return Strategy::RoundRobin;
    }
    if (name == u"weighted") {
        return Strategy::Weighted;
    }
    if (name == u"least_used") {
        return Strategy::LeastUsed;
    }
    if (name == u"random") {
        return Strategy::Random;
    }
    return std::nullopt;
}

KeySelector::KeySelector(const PoolState &pool, const HealthPolicy &health, UsageLedger &ledger)
    : m_pool(pool)
    , m_health(health)
    , m_ledger(ledger)
{ }

int KeySelector::pick(const QString &model, TriedKeys tried, const KeyScope *only, qint64 now)
{
    View &v = view(model, now);
    return only ? chooseIn(v, *only, tried) : choose(v, tried, now);
}

KeySelector::View &KeySelector::view(const QString &model, qint64 now)
{
    if (!m_last || m_lastModel.size() != model.size()
        || (m_lastModel.constData() != model.constData() && m_lastModel != model)) {
        m_last = &m_views[model];
        m_lastModel = model;
    }
    View &v = *m_last;
    if (v.generation != m_pool.generation) {
        v.generation = m_pool.generation;
        v.avail.clear();
        for (int i = 0; i < int(m_pool.keys.size()); ++i) {
            if (m_health.usable(m_pool.keys[size_t(i)], model, now)) {
                v.avail.push_back(i);
            }
        }
        v.pass.assign(v.avail.size(), 0);
        if (!v.avail.empty()) {
            v.cursor %= v.avail.size();
        }
    }
    return v;
}

// A resource's owner: the first usable key of its scope in rotation order (rare; a scan is fine).
int KeySelector::chooseIn(View &v, const KeyScope &only, TriedKeys tried)
{
    const size_t n = v.avail.size();
    for (size_t i = 0; i < n; ++i) {
        const size_t pos = (v.cursor + i) % n;
        const KeyRec &k = m_pool.keys[size_t(v.avail[pos])];
        if (only.contains(k.cfg.id, k.cfg.group) && !wasTried(tried, k.cfg.id)) {
            v.cursor = pos + 1; // the keys of a project take turns too
            return v.avail[pos];
        }
    }
    return -1;
}

int KeySelector::choose(View &v, TriedKeys tried, qint64 now)
{
    const size_t n = v.avail.size();
    if (n == 0) {
        return -1;
    }
    const auto skip = [&](int idx) { return !tried.empty() && wasTried(tried, m_pool.keys[size_t(idx)].cfg.id); };
    switch (m_strategy) {
    case Strategy::RoundRobin:
        for (size_t i = 0; i < n; ++i) {
            const size_t pos = (v.cursor + i) % n;
            if (!skip(v.avail[pos])) {
                v.cursor = pos + 1;
                return v.avail[pos];
            }
        }
        return -1;
    case Strategy::Random: {
        std::uniform_int_distribution<size_t> dist(0, n - 1);
        const size_t start = dist(m_rng);
        for (size_t i = 0; i < n; ++i) {
            const int idx = v.avail[(start + i) % n];
            if (!skip(idx)) {
                return idx;
            }
        }
        return -1;
    }
    case Strategy::Weighted: {
        // Stride scheduling: the key with the smallest pass goes next and advances by base/weight.
        // Over any window it serves keys in proportion to their weights, interleaved (like nginx's
        // smooth weighted round robin), at O(n) here but without allocation; see README for 10k keys.
        size_t best = n;
        for (size_t i = 0; i < n; ++i) {
            if (!skip(v.avail[i]) && (best == n || v.pass[i] < v.pass[best])) {
                best = i;
            }
        }
        if (best == n) {
            return -1;
        }
        v.pass[best] += kStrideBase / quint64(std::max(1, m_pool.keys[size_t(v.avail[best])].cfg.weight));
        return v.avail[best];
    }
    case Strategy::LeastUsed: {
        int bestIdx = -1;
        qint64 bestCount = 0;
        for (size_t i = 0; i < n; ++i) {
            const int idx = v.avail[(v.cursor + i) % n];
            if (skip(idx)) {
                continue;
            }
            const qint64 count = m_ledger.requestsToday(m_pool.keys[size_t(idx)].usage, now);
            if (bestIdx < 0 || count < bestCount) {
                bestIdx = idx;
                bestCount = count;
            }
        }
        v.cursor = (v.cursor + 1) % n;
        return bestIdx;
    }
    }
    return -1;
}

} // namespace ga::keys
