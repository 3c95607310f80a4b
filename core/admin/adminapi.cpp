// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin/adminapi.h"

#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "http/httperror.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyjson.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "metrics/recorder.h"
#include "proxy/observability.h"
#include "proxy/proxyserver.h"
#include "proxy/upstreamcall.h"
#include "routing/relayprobe.h"
#include "secrets/secretjournal.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "time/clock.h"
#include "version.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QTimeZone>
#include <QUrlQuery>

namespace ga::admin {

AdminApi::AdminApi(std::unique_ptr<app::Runtime> runtime, QObject *parent)
    : QObject(parent)
    , m_runtime(std::move(runtime))
{
    const std::vector<Route> table = {
        { "GET", QStringLiteral("/status"), QStringLiteral("Proxy status: mode, endpoint, key and relay counts"),
            &AdminApi::getStatus, {} },
        { "GET", QStringLiteral("/keys"), QStringLiteral("List keys (masked) with their state"), &AdminApi::getKeys,
            {} },
        { "POST", QStringLiteral("/keys"), QStringLiteral("Add a key (the secret is write-only)"), &AdminApi::postKey,
            {} },
        { "POST", QStringLiteral("/keys/import"),
            QStringLiteral(
                "Add keys from text (one per line, CSV or an export); a result per line; dryRun checks only"),
            &AdminApi::postKeysImport, {} },
        { "POST", QStringLiteral("/keys/bulk"),
            QStringLiteral("Enable, disable, reset (forget invalid/cooling), delete or bind (to an instance, or null) "
                           "many keys in one save"),
            &AdminApi::postKeysBulk, {} },
        { "GET", QStringLiteral("/keys/export"),
            QStringLiteral("The keys and instances as an export file (no secrets)"), &AdminApi::getKeysExport, {} },
        { "PATCH", QStringLiteral("/keys/{id}"), QStringLiteral("Change label, weight, group, instance or enabled"),
            &AdminApi::patchKey, {} },
        { "DELETE", QStringLiteral("/keys/{id}"), QStringLiteral("Remove a key and its secret"), &AdminApi::deleteKey,
            {} },
        { "POST", QStringLiteral("/keys/{id}/test"),
            QStringLiteral("Test a key with a cheap call: valid, invalid, quota or network"), &AdminApi::testKey, {} },
        { "GET", QStringLiteral("/instances"), QStringLiteral("List relay instances with their health"),
            &AdminApi::getInstances, {} },
        { "POST", QStringLiteral("/instances"),
            QStringLiteral("Register a relay instance (secret given, or generated and returned once)"),
            &AdminApi::postInstance, {} },
        { "PATCH", QStringLiteral("/instances/{id}"), QStringLiteral("Change an instance's name, URL or enabled"),
            &AdminApi::patchInstance, {} },
        { "POST", QStringLiteral("/instances/{id}/test"),
            QStringLiteral("Probe a relay: reachable, secret accepted, upstream reachable from there"),
            &AdminApi::testInstance, {} },
        { "DELETE", QStringLiteral("/instances/{id}"), QStringLiteral("Remove an instance (its keys are unbound)"),
            &AdminApi::deleteInstance, {} },
        { "GET", QStringLiteral("/mode"), QStringLiteral("The routing mode"), &AdminApi::getMode, {} },
        { "PUT", QStringLiteral("/mode"), QStringLiteral("Set the routing mode"), &AdminApi::putMode, {} },
        { "GET", QStringLiteral("/config"), QStringLiteral("The effective config (no secrets in it)"),
            &AdminApi::getConfig, {} },
        { "PATCH", QStringLiteral("/config"), QStringLiteral("Change settings by dotted path; validated as a whole"),
            &AdminApi::patchConfig, {} },
        { "PUT", QStringLiteral("/config/proxyPassword"),
            QStringLiteral("Store the password of upstream.proxy's user in the secret store ({\"password\": \"…\"}; "
                           "empty removes it); write-only, never in the config"),
            &AdminApi::putProxyPassword, {} },
        { "GET", QStringLiteral("/config/schema"),
            QStringLiteral("Every setting with its kind, default, range, choices and help"), &AdminApi::getConfigSchema,
            {} },
        { "POST", QStringLiteral("/config/check"),
            QStringLiteral("Validate settings as PATCH /config would, without saving; the problems and the changes"),
            &AdminApi::postConfigCheck, {} },
        { "GET", QStringLiteral("/stats"), QStringLiteral("Usage per key, day and model"), &AdminApi::getStats, {} },
        { "GET", QStringLiteral("/history"),
            QStringLiteral(
                "The request history with per-attempt detail, in time order: the newest limit records (after offset "
                "newer ones); filters since and until (ISO 8601 or a time ago: 15m, 2h, 7d), status (a code or a class "
                "1–5), keyId, model, route, kind, notKind (notKind=admin leaves out admin calls)"),
            &AdminApi::getHistory, {} },
        { "GET", QStringLiteral("/history/summary"),
            QStringLiteral("Requests, errors and tokens per time bucket, key and model over window=1h, 24h or 7d"),
            &AdminApi::getHistorySummary, {} },
        { "GET", QStringLiteral("/history/tail"),
            QStringLiteral("The history as it happens: server-sent events, one record per finished request (admin=1 "
                           "includes admin calls)"),
            &AdminApi::getHistoryTail, {} },
        { "GET", QStringLiteral("/tokens"), QStringLiteral("Access token names and limits (never the tokens)"),
            &AdminApi::getTokens, {} },
        { "POST", QStringLiteral("/tokens"), QStringLiteral("Create a named access token (returned once)"),
            &AdminApi::postToken, {} },
        { "DELETE", QStringLiteral("/tokens/{id}"), QStringLiteral("Revoke an access token"), &AdminApi::deleteToken,
            {} },
        { "POST", QStringLiteral("/tokens/{id}/rotate"), QStringLiteral("Replace a token's value (returned once)"),
            &AdminApi::rotateToken, {} },
        { "GET", QStringLiteral("/resources"),
            QStringLiteral("Files, cached contents, batches and uploads with their owner key (?kind= filters)"),
            &AdminApi::getResources, {} },
        { "GET", QStringLiteral("/files"),
            QStringLiteral("Files uploaded through the proxy, with owner key and expiry"), &AdminApi::getFiles, {} },
        { "GET", QStringLiteral("/files/{rid}"), QStringLiteral("One file: owner key, size, expiry"),
            &AdminApi::getFile, {} },
        { "DELETE", QStringLiteral("/files/{rid}"), QStringLiteral("Delete a file at Google with its owner's key"),
            &AdminApi::deleteFile, {} },
        { "GET", QStringLiteral("/cachedContents"), QStringLiteral("Cached contents made through the proxy"),
            &AdminApi::getCaches, {} },
        { "DELETE", QStringLiteral("/cachedContents/{rid}"),
            QStringLiteral("Delete a cached content at Google with its owner's key"), &AdminApi::deleteCache, {} },
        { "GET", QStringLiteral("/tls"),
            QStringLiteral("The HTTPS listener: URL and certificate (subject, names, issuer, expiry, source, last "
                           "error)"),
            &AdminApi::getTls, {} },
        { "GET", QStringLiteral("/cluster"),
            QStringLiteral("Cluster mode: the shared Redis, this node's state, events sent and received, last resync"),
            &AdminApi::getCluster, {} },
        { "GET", QStringLiteral("/openapi.json"), QStringLiteral("This API as an OpenAPI 3 document"),
            &AdminApi::getOpenApi, {} },
    };
    for (Route r : table) {
        QString re = QRegularExpression::escape(r.pattern);
        re.replace(QStringLiteral("\\{id\\}"), QStringLiteral("([a-z0-9][a-z0-9_-]{0,31})"));
        re.replace(QStringLiteral("\\{rid\\}"), QStringLiteral("([A-Za-z0-9][A-Za-z0-9_.-]{0,199})"));
        r.re = QRegularExpression(QRegularExpression::anchoredPattern(re));
        m_routes.push_back(std::move(r));
    }
}

void AdminApi::handle(Request request, std::function<void(Response)> reply)
{
    if (request.body.size() > kMaxRequestBodyBytes) { // the listener refuses these from the head already
        reply(error(413,
            QStringLiteral("the request body is larger than the admin API takes (%1 KiB)")
                .arg(kMaxRequestBodyBytes / 1024)));
        return;
    }
    QPointer<AdminApi> self(this);
    QMetaObject::invokeMethod(
        this,
        [self, request = std::move(request), reply = std::move(reply)]() mutable {
            if (self) {
                self->route(request, std::move(reply));
            }
        },
        Qt::QueuedConnection);
}

void AdminApi::route(const Request &request, std::function<void(Response)> reply)
{
    const QString path = QString::fromLatin1(request.path);
    bool pathKnown = false;
    for (const Route &r : m_routes) {
        const QRegularExpressionMatch m = r.re.match(path);
        if (!m.hasMatch()) {
            continue;
        }
        pathKnown = true;
        if (r.method == request.method) {
            (this->*r.run)(request, m.capturedTexts().mid(1), std::move(reply));
            return;
        }
    }
    if (pathKnown) {
        reply(error(405, QStringLiteral("%1 is not allowed on %2").arg(QString::fromLatin1(request.method), path)));
        return;
    }
    reply(error(404, QStringLiteral("no admin route %1 (see /admin/api/v1/openapi.json)").arg(path.left(200))));
}

void AdminApi::getStatus(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    const config::Config &cfg = m_runtime->workspace().config();
    proxy::ProxyServer *server = m_runtime->proxyServer();
    const proxy::Readiness ready = proxy::readiness(m_runtime->keyPool(), m_runtime->router());
    QJsonObject keyStates;
    for (const keys::KeyReport &k : m_runtime->keyPool().report()) {
        const QString state = keys::keyStatusName(k.status);
        keyStates.insert(state, keyStates.value(state).toInt() + 1);
    }
    reply(json(200,
        QJsonObject { { QStringLiteral("version"), QLatin1String(kVersion) },
            { QStringLiteral("endpoint"), m_runtime->listenUrl() },
            { QStringLiteral("mode"), config::routingModeName(cfg.routingMode) },
            { QStringLiteral("ready"), ready.ready },
            { QStringLiteral("missing"), QJsonArray::fromStringList(ready.missing) },
            { QStringLiteral("keys"), keyStates },
            { QStringLiteral("relays"),
                QJsonObject { { QStringLiteral("configured"), int(cfg.instances.size()) },
                    { QStringLiteral("usable"), ready.usableRelays } } },
            { QStringLiteral("requests"), double(server ? server->recorder()->requestsTotal() : 0) },
            { QStringLiteral("activeStreams"), server ? server->recorder()->activeStreams() : 0 },
            { QStringLiteral("liveSessions"), server ? server->recorder()->activeLiveSessions() : 0 },
            { QStringLiteral("activeConnections"), server ? server->activeConnections() : 0 },
            { QStringLiteral("workers"), server ? server->workerCount() : 0 },
            { QStringLiteral("cluster"), cluster::clusterStateName(m_runtime->clusterStatus().state) },
            { QStringLiteral("quota"),
                QJsonObject { { QStringLiteral("resetAt"),
                    QDateTime::fromMSecsSinceEpoch(
                        time::nextPacificMidnightMs(QDateTime::currentMSecsSinceEpoch()), Qt::UTC)
                        .toString(Qt::ISODate) } } } }));
}

void AdminApi::getTls(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    const config::Config &cfg = m_runtime->workspace().config();
    QJsonObject o = tls::toJson(m_runtime->tlsStatus());
    o.insert(QStringLiteral("url"), m_runtime->tlsUrl());
    o.insert(QStringLiteral("port"), cfg.tlsPort);
    o.insert(QStringLiteral("enabled"), cfg.tlsPort > 0);
    reply(json(200, QJsonObject { { QStringLiteral("listener"), o } }));
}

void AdminApi::getCluster(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    const cluster::ClusterStatus s = m_runtime->clusterStatus();
    QJsonObject o { { QStringLiteral("state"), cluster::clusterStateName(s.state) },
        { QStringLiteral("redis"), s.address }, { QStringLiteral("node"), s.nodeId },
        { QStringLiteral("since"), QDateTime::fromMSecsSinceEpoch(s.sinceMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("published"), double(s.published) }, { QStringLiteral("received"), double(s.received) },
        { QStringLiteral("reconnects"), double(s.reconnects) }, { QStringLiteral("unknownKeys"), s.unknownKeys } };
    if (!s.lastError.isEmpty()) {
        o.insert(QStringLiteral("lastError"), s.lastError);
    }
    if (s.lastResyncMs >= 0) {
        o.insert(QStringLiteral("lastResyncMs"), double(s.lastResyncMs));
    }
    reply(json(200, QJsonObject { { QStringLiteral("cluster"), o } }));
}

void AdminApi::getOpenApi(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200, openApi()));
}

QJsonObject AdminApi::openApi() const
{
    const QJsonObject errorRef { { QStringLiteral("$ref"), QStringLiteral("#/components/responses/Error") } };
    QJsonObject paths;
    for (const Route &r : m_routes) {
        QJsonObject pathItem = paths.value(r.pattern).toObject();
        QJsonObject op { { QStringLiteral("summary"), r.summary },
            { QStringLiteral("operationId"),
                QString::fromLatin1(r.method).toLower()
                    + QString(r.pattern).remove(u'{').remove(u'}').replace(u'/', u'_').replace(u'.', u'_') },
            { QStringLiteral("responses"),
                QJsonObject { { QStringLiteral("2XX"),
                                  QJsonObject { { QStringLiteral("description"), QStringLiteral("Success (JSON)") } } },
                    { QStringLiteral("4XX"), errorRef }, { QStringLiteral("5XX"), errorRef } } } };
        if (r.pattern.contains(u'{')) {
            op.insert(QStringLiteral("parameters"),
                QJsonArray {
                    QJsonObject { { QStringLiteral("name"),
                                      r.pattern.contains(u"{rid}") ? QStringLiteral("rid") : QStringLiteral("id") },
                        { QStringLiteral("in"), QStringLiteral("path") }, { QStringLiteral("required"), true },
                        { QStringLiteral("schema"),
                            QJsonObject { { QStringLiteral("type"), QStringLiteral("string") } } } } });
        }
        if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
            op.insert(QStringLiteral("requestBody"),
                QJsonObject { { QStringLiteral("required"), true },
                    { QStringLiteral("content"),
                        QJsonObject { { QStringLiteral("application/json"),
                            QJsonObject { { QStringLiteral("schema"),
                                QJsonObject { { QStringLiteral("type"), QStringLiteral("object") } } } } } } } });
        }
        pathItem.insert(QString::fromLatin1(r.method).toLower(), op);
        paths.insert(r.pattern, pathItem);
    }
    return QJsonObject {
        { QStringLiteral("openapi"), QStringLiteral("3.0.3") },
        { QStringLiteral("info"),
            QJsonObject { { QStringLiteral("title"), QStringLiteral("Gemini Aggregator admin API") },
                { QStringLiteral("version"), QLatin1String(kVersion) } } },
        { QStringLiteral("servers"),
            QJsonArray { QJsonObject { { QStringLiteral("url"), QStringLiteral("/admin/api/v1") } } } },
        { QStringLiteral("security"), QJsonArray { QJsonObject { { QStringLiteral("adminToken"), QJsonArray() } } } },
        { QStringLiteral("paths"), paths },
        { QStringLiteral("components"),
            QJsonObject { { QStringLiteral("securitySchemes"),
                              QJsonObject { { QStringLiteral("adminToken"),
                                  QJsonObject { { QStringLiteral("type"), QStringLiteral("http") },
                                      { QStringLiteral("scheme"), QStringLiteral("bearer") } } } } },
                { QStringLiteral("responses"),
                    QJsonObject { { QStringLiteral("Error"),
                        QJsonObject { { QStringLiteral("description"),
                            QStringLiteral(
                                "{\"error\": {code, status, message, problems?: [{path, message}]}}") } } } } } } },
    };
}

void install(std::unique_ptr<app::Runtime> runtime)
{
    app::Runtime &host = *runtime;
    host.setAdminHandler(std::make_unique<AdminApi>(std::move(runtime)));
}

} // namespace ga::admin
