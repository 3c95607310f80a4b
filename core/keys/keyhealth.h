// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The health policy of the key pool: what each answer says about a key and what follows — invalid marks,
// quota cooldowns (per key or group, and model), the circuit breaker for keys failing while others work, the
// egress back-off — and so whether a key may serve a model now. The README's failure table is this file's
// spec. It announces every change of status (PoolState::events) and bumps PoolState::generation so that the
// selector rebuilds its views. Guarded by KeyPool's mutex.

#include "keys/cooldowns.h"
#include "keys/egressbackoff.h"
#include "keys/failure.h"
#include "keys/keypool.h"

#include <QJsonArray>
#include <QJsonObject>

namespace ga::keys {

struct KeyRec;
struct PoolState;

// One key's health.
struct KeyHealth
{
    bool invalid = false;
    QString invalidReason;
    qint64 invalidSince = -1;
    int serverFailures = 0; // while others work; the breaker opens at KeyPool::kBreakerThreshold
    quint64 seenSuccessSeq = 0; // HealthPolicy's success count at this key's last success or server failure
    qint64 breakerUntil = 0;
    qint64 breakerSince = 0; // when the breaker opened
    int breakerOpens = 0;
    bool halfOpen = false;
    qint64 forbiddenAt = -1; // the last unexplained 403
};

class HealthPolicy
{
public:
    explicit HealthPolicy(PoolState &pool);

    // Ends the cooldowns and breakers that are over; cheap until the earliest of them.
    void expire(qint64 now);
    // Cooling for `model` (its scope's quota, or its breaker); `until` gets when it ends.
    bool coolingFor(const KeyRec &k, const QString &model, qint64 now, qint64 *until = nullptr) const;
    bool usable(const KeyRec &k, const QString &model, qint64 now) const;
    // Why no key of `only` (or of the pool) could serve `model`.
    void explain(const QString &model, TriedKeys tried, const KeyScope *only, qint64 now, NoKeyReason *why) const;

    void onSuccess(KeyRec &k, const QString &model, qint64 now);
    // Returns when an egress back-off it started (or extended) ends, or -1.
    qint64 onFailure(KeyRec &k, const QString &model, const Failure &failure, qint64 now);
    // The user (or a passing health check) says the key works again.
    void clear(KeyRec &k, qint64 now);
    // Cluster mode: a fact another node learned (PoolState::sharing is off meanwhile, so nothing is queued back).
    void applyShared(KeyRec &k, const SharedFact &fact, qint64 now);
    // The running shared cooldowns, invalid marks and open breakers.
    std::vector<SharedFact> sharedSnapshot(qint64 now) const;

    KeyStatus status(const KeyRec &k, const QString &model, qint64 now) const;
    // Fills status, reason, untilMs and coolingModels of `out`, parallel to the pool's keys.
    void report(std::vector<KeyReport> &out, qint64 now) const;

    // keystate.json: a key's marks and breaker, and the cooldowns.
    static void saveKey(const KeyHealth &h, qint64 now, QJsonObject *o);
    void loadKey(KeyHealth &h, const QJsonObject &o);
    QJsonArray saveCooldowns(qint64 now) const { return m_cooldowns.save(now); }
    void loadCooldowns(const QJsonArray &entries, qint64 now) { m_cooldowns.load(entries, now); }

private:
    void markInvalid(KeyRec &k, const QString &reason, qint64 since);
    void openBreaker(KeyRec &k, qint64 until, const QString &reason, qint64 since);
    // A clear made on another node at `since`: undoes what this node learned before it, keeps what came later.
    void clearOlderThan(KeyRec &k, qint64 since);
    void shareCooldown(const KeyRec &k, const QString &model, Cooldown &c);
    qint64 coolForMinuteQuota(KeyRec &k, const QString &model, const Failure &failure, qint64 now);
    void blameServerFailure(KeyRec &k, const Failure &failure, qint64 now);

    PoolState &m_pool;
    Cooldowns m_cooldowns;
    EgressBackoff m_egress;
    quint64 m_successSeq = 0; // successes of any key, counted: "has another key worked since …?"
};

} // namespace ga::keys
