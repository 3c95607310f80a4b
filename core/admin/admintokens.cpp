// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, access tokens: list, create, rotate, revoke (the token is returned once).
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

void AdminApi::getTokens(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    const config::Config &cfg = m_service->config();
    QJsonArray out;
    for (const config::TokenEntry &t : cfg.tokens) {
        QJsonObject o = config::schema::toJson(t);
        const config::RateLimits l = cfg.limitsFor(&t);
        o.insert(QStringLiteral("effectiveLimits"),
            QJsonObject { { QStringLiteral("requestsPerMinute"), l.requestsPerMinute },
                { QStringLiteral("requestsPerDay"), l.requestsPerDay },
                { QStringLiteral("concurrentStreams"), l.concurrentStreams } });
        out.append(o);
    }
    reply(json(200, out));
}

void AdminApi::storeToken(
    const QString &name, int status, config::ConfigStore::Change change, std::function<void(Response)> reply)
{
    const QByteArray token = security::generateAccessToken();
    logging::Redactor::addSecret(token);
    std::shared_ptr<JournalHold> hold;
    if (status == 201) { // a new name: until the config names it, the journal does
        QString why;
        hold = JournalHold::begin(m_service->configStore()->path(), { security::tokenEntryName(name) }, &why);
        if (!hold) {
            reply(error(503, QStringLiteral("nothing was changed: %1").arg(why)));
            return;
        }
    }
    m_service->secretStore()->write(security::tokenEntryName(name), token, this,
        [this, name, status, token, hold, change = std::move(change), reply = std::move(reply)](
            const secrets::SecretResult &r) {
            const SettleAtEnd settle { hold };
            if (!r.ok()) {
                reply(error(500, QStringLiteral("the secret store refused the token: %1").arg(r.message)));
                return;
            }
            const config::ConfigStore::UpdateResult saved = m_service->configStore()->update(change);
            if (!saved.ok) {
                if (status == 201) { // a new name: no config entry refers to the secret just written
                    m_service->secretStore()->remove(
                        security::tokenEntryName(name), this, [](const secrets::SecretResult &) {});
                }
                reply(error(400, saved.error, saved.problems));
                return;
            }
            // The one answer that carries a token: the caller asked for it.
            reply(json(status,
                QJsonObject {
                    { QStringLiteral("name"), name }, { QStringLiteral("token"), QString::fromLatin1(token) } }));
        });
}

void AdminApi::postToken(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    const QString name = body.value(u"name").toString();
    if (!config::schema::isValidId(name)) {
        problems.append(problem(
            QStringLiteral("name"), QStringLiteral("required: lowercase letters, digits, - and _ (at most 32)")));
    } else if (m_service->config().findToken(name)) {
        reply(error(409, QStringLiteral("there is already a token named %1").arg(name)));
        return;
    }
    config::TokenEntry entry;
    entry.name = name;
    entry.created = QDateTime::currentDateTimeUtc();
    for (auto it = body.begin(); it != body.end(); ++it) {
        int *limit = it.key() == u"requestsPerMinute" ? &entry.limits.requestsPerMinute
            : it.key() == u"requestsPerDay"           ? &entry.limits.requestsPerDay
            : it.key() == u"concurrentStreams"        ? &entry.limits.concurrentStreams
                                                      : nullptr;
        if (it.key() == u"name") {
            continue;
        }
        if (!limit) {
            problems.append(problem(it.key(), QStringLiteral("unknown field")));
        } else if (!it.value().isDouble() || it.value().toInt() < 0 || it.value().toInt() > 100000000
            || it.value().toDouble() != double(it.value().toInt())) {
            problems.append(
                problem(it.key(), QStringLiteral("expected a whole number from 0 to 100000000 (0 = no limit)")));
        } else {
            *limit = it.value().toInt();
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("no token was created"), problems));
        return;
    }
    storeToken(
        name, 201,
        [entry](QJsonObject &doc) {
            QJsonArray items = itemsAt(doc, QStringLiteral("auth.tokens.items"));
            items.append(config::schema::toJson(entry));
            config::schema::setValueAt(doc, QStringLiteral("auth.tokens.items"), items);
            return QString();
        },
        std::move(reply));
}

void AdminApi::rotateToken(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString name = args.value(0);
    if (!m_service->config().findToken(name)) {
        reply(error(404, QStringLiteral("there is no token named %1").arg(name)));
        return;
    }
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    storeToken(
        name, 200,
        [name, now](QJsonObject &doc) {
            editItems(doc, QStringLiteral("auth.tokens.items"), u"name", name, [&](QJsonObject &o) {
                o.insert(QStringLiteral("rotated"), now);
                return true;
            });
            return QString();
        },
        std::move(reply));
}

void AdminApi::deleteToken(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString name = args.value(0);
    if (!m_service->config().findToken(name)) {
        reply(error(404, QStringLiteral("there is no token named %1").arg(name)));
        return;
    }
    removeWithSecret(
        QStringLiteral("auth.tokens.items"), u"name", name, security::tokenEntryName(name), std::move(reply));
}

} // namespace ga::admin
