// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/observability.h"

#include "version.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ga::proxy {

Readiness readiness(const keys::KeyPool &keys, const routing::Router &router, const ProxyCounters *counters)
{
    Readiness r;
    static const char *const kClusterStates[] = { "", "connecting", "connected", "down" };
    if (const int cluster = counters ? counters->clusterState.load(std::memory_order_relaxed) : 0;
        cluster > 0 && cluster < 4) {
        r.cluster = QString::fromLatin1(kClusterStates[cluster]);
        if (cluster == 3) {
            r.warnings.append(QStringLiteral("cluster: Redis is unreachable; this node serves with its own state "
                                             "(cooldowns and limits are not shared) and reconnects"));
        }
    }
    for (const keys::KeyReport &k : keys.report()) {
        r.usableKeys += k.status == keys::KeyStatus::Active ? 1 : 0;
    }
    for (const routing::RelayReport &relay : router.report()) {
        r.usableRelays += relay.usable ? 1 : 0;
    }
    const config::RoutingMode mode = router.mode();
    r.mode = config::routingModeName(mode);
    if (r.usableKeys == 0) {
        r.missing.append(keys.size() == 0 ? QStringLiteral("no API key is configured")
                                          : QStringLiteral("no API key is usable right now (all cooling, invalid or "
                                                           "disabled)"));
    }
    if (mode == config::RoutingMode::Serverless && r.usableRelays == 0) {
        r.missing.append(QStringLiteral("routing.mode is serverless and no relay instance is usable"));
    }
    r.ready = r.missing.isEmpty();
    return r;
}

QByteArray readinessJson(const Readiness &r)
{
    QJsonObject o(QJsonObject { { QStringLiteral("ready"), r.ready }, { QStringLiteral("mode"), r.mode },
        { QStringLiteral("usableKeys"), r.usableKeys }, { QStringLiteral("usableRelays"), r.usableRelays },
        { QStringLiteral("missing"), QJsonArray::fromStringList(r.missing) } });
    if (!r.cluster.isEmpty()) {
        o.insert(QStringLiteral("cluster"), r.cluster);
    }
    if (!r.warnings.isEmpty()) {
        o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings));
    }
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QByteArray metricsText(const metrics::Recorder &recorder, const keys::KeyPool &keys, const routing::Router &router,
    const ProxyCounters &counters)
{
    metrics::ScrapeState s;
    for (const keys::KeyReport &k : keys.report()) {
        ++s.keysByState[keys::keyStatusName(k.status)];
    }
    for (const routing::RelayReport &r : router.report()) {
        s.relayHealthy.insert(r.id, r.usable);
    }
    s.activeConnections = counters.activeConnections.load(std::memory_order_relaxed);
    s.deniedConnections = counters.deniedConnections.load(std::memory_order_relaxed);
    s.evictedConnections = counters.evictedConnections.load(std::memory_order_relaxed);
    s.refusedConnections = counters.refusedConnections.load(std::memory_order_relaxed);
    s.acceptErrors = counters.acceptErrors.load(std::memory_order_relaxed);
    s.unauthenticated = counters.unauthenticated.load(std::memory_order_relaxed);
    s.rateLimited = counters.rateLimited.load(std::memory_order_relaxed);
    s.tlsNotAfterSecs = counters.tlsNotAfterSecs.load(std::memory_order_relaxed);
    s.clusterState = counters.clusterState.load(std::memory_order_relaxed);
    s.clusterPublished = counters.clusterPublished.load(std::memory_order_relaxed);
    s.clusterReceived = counters.clusterReceived.load(std::memory_order_relaxed);
    s.clusterReconnects = counters.clusterReconnects.load(std::memory_order_relaxed);
    s.version = QString::fromLatin1(kVersion);
    return recorder.renderPrometheus(s);
}

} // namespace ga::proxy
