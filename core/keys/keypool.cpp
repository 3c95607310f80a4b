// SPDX-License-Identifier: GPL-3.0-or-later
// KeyPool is a facade: it takes the one lock, reads the clock, asks its parts and emits the signals they owe
// once the lock is released. Selection is keyselection.*, the health policy keyhealth.* (with cooldowns.* and
// egressbackoff.*), usage per key, model and day usageledger.*; their shared state is keypool_p.h.
#include "keys/keypool.h"

#include "keys/keypool_p.h"
#include "keys/keyselection.h"
#include "logging/logging.h"
#include "logging/usertext.h"
#include "text/permanent.h"

#include <QJsonArray>
#include <QSet>

#include <utility>

namespace ga::keys {

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

namespace {
// What a refused request says (logging/usertext.h): English here, translated where the window shows it.
const logging::UserText kThisRequest("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "this request"));
const logging::UserText kRouteThrottled("ga::keys",
    QT_TRANSLATE_NOOP(
        "ga::keys", "Google is throttling this connection (several projects got 429 at once); retry in %1 s."));
const logging::UserText kNoKeyConfigured("ga::keys",
    QT_TRANSLATE_NOOP(
        "ga::keys", "No API key is configured. Add one with: echo \"$GEMINI_API_KEY\" | gemini-aggregatord keys add"));
const logging::UserText kNoUsableKey("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys",
        "No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for "
        "this request)."));
const logging::UserText kNoUsableKeyUntil("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys",
        "No usable API key for %1 (keys: %2 in all, %3 cooling down, %4 invalid, %5 disabled, %6 already tried for "
        "this request). The first one is back in %7 s."));
} // namespace

QString NoKeyReason::describe(const QString &model) const
{
    const qint64 seconds = (retryAfterMs + 999) / 1000;
    if (routeThrottled) {
        return kRouteThrottled.text().arg(seconds);
    }
    if (total == 0) {
        return kNoKeyConfigured.text();
    }
    // Every count is said, zeros too: one fixed sentence a translator (and a reader scanning logs) can rely on.
    const QString s = (retryAfterMs >= 0 ? kNoUsableKeyUntil : kNoUsableKey)
                          .text()
                          .arg(model.isEmpty() ? kThisRequest.text() : model)
                          .arg(total)
                          .arg(cooling)
                          .arg(invalid)
                          .arg(disabled)
                          .arg(tried);
    return retryAfterMs >= 0 ? s.arg(seconds) : s;
}

struct KeyPool::Impl
{
    QMutex mutex;
    PoolState pool;
    UsageLedger ledger;
    HealthPolicy health { pool };
    KeySelector selector { pool, health, ledger };
    // Set by every change worth saving, cleared by saveState(): stateChanged is emitted only when it goes from
    // clear to set, so a busy pool does not post an event to the saver's thread for every request.
    bool unsaved = false;

    // Under the lock: whether this change is the first since the last save (and so owes a stateChanged).
    bool markUnsaved() { return !std::exchange(unsaved, true); }

    // Under the lock: whether facts are queued for the cluster and nobody was told yet (since the last take).
    bool factsSignalled = false;
    bool factsNowPending() { return !pool.facts.empty() && !std::exchange(factsSignalled, true); }

    // The keyStatusChanged signals owed, to emit once the lock is released (slots may call back into the pool).
    std::vector<StatusEvent> takeEvents()
    {
        std::vector<StatusEvent> events;
        events.swap(pool.events);
        return events;
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
    d->selector.setStrategy(strategy);
    ++d->pool.generation;
}

Strategy KeyPool::strategy() const
{
    QMutexLocker lock(&d->mutex);
    return d->selector.strategy();
}

void KeyPool::setKeys(std::vector<PoolKeyConfig> configs)
{
    QMutexLocker lock(&d->mutex);
    std::vector<KeyRec> fresh;
    fresh.reserve(configs.size());
    QHash<QString, int> index;
    for (PoolKeyConfig &c : configs) {
        KeyRec rec;
        if (KeyRec *old = d->pool.find(c.id)) {
            rec = std::move(*old); // what the pool learned about a key that stays
        }
        rec.cfg = std::move(c);
        rec.cfg.id = text::intern(rec.cfg.id); // copied into every request's record (text/permanent.h)
        rec.scope = KeyRec::scopeOf(rec.cfg);
        index.insert(rec.cfg.id, int(fresh.size()));
        fresh.push_back(std::move(rec));
    }
    d->pool.keys = std::move(fresh);
    d->pool.index = std::move(index);
    d->selector.forget();
    ++d->pool.generation;
}

int KeyPool::size() const
{
    QMutexLocker lock(&d->mutex);
    return int(d->pool.keys.size());
}

bool KeyPool::pick(const QString &model, TriedKeys tried, Pick *out, NoKeyReason *why, const KeyScope *only)
{
    std::vector<StatusEvent> events;
    bool ok = false;
    {
        QMutexLocker lock(&d->mutex);
        const qint64 now = m_clock.nowMs();
        d->health.expire(now);
        if (const int idx = d->selector.pick(model, tried, only, now); idx >= 0) {
            KeyRec &k = d->pool.keys[size_t(idx)];
            out->id = k.cfg.id;
            out->secret = k.cfg.secret;
            out->group = k.cfg.group;
            d->ledger.countRequest(k.usage, model, now);
            ok = true;
        } else if (why) {
            d->health.explain(model, tried, only, now, why);
        }
        events = d->takeEvents();
    }
    for (const StatusEvent &e : events) {
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    return ok;
}

std::vector<KeyScope> KeyPool::projects() const
{
    QMutexLocker lock(&d->mutex);
    std::vector<KeyScope> out;
    QSet<QString> seen;
    for (const KeyRec &k : d->pool.keys) {
        if (!k.cfg.enabled || k.health.invalid || seen.contains(k.scope)) {
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
    const KeyRec *k = d->pool.find(id);
    return k ? k->cfg.group : QString();
}

void KeyPool::reportSuccess(const QString &id, const QString &model, const Usage &usage)
{
    std::vector<StatusEvent> events;
    bool firstChange = false;
    {
        QMutexLocker lock(&d->mutex);
        KeyRec *k = d->pool.find(id);
        if (!k) {
            return;
        }
        const qint64 now = m_clock.nowMs();
        d->health.onSuccess(*k, model, now);
        d->ledger.countSuccess(k->usage, model, usage, now);
        events = d->takeEvents();
        firstChange = d->markUnsaved();
    }
    for (const StatusEvent &e : events) {
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    if (firstChange) {
        Q_EMIT stateChanged();
    }
}

void KeyPool::reportFailure(const QString &id, const QString &model, const Failure &failure)
{
    std::vector<StatusEvent> events;
    qint64 throttledUntil = -1;
    bool firstChange = false;
    bool factsPending = false;
    {
        QMutexLocker lock(&d->mutex);
        KeyRec *k = d->pool.find(id);
        if (!k || failure.kind == FailureKind::None) {
            return;
        }
        const qint64 now = m_clock.nowMs();
        d->ledger.countFailure(k->usage, model, failure, now);
        throttledUntil = d->health.onFailure(*k, model, failure, now);
        events = d->takeEvents();
        firstChange = d->markUnsaved();
        factsPending = d->factsNowPending();
    }
    for (const StatusEvent &e : events) {
        qCInfo(lcKeys).noquote() << "key" << e.id << "is now" << keyStatusName(e.status) << "-" << e.reason;
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    if (throttledUntil > 0) {
        qCWarning(lcKeys).noquote() << "several projects got 429 without a quota within" << kEgressWindowMs / 1000
                                    << "s: treating it as throttling of this connection; probing again at"
                                    << isoMs(throttledUntil);
        Q_EMIT egressThrottled(throttledUntil);
    }
    if (firstChange) {
        Q_EMIT stateChanged();
    }
    if (factsPending) {
        Q_EMIT sharedFactsPending();
    }
}

void KeyPool::clearKeyState(const QString &id)
{
    bool firstChange = false;
    bool factsPending = false;
    {
        QMutexLocker lock(&d->mutex);
        KeyRec *k = d->pool.find(id);
        if (!k) {
            return;
        }
        d->health.clear(*k, m_clock.nowMs());
        firstChange = d->markUnsaved();
        factsPending = d->factsNowPending();
    }
    Q_EMIT keyStatusChanged(id, KeyStatus::Active, QStringLiteral("cleared"));
    if (firstChange) {
        Q_EMIT stateChanged();
    }
    if (factsPending) {
        Q_EMIT sharedFactsPending();
    }
}

KeyStatus KeyPool::status(const QString &id, const QString &model) const
{
    QMutexLocker lock(&d->mutex);
    const KeyRec *k = d->pool.find(id);
    return k ? d->health.status(*k, model, m_clock.nowMs()) : KeyStatus::Disabled;
}

std::vector<KeyReport> KeyPool::report() const
{
    QMutexLocker lock(&d->mutex);
    const qint64 now = m_clock.nowMs();
    const QString today = d->ledger.day(now);
    std::vector<KeyReport> out;
    out.reserve(d->pool.keys.size());
    for (const KeyRec &k : d->pool.keys) {
        KeyReport r;
        r.id = k.cfg.id;
        r.group = k.cfg.group;
        UsageLedger::report(k.usage, today, &r);
        if (const auto shared = d->pool.sharedUsage.constFind(k.cfg.id); shared != d->pool.sharedUsage.constEnd()) {
            for (const auto &[day, models] : *shared) { // the other nodes' counts, added to this node's
                for (const auto &[model, u] : models) {
                    addUsage(r.usage[day][model], u);
                    if (day == today) {
                        r.requestsToday += u.requests;
                    }
                }
            }
        }
        out.push_back(std::move(r));
    }
    d->health.report(out, now);
    return out;
}

QJsonObject KeyPool::saveState() const
{
    return save(false, QString()).state;
}

KeyPool::StateParts KeyPool::saveStateParts(const QString &pastSavedFor) const
{
    return save(true, pastSavedFor);
}

KeyPool::StateParts KeyPool::save(bool split, const QString &pastSavedFor) const
{
    // Under the lock only a copy of each key's state: the usage objects made from it are most of a save's time (1,000
    // keys with 30 days of usage: 78 ms under the lock when they were made there, bench_keypool), and every pick waits
    // for the lock. Split, the copy is of today's usage alone, and of the days before only when they are asked for.
    struct Saved
    {
        QString id;
        QJsonObject health;
        KeyUsage usage;
        KeyUsage past; // days only
    };
    std::vector<Saved> saved;
    QJsonArray cooldowns;
    qint64 now = 0;
    StateParts out;
    {
        QMutexLocker lock(&d->mutex);
        d->unsaved = false;
        now = m_clock.nowMs();
        const QDate day = time::pacificDate(now);
        out.today = day.toString(Qt::ISODate);
        const QString oldest = day.addDays(-kUsageDays).toString(Qt::ISODate);
        const bool withPast = split && pastSavedFor != out.today;
        saved.reserve(d->pool.keys.size());
        for (const KeyRec &k : d->pool.keys) {
            Saved &s = saved.emplace_back();
            s.id = k.cfg.id;
            HealthPolicy::saveKey(k.health, now, &s.health);
            s.usage.lastUsedMs = k.usage.lastUsedMs;
            s.usage.lastSuccessMs = k.usage.lastSuccessMs;
            s.usage.lastError = k.usage.lastError;
            const auto today = k.usage.days.lower_bound(out.today);
            s.usage.days.insert(split ? today : k.usage.days.lower_bound(oldest), k.usage.days.end());
            if (withPast) {
                s.past.days.insert(k.usage.days.lower_bound(oldest), today);
            }
        }
        cooldowns = d->health.saveCooldowns(now);
        if (withPast) {
            out.pastUsage = QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("savedAt"), isoMs(now) },
                { QStringLiteral("before"), out.today } };
        }
    }
    QJsonObject keys;
    QJsonObject pastKeys;
    for (Saved &s : saved) {
        UsageLedger::save(s.usage, &s.health);
        keys.insert(s.id, s.health);
        if (!out.pastUsage.isEmpty()) {
            if (QJsonObject days = UsageLedger::usageJson(s.past); !days.isEmpty()) {
                pastKeys.insert(s.id, days);
            }
        }
    }
    if (!out.pastUsage.isEmpty()) {
        out.pastUsage.insert(QStringLiteral("keys"), pastKeys);
    }
    out.state = QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("savedAt"), isoMs(now) },
        { QStringLiteral("keys"), keys }, { QStringLiteral("cooldowns"), cooldowns } };
    return out;
}

void KeyPool::loadPastUsage(const QJsonObject &pastUsage)
{
    QMutexLocker lock(&d->mutex);
    const QString today = d->ledger.day(m_clock.nowMs());
    const QJsonObject keys = pastUsage.value(u"keys").toObject();
    for (KeyRec &k : d->pool.keys) {
        if (const auto days = keys.constFind(k.cfg.id); days != keys.constEnd()) {
            UsageLedger::loadPast(k.usage, days->toObject(), today);
        }
    }
}

void KeyPool::loadState(const QJsonObject &state)
{
    QMutexLocker lock(&d->mutex);
    const qint64 now = m_clock.nowMs();
    const QString today = d->ledger.day(now);
    const QJsonObject keys = state.value(u"keys").toObject();
    for (KeyRec &k : d->pool.keys) {
        const QJsonObject o = keys.value(k.cfg.id).toObject();
        if (o.isEmpty()) {
            continue;
        }
        d->health.loadKey(k.health, o);
        UsageLedger::load(k.usage, o, today);
    }
    d->health.loadCooldowns(state.value(u"cooldowns").toArray(), now);
    ++d->pool.generation;
}

void KeyPool::setSharing(bool on)
{
    QMutexLocker lock(&d->mutex);
    d->pool.sharing = on;
    d->ledger.setTrackTouched(on);
    if (!on) {
        d->pool.facts.clear();
        d->pool.sharedUsage.clear();
        for (KeyRec &k : d->pool.keys) {
            k.usage.touched.clear();
        }
    }
}

std::vector<SharedFact> KeyPool::takeSharedFacts()
{
    QMutexLocker lock(&d->mutex);
    d->factsSignalled = false;
    std::vector<SharedFact> out;
    out.swap(d->pool.facts);
    return out;
}

std::vector<SharedFact> KeyPool::sharedSnapshot() const
{
    QMutexLocker lock(&d->mutex);
    return d->health.sharedSnapshot(m_clock.nowMs());
}

void KeyPool::applySharedFact(const SharedFact &fact)
{
    std::vector<StatusEvent> events;
    bool firstChange = false;
    {
        QMutexLocker lock(&d->mutex);
        KeyRec *k = d->pool.find(fact.keyId);
        if (!k) {
            return;
        }
        const qint64 now = m_clock.nowMs();
        d->health.expire(now);
        const bool sharing = std::exchange(d->pool.sharing, false); // not queued back to the cluster
        d->health.applyShared(*k, fact, now);
        d->pool.sharing = sharing;
        events = d->takeEvents();
        firstChange = d->markUnsaved();
    }
    for (const StatusEvent &e : events) {
        qCInfo(lcKeys).noquote() << "key" << e.id << "is now" << keyStatusName(e.status)
                                 << "(learned from the cluster) -" << e.reason;
        Q_EMIT keyStatusChanged(e.id, e.status, e.reason);
    }
    if (firstChange) {
        Q_EMIT stateChanged();
    }
}

std::vector<UsageEntry> KeyPool::takeChangedUsage()
{
    QMutexLocker lock(&d->mutex);
    std::vector<UsageEntry> out;
    for (KeyRec &k : d->pool.keys) {
        for (const auto &[day, models] : k.usage.touched) {
            const auto dayIt = k.usage.days.find(day);
            for (const QString &model : models) {
                if (dayIt != k.usage.days.end()) {
                    if (const auto m = dayIt->second.find(model); m != dayIt->second.end()) {
                        out.push_back({ k.cfg.id, day, model, m->second });
                    }
                }
            }
        }
        k.usage.touched.clear();
    }
    return out;
}

std::vector<UsageEntry> KeyPool::usageSnapshot() const
{
    QMutexLocker lock(&d->mutex);
    const QString oldest = time::pacificDate(m_clock.nowMs()).addDays(-kUsageDays).toString(Qt::ISODate);
    std::vector<UsageEntry> out;
    for (const KeyRec &k : d->pool.keys) {
        for (const auto &[day, models] : k.usage.days) {
            if (day < oldest) {
                continue;
            }
            for (const auto &[model, u] : models) {
                out.push_back({ k.cfg.id, day, model, u });
            }
        }
    }
    return out;
}

void KeyPool::setSharedUsage(UsageByKey usage)
{
    QMutexLocker lock(&d->mutex);
    d->pool.sharedUsage = std::move(usage);
}

} // namespace ga::keys
