// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keypool.h"

#include "logging/logging.h"

#include <QJsonArray>

#include <deque>
#include <limits>
#include <random>

namespace ga::keys {

namespace {

constexpr qint64 kNever = std::numeric_limits<qint64>::max();
constexpr quint64 kStrideBase = 720720ULL * 1000ULL; // divisible by 1..16: exact strides for small weights
constexpr qint64 kStreakMemoryMs = 3'600'000; // a per-minute backoff streak is remembered this long after it ends

QString cooldownKey(const QString &scope, const QString &model)
{
    return scope + QChar(0x1f) + model;
}

QString isoMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

qint64 fromIso(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

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

QString keyStatusName(KeyStatus status)
{
    switch (status) {
    case KeyStatus::Active:
        return QStringLiteral("active");
    case KeyStatus::Cooling:
        return QStringLiteral("cooling");
    case KeyStatus::Invalid:
        return QStringLiteral("invalid");
    case KeyStatus::Disabled:
        return QStringLiteral("disabled");
    }
    return QString();
}

QString NoKeyReason::describe(const QString &model) const
{
    const QString what = model.isEmpty() ? QStringLiteral("this request") : model;
    if (routeThrottled) {
        return QStringLiteral("Google is throttling this connection (several projects got 429 at once); retry in %1 s.")
            .arg((retryAfterMs + 999) / 1000);
    }
    if (total == 0) {
        return QStringLiteral("No API key is configured. Add one with: echo \"$GEMINI_API_KEY\" | gemini-aggregatord "
                              "keys add");
    }
    QStringList parts;
    if (cooling) {
        parts << QStringLiteral("%1 cooling down").arg(cooling);
    }
    if (invalid) {
        parts << QStringLiteral("%1 invalid").arg(invalid);
    }
    if (disabled) {
        parts << QStringLiteral("%1 disabled").arg(disabled);
    }
    if (tried) {
        parts << QStringLiteral("%1 already tried for this request").arg(tried);
    }
    QString s
        = QStringLiteral("No usable API key for %1: of %2 key(s), %3.").arg(what).arg(total).arg(parts.join(u", "));
    if (retryAfterMs >= 0) {
        s += QStringLiteral(" The first one is back in %1 s.").arg((retryAfterMs + 999) / 1000);
    }
    return s;
}

struct KeyPool::Impl
{
    struct Cooldown
    {
        qint64 until = 0;
        qint64 createdAt = 0;
        QString reason;
        int minuteStreak = 0; // consecutive per-minute 429s: the backoff doubles with each
        bool perMinute = false;
        bool egress = false; // held by the egress back-off, not by the project's own quota
        bool anonymous = false; // only 429s that named no quota made it: the egress back-off may replace it
    };

    struct KeyRec
    {
        PoolKeyConfig cfg;
        QString scope;
        bool invalid = false;
        QString invalidReason;
        qint64 invalidSince = -1;
        int serverFailures = 0;
        quint64 seenSuccessSeq = 0; // Impl::successSeq at this key's last success or server failure
        qint64 breakerUntil = 0;
        int breakerOpens = 0;
        bool halfOpen = false;
        qint64 lastSuccessMs = -1;
        qint64 lastUsedMs = -1;
        QString lastError;
        qint64 forbiddenAt = -1; // the last unexplained 403
        QString todayKey;
        qint64 todayRequests = 0;
        std::map<QString, std::map<QString, DayUsage>> usage;
    };

    struct View
    {
        quint64 generation = std::numeric_limits<quint64>::max();
        std::vector<int> avail;
        size_t cursor = 0;
        std::vector<quint64> pass; // weighted: parallel to avail
    };

    struct Event
    {
        QString id;
        KeyStatus status;
        QString reason;
    };

    mutable QMutex mutex;
    Strategy strategy = Strategy::RoundRobin;
    std::vector<KeyRec> keys;
    QHash<QString, int> index;
    QHash<QString, Cooldown> cooldowns;
    QHash<QString, View> views;
    quint64 generation = 0;
    qint64 nextExpiry = kNever;
    quint64 successSeq = 0; // successes of any key, counted: "has another key worked since …?"
    std::deque<std::pair<qint64, QString>> recent429; // (time, cooldown key) of 429s that name no quota
    qint64 lastSuccessMs = -1;
    // Egress back-off: the cooldown keys it holds, the one probed when it ends, and until when.
    bool egressActive = false;
    qint64 egressUntil = 0;
    int egressBackoffs = 0;
    QStringList egressHeld;
    QString egressProbe;
    std::mt19937 rng { std::random_device {}() };
    std::vector<Event> events;
    bool dirty = false;
    QString dayKey; // the Pacific day of [dayFrom, dayUntil), "yyyy-MM-dd"
    qint64 dayFrom = 0;
    qint64 dayUntil = 0;

    // Computing the Pacific day costs about a microsecond (time zone rules, formatting): more than the rest of a
    // pick. It changes once a day, so it is computed again only when `now` leaves the cached day.
    const QString &pacificDay(qint64 now)
    {
        if (now < dayFrom || now >= dayUntil) {
            dayKey = time::pacificDate(now).toString(Qt::ISODate);
            dayFrom = now;
            dayUntil = time::nextPacificMidnightMs(now);
        }
        return dayKey;
    }

    static QString scopeOf(const PoolKeyConfig &c)
    {
        return c.group.isEmpty() ? QStringLiteral("k:") + c.id : QStringLiteral("g:") + c.group;
    }

    bool coolingFor(const KeyRec &k, const QString &model, qint64 now, qint64 *until = nullptr) const
    {
        const auto it = cooldowns.constFind(cooldownKey(k.scope, model));
        if (it != cooldowns.constEnd() && it->until > now) {
            if (until) {
                *until = it->until;
            }
            return true;
        }
        if (k.breakerUntil > now) {
            if (until) {
                *until = k.breakerUntil;
            }
            return true;
        }
        return false;
    }

    bool usable(const KeyRec &k, const QString &model, qint64 now) const
    {
        return k.cfg.enabled && !k.invalid && !coolingFor(k, model, now);
    }

    // Expired cooldowns and breakers: views must be rebuilt, and the keys are back.
    void expire(qint64 now)
    {
        if (now < nextExpiry) {
            return;
        }
        ++generation;
        nextExpiry = kNever;
        QSet<QString> scopesBack;
        for (auto it = cooldowns.begin(); it != cooldowns.end();) {
            if (it->until <= now) {
                scopesBack.insert(it.key().section(QChar(0x1f), 0, 0));
                // Per-minute entries stay an hour past expiry to remember the backoff streak.
                if (!it->perMinute || it->until + kStreakMemoryMs <= now) {
                    it = cooldowns.erase(it);
                    continue;
                }
            } else {
                nextExpiry = std::min(nextExpiry, it->until);
            }
            ++it;
        }
        for (KeyRec &k : keys) {
            if (k.breakerUntil > 0 && k.breakerUntil <= now) {
                k.breakerUntil = 0;
                k.halfOpen = true;
                events.push_back({ k.cfg.id, KeyStatus::Active, QStringLiteral("circuit half-open: trying it again") });
            } else if (k.breakerUntil > now) {
                nextExpiry = std::min(nextExpiry, k.breakerUntil);
            }
            if (scopesBack.contains(k.scope) && !k.invalid && k.cfg.enabled) {
                events.push_back({ k.cfg.id, KeyStatus::Active, QStringLiteral("cooldown over") });
            }
        }
    }

    View &view(const QString &model, qint64 now)
    {
        expire(now);
        View &v = views[model];
        if (v.generation != generation) {
            v.generation = generation;
            v.avail.clear();
            for (int i = 0; i < int(keys.size()); ++i) {
                if (usable(keys[size_t(i)], model, now)) {
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

    static bool wasTried(const std::vector<QString> &tried, const QString &id)
    {
        for (const QString &t : tried) {
            if (t == id) {
                return true;
            }
        }
        return false;
    }

    int choose(View &v, const std::vector<QString> &tried, qint64 now)
    {
        const size_t n = v.avail.size();
        if (n == 0) {
            return -1;
        }
        switch (strategy) {
        case Strategy::RoundRobin:
            for (size_t i = 0; i < n; ++i) {
                const size_t pos = (v.cursor + i) % n;
                const int idx = v.avail[pos];
                if (tried.empty() || !wasTried(tried, keys[size_t(idx)].cfg.id)) {
                    v.cursor = pos + 1;
                    return idx;
                }
            }
            return -1;
        case Strategy::Random: {
            std::uniform_int_distribution<size_t> dist(0, n - 1);
            const size_t start = dist(rng);
            for (size_t i = 0; i < n; ++i) {
                const int idx = v.avail[(start + i) % n];
                if (tried.empty() || !wasTried(tried, keys[size_t(idx)].cfg.id)) {
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
                const int idx = v.avail[i];
                if (!tried.empty() && wasTried(tried, keys[size_t(idx)].cfg.id)) {
                    continue;
                }
                if (best == n || v.pass[i] < v.pass[best]) {
                    best = i;
                }
            }
            if (best == n) {
                return -1;
            }
            v.pass[best] += kStrideBase / quint64(std::max(1, keys[size_t(v.avail[best])].cfg.weight));
            return v.avail[best];
        }
        case Strategy::LeastUsed: {
            const QString &today = pacificDay(now);
            int bestIdx = -1;
            qint64 bestCount = 0;
            for (size_t i = 0; i < n; ++i) {
                const int idx = v.avail[(v.cursor + i) % n];
                const KeyRec &k = keys[size_t(idx)];
                if (!tried.empty() && wasTried(tried, k.cfg.id)) {
                    continue;
                }
                const qint64 count = k.todayKey == today ? k.todayRequests : 0;
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

    DayUsage &usageFor(KeyRec &k, const QString &model, qint64 now)
    {
        const QString &day = pacificDay(now);
        if (k.todayKey != day) {
            k.todayKey = day;
            k.todayRequests = 0;
        }
        return k.usage[day][model.isEmpty() ? QStringLiteral("-") : model];
    }

    void cool(const QString &scope, const QString &model, qint64 until, const QString &reason, bool perMinute,
        int streak, qint64 now, bool egress = false)
    {
        Cooldown &c = cooldowns[cooldownKey(scope, model)];
        if (c.until <= now) {
            c.createdAt = now;
            c.egress = egress;
        }
        // The egress back-off sets its own times (shorter than a quota cooldown); a project's own quota only
        // ever lengthens a cooldown.
        c.until = egress && c.egress ? until : std::max(c.until > now ? c.until : 0, until);
        c.egress = c.egress && egress;
        c.reason = reason;
        c.perMinute = perMinute;
        c.minuteStreak = streak;
        nextExpiry = std::min(nextExpiry, c.until);
        ++generation;
        for (const KeyRec &k : keys) {
            if (k.scope == scope) {
                events.push_back({ k.cfg.id, KeyStatus::Cooling,
                    QStringLiteral("%1 cooling until %2: %3")
                        .arg(model.isEmpty() ? QStringLiteral("all models") : model, isoMs(c.until), reason) });
            }
        }
    }

    // Holds the cooldown keys of a burst of 429s that named no quota: one (the probe) until the back-off ends,
    // the others a hold time longer, so that only the probe goes out when it ends.
    void holdForEgress(const QStringList &held, qint64 now)
    {
        const qint64 backoff = std::min(kEgressBackoffMaxMs, kEgressBackoffStartMs << std::min(egressBackoffs, 10));
        ++egressBackoffs;
        egressActive = true;
        egressUntil = now + backoff;
        // Probe a different project each round when there is a choice.
        const qsizetype last = egressHeld.indexOf(egressProbe);
        egressHeld = held;
        egressProbe = held.at(last >= 0 ? (last + 1) % held.size() : 0);
        for (const QString &ck : held) {
            if (const auto c = cooldowns.find(ck); c != cooldowns.end() && c->anonymous) {
                cooldowns.erase(c); // the keys were not at fault: the back-off decides when they are back
            }
            const qint64 until = ck == egressProbe ? egressUntil : egressUntil + kEgressHoldMs;
            cool(ck.section(QChar(0x1f), 0, 0), ck.section(QChar(0x1f), 1), until,
                QStringLiteral("Google is throttling this connection (429 without a quota)"), false, 0, now, true);
        }
    }

    // A success ends the egress back-off. When a held project answered (the probe), they are all usable again at
    // once. When a key that was not held answered, the connection was never the problem: the held projects are
    // limited on their own, and get the ordinary back-off of a 429 without a quota.
    void releaseEgress(const QString &successScope, qint64 now)
    {
        if (!egressActive) {
            return;
        }
        egressActive = false;
        egressBackoffs = 0;
        bool probeAnswered = false;
        for (const QString &ck : std::as_const(egressHeld)) {
            probeAnswered = probeAnswered || ck.section(QChar(0x1f), 0, 0) == successScope;
        }
        QSet<QString> scopesBack;
        for (const QString &ck : std::as_const(egressHeld)) {
            const auto c = cooldowns.find(ck);
            if (c == cooldowns.end() || !c->egress) {
                continue;
            }
            if (probeAnswered) {
                scopesBack.insert(ck.section(QChar(0x1f), 0, 0));
                cooldowns.erase(c);
            } else {
                c->egress = false;
                c->anonymous = true;
                c->perMinute = true;
                c->until = now + kMinuteBackoffStartMs;
                nextExpiry = std::min(nextExpiry, c->until);
            }
        }
        egressHeld.clear();
        egressProbe.clear();
        ++generation;
        for (const KeyRec &k : keys) {
            if (scopesBack.contains(k.scope) && !k.invalid && k.cfg.enabled) {
                events.push_back({ k.cfg.id, KeyStatus::Active, QStringLiteral("egress throttling over") });
            }
        }
    }
};

KeyPool::KeyPool(const time::Clock &clock, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Impl>())
    , m_clock(clock)
{ }

KeyPool::~KeyPool() = default;

void KeyPool::setStrategy(Strategy strategy)
{
    QMutexLocker lock(&d->mutex);
    d->strategy = strategy;
    ++d->generation;
}

Strategy KeyPool::strategy() const
{
    QMutexLocker lock(&d->mutex);
    return d->strategy;
}

void KeyPool::setKeys(std::vector<PoolKeyConfig> configs)
{
    QMutexLocker lock(&d->mutex);
    std::vector<Impl::KeyRec> fresh;
    fresh.reserve(configs.size());
    QHash<QString, int> index;
    for (PoolKeyConfig &c : configs) {
        Impl::KeyRec rec;
        if (const auto it = d->index.constFind(c.id); it != d->index.constEnd()) {
            rec = std::move(d->keys[size_t(*it)]);
        }
        rec.cfg = std::move(c);
        rec.scope = Impl::scopeOf(rec.cfg);
        index.insert(rec.cfg.id, int(fresh.size()));
        fresh.push_back(std::move(rec));
    }
    d->keys = std::move(fresh);
    d->index = std::move(index);
    d->views.clear();
    ++d->generation;
}

int KeyPool::size() const
{
    QMutexLocker lock(&d->mutex);
    return int(d->keys.size());
}

bool KeyPool::pick(
    const QString &model, const std::vector<QString> &tried, Pick *out, NoKeyReason *why, const KeyScope *only)
{
    std::vector<Impl::Event> events;
    bool ok = false;
    {
        QMutexLocker lock(&d->mutex);
        const qint64 now = m_clock.nowMs();
        Impl::View &v = d->view(model, now);
        int idx = -1;
        if (only) {
            // A resource's owner: the first usable key of its scope in rotation order (rare; a scan is fine).
            const size_t n = v.avail.size();
            for (size_t i = 0; i < n && idx < 0; ++i) {
                const size_t pos = (v.cursor + i) % n;
                const Impl::KeyRec &k = d->keys[size_t(v.avail[pos])];
                if (only->contains(k.cfg.id, k.cfg.group) && !Impl::wasTried(tried, k.cfg.id)) {
                    idx = v.avail[pos];
                    v.cursor = pos + 1; // the keys of a project take turns too
                }
            }
        } else {
            idx = d->choose(v, tried, now);
        }
        if (idx >= 0) {
            Impl::KeyRec &k = d->keys[size_t(idx)];
            out->id = k.cfg.id;
            out->secret = k.cfg.secret;
            out->group = k.cfg.group;
            k.lastUsedMs = now;
            ++d->usageFor(k, model, now).requests;
            ++k.todayRequests;
            d->dirty = true;
            ok = true;
        } else if (why) {
            *why = NoKeyReason();
            qint64 earliest = kNever;
            bool egressOnly = true;
            for (const Impl::KeyRec &k : d->keys) {
                if (only && !only->contains(k.cfg.id, k.cfg.group)) {
                    continue;
                }
                ++why->total;
                qint64 until = 0;
                if (!k.cfg.enabled) {
                    ++why->disabled;
                } else if (k.invalid) {
                    ++why->invalid;
                } else if (d->coolingFor(k, model, now, &until)) {
                    ++why->cooling;
                    earliest = std::min(earliest, until);
                    const auto c = d->cooldowns.constFind(cooldownKey(k.scope, model));
                    egressOnly = egressOnly && c != d->cooldowns.constEnd() && c->egress && c->until > now;
                } else if (Impl::wasTried(tried, k.cfg.id)) {
                    ++why->tried;
                }
            }
            why->retryAfterMs = earliest == kNever ? -1 : earliest - now;
            why->routeThrottled = why->cooling > 0 && egressOnly && d->egressActive;
        }
        events.swap(d->events);
    }
    for (const Impl::Event &e : events) {
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    return ok;
}

std::vector<KeyScope> KeyPool::projects() const
{
    QMutexLocker lock(&d->mutex);
    std::vector<KeyScope> out;
    QSet<QString> seen;
    for (const Impl::KeyRec &k : d->keys) {
        if (!k.cfg.enabled || k.invalid || seen.contains(k.scope)) {
            continue;
        }
        seen.insert(k.scope);
        out.push_back({ k.cfg.id, k.cfg.group });
    }
    return out;
}

QString KeyPool::groupOf(const QString &id) const
{
    QMutexLocker lock(&d->mutex);
    const auto it = d->index.constFind(id);
    return it == d->index.constEnd() ? QString() : d->keys[size_t(*it)].cfg.group;
}

void KeyPool::reportSuccess(const QString &id, const QString &model, const Usage &usage)
{
    std::vector<Impl::Event> events;
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->index.constFind(id);
        if (it == d->index.constEnd()) {
            return;
        }
        const qint64 now = m_clock.nowMs();
        Impl::KeyRec &k = d->keys[size_t(*it)];
        k.lastSuccessMs = now;
        k.seenSuccessSeq = ++d->successSeq;
        k.serverFailures = 0;
        if (k.halfOpen || k.breakerOpens > 0) {
            k.halfOpen = false;
            k.breakerOpens = 0;
        }
        d->lastSuccessMs = now;
        d->releaseEgress(k.scope, now); // this connection gets answers
        // A success ends a per-minute backoff streak for this scope and model (if the cooldown is over).
        const QString ck = cooldownKey(k.scope, model);
        if (const auto c = d->cooldowns.constFind(ck); c != d->cooldowns.constEnd() && c->until <= now) {
            d->cooldowns.remove(ck);
        }
        if (usage.known) {
            DayUsage &u = d->usageFor(k, model, now);
            u.promptTokens += usage.promptTokens;
            u.outputTokens += usage.outputTokens;
            u.totalTokens += usage.totalTokens;
        }
        d->dirty = true;
        events.swap(d->events);
    }
    for (const Impl::Event &e : events) {
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    Q_EMIT stateChanged();
}

void KeyPool::reportFailure(const QString &id, const QString &model, const Failure &failure)
{
    std::vector<Impl::Event> events;
    qint64 throttledUntil = -1;
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->index.constFind(id);
        if (it == d->index.constEnd() || failure.kind == FailureKind::None) {
            return;
        }
        const qint64 now = m_clock.nowMs();
        Impl::KeyRec &k = d->keys[size_t(*it)];
        ++d->usageFor(k, model, now).errors[failureKindName(failure.kind)];
        k.lastError = QStringLiteral("%1 %2: %3").arg(isoMs(now), failureKindName(failure.kind), failure.reason);
        d->dirty = true;
        switch (failure.kind) {
        case FailureKind::None:
        case FailureKind::ClientError:
        case FailureKind::ResourceDenied: // about a resource of another project (or an expired one)
        case FailureKind::RegionBlocked: // the route's fault, not the key's (relays handle it)
            break;
        case FailureKind::Forbidden:
            // A 403 that says nothing about keys: counted; a repeat within the hour marks the key.
            if (k.forbiddenAt >= 0 && now - k.forbiddenAt < kForbiddenMemoryMs && !k.invalid) {
                k.invalid = true;
                k.invalidReason = QStringLiteral("%1 (twice within an hour)").arg(failure.reason);
                k.invalidSince = now;
                ++d->generation;
                d->events.push_back({ k.cfg.id, KeyStatus::Invalid, k.invalidReason });
            }
            k.forbiddenAt = now;
            break;
        case FailureKind::InvalidKey:
            if (!k.invalid) {
                k.invalid = true;
                k.invalidReason = failure.reason;
                k.invalidSince = now;
                ++d->generation;
                d->events.push_back({ k.cfg.id, KeyStatus::Invalid, failure.reason });
            }
            break;
        case FailureKind::QuotaPerDay:
            d->cool(k.scope, model, time::nextPacificMidnightMs(now),
                QStringLiteral("daily quota (%1); resets at midnight Pacific time").arg(failure.quotaId), false, 0,
                now);
            break;
        case FailureKind::QuotaPerMinute: {
            const QString ck = cooldownKey(k.scope, model);
            const auto existing = d->cooldowns.constFind(ck);
            const bool running = existing != d->cooldowns.constEnd() && existing->until > now;
            if (!failure.namesQuota() && d->egressActive && d->egressHeld.contains(ck)) {
                // The probe (or a held project) still gets 429s without a quota: back off again, doubled.
                d->holdForEgress(d->egressHeld, now);
                throttledUntil = d->egressUntil;
                break;
            }
            int streak = 0;
            if (existing != d->cooldowns.constEnd() && existing->perMinute && existing->until + kStreakMemoryMs > now) {
                streak = existing->minuteStreak + 1;
            }
            const bool wasAnonymous = !running || existing->anonymous; // (cool() below may rehash: read it now)
            // A quota the answer names (QuotaFailure, RetryInfo) is honoured for this project and model whatever
            // other projects do; without a retry delay, 30 s doubling per consecutive 429.
            const qint64 delay = failure.retryDelayMs >= 0
                ? failure.retryDelayMs
                : std::min(kMinuteBackoffMaxMs, kMinuteBackoffStartMs << std::min(streak, 10));
            d->cool(k.scope, model, now + delay, failure.reason, true, streak, now);
            Impl::Cooldown &c = d->cooldowns[ck];
            c.anonymous = !failure.namesQuota() && wasAnonymous;
            if (failure.namesQuota()) {
                break;
            }
            // 429s without a quota from several projects within seconds, and nothing succeeding: that is Google
            // limiting this connection (IP), not the projects' quotas.
            if (d->egressActive) {
                if (now < d->egressUntil + kEgressHoldMs) {
                    d->egressHeld.append(ck); // one more project caught by it: it waits with the others
                    d->cool(k.scope, model, d->egressUntil + kEgressHoldMs, failure.reason, false, 0, now, true);
                    break;
                }
                d->egressActive = false; // nothing settled it within the hold time: start afresh
                d->egressBackoffs = 0;
            }
            d->recent429.emplace_back(now, ck);
            while (!d->recent429.empty() && d->recent429.front().first < now - kEgressWindowMs) {
                d->recent429.pop_front();
            }
            QSet<QString> scopes;
            QStringList held;
            for (const auto &r : d->recent429) {
                scopes.insert(r.second.section(QChar(0x1f), 0, 0));
                if (!held.contains(r.second)) {
                    held.append(r.second);
                }
            }
            const bool othersWork = d->lastSuccessMs >= now - kEgressWindowMs;
            if (scopes.size() >= kEgressDistinctKeys && !othersWork) {
                d->holdForEgress(held, now);
                throttledUntil = d->egressUntil;
                d->recent429.clear();
            }
            break;
        }
        case FailureKind::ServerError:
        case FailureKind::NetworkError: {
            // Blame the key only when it fails while others work (Google's 503s hit every key alike): some other
            // key must have succeeded since this one last failed or worked. (Comparing with the last success of
            // any key instead blamed every key but the last one to succeed before a Google-wide outage.)
            const bool othersWork = d->successSeq > k.seenSuccessSeq;
            k.seenSuccessSeq = d->successSeq;
            if (!othersWork) {
                break;
            }
            ++k.serverFailures;
            if (k.halfOpen || k.serverFailures >= kBreakerThreshold) {
                const qint64 open = std::min(kBreakerMaxMs, kBreakerStartMs << std::min(k.breakerOpens, 10));
                ++k.breakerOpens;
                k.breakerUntil = now + open;
                k.halfOpen = false;
                k.serverFailures = 0;
                d->nextExpiry = std::min(d->nextExpiry, k.breakerUntil);
                ++d->generation;
                d->events.push_back({ k.cfg.id, KeyStatus::Cooling,
                    QStringLiteral("circuit open for %1 s: it keeps failing (%2) while other keys work")
                        .arg(open / 1000)
                        .arg(failure.reason) });
            }
            break;
        }
        }
        events.swap(d->events);
    }
    for (const Impl::Event &e : events) {
        qCInfo(lcKeys).noquote() << "key" << e.id << "is now" << keyStatusName(e.status) << "-" << e.reason;
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    if (throttledUntil > 0) {
        qCWarning(lcKeys).noquote() << "several projects got 429 without a quota within" << kEgressWindowMs / 1000
                                    << "s: treating it as throttling of this connection; probing again at"
                                    << isoMs(throttledUntil);
        Q_EMIT egressThrottled(throttledUntil);
    }
    Q_EMIT stateChanged();
}

void KeyPool::clearKeyState(const QString &id)
{
    {
        QMutexLocker lock(&d->mutex);
        const auto it = d->index.constFind(id);
        if (it == d->index.constEnd()) {
            return;
        }
        Impl::KeyRec &k = d->keys[size_t(*it)];
        k.invalid = false;
        k.invalidReason.clear();
        k.breakerUntil = 0;
        k.breakerOpens = 0;
        k.serverFailures = 0;
        k.halfOpen = false;
        for (auto c = d->cooldowns.begin(); c != d->cooldowns.end();) {
            if (c.key().startsWith(k.scope + QChar(0x1f))) {
                c = d->cooldowns.erase(c);
            } else {
                ++c;
            }
        }
        ++d->generation;
    }
    Q_EMIT keyStatusChanged(id, KeyStatus::Active, QStringLiteral("cleared"));
    Q_EMIT stateChanged();
}

KeyStatus KeyPool::status(const QString &id, const QString &model) const
{
    QMutexLocker lock(&d->mutex);
    const auto it = d->index.constFind(id);
    if (it == d->index.constEnd()) {
        return KeyStatus::Disabled;
    }
    const Impl::KeyRec &k = d->keys[size_t(*it)];
    const qint64 now = m_clock.nowMs();
    if (!k.cfg.enabled) {
        return KeyStatus::Disabled;
    }
    if (k.invalid) {
        return KeyStatus::Invalid;
    }
    if (k.breakerUntil > now) {
        return KeyStatus::Cooling;
    }
    if (!model.isNull()) {
        return d->coolingFor(k, model, now) ? KeyStatus::Cooling : KeyStatus::Active;
    }
    for (auto c = d->cooldowns.constBegin(); c != d->cooldowns.constEnd(); ++c) {
        if (c->until > now && c.key().startsWith(k.scope + QChar(0x1f))) {
            return KeyStatus::Cooling;
        }
    }
    return KeyStatus::Active;
}

std::vector<KeyReport> KeyPool::report() const
{
    QMutexLocker lock(&d->mutex);
    const qint64 now = m_clock.nowMs();
    const QString today = time::pacificDate(now).toString(Qt::ISODate);
    // Running cooldowns by scope, in one pass: scanning every cooldown for every key took seconds (under the
    // lock every pick needs) with 10,000 keys.
    QHash<QString, std::vector<QHash<QString, Impl::Cooldown>::const_iterator>> running;
    for (auto c = d->cooldowns.constBegin(); c != d->cooldowns.constEnd(); ++c) {
        if (c->until > now) {
            running[c.key().section(QChar(0x1f), 0, 0)].push_back(c);
        }
    }
    std::vector<KeyReport> out;
    out.reserve(d->keys.size());
    for (const Impl::KeyRec &k : d->keys) {
        KeyReport r;
        r.id = k.cfg.id;
        r.group = k.cfg.group;
        r.lastUsedMs = k.lastUsedMs;
        r.lastError = k.lastError;
        r.usage = k.usage;
        r.requestsToday = k.todayKey == today ? k.todayRequests : 0;
        if (r.requestsToday == 0 && k.usage.count(today)) {
            for (const auto &m : k.usage.at(today)) {
                r.requestsToday += m.second.requests;
            }
        }
        if (!k.cfg.enabled) {
            r.status = KeyStatus::Disabled;
        } else if (k.invalid) {
            r.status = KeyStatus::Invalid;
            r.reason = k.invalidReason;
        } else {
            if (k.breakerUntil > now) {
                r.status = KeyStatus::Cooling;
                r.untilMs = k.breakerUntil;
                r.reason = QStringLiteral("circuit open after repeated failures");
            }
            if (const auto scope = running.constFind(k.scope); scope != running.constEnd()) {
                for (const auto &c : *scope) {
                    r.status = KeyStatus::Cooling;
                    r.coolingModels << c.key().section(QChar(0x1f), 1);
                    if (c->until > r.untilMs) {
                        r.untilMs = c->until;
                        r.reason = c->reason;
                    }
                }
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

QJsonObject KeyPool::saveState() const
{
    QMutexLocker lock(&d->mutex);
    const qint64 now = m_clock.nowMs();
    const QString oldest = time::pacificDate(now).addDays(-kUsageDays).toString(Qt::ISODate);
    QJsonObject keys;
    for (const Impl::KeyRec &k : d->keys) {
        QJsonObject o;
        if (k.invalid) {
            o.insert(QStringLiteral("invalid"),
                QJsonObject { { QStringLiteral("reason"), k.invalidReason },
                    { QStringLiteral("since"), isoMs(k.invalidSince) } });
        }
        if (k.breakerUntil > now) {
            o.insert(QStringLiteral("breakerUntil"), isoMs(k.breakerUntil));
            o.insert(QStringLiteral("breakerOpens"), k.breakerOpens);
        }
        if (k.lastUsedMs >= 0) {
            o.insert(QStringLiteral("lastUsed"), isoMs(k.lastUsedMs));
        }
        if (k.lastSuccessMs >= 0) {
            o.insert(QStringLiteral("lastSuccess"), isoMs(k.lastSuccessMs));
        }
        if (!k.lastError.isEmpty()) {
            o.insert(QStringLiteral("lastError"), k.lastError);
        }
        QJsonObject usage;
        for (const auto &[day, models] : k.usage) {
            if (day < oldest) {
                continue;
            }
            QJsonObject m;
            for (const auto &[model, u] : models) {
                QJsonObject errors;
                for (auto e = u.errors.constBegin(); e != u.errors.constEnd(); ++e) {
                    errors.insert(e.key(), double(e.value()));
                }
                m.insert(model,
                    QJsonObject { { QStringLiteral("requests"), double(u.requests) },
                        { QStringLiteral("promptTokens"), double(u.promptTokens) },
                        { QStringLiteral("outputTokens"), double(u.outputTokens) },
                        { QStringLiteral("totalTokens"), double(u.totalTokens) },
                        { QStringLiteral("errors"), errors } });
            }
            usage.insert(day, m);
        }
        if (!usage.isEmpty()) {
            o.insert(QStringLiteral("usage"), usage);
        }
        keys.insert(k.cfg.id, o);
    }
    QJsonArray cooldowns;
    for (auto c = d->cooldowns.constBegin(); c != d->cooldowns.constEnd(); ++c) {
        if (c->until <= now && !c->perMinute) {
            continue;
        }
        cooldowns.append(QJsonObject { { QStringLiteral("scope"), c.key().section(QChar(0x1f), 0, 0) },
            { QStringLiteral("model"), c.key().section(QChar(0x1f), 1) }, { QStringLiteral("until"), isoMs(c->until) },
            { QStringLiteral("createdAt"), isoMs(c->createdAt) }, { QStringLiteral("reason"), c->reason },
            { QStringLiteral("perMinute"), c->perMinute }, { QStringLiteral("streak"), c->minuteStreak } });
    }
    return QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("savedAt"), isoMs(now) },
        { QStringLiteral("keys"), keys }, { QStringLiteral("cooldowns"), cooldowns } };
}

void KeyPool::loadState(const QJsonObject &state)
{
    QMutexLocker lock(&d->mutex);
    const QJsonObject keys = state.value(u"keys").toObject();
    for (Impl::KeyRec &k : d->keys) {
        const QJsonObject o = keys.value(k.cfg.id).toObject();
        if (o.isEmpty()) {
            continue;
        }
        if (const QJsonObject inv = o.value(u"invalid").toObject(); !inv.isEmpty()) {
            k.invalid = true;
            k.invalidReason = inv.value(u"reason").toString();
            k.invalidSince = fromIso(inv.value(u"since"));
        }
        if (o.contains(u"breakerUntil")) {
            k.breakerUntil = fromIso(o.value(u"breakerUntil"));
            k.breakerOpens = o.value(u"breakerOpens").toInt();
            d->nextExpiry = std::min(d->nextExpiry, k.breakerUntil);
        }
        k.lastUsedMs = o.contains(u"lastUsed") ? fromIso(o.value(u"lastUsed")) : -1;
        k.lastSuccessMs = o.contains(u"lastSuccess") ? fromIso(o.value(u"lastSuccess")) : -1;
        k.lastError = o.value(u"lastError").toString();
        k.usage.clear();
        const QJsonObject usage = o.value(u"usage").toObject();
        for (auto day = usage.constBegin(); day != usage.constEnd(); ++day) {
            const QJsonObject models = day.value().toObject();
            for (auto m = models.constBegin(); m != models.constEnd(); ++m) {
                const QJsonObject u = m.value().toObject();
                DayUsage du;
                du.requests = qint64(u.value(u"requests").toDouble());
                du.promptTokens = qint64(u.value(u"promptTokens").toDouble());
                du.outputTokens = qint64(u.value(u"outputTokens").toDouble());
                du.totalTokens = qint64(u.value(u"totalTokens").toDouble());
                const QJsonObject errors = u.value(u"errors").toObject();
                for (auto e = errors.constBegin(); e != errors.constEnd(); ++e) {
                    du.errors.insert(e.key(), qint64(e.value().toDouble()));
                }
                k.usage[day.key()][m.key()] = du;
            }
        }
        k.todayKey.clear();
        const QString today = time::pacificDate(m_clock.nowMs()).toString(Qt::ISODate);
        if (k.usage.count(today)) {
            k.todayKey = today;
            k.todayRequests = 0;
            for (const auto &m : k.usage.at(today)) {
                k.todayRequests += m.second.requests;
            }
        }
    }
    for (const QJsonValue &v : state.value(u"cooldowns").toArray()) {
        const QJsonObject o = v.toObject();
        Impl::Cooldown c;
        c.until = fromIso(o.value(u"until"));
        c.createdAt = fromIso(o.value(u"createdAt"));
        c.reason = o.value(u"reason").toString();
        c.perMinute = o.value(u"perMinute").toBool();
        c.minuteStreak = o.value(u"streak").toInt();
        d->cooldowns.insert(cooldownKey(o.value(u"scope").toString(), o.value(u"model").toString()), c);
        if (c.until > m_clock.nowMs()) {
            d->nextExpiry = std::min(d->nextExpiry, c.until);
        }
    }
    ++d->generation;
}

} // namespace ga::keys
