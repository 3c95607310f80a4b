// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, relay instances: list, add (secret first, under the secrets journal), edit, remove, test.
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

void AdminApi::getInstances(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QHash<QString, routing::RelayReport> reports;
    for (routing::RelayReport &r : m_service->router().report()) {
        reports.insert(r.id, std::move(r));
    }
    QJsonArray out;
    for (const config::InstanceEntry &i : m_service->config().instances) {
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
    const QString id = args.value(0);
    if (!m_service->config().findInstance(id)) {
        reply(error(404, QStringLiteral("there is no instance %1").arg(id)));
        return;
    }
    QString why;
    const auto hold = JournalHold::begin(m_service->configStore()->path(), { QStringLiteral("relay/") + id }, &why);
    if (!hold) {
        reply(error(503, QStringLiteral("nothing was changed: %1").arg(why)));
        return;
    }
    QStringList unbound;
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        editItems(doc, QStringLiteral("instances.items"), u"id", id, removeItem);
        editItems(doc, QStringLiteral("keys.items"), u"instance", id, [&](QJsonObject &o) {
            o.remove(QStringLiteral("instance"));
            unbound.append(o.value(u"id").toString());
            return true;
        });
        return QString();
    });
    if (!saved.ok) {
        hold->settle();
        reply(saveRefused(saved));
        return;
    }
    m_service->secretStore()->remove(
        QStringLiteral("relay/") + id, this, [hold, reply = std::move(reply), unbound](const secrets::SecretResult &) {
            hold->settle();
            reply(json(200, QJsonObject { { QStringLiteral("unbound"), QJsonArray::fromStringList(unbound) } }));
        });
}

void AdminApi::postInstance(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    const QString name = body.value(u"name").toString().trimmed();
    const QString url = body.value(u"url").toString().trimmed();
    if (!body.value(u"name").isString() || name.isEmpty()) {
        problems.append(problem(QStringLiteral("name"), QStringLiteral("required: a name for the instance")));
    }
    if (!body.value(u"url").isString()) {
        problems.append(problem(QStringLiteral("url"), QStringLiteral("required: the relay's https:// URL")));
    } else if (const QString why = config::schema::httpUrlProblem(url); !why.isEmpty()) {
        problems.append(problem(QStringLiteral("url"), why));
    }
    const QJsonValue secretValue = body.value(u"secret");
    QByteArray secret = secretValue.toString().toUtf8();
    const bool generated = secretValue.isUndefined();
    if (!generated && (!secretValue.isString() || secret.size() < 16)) {
        problems.append(problem(
            QStringLiteral("secret"), QStringLiteral("at least 16 characters, or leave it out to have one generated")));
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != u"name" && it.key() != u"url" && it.key() != u"secret") {
            problems.append(problem(it.key(), QStringLiteral("unknown field")));
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("the instance was not added"), problems));
        return;
    }
    QSet<QString> ids;
    for (const config::InstanceEntry &i : m_service->config().instances) {
        if (i.url == QUrl(url)) {
            reply(error(409, QStringLiteral("instance %1 already has the URL %2").arg(i.id, url)));
            return;
        }
        ids.insert(i.id);
    }
    if (generated) {
        secret = security::generateAccessToken().mid(4);
    }
    config::InstanceEntry e;
    e.id = keys::newId(u'i', ids);
    e.name = name;
    e.url = QUrl(url);
    logging::Redactor::addSecret(secret);
    QString why;
    const auto hold = JournalHold::begin(m_service->configStore()->path(), { QStringLiteral("relay/") + e.id }, &why);
    if (!hold) {
        reply(error(503, QStringLiteral("nothing was changed: %1").arg(why)));
        return;
    }
    m_service->secretStore()->write(QStringLiteral("relay/") + e.id, secret, this,
        [this, e, secret, generated, hold, reply = std::move(reply)](const secrets::SecretResult &r) {
            const SettleAtEnd settle { hold };
            if (!r.ok()) {
                reply(error(500, QStringLiteral("the secret store refused the relay secret: %1").arg(r.message)));
                return;
            }
            const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
                QJsonArray items = itemsAt(doc, QStringLiteral("instances.items"));
                items.append(config::schema::toJson(e));
                config::schema::setValueAt(doc, QStringLiteral("instances.items"), items);
                return QString();
            });
            if (!saved.ok) {
                m_service->secretStore()->remove(
                    QStringLiteral("relay/") + e.id, this, [](const secrets::SecretResult &) {});
                reply(error(400, saved.error, saved.problems));
                return;
            }
            QJsonObject o = config::schema::toJson(e);
            if (generated) {
                o.insert(QStringLiteral("secret"), QString::fromLatin1(secret)); // once: set it as RELAY_SECRET
            }
            reply(json(201, o));
        });
}

void AdminApi::patchInstance(const Request &rq, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_service->config().findInstance(id)) {
        reply(error(404, QStringLiteral("there is no instance %1").arg(id)));
        return;
    }
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QJsonValue v = it.value();
        if (it.key() == u"name") {
            if (!v.isString() || v.toString().trimmed().isEmpty()) {
                problems.append(problem(it.key(), QStringLiteral("expected a non-empty string")));
            }
        } else if (it.key() == u"url") {
            const QString why
                = v.isString() ? config::schema::httpUrlProblem(v.toString()) : QStringLiteral("expected a URL string");
            if (!why.isEmpty()) {
                problems.append(problem(it.key(), why));
            }
        } else if (it.key() == u"enabled") {
            if (!v.isBool()) {
                problems.append(problem(it.key(), QStringLiteral("expected true or false")));
            }
        } else {
            problems.append(problem(it.key(), QStringLiteral("unknown field (name, url, enabled)")));
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("the instance was not changed"), problems));
        return;
    }
    if (body.contains(u"url")) {
        const QUrl url(body.value(u"url").toString());
        for (const config::InstanceEntry &i : m_service->config().instances) {
            if (i.id != id && i.url == url) {
                reply(error(409, QStringLiteral("instance %1 already has the URL %2").arg(i.id, url.toString())));
                return;
            }
        }
    }
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        editItems(doc, QStringLiteral("instances.items"), u"id", id, [&](QJsonObject &o) {
            for (auto it = body.begin(); it != body.end(); ++it) {
                o.insert(it.key(), it.value());
            }
            return true;
        });
        return QString();
    });
    if (!saved.ok) {
        reply(error(400, saved.error, saved.problems));
        return;
    }
    reply(json(200, config::schema::toJson(*m_service->config().findInstance(id))));
}

void AdminApi::testInstance(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    const config::InstanceEntry *instance = m_service->config().findInstance(id);
    if (!instance) {
        reply(error(404, QStringLiteral("there is no instance %1").arg(id)));
        return;
    }
    QString problemText;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(m_service->config(), &problemText);
    if (!settings) {
        reply(error(500, problemText));
        return;
    }
    const QUrl url = instance->url;
    m_service->secretStore()->read(QStringLiteral("relay/") + id, this,
        [this, id, url, settings, reply = std::move(reply)](const secrets::SecretResult &secret) mutable {
            if (!secret.ok()) {
                reply(error(500, QStringLiteral("the relay secret cannot be read: %1").arg(secret.message)));
                return;
            }
            routing::probeRelay(url, secret.value, settings->upstream, this,
                [this, id, reply = std::move(reply)](const routing::RelayCheck &c) {
                    // What a test finds is what the dashboard, the tray and routing go by (one health per relay).
                    m_service->router().reportRelayCheck(id, c.verdict == u"ok", c.latencyMs,
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
