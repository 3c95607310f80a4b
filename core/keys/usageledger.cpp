// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/usageledger.h"

#include "keys/keypool_p.h"
#include "time/clock.h"

namespace ga::keys {

namespace {

// One day of a key's usage as saved: {model: usage}.
std::map<QString, DayUsage> modelsFromJson(const QJsonObject &o)
{
    std::map<QString, DayUsage> models;
    for (auto m = o.constBegin(); m != o.constEnd(); ++m) {
        models[m.key()] = dayUsageFromJson(m.value().toObject());
    }
    return models;
}

} // namespace

const QString &UsageLedger::day(qint64 now)
{
    if (now < m_dayFrom || now >= m_dayUntil) {
        m_dayKey = time::pacificDate(now).toString(Qt::ISODate);
        m_dayFrom = now;
        m_dayUntil = time::nextPacificMidnightMs(now);
    }
    return m_dayKey;
}

DayUsage &UsageLedger::entry(KeyUsage &u, const QString &model, qint64 now)
{
    const QString &today = day(now);
    if (u.todayKey != today) {
        u.todayKey = today;
        u.todayRequests = 0;
    }
    static const QString unnamed = QStringLiteral("-");
    const QString *name = model.isEmpty() ? &unnamed : &model; // not a copy: a reference count each way (atomic)
    std::map<QString, DayUsage> &models = u.days[today];
    auto it = models.find(*name);
    if (it == models.end()) {
        if (models.size() >= kMaxModelsPerDay) {
            name = &otherModel();
        }
        it = models.try_emplace(*name).first;
    }
    if (m_trackTouched) {
        u.touched[today].insert(*name);
    }
    return it->second;
}

const QString &UsageLedger::otherModel()
{
    static const QString other = QStringLiteral("other");
    return other;
}

void UsageLedger::countRequest(KeyUsage &u, const QString &model, qint64 now)
{
    u.lastUsedMs = now;
    ++entry(u, model, now).requests;
    ++u.todayRequests;
}

void UsageLedger::countSuccess(KeyUsage &u, const QString &model, const Usage &usage, qint64 now)
{
    u.lastSuccessMs = now;
    // Only answers that reported their tokens count them; a success alone creates no entry (the request did).
    if (usage.known) {
        DayUsage &d = entry(u, model, now);
        d.promptTokens += usage.promptTokens;
        d.outputTokens += usage.outputTokens;
        d.totalTokens += usage.totalTokens;
    }
}

void UsageLedger::countFailure(KeyUsage &u, const QString &model, const Failure &failure, qint64 now)
{
    ++entry(u, model, now).errors[failureKindName(failure.kind)];
    u.lastError = QStringLiteral("%1 %2: %3").arg(isoMs(now), failureKindName(failure.kind), failure.reason);
}

qint64 UsageLedger::requestsToday(const KeyUsage &u, qint64 now)
{
    return u.todayKey == day(now) ? u.todayRequests : 0;
}

void UsageLedger::report(const KeyUsage &u, const QString &today, KeyReport *out)
{
    out->lastUsedMs = u.lastUsedMs;
    out->lastError = u.lastError;
    out->usage = u.days;
    out->requestsToday = u.todayKey == today ? u.todayRequests : 0;
    // Today's counter starts at the first request of the day; a day loaded from the state file has only `days`.
    if (out->requestsToday == 0 && u.days.count(today)) {
        for (const auto &m : u.days.at(today)) {
            out->requestsToday += m.second.requests;
        }
    }
}

void UsageLedger::save(const KeyUsage &u, QJsonObject *o)
{
    if (u.lastUsedMs >= 0) {
        o->insert(QStringLiteral("lastUsed"), isoMs(u.lastUsedMs));
    }
    if (u.lastSuccessMs >= 0) {
        o->insert(QStringLiteral("lastSuccess"), isoMs(u.lastSuccessMs));
    }
    if (!u.lastError.isEmpty()) {
        o->insert(QStringLiteral("lastError"), u.lastError);
    }
    if (QJsonObject usage = usageJson(u); !usage.isEmpty()) {
        o->insert(QStringLiteral("usage"), usage);
    }
}

QJsonObject UsageLedger::usageJson(const KeyUsage &u)
{
    QJsonObject usage;
    for (const auto &[day, models] : u.days) {
        QJsonObject m;
        for (const auto &[model, du] : models) {
            m.insert(model, dayUsageJson(du));
        }
        usage.insert(day, m);
    }
    return usage;
}

void UsageLedger::loadPast(KeyUsage &u, const QJsonObject &days, const QString &today)
{
    for (auto day = days.constBegin(); day != days.constEnd(); ++day) {
        if (day.key() >= today) {
            continue;
        }
        u.days[day.key()] = modelsFromJson(day.value().toObject());
    }
}

void UsageLedger::load(KeyUsage &u, const QJsonObject &o, const QString &today)
{
    u.lastUsedMs = o.contains(u"lastUsed") ? fromIsoMs(o.value(u"lastUsed")) : -1;
    u.lastSuccessMs = o.contains(u"lastSuccess") ? fromIsoMs(o.value(u"lastSuccess")) : -1;
    u.lastError = o.value(u"lastError").toString();
    u.days.clear();
    const QJsonObject usage = o.value(u"usage").toObject();
    for (auto day = usage.constBegin(); day != usage.constEnd(); ++day) {
        u.days[day.key()] = modelsFromJson(day.value().toObject());
    }
    u.todayKey.clear();
    if (u.days.count(today)) {
        u.todayKey = today;
        u.todayRequests = 0;
        for (const auto &m : u.days.at(today)) {
            u.todayRequests += m.second.requests;
        }
    }
}

// Counts go out as JSON doubles (exact up to 2^53), as they always have in keystate.json.
void addUsage(DayUsage &to, const DayUsage &from)
{
    to.requests += from.requests;
    to.promptTokens += from.promptTokens;
    to.outputTokens += from.outputTokens;
    to.totalTokens += from.totalTokens;
    for (auto e = from.errors.constBegin(); e != from.errors.constEnd(); ++e) {
        to.errors[e.key()] += e.value();
    }
}

QJsonObject dayUsageJson(const DayUsage &u)
{
    QJsonObject errors;
    for (auto e = u.errors.constBegin(); e != u.errors.constEnd(); ++e) {
        errors.insert(e.key(), double(e.value()));
    }
    return QJsonObject { { QStringLiteral("requests"), double(u.requests) },
        { QStringLiteral("promptTokens"), double(u.promptTokens) },
        { QStringLiteral("outputTokens"), double(u.outputTokens) },
        { QStringLiteral("totalTokens"), double(u.totalTokens) }, { QStringLiteral("errors"), errors } };
}

DayUsage dayUsageFromJson(const QJsonObject &o)
{
    DayUsage u;
    u.requests = qint64(o.value(u"requests").toDouble());
    u.promptTokens = qint64(o.value(u"promptTokens").toDouble());
    u.outputTokens = qint64(o.value(u"outputTokens").toDouble());
    u.totalTokens = qint64(o.value(u"totalTokens").toDouble());
    const QJsonObject errors = o.value(u"errors").toObject();
    for (auto e = errors.constBegin(); e != errors.constEnd(); ++e) {
        u.errors.insert(e.key(), qint64(e.value().toDouble()));
    }
    return u;
}

} // namespace ga::keys
