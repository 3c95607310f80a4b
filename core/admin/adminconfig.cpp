// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, routing mode, settings (validated as a whole; listen changes bound before they are saved), stats,
// history.
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/service.h"
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
#include "version.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QUrlQuery>

namespace ga::admin {

void AdminApi::getMode(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200,
        QJsonObject { { QStringLiteral("mode"), config::routingModeName(m_service->config().routingMode) },
            { QStringLiteral("fallbackToLocal"), m_service->config().fallbackToLocal } }));
}

void AdminApi::putMode(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const QString mode = body.value(u"mode").toString();
    if (mode != u"local" && mode != u"serverless" && mode != u"hybrid") {
        reply(error(400, QStringLiteral("the mode was not changed"),
            { problem(QStringLiteral("mode"), QStringLiteral("expected local, serverless or hybrid")) }));
        return;
    }
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        config::schema::setValueAt(doc, QStringLiteral("routing.mode"), mode);
        return QString();
    });
    if (!saved.ok) {
        reply(saveRefused(saved));
        return;
    }
    getMode(rq, {}, std::move(reply));
}

void AdminApi::getConfig(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200, config::schema::effectiveDocument(m_service->configStore()->document())));
}

void AdminApi::patchConfig(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!config::schema::settingPaths().contains(it.key())) {
            problems.append(problem(it.key(), QStringLiteral("not a setting (see GET /config for the paths)")));
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("nothing was changed"), problems));
        return;
    }
    // The whole result is validated before anything is written: all of it applies, or none.
    QJsonObject next = m_service->configStore()->document();
    for (auto it = body.begin(); it != body.end(); ++it) {
        config::schema::setValueAt(next, it.key(), it.value());
    }
    const config::ParseResult checked
        = config::schema::parseForSave(config::schema::serialize(next), m_service->configStore()->document());
    for (const config::Problem &p : checked.problems) {
        if (p.severity == config::Problem::Severity::Error) {
            problems.append(p);
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("nothing was changed"), problems));
        return;
    }
    // A new listen address is bound before it is saved: one that cannot be bound is refused (409) and the
    // file keeps an address the next start can use. The proxy keeps serving on the old one until then.
    const config::Config &inForce = m_service->config();
    // (Only a new address: other settings can be saved while the old one cannot be bound; "Try again" retries it.)
    const bool listenChanges
        = checked.config.listenHost != inForce.listenHost || checked.config.listenPort != inForce.listenPort;
    if (QString why;
        listenChanges && !m_service->prepareListen(checked.config.listenHost, checked.config.listenPort, &why)) {
        const QString path
            = checked.config.listenPort != inForce.listenPort || checked.config.listenHost == inForce.listenHost
            ? QStringLiteral("listen.port")
            : QStringLiteral("listen.host");
        reply(error(409, QStringLiteral("nothing was changed: %1").arg(why), { problem(path, why) }));
        return;
    }
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        for (auto it = body.begin(); it != body.end(); ++it) {
            config::schema::setValueAt(doc, it.key(), it.value());
        }
        return QString();
    });
    if (!saved.ok) {
        if (listenChanges) {
            m_service->reapplyListen();
        }
        reply(error(400, saved.error, saved.problems));
        return;
    }
    getConfig(rq, {}, std::move(reply));
}

void AdminApi::getStats(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QJsonArray out;
    for (const keys::KeyReport &r : m_service->keyPool().report()) {
        out.append(keys::keyStatsJson(r));
    }
    reply(json(200, out));
}

void AdminApi::getHistory(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    const QUrlQuery query(QString::fromLatin1(rq.query));
    int limit = 100;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 100000) {
            reply(error(400, QStringLiteral("limit must be a whole number from 1 to 100000"),
                { problem(QStringLiteral("limit"), QStringLiteral("expected 1–100000")) }));
            return;
        }
    }
    QJsonArray out;
    if (proxy::ProxyServer *server = m_service->proxyServer()) {
        for (const metrics::AccessRecord &r : server->recorder()->history(limit)) {
            out.append(metrics::toJson(r));
        }
    }
    reply(json(200, out));
}

} // namespace ga::admin
