// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, relay instances: list, add (secret first, under the secrets journal), edit, remove, test.
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "app/instanceops.h"
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

void AdminApi::getInstances(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QHash<QString, routing::RelayReport> reports;
    for (routing::RelayReport &r : m_runtime->router().report()) {
        reports.insert(r.id, std::move(r));
    }
    QJsonArray out;
    for (const config::InstanceEntry &i : m_runtime->workspace().config().instances) {
        QJsonObject o = config::schema::toJson(i);
        const routing::RelayReport r = reports.value(i.id);
        o.insert(QStringLiteral("health"), routing::relayHealthName(r.health));
        o.insert(QStringLiteral("usable"), r.usable);
        if (r.lastLatencyMs >= 0) {
            o.insert(QStringLiteral("latencyMs"), double(r.lastLatencyMs));
        }
        if (!r.lastError.isEmpty()) {
            o.insert(QStringLiteral("lastError"), logging::Redactor::redact(r.lastError));
        }
        out.append(o);
    }
    reply(json(200, out));
}

void AdminApi::deleteInstance(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    app::InstanceOps(m_runtime->workspace())
        .remove(args.value(0), [reply = std::move(reply)](const app::Outcome &done, const QStringList &unbound) {
            reply(done.ok()
                    ? json(200, QJsonObject { { QStringLiteral("unbound"), QJsonArray::fromStringList(unbound) } })
                    : refused(done));
        });
}

void AdminApi::postInstance(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    const std::optional<QString> name = fields.string(QStringLiteral("name"));
    const std::optional<QString> url = fields.string(QStringLiteral("url"));
    const std::optional<QString> secret = fields.string(QStringLiteral("secret"));
    if (!body.contains(u"url")) {
        fields.problems.append(problem(QStringLiteral("url"), QStringLiteral("required: the relay's https:// URL")));
    }
    if (secret && secret->isEmpty()) {
        fields.problems.append(problem(
            QStringLiteral("secret"), QStringLiteral("at least 16 characters, or leave it out to have one generated")));
    }
    fields.onlyKnown({ QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("secret") });
    if (!fields.problems.isEmpty()) {
        fields.alsoCheck(app::InstanceOps::check(
            name.value_or(QString()), url.value_or(QString()), secret.value_or(QString()).toUtf8()));
        reply(error(400, QStringLiteral("the instance was not added"), fields.problems));
        return;
    }
    app::InstanceOps(m_runtime->workspace())
        .add(name.value_or(QString()), url.value_or(QString()), secret.value_or(QString()).toUtf8(),
            [reply = std::move(reply)](
                const app::Outcome &done, const config::InstanceEntry &added, const QByteArray &made) {
                if (!done.ok()) {
                    reply(refused(done));
                    return;
                }
                QJsonObject o = config::schema::toJson(added);
                if (!made.isEmpty()) {
                    o.insert(QStringLiteral("secret"), QString::fromLatin1(made)); // once: set it as RELAY_SECRET
                }
                reply(json(201, o));
            });
}

void AdminApi::patchInstance(const Request &rq, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_runtime->workspace().config().findInstance(id)) {
        reply(error(404, QStringLiteral("there is no instance %1").arg(id)));
        return;
    }
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    app::InstanceChange change;
    change.name = fields.string(QStringLiteral("name"));
    change.url = fields.string(QStringLiteral("url"));
    change.enabled = fields.boolean(QStringLiteral("enabled"));
    fields.onlyKnown({ QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("enabled") });
    if (!fields.problems.isEmpty()) {
        reply(error(400, QStringLiteral("the instance was not changed"), fields.problems));
        return;
    }
    config::InstanceEntry changed;
    if (const app::Outcome done = app::InstanceOps(m_runtime->workspace()).change(id, change, &changed); !done.ok()) {
        reply(refused(done));
        return;
    }
    reply(json(200, config::schema::toJson(changed)));
}

void AdminApi::testInstance(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    const config::InstanceEntry *instance = m_runtime->workspace().config().findInstance(id);
    if (!instance) {
        reply(error(404, QStringLiteral("there is no instance %1").arg(id)));
        return;
    }
    QString problemText;
    const proxy::SettingsPtr settings
        = proxy::settingsFromConfig(m_runtime->workspace().config(), &problemText, m_runtime->upstreamProxyPassword());
    if (!settings) {
        reply(error(500, problemText));
        return;
    }
    const QUrl url = instance->url;
    m_runtime->workspace().secretStore()->read(app::relaySecretName(id), this,
        [this, id, url, settings, reply = std::move(reply)](const secrets::SecretResult &secret) mutable {
            if (!secret.ok()) {
                reply(error(500, QStringLiteral("the relay secret cannot be read: %1").arg(secret.message)));
                return;
            }
            routing::probeRelay(url, secret.value, settings->upstream, this,
                [this, id, reply = std::move(reply)](const routing::RelayCheck &c) {
                    // What a test finds is what the dashboard, the tray and routing go by (one health per relay).
                    m_runtime->router().reportRelayCheck(id, c.verdict == u"ok", c.latencyMs,
                        QStringLiteral("test: %1 (%2)").arg(c.verdict, logging::Redactor::redact(c.detail)));
                    reply(json(200,
                        QJsonObject { { QStringLiteral("id"), id }, { QStringLiteral("result"), c.verdict },
                            { QStringLiteral("status"), c.status },
                            { QStringLiteral("latencyMs"), double(c.latencyMs) },
                            { QStringLiteral("detail"), logging::Redactor::redact(c.detail) } }));
                });
        });
}

} // namespace ga::admin
