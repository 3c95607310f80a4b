// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, files, cached contents and other resources made through the proxy, with their owner keys.
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
#include "version.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QUrlQuery>

namespace ga::admin {

void AdminApi::getResources(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    const QUrlQuery query(QString::fromLatin1(rq.query));
    std::optional<affinity::Kind> kind;
    if (query.hasQueryItem(QStringLiteral("kind"))) {
        kind = affinity::kindFromName(query.queryItemValue(QStringLiteral("kind")));
        if (!kind) {
            reply(error(400,
                QStringLiteral("kind must be one of upload, file, cachedContent, batch, fileSearchStore, "
                               "operation"),
                { problem(QStringLiteral("kind"), QStringLiteral("unknown kind")) }));
            return;
        }
    }
    listResources(kind, std::move(reply));
}

void AdminApi::getFiles(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    listResources(affinity::Kind::File, std::move(reply));
}

void AdminApi::getCaches(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    listResources(affinity::Kind::CachedContent, std::move(reply));
}

void AdminApi::listResources(std::optional<affinity::Kind> kind, std::function<void(Response)> reply)
{
    QJsonArray out;
    for (const affinity::Resource &r : m_runtime->resources().list(kind)) {
        out.append(affinity::toJson(r));
    }
    reply(json(200, out));
}

void AdminApi::getFile(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString name = QStringLiteral("files/") + args.value(0);
    const std::optional<affinity::Resource> r = m_runtime->resources().find(name);
    if (!r) {
        reply(error(404,
            QStringLiteral("%1 is not known here: only files uploaded or listed through this proxy are.").arg(name)));
        return;
    }
    reply(json(200, affinity::toJson(*r)));
}

void AdminApi::deleteFile(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    deleteResource(QStringLiteral("files/") + args.value(0), std::move(reply));
}

void AdminApi::deleteCache(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    deleteResource(QStringLiteral("cachedContents/") + args.value(0), std::move(reply));
}

void AdminApi::deleteResource(const QString &name, std::function<void(Response)> reply)
{
    if (!m_runtime->resources().find(name)) {
        // Without its owner any key would be a guess, and a foreign project's key only gets a 403.
        reply(error(404,
            QStringLiteral("%1 is not known here: only resources created or listed through this proxy can be deleted "
                           "from it.")
                .arg(name)));
        return;
    }
    proxy::ForwardRequest f;
    f.method = "DELETE";
    f.target = "/v1beta/" + name.toLatin1();
    f.resources = affinity::requestResources(f.method, f.target, {}, {});
    QPointer<AdminApi> self(this);
    proxy::UpstreamCall::run(
        m_runtime->proxyServer(), std::move(f), [self, reply, name](proxy::UpstreamCall::Result r) {
            if (r.status >= 200 && r.status < 300) {
                if (self) {
                    self->m_runtime->flushResources();
                }
                reply(json(200, QJsonObject { { QStringLiteral("deleted"), name } }));
                return;
            }
            const QJsonObject e = QJsonDocument::fromJson(r.body).object().value(u"error").toObject();
            reply(error(r.status,
                QStringLiteral("Google refused to delete %1: %2").arg(name, e.value(u"message").toString(r.message))));
        });
}

} // namespace ga::admin
