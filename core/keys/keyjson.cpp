// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keyjson.h"

#include "keys/usageledger.h"

#include <QDateTime>

namespace ga::keys {
namespace {
QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}
} // namespace

QJsonObject keyListJson(const config::KeyEntry &k, const KeyReport &r)
{
    QJsonObject o { { QStringLiteral("id"), k.id }, { QStringLiteral("label"), k.label },
        { QStringLiteral("key"), k.masked() }, { QStringLiteral("weight"), k.weight },
        { QStringLiteral("group"), k.group }, { QStringLiteral("enabled"), k.enabled },
        { QStringLiteral("instance"), k.instance }, { QStringLiteral("state"), keyStatusName(r.status) },
        { QStringLiteral("requestsToday"), double(r.requestsToday) } };
    if (!r.reason.isEmpty()) {
        o.insert(QStringLiteral("reason"), r.reason);
    }
    if (r.untilMs >= 0) {
        o.insert(QStringLiteral("until"), iso(r.untilMs));
    }
    return o;
}

QJsonObject keyStatsJson(const KeyReport &r)
{
    QJsonObject days;
    for (const auto &[day, models] : r.usage) {
        QJsonObject m;
        for (const auto &[model, u] : models) {
            m.insert(model, dayUsageJson(u));
        }
        days.insert(day, m);
    }
    QJsonObject o { { QStringLiteral("id"), r.id }, { QStringLiteral("state"), keyStatusName(r.status) },
        { QStringLiteral("requestsToday"), double(r.requestsToday) }, { QStringLiteral("days"), days } };
    if (r.lastUsedMs >= 0) {
        o.insert(QStringLiteral("lastUsed"), iso(r.lastUsedMs));
    }
    if (!r.lastError.isEmpty()) {
        o.insert(QStringLiteral("lastError"), r.lastError);
    }
    return o;
}

} // namespace ga::keys
