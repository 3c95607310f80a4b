// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/failure.h"
#include "time/clock.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QObject>

#include <map>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

namespace ga::keys {

enum class Strategy
{
    RoundRobin,
    Weighted,
    LeastUsed,
    Random
};
std::optional<Strategy> strategyFromName(const QString &name); // round_robin, weighted, least_used, random

enum class KeyStatus
{
    Active,
    Cooling,
    Invalid,
    Disabled
};
QString keyStatusName(KeyStatus status); // "active", "cooling", "invalid", "disabled"

struct PoolKeyConfig
{
    QString id;
    QByteArray secret;
    QString group; // Google Cloud project: quota is shared by every key of a group
    int weight = 1;
    bool enabled = true;
};

struct Usage
{
    qint64 promptTokens = 0;
    qint64 outputTokens = 0;
    qint64 totalTokens = 0;
    bool known = false;
};

struct Pick
{
    QString id;
    QByteArray secret;
    QString group;
};

// The keys a request has tried, left out of its next pick: a view of the few ids the caller keeps (in place, on the
// stack or in the request's own state: no list to allocate for each request).
using TriedKeys = std::span<const QString>;

// Which keys may serve a request: a project-owned resource (file, cached content, batch, upload session) can only
// be used by keys of the project that created it, i.e. the key's group, or the key itself when it has none.
struct KeyScope
{
    QString keyId; // the owner key
    QString group; // its group when it has one: then any key of the group will do
    bool isNull() const { return keyId.isEmpty() && group.isEmpty(); }
    bool contains(const QString &id, const QString &keyGroup) const
    {
        return group.isEmpty() ? id == keyId : keyGroup == group;
    }
    bool operator==(const KeyScope &o) const
    {
        return group.isEmpty() ? o.group.isEmpty() && keyId == o.keyId : group == o.group;
    }
};

// Why pick() found nothing: counts for the requested model, and when the first key is back.
struct NoKeyReason
{
    int total = 0;
    int cooling = 0;
    int invalid = 0;
    int disabled = 0;
    int tried = 0;
    qint64 retryAfterMs = -1; // -1: nothing will come back by itself
    bool routeThrottled = false; // every key left is held back by the egress back-off
    QString describe(const QString &model) const; // one sentence for the 429 body
};

// Per key and model, one Pacific day.
struct DayUsage
{
    qint64 requests = 0;
    qint64 promptTokens = 0;
    qint64 outputTokens = 0;
    qint64 totalTokens = 0;
    QHash<QString, qint64> errors; // failureKindName → count
};

// What `keys list`, `keys stats` and the GUI show.
struct KeyReport
{
    QString id;
    QString group;
    KeyStatus status = KeyStatus::Active;
    QString reason; // why it is cooling/invalid
    qint64 untilMs = -1; // cooling: when the last listed cooldown ends
    QStringList coolingModels;
    qint64 lastUsedMs = -1;
    QString lastError;
    qint64 requestsToday = 0;
    std::map<QString, std::map<QString, DayUsage>> usage; // day (yyyy-MM-dd) → model → usage
};

// Cluster mode (core/cluster): what this pool learned from Google's answers that the other daemons sharing the keys
// should know too, and what they learned, applied here. Keys are named by their local id; the cluster maps ids to
// fingerprints, which are the same on every node.
struct SharedFact
{
    enum class Kind
    {
        Cooldown, // a quota cooldown of the key's project (its group, or the key alone) for `model`
        Invalid, // the key is invalid (Google said so)
        Breaker, // the key's circuit breaker opened
        Cleared // the user (or a passing check) cleared the key
    };
    Kind kind = Kind::Cooldown;
    QString keyId;
    QString model; // Cooldown: the model ("" = every model)
    qint64 untilMs = 0; // Cooldown, Breaker: when it ends
    QString reason;
    qint64 sinceMs = 0; // when it was learned (Cleared: when the key was cleared): a clear undoes only older facts
};

// What this node counted for one key, Pacific day and model (its own totals, not the cluster's).
struct UsageEntry
{
    QString keyId;
    QString day; // yyyy-MM-dd
    QString model; // "-" for none
    DayUsage usage;
};

// Per key id: day → model → usage.
using UsageByKey = QHash<QString, std::map<QString, std::map<QString, DayUsage>>>;

// The pool of API keys: picks one per request by strategy, skipping keys that are cooling for the model
// (per key, or per group — Google applies quota per project and model), invalid, disabled or tripped by
// their circuit breaker; learns from every answer (report*); keeps usage per key, model and Pacific day.
// Thread-safe: proxy workers call pick/report concurrently. Picking is O(1) for round_robin/random and
// O(n) in the usable keys for weighted (stride scheduling, as smooth as nginx's) and least_used.
class KeyPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyPool)

public:
    explicit KeyPool(const time::Clock &clock = time::Clock::system(), QObject *parent = nullptr);
    ~KeyPool() override;

    void setStrategy(Strategy strategy);
    Strategy strategy() const;
    // Replaces the key list; the learned state of keys that stay is kept.
    void setKeys(std::vector<PoolKeyConfig> keys);
    int size() const;

    // `only`: pick among the keys of that scope (counts in `why` then cover those keys only).
    bool pick(
        const QString &model, TriedKeys tried, Pick *out, NoKeyReason *why = nullptr, const KeyScope *only = nullptr);
    // One scope (project) per group, and one per key without a group, of the enabled keys that are not invalid:
    // where a list of files or cached contents has to be asked.
    std::vector<KeyScope> projects() const;
    // The group of a key (empty when it has none or is unknown).
    QString groupOf(const QString &id) const;
    void reportSuccess(const QString &id, const QString &model, const Usage &usage = {});
    void reportFailure(const QString &id, const QString &model, const Failure &failure);
    // The user (or a passing health check) says the key works again.
    void clearKeyState(const QString &id);

    std::vector<KeyReport> report() const;
    KeyStatus status(const QString &id, const QString &model = {}) const;

    // Cluster mode. While sharing is on, quota cooldowns that Google named (a quota or a retry delay: not the
    // egress back-off, which belongs to this node's connection), invalid marks, breaker openings and clears are
    // queued for takeSharedFacts() (sharedFactsPending() says when the queue stops being empty), and the usage
    // entries each request changes are noted for takeChangedUsage().
    void setSharing(bool on);
    std::vector<SharedFact> takeSharedFacts();
    // What is in force now and worth sharing: running shared cooldowns, invalid marks, open breakers (a resync).
    std::vector<SharedFact> sharedSnapshot() const;
    // A fact another node learned. Applying it queues nothing; a cooldown only ever lengthens.
    void applySharedFact(const SharedFact &fact);
    // This node's totals of the entries changed since the last call.
    std::vector<UsageEntry> takeChangedUsage();
    // All of this node's totals (the last kUsageDays days).
    std::vector<UsageEntry> usageSnapshot() const;
    // The other nodes' usage (per key id), added by report() to this node's own; empty: this node's alone.
    void setSharedUsage(UsageByKey usage);

    // State file contents: invalid marks, cooldowns, breakers, usage (30 days). Calling it re-arms stateChanged.
    QJsonObject saveState() const;
    void loadState(const QJsonObject &state);
    // The same split in two, as the daemon saves it: `state` holds only today's usage (keystate.json, written while
    // requests come), `pastUsage` the usage of the days before today (keyusage.json), which changes only when the
    // day does. `pastUsage` is made only when `pastSavedFor` is not today (the `today` of the split the caller last
    // wrote it from); otherwise it stays empty. Loading: loadState(state), then loadPastUsage(pastUsage).
    struct StateParts
    {
        QJsonObject state;
        QJsonObject pastUsage;
        QString today; // the Pacific day the split was made on
    };
    StateParts saveStateParts(const QString &pastSavedFor) const;
    // Days before today from a StateParts::pastUsage replace the keys' own (those of an older, whole state file).
    void loadPastUsage(const QJsonObject &pastUsage);

    // Tunables (defaults as documented in README).
    static constexpr qint64 kMinuteBackoffStartMs = 30'000;
    static constexpr qint64 kMinuteBackoffMaxMs = 30 * 60'000;
    static constexpr int kBreakerThreshold = 3;
    static constexpr qint64 kBreakerStartMs = 30'000;
    static constexpr qint64 kBreakerMaxMs = 10 * 60'000;
    // Egress throttling: 429s that name no quota from this many projects within the window, with no success in
    // it, mean Google is limiting this connection. Those projects wait for the back-off; when it ends one of them
    // is probed (half-open); the rest follow a success, or wait a hold time. Keys not involved are never held.
    static constexpr qint64 kEgressWindowMs = 5'000;
    static constexpr int kEgressDistinctKeys = 3;
    static constexpr qint64 kEgressBackoffStartMs = 1'000;
    static constexpr qint64 kEgressBackoffMaxMs = 2'000; // at most one probe every 2 s while the throttling lasts
    static constexpr qint64 kEgressHoldMs = 10'000; // the non-probe projects, when no answer settles it first
    // An unexplained 403 ("The caller does not have permission") is counted; a second one within this time
    // marks the key invalid.
    static constexpr qint64 kForbiddenMemoryMs = 3'600'000;
    static constexpr int kUsageDays = 30;

Q_SIGNALS:
    // Emitted from the reporting thread, outside the lock.
    void keyStatusChanged(const QString &id, ga::keys::KeyStatus status, const QString &reason);
    // Something worth saving changed, for the first time since the last saveState() (which the receiver is
    // expected to call; later changes before it are not signalled again).
    void stateChanged();
    void egressThrottled(qint64 untilMs);
    // Cluster mode: a shared fact was queued, the first since the last takeSharedFacts().
    void sharedFactsPending();

private:
    // saveState() (whole) or saveStateParts() (split).
    StateParts save(bool split, const QString &pastSavedFor) const;
    struct Impl;
    std::unique_ptr<Impl> d;
    const time::Clock &m_clock;
};

} // namespace ga::keys
