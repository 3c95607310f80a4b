// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, routing mode, settings (validated as a whole; listen changes bound before they are saved), stats,
// history.
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "app/settingsops.h"
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
        QJsonObject { { QStringLiteral("mode"), config::routingModeName(m_runtime->workspace().config().routingMode) },
            { QStringLiteral("fallbackToLocal"), m_runtime->workspace().config().fallbackToLocal } }));
}

void AdminApi::putMode(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const app::Outcome done = app::SettingsOps(m_runtime->workspace()).setMode(body.value(u"mode").toString());
    if (!done.ok()) {
        reply(refused(done));
        return;
    }
    getMode(rq, {}, std::move(reply));
}

void AdminApi::getConfig(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200, config::schema::effectiveDocument(m_runtime->workspace().configStore().document())));
}

void AdminApi::patchConfig(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const app::Outcome done = app::SettingsOps(m_runtime->workspace()).set(body, m_runtime->listenGate());
    if (!done.ok()) {
        reply(refused(done));
        return;
    }
    getConfig(rq, {}, std::move(reply));
}

void AdminApi::getStats(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QJsonArray out;
    for (const keys::KeyReport &r : m_runtime->keyPool().report()) {
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
    if (proxy::ProxyServer *server = m_runtime->proxyServer()) {
        for (const metrics::AccessRecord &r : server->recorder()->history(limit)) {
            out.append(metrics::toJson(r));
        }
    }
    reply(json(200, out));
}

} // namespace ga::admin
