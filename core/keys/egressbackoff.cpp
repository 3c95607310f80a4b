// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/egressbackoff.h"

#include "keys/cooldowns.h"
#include "keys/keypool_p.h"
#include "logging/usertext.h"

namespace ga::keys {
namespace {
// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kEgressThrottled(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "Google is throttling this connection (429 without a quota)"));
const logging::UserText kEgressOver("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "egress throttling over"));
} // namespace

EgressBackoff::EgressBackoff(PoolState &pool, Cooldowns &cooldowns)
    : m_pool(pool)
    , m_cooldowns(cooldowns)
{ }

qint64 EgressBackoff::backOffAgain(qint64 now)
{
    hold(m_held, now);
    return m_until;
}

qint64 EgressBackoff::noteAnonymous429(const QString &scope, const QString &model, const QString &reason, qint64 now)
{
    const QString ck = Cooldowns::key(scope, model);
    if (m_active) {
        if (now < m_until + KeyPool::kEgressHoldMs) {
            m_held.append(ck); // one more project caught by it: it waits with the others
            m_cooldowns.cool(scope, model, m_until + KeyPool::kEgressHoldMs, reason, false, 0, now, true);
            return -1;
        }
        m_active = false; // nothing settled it within the hold time: start afresh
        m_backoffs = 0;
    }
    m_recent429.emplace_back(now, ck);
    while (!m_recent429.empty() && m_recent429.front().first < now - KeyPool::kEgressWindowMs) {
        m_recent429.pop_front();
    }
    QSet<QString> scopes;
    QStringList held;
    for (const auto &r : m_recent429) {
        scopes.insert(Cooldowns::scopeOf(r.second));
        if (!held.contains(r.second)) {
            held.append(r.second);
        }
    }
    const bool othersWork = m_lastSuccessMs >= now - KeyPool::kEgressWindowMs;
    if (scopes.size() < KeyPool::kEgressDistinctKeys || othersWork) {
        return -1;
    }
    hold(held, now);
    m_recent429.clear();
    return m_until;
}

void EgressBackoff::noteSuccess(const QString &scope, qint64 now)
{
    m_lastSuccessMs = now;
    release(scope, now);
}

// Holds the cooldown keys of a burst of 429s that named no quota: one (the probe) until the back-off ends,
// the others a hold time longer, so that only the probe goes out when it ends.
void EgressBackoff::hold(const QStringList &held, qint64 now)
{
    const qint64 backoff
        = std::min(KeyPool::kEgressBackoffMaxMs, KeyPool::kEgressBackoffStartMs << std::min(m_backoffs, 10));
    ++m_backoffs;
    m_active = true;
    m_until = now + backoff;
    // Probe a different project each round when there is a choice.
    const qsizetype last = m_held.indexOf(m_probe);
    m_held = held;
    m_probe = held.at(last >= 0 ? (last + 1) % held.size() : 0);
    for (const QString &ck : held) {
        if (const Cooldown *c = m_cooldowns.find(ck); c && c->anonymous) {
            m_cooldowns.erase(ck); // the keys were not at fault: the back-off decides when they are back
        }
        const qint64 until = ck == m_probe ? m_until : m_until + KeyPool::kEgressHoldMs;
        m_cooldowns.cool(
            Cooldowns::scopeOf(ck), Cooldowns::modelOf(ck), until, kEgressThrottled.text(), false, 0, now, true);
    }
}

// A success ends the back-off. When a held project answered (the probe), they are all usable again at once.
// When a key that was not held answered, the connection was never the problem: the held projects are limited
// on their own, and get the ordinary back-off of a 429 without a quota.
void EgressBackoff::release(const QString &successScope, qint64 now)
{
    if (!m_active) {
        return;
    }
    m_active = false;
    m_backoffs = 0;
    bool probeAnswered = false;
    for (const QString &ck : std::as_const(m_held)) {
        probeAnswered = probeAnswered || Cooldowns::scopeOf(ck) == successScope;
    }
    QSet<QString> scopesBack;
    for (const QString &ck : std::as_const(m_held)) {
        Cooldown *c = m_cooldowns.find(ck);
        if (!c || !c->egress) {
            continue;
        }
        if (probeAnswered) {
            scopesBack.insert(Cooldowns::scopeOf(ck));
            m_cooldowns.erase(ck);
        } else {
            c->egress = false;
            c->anonymous = true;
            c->perMinute = true;
            c->until = now + KeyPool::kMinuteBackoffStartMs;
            m_pool.expiresAt(c->until);
        }
    }
    m_held.clear();
    m_probe.clear();
    ++m_pool.generation;
    for (const KeyRec &k : m_pool.keys) {
        if (scopesBack.contains(k.scope) && !k.health.invalid && k.cfg.enabled) {
            m_pool.events.push_back({ k.cfg.id, KeyStatus::Active, kEgressOver.text() });
        }
    }
}

} // namespace ga::keys
