// SPDX-License-Identifier: GPL-3.0-or-later
#include "listmodels.h"

#include "daemon/service.h"
#include "logging/usertext.h"
#include "time/clock.h"

#include <QRegularExpression>

namespace ga::ui {

namespace {
QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toString(Qt::ISODate) : QString();
}

// A key's last error is "<time> <kind>: <reason>" (keys/usageledger.cpp); the kind and the reason are core's
// English.
QString translatedLastError(const QString &line)
{
    static const QRegularExpression shape(
        QStringLiteral("\\A(\\S+ )(\\S+)(: )(.*)\\z"), QRegularExpression::DotMatchesEverythingOption);
    const QRegularExpressionMatch m = shape.match(line);
    return m.hasMatch()
        ? m.captured(1) + logging::translated(m.captured(2)) + m.captured(3) + logging::translated(m.captured(4))
        : logging::translated(line);
}
} // namespace

KeysModel::KeysModel(daemon::Service *service, QObject *parent)
    : RowListModel({ QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("masked"), QStringLiteral("group"),
                       QStringLiteral("weight"), QStringLiteral("instance"), QStringLiteral("instanceName"),
                       QStringLiteral("enabled"), QStringLiteral("state"), QStringLiteral("reason"),
                       QStringLiteral("untilMs"), QStringLiteral("coolingModels"), QStringLiteral("requestsToday"),
                       QStringLiteral("tokensToday"), QStringLiteral("lastError"), QStringLiteral("lastUsedMs") },
        parent)
    , m_service(service)
{
    refresh();
}

void KeysModel::refresh()
{
    QHash<QString, keys::KeyReport> reports;
    for (keys::KeyReport &r : m_service->keyPool().report()) {
        reports.insert(r.id, std::move(r));
    }
    const config::Config &cfg = m_service->config();
    const QString today = time::pacificDate(time::Clock::system().nowMs()).toString(Qt::ISODate);
    QList<QVariantMap> rows;
    for (const config::KeyEntry &k : cfg.keys) {
        const keys::KeyReport r = reports.value(k.id);
        const bool known = reports.contains(k.id);
        qint64 tokens = 0;
        if (const auto day = r.usage.find(today); day != r.usage.end()) {
            for (const auto &[model, usage] : day->second) {
                tokens += usage.totalTokens > 0 ? usage.totalTokens : usage.promptTokens + usage.outputTokens;
            }
        }
        const config::InstanceEntry *instance = k.instance.isEmpty() ? nullptr : cfg.findInstance(k.instance);
        QString state = known ? keys::keyStatusName(r.status) : QStringLiteral("active");
        if (!k.enabled) {
            state = QStringLiteral("disabled");
        }
        rows.append(QVariantMap {
            { QStringLiteral("id"), k.id },
            { QStringLiteral("label"), k.label },
            { QStringLiteral("masked"), k.masked() },
            { QStringLiteral("group"), k.group },
            { QStringLiteral("weight"), k.weight },
            { QStringLiteral("instance"), k.instance },
            { QStringLiteral("instanceName"), instance ? instance->name : QString() },
            { QStringLiteral("enabled"), k.enabled },
            { QStringLiteral("state"), state },
            { QStringLiteral("reason"), logging::translated(r.reason) },
            { QStringLiteral("untilMs"), double(r.untilMs) },
            { QStringLiteral("coolingModels"), r.coolingModels },
            { QStringLiteral("requestsToday"), double(r.requestsToday) },
            { QStringLiteral("tokensToday"), double(tokens) },
            { QStringLiteral("lastError"), translatedLastError(r.lastError) },
            { QStringLiteral("lastUsedMs"), double(r.lastUsedMs) },
        });
    }
    setRows(std::move(rows));
}

InstancesModel::InstancesModel(daemon::Service *service, QObject *parent)
    : RowListModel({ QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("enabled"),
                       QStringLiteral("health"), QStringLiteral("usable"), QStringLiteral("latencyMs"),
                       QStringLiteral("lastError"), QStringLiteral("unhealthyUntilMs"), QStringLiteral("boundKeys") },
        parent)
    , m_service(service)
{
    refresh();
}

void InstancesModel::refresh()
{
    QHash<QString, routing::RelayReport> reports;
    for (routing::RelayReport &r : m_service->router().report()) {
        reports.insert(r.id, std::move(r));
    }
    const config::Config &cfg = m_service->config();
    QList<QVariantMap> rows;
    for (const config::InstanceEntry &i : cfg.instances) {
        const routing::RelayReport r = reports.value(i.id);
        int bound = 0;
        for (const config::KeyEntry &k : cfg.keys) {
            bound += k.instance == i.id ? 1 : 0;
        }
        rows.append(QVariantMap {
            { QStringLiteral("id"), i.id },
            { QStringLiteral("name"), i.name },
            { QStringLiteral("url"), i.url.toString() },
            { QStringLiteral("enabled"), i.enabled },
            { QStringLiteral("health"), routing::relayHealthName(r.health) },
            { QStringLiteral("usable"), r.usable },
            { QStringLiteral("latencyMs"), double(r.lastLatencyMs) },
            { QStringLiteral("lastError"), logging::translated(r.lastError) },
            { QStringLiteral("unhealthyUntilMs"), double(r.unhealthyUntilMs) },
            { QStringLiteral("boundKeys"), bound },
        });
    }
    setRows(std::move(rows));
}

TokensModel::TokensModel(daemon::Service *service, QObject *parent)
    : RowListModel({ QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("created"), QStringLiteral("rotated"),
                       QStringLiteral("requestsPerMinute"), QStringLiteral("requestsPerDay"),
                       QStringLiteral("concurrentStreams") },
        parent)
    , m_service(service)
{
    refresh();
}

void TokensModel::refresh()
{
    QList<QVariantMap> rows;
    for (const config::TokenEntry &t : m_service->config().tokens) {
        rows.append(QVariantMap {
            { QStringLiteral("id"), t.name },
            { QStringLiteral("name"), t.name },
            { QStringLiteral("created"), isoOrEmpty(t.created) },
            { QStringLiteral("rotated"), isoOrEmpty(t.rotated) },
            { QStringLiteral("requestsPerMinute"), t.limits.requestsPerMinute },
            { QStringLiteral("requestsPerDay"), t.limits.requestsPerDay },
            { QStringLiteral("concurrentStreams"), t.limits.concurrentStreams },
        });
    }
    setRows(std::move(rows));
}

} // namespace ga::ui
