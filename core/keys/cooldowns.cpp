// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/cooldowns.h"

#include "keys/keypool_p.h"
#include "logging/usertext.h"

#include <QJsonObject>

namespace ga::keys {
namespace {
// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kCoolingUntil("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "%1 cooling until %2: %3"));
const logging::UserText kAllModels("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "all models"));
} // namespace

namespace {
constexpr QChar kSeparator(0x1f); // the ASCII unit separator: no key id, group or model name holds one
} // namespace

Cooldowns::Cooldowns(PoolState &pool)
    : m_pool(pool)
{ }

QString Cooldowns::key(const QString &scope, const QString &model)
{
    return scope + kSeparator + model;
}

QString Cooldowns::scopeOf(const QString &key)
{
    return key.section(kSeparator, 0, 0);
}

QString Cooldowns::modelOf(const QString &key)
{
    return key.section(kSeparator, 1);
}

Cooldown *Cooldowns::find(const QString &key)
{
    const auto it = m_table.find(key);
    return it == m_table.end() ? nullptr : &*it;
}

const Cooldown *Cooldowns::find(const QString &key) const
{
    const auto it = m_table.constFind(key);
    return it == m_table.constEnd() ? nullptr : &*it;
}

const Cooldown *Cooldowns::running(const QString &key, qint64 now) const
{
    const Cooldown *c = find(key);
    return c && c->until > now ? c : nullptr;
}

void Cooldowns::erase(const QString &key)
{
    m_table.remove(key);
}

Cooldown &Cooldowns::cool(const QString &scope, const QString &model, qint64 until, const QString &reason,
    bool perMinute, int streak, qint64 now, bool egress)
{
    Cooldown &c = m_table[key(scope, model)];
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
    m_pool.expiresAt(c.until);
    ++m_pool.generation;
    for (const KeyRec &k : m_pool.keys) {
        if (k.scope == scope) {
            m_pool.events.push_back({ k.cfg.id, KeyStatus::Cooling,
                kCoolingUntil.text().arg(model.isEmpty() ? kAllModels.text() : model, isoMs(c.until), reason) });
        }
    }
    return c;
}

QSet<QString> Cooldowns::expire(qint64 now)
{
    QSet<QString> scopesBack;
    for (auto it = m_table.begin(); it != m_table.end();) {
        if (it->until <= now) {
            scopesBack.insert(scopeOf(it.key()));
            // Per-minute entries stay an hour past expiry to remember the backoff streak.
            if (!it->perMinute || it->until + kStreakMemoryMs <= now) {
                it = m_table.erase(it);
                continue;
            }
        } else {
            m_pool.expiresAt(it->until);
        }
        ++it;
    }
    return scopesBack;
}

void Cooldowns::clearScope(const QString &scope, qint64 before)
{
    for (auto c = m_table.begin(); c != m_table.end();) {
        if (c.key().startsWith(scope + kSeparator) && c->createdAt <= before) {
            c = m_table.erase(c);
        } else {
            ++c;
        }
    }
}

bool Cooldowns::anyRunning(const QString &scope, qint64 now) const
{
    for (auto c = m_table.constBegin(); c != m_table.constEnd(); ++c) {
        if (c->until > now && c.key().startsWith(scope + kSeparator)) {
            return true;
        }
    }
    return false;
}

QHash<QString, std::vector<Cooldowns::Table::const_iterator>> Cooldowns::runningByScope(qint64 now) const
{
    QHash<QString, std::vector<Table::const_iterator>> running;
    for (auto c = m_table.constBegin(); c != m_table.constEnd(); ++c) {
        if (c->until > now) {
            running[scopeOf(c.key())].push_back(c);
        }
    }
    return running;
}

QJsonArray Cooldowns::save(qint64 now) const
{
    QJsonArray out;
    for (auto c = m_table.constBegin(); c != m_table.constEnd(); ++c) {
        if (c->until <= now && !c->perMinute) {
            continue;
        }
        out.append(QJsonObject { { QStringLiteral("scope"), scopeOf(c.key()) },
            { QStringLiteral("model"), modelOf(c.key()) }, { QStringLiteral("until"), isoMs(c->until) },
            { QStringLiteral("createdAt"), isoMs(c->createdAt) }, { QStringLiteral("reason"), c->reason },
            { QStringLiteral("perMinute"), c->perMinute }, { QStringLiteral("streak"), c->minuteStreak } });
    }
    return out;
}

void Cooldowns::load(const QJsonArray &entries, qint64 now)
{
    for (const QJsonValue &v : entries) {
        const QJsonObject o = v.toObject();
        Cooldown c;
        c.until = fromIsoMs(o.value(u"until"));
        c.createdAt = fromIsoMs(o.value(u"createdAt"));
        c.reason = o.value(u"reason").toString();
        c.perMinute = o.value(u"perMinute").toBool();
        c.minuteStreak = o.value(u"streak").toInt();
        m_table.insert(key(o.value(u"scope").toString(), o.value(u"model").toString()), c);
        if (c.until > now) {
            m_pool.expiresAt(c.until);
        }
    }
}

} // namespace ga::keys
