// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keyhealth.h"

#include "keys/keypool_p.h"
#include "logging/usertext.h"
#include "time/clock.h"

namespace ga::keys {
namespace {
// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kHalfOpen("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "circuit half-open: trying it again"));
const logging::UserText kCooldownOver("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "cooldown over"));
const logging::UserText kTwiceWithinAnHour("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "%1 (twice within an hour)"));
const logging::UserText kDailyQuota(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "daily quota (%1); resets at midnight Pacific time"));
const logging::UserText kCircuitOpenFor(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "circuit open for %1 s: it keeps failing (%2) while other keys work"));
const logging::UserText kCircuitOpen("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "circuit open after repeated failures"));
} // namespace

HealthPolicy::HealthPolicy(PoolState &pool)
    : m_pool(pool)
    , m_cooldowns(pool)
    , m_egress(pool, m_cooldowns)
{ }

// Expired cooldowns and breakers: views must be rebuilt, and the keys are back.
void HealthPolicy::expire(qint64 now)
{
    if (now < m_pool.nextExpiry) {
        return;
    }
    ++m_pool.generation;
    m_pool.nextExpiry = kNever;
    const QSet<QString> scopesBack = m_cooldowns.expire(now);
    for (KeyRec &k : m_pool.keys) {
        KeyHealth &h = k.health;
        if (h.breakerUntil > 0 && h.breakerUntil <= now) {
            h.breakerUntil = 0;
            h.halfOpen = true;
            m_pool.events.push_back({ k.cfg.id, KeyStatus::Active, kHalfOpen.text() });
        } else if (h.breakerUntil > now) {
            m_pool.expiresAt(h.breakerUntil);
        }
        if (scopesBack.contains(k.scope) && !h.invalid && k.cfg.enabled) {
            m_pool.events.push_back({ k.cfg.id, KeyStatus::Active, kCooldownOver.text() });
        }
    }
}

bool HealthPolicy::coolingFor(const KeyRec &k, const QString &model, qint64 now, qint64 *until) const
{
    if (const Cooldown *c
        = m_cooldowns.isEmpty() ? nullptr : m_cooldowns.running(Cooldowns::key(k.scope, model), now)) {
        if (until) {
            *until = c->until;
        }
        return true;
    }
    if (k.health.breakerUntil > now) {
        if (until) {
            *until = k.health.breakerUntil;
        }
        return true;
    }
    return false;
}

bool HealthPolicy::usable(const KeyRec &k, const QString &model, qint64 now) const
{
    return k.cfg.enabled && !k.health.invalid && !coolingFor(k, model, now);
}

void HealthPolicy::explain(
    const QString &model, TriedKeys tried, const KeyScope *only, qint64 now, NoKeyReason *why) const
{
    *why = NoKeyReason();
    qint64 earliest = kNever;
    bool egressOnly = true;
    for (const KeyRec &k : m_pool.keys) {
        if (only && !only->contains(k.cfg.id, k.cfg.group)) {
            continue;
        }
        ++why->total;
        qint64 until = 0;
        if (!k.cfg.enabled) {
            ++why->disabled;
        } else if (k.health.invalid) {
            ++why->invalid;
        } else if (coolingFor(k, model, now, &until)) {
            ++why->cooling;
            earliest = std::min(earliest, until);
            const Cooldown *c = m_cooldowns.running(Cooldowns::key(k.scope, model), now);
            egressOnly = egressOnly && c && c->egress;
        } else if (wasTried(tried, k.cfg.id)) {
            ++why->tried;
        }
    }
    why->retryAfterMs = earliest == kNever ? -1 : earliest - now;
    why->routeThrottled = why->cooling > 0 && egressOnly && m_egress.active();
}

void HealthPolicy::onSuccess(KeyRec &k, const QString &model, qint64 now)
{
    KeyHealth &h = k.health;
    h.seenSuccessSeq = ++m_successSeq;
    h.serverFailures = 0;
    h.halfOpen = false; // a half-open circuit closes, and its next opening starts short again
    h.breakerOpens = 0;
    m_egress.noteSuccess(k.scope, now); // this connection gets answers
    // A success ends a per-minute backoff streak for this scope and model (if the cooldown is over).
    if (m_cooldowns.isEmpty()) {
        return;
    }
    const QString ck = Cooldowns::key(k.scope, model);
    if (const Cooldown *c = m_cooldowns.find(ck); c && c->until <= now) {
        m_cooldowns.erase(ck);
    }
}

qint64 HealthPolicy::onFailure(KeyRec &k, const QString &model, const Failure &failure, qint64 now)
{
    KeyHealth &h = k.health;
    switch (failure.kind) {
    case FailureKind::None:
    case FailureKind::ClientError:
    case FailureKind::ResourceDenied: // about a resource of another project (or an expired one)
    case FailureKind::RegionBlocked: // the route's fault, not the key's (relays handle it)
        break;
    case FailureKind::Forbidden:
        // A 403 that says nothing about keys: counted; a repeat within the hour marks the key.
        if (h.forbiddenAt >= 0 && now - h.forbiddenAt < KeyPool::kForbiddenMemoryMs && !h.invalid) {
            markInvalid(k, kTwiceWithinAnHour.text().arg(failure.reason), now);
        }
        h.forbiddenAt = now;
        break;
    case FailureKind::InvalidKey:
        if (!h.invalid) {
            markInvalid(k, failure.reason, now);
        }
        break;
    case FailureKind::QuotaPerDay:
        shareCooldown(k, model,
            m_cooldowns.cool(k.scope, model, time::nextPacificMidnightMs(now), kDailyQuota.text().arg(failure.quotaId),
                false, 0, now));
        break;
    case FailureKind::QuotaPerMinute:
        return coolForMinuteQuota(k, model, failure, now);
    case FailureKind::ServerError:
    case FailureKind::NetworkError:
        blameServerFailure(k, failure, now);
        break;
    }
    return -1;
}

void HealthPolicy::markInvalid(KeyRec &k, const QString &reason, qint64 since)
{
    k.health.invalid = true;
    k.health.invalidReason = reason;
    k.health.invalidSince = since;
    ++m_pool.generation;
    m_pool.events.push_back({ k.cfg.id, KeyStatus::Invalid, reason });
    m_pool.share({ SharedFact::Kind::Invalid, k.cfg.id, {}, 0, reason, since });
}

void HealthPolicy::shareCooldown(const KeyRec &k, const QString &model, Cooldown &c)
{
    c.shared = true;
    m_pool.share({ SharedFact::Kind::Cooldown, k.cfg.id, model, c.until, c.reason, c.createdAt });
}

qint64 HealthPolicy::coolForMinuteQuota(KeyRec &k, const QString &model, const Failure &failure, qint64 now)
{
    const QString ck = Cooldowns::key(k.scope, model);
    const Cooldown *existing = m_cooldowns.find(ck);
    const bool running = existing && existing->until > now;
    if (!failure.namesQuota() && m_egress.holds(ck)) {
        return m_egress.backOffAgain(now);
    }
    int streak = 0;
    if (existing && existing->perMinute && existing->until + Cooldowns::kStreakMemoryMs > now) {
        streak = existing->minuteStreak + 1;
    }
    const bool wasAnonymous = !running || existing->anonymous; // (cool() below may rehash: read it now)
    // A quota the answer names (QuotaFailure, RetryInfo) is honoured for this project and model whatever
    // other projects do; without a retry delay, 30 s doubling per consecutive 429.
    const qint64 delay = failure.retryDelayMs >= 0
        ? failure.retryDelayMs
        : std::min(KeyPool::kMinuteBackoffMaxMs, KeyPool::kMinuteBackoffStartMs << std::min(streak, 10));
    Cooldown &c = m_cooldowns.cool(k.scope, model, now + delay, failure.reason, true, streak, now);
    c.anonymous = !failure.namesQuota() && wasAnonymous;
    if (failure.namesQuota() || failure.retryDelayMs >= 0) {
        shareCooldown(k, model, c); // Google said how long: the project's quota, not this node's connection
    }
    if (failure.namesQuota()) {
        return -1;
    }
    return m_egress.noteAnonymous429(k.scope, model, failure.reason, now);
}

void HealthPolicy::blameServerFailure(KeyRec &k, const Failure &failure, qint64 now)
{
    // Blame the key only when it fails while others work (Google's 503s hit every key alike): some other
    // key must have succeeded since this one last failed or worked. (Comparing with the last success of
    // any key instead blamed every key but the last one to succeed before a Google-wide outage.)
    KeyHealth &h = k.health;
    const bool othersWork = m_successSeq > h.seenSuccessSeq;
    h.seenSuccessSeq = m_successSeq;
    if (!othersWork) {
        return;
    }
    ++h.serverFailures;
    if (!h.halfOpen && h.serverFailures < KeyPool::kBreakerThreshold) {
        return;
    }
    const qint64 open = std::min(KeyPool::kBreakerMaxMs, KeyPool::kBreakerStartMs << std::min(h.breakerOpens, 10));
    ++h.breakerOpens;
    h.halfOpen = false;
    h.serverFailures = 0;
    openBreaker(k, now + open, kCircuitOpenFor.text().arg(open / 1000).arg(failure.reason), now);
}

void HealthPolicy::openBreaker(KeyRec &k, qint64 until, const QString &reason, qint64 since)
{
    k.health.breakerUntil = until;
    k.health.breakerSince = since;
    m_pool.expiresAt(until);
    ++m_pool.generation;
    m_pool.events.push_back({ k.cfg.id, KeyStatus::Cooling, reason });
    m_pool.share({ SharedFact::Kind::Breaker, k.cfg.id, {}, until, reason, since });
}

void HealthPolicy::clear(KeyRec &k, qint64 now)
{
    KeyHealth &h = k.health;
    h.invalid = false;
    h.invalidReason.clear();
    h.breakerUntil = 0;
    h.breakerOpens = 0;
    h.serverFailures = 0;
    h.halfOpen = false;
    m_cooldowns.clearScope(k.scope);
    ++m_pool.generation;
    m_pool.share({ SharedFact::Kind::Cleared, k.cfg.id, {}, 0, {}, now });
}

void HealthPolicy::clearOlderThan(KeyRec &k, qint64 since)
{
    KeyHealth &h = k.health;
    if (h.invalid && h.invalidSince <= since) {
        h.invalid = false;
        h.invalidReason.clear();
    }
    if (h.breakerUntil > 0 && h.breakerSince <= since) {
        h.breakerUntil = 0;
        h.breakerOpens = 0;
        h.serverFailures = 0;
        h.halfOpen = false;
    }
    m_cooldowns.clearScope(k.scope, since);
    ++m_pool.generation;
}

void HealthPolicy::applyShared(KeyRec &k, const SharedFact &fact, qint64 now)
{
    switch (fact.kind) {
    case SharedFact::Kind::Cooldown: {
        const Cooldown *c = m_cooldowns.running(Cooldowns::key(k.scope, fact.model), now);
        if (fact.untilMs > now && (!c || c->until < fact.untilMs)) {
            Cooldown &cooled = m_cooldowns.cool(k.scope, fact.model, fact.untilMs, fact.reason, false, 0, now);
            cooled.shared = true;
            if (fact.sinceMs > 0 && !c) {
                cooled.createdAt = fact.sinceMs; // learned then (a later clear compares with it)
            }
        }
        break;
    }
    case SharedFact::Kind::Invalid:
        if (!k.health.invalid) {
            markInvalid(k, fact.reason, fact.sinceMs > 0 ? fact.sinceMs : now);
        }
        break;
    case SharedFact::Kind::Breaker:
        if (fact.untilMs > now && fact.untilMs > k.health.breakerUntil) {
            k.health.halfOpen = false;
            openBreaker(k, fact.untilMs, fact.reason, fact.sinceMs > 0 ? fact.sinceMs : now);
        }
        break;
    case SharedFact::Kind::Cleared:
        clearOlderThan(k, fact.sinceMs > 0 ? fact.sinceMs : now);
        break;
    }
}

std::vector<SharedFact> HealthPolicy::sharedSnapshot(qint64 now) const
{
    std::vector<SharedFact> out;
    QHash<QString, QString> keyOfScope; // a scope's first key: the receiver cools that key's own scope
    for (const KeyRec &k : m_pool.keys) {
        keyOfScope.insert(k.scope, k.cfg.id); // (a later key of the same scope will do as well)
        if (k.health.invalid) {
            out.push_back(
                { SharedFact::Kind::Invalid, k.cfg.id, {}, 0, k.health.invalidReason, k.health.invalidSince });
        }
        if (k.health.breakerUntil > now) {
            out.push_back({ SharedFact::Kind::Breaker, k.cfg.id, {}, k.health.breakerUntil, kCircuitOpen.text(),
                k.health.breakerSince });
        }
    }
    const Cooldowns::Table &table = m_cooldowns.table();
    for (auto c = table.constBegin(); c != table.constEnd(); ++c) {
        const QString keyId = keyOfScope.value(Cooldowns::scopeOf(c.key()));
        if (c->shared && c->until > now && !keyId.isEmpty()) {
            out.push_back(
                { SharedFact::Kind::Cooldown, keyId, Cooldowns::modelOf(c.key()), c->until, c->reason, c->createdAt });
        }
    }
    return out;
}

KeyStatus HealthPolicy::status(const KeyRec &k, const QString &model, qint64 now) const
{
    if (!k.cfg.enabled) {
        return KeyStatus::Disabled;
    }
    if (k.health.invalid) {
        return KeyStatus::Invalid;
    }
    if (k.health.breakerUntil > now) {
        return KeyStatus::Cooling;
    }
    if (!model.isNull()) {
        return coolingFor(k, model, now) ? KeyStatus::Cooling : KeyStatus::Active;
    }
    return m_cooldowns.anyRunning(k.scope, now) ? KeyStatus::Cooling : KeyStatus::Active;
}

void HealthPolicy::report(std::vector<KeyReport> &out, qint64 now) const
{
    // Running cooldowns by scope, in one pass: scanning every cooldown for every key took seconds (under the
    // lock every pick needs) with 10,000 keys.
    const auto running = m_cooldowns.runningByScope(now);
    for (size_t i = 0; i < m_pool.keys.size() && i < out.size(); ++i) {
        const KeyRec &k = m_pool.keys[i];
        KeyReport &r = out[i];
        if (!k.cfg.enabled) {
            r.status = KeyStatus::Disabled;
            continue;
        }
        if (k.health.invalid) {
            r.status = KeyStatus::Invalid;
            r.reason = k.health.invalidReason;
            continue;
        }
        if (k.health.breakerUntil > now) {
            r.status = KeyStatus::Cooling;
            r.untilMs = k.health.breakerUntil;
            r.reason = kCircuitOpen.text();
        }
        if (const auto scope = running.constFind(k.scope); scope != running.constEnd()) {
            for (const auto &c : *scope) {
                r.status = KeyStatus::Cooling;
                r.coolingModels << Cooldowns::modelOf(c.key());
                if (c->until > r.untilMs) {
                    r.untilMs = c->until;
                    r.reason = c->reason;
                }
            }
        }
    }
}

void HealthPolicy::saveKey(const KeyHealth &h, qint64 now, QJsonObject *o)
{
    if (h.invalid) {
        o->insert(QStringLiteral("invalid"),
            QJsonObject {
                { QStringLiteral("reason"), h.invalidReason }, { QStringLiteral("since"), isoMs(h.invalidSince) } });
    }
    if (h.breakerUntil > now) {
        o->insert(QStringLiteral("breakerUntil"), isoMs(h.breakerUntil));
        o->insert(QStringLiteral("breakerOpens"), h.breakerOpens);
    }
}

void HealthPolicy::loadKey(KeyHealth &h, const QJsonObject &o)
{
    if (const QJsonObject inv = o.value(u"invalid").toObject(); !inv.isEmpty()) {
        h.invalid = true;
        h.invalidReason = inv.value(u"reason").toString();
        h.invalidSince = fromIsoMs(inv.value(u"since"));
    }
    if (o.contains(u"breakerUntil")) {
        h.breakerUntil = fromIsoMs(o.value(u"breakerUntil"));
        h.breakerOpens = o.value(u"breakerOpens").toInt();
        m_pool.expiresAt(h.breakerUntil);
    }
}

} // namespace ga::keys
