// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, keys: list, add (secret first, under the secrets journal), edit, remove, test.
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

void AdminApi::getKeys(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QHash<QString, keys::KeyReport> reports;
    for (keys::KeyReport &r : m_service->keyPool().report()) {
        reports.insert(r.id, std::move(r));
    }
    QJsonArray out;
    for (const config::KeyEntry &k : m_service->config().keys) {
        out.append(keys::keyListJson(k, reports.value(k.id)));
    }
    reply(json(200, out));
}

void AdminApi::postKey(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    const QJsonValue secretValue = body.value(u"secret");
    const QByteArray secret = secretValue.toString().trimmed().toLatin1();
    if (!secretValue.isString()) {
        problems.append(problem(QStringLiteral("secret"), QStringLiteral("required: the API key, as a string")));
    } else if (const QString why = keys::keyFormatProblem(secret); !why.isEmpty()) {
        problems.append(problem(QStringLiteral("secret"), why));
    }
    config::KeyEntry e;
    const QJsonValue label = body.value(u"label");
    const QJsonValue group = body.value(u"group");
    const QJsonValue weight = body.value(u"weight");
    if (!label.isUndefined() && !label.isString()) {
        problems.append(problem(QStringLiteral("label"), QStringLiteral("expected a string")));
    }
    if (!group.isUndefined() && !group.isString()) {
        problems.append(problem(QStringLiteral("group"), QStringLiteral("expected a string")));
    }
    if (!weight.isUndefined()
        && (!weight.isDouble() || weight.toInt() < 1 || weight.toInt() > 1000
            || weight.toDouble() != double(weight.toInt()))) {
        problems.append(problem(QStringLiteral("weight"), QStringLiteral("expected a whole number from 1 to 1000")));
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!QStringList {
                QStringLiteral("secret"), QStringLiteral("label"), QStringLiteral("group"), QStringLiteral("weight") }
                 .contains(it.key())) {
            problems.append(problem(it.key(), QStringLiteral("unknown field")));
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("the key was not added"), problems));
        return;
    }
    const QString fingerprint = keys::keyFingerprint(secret);
    QSet<QString> ids;
    for (const config::KeyEntry &k : m_service->config().keys) {
        if (k.fingerprint == fingerprint) {
            reply(error(409, QStringLiteral("this key is already configured as %1").arg(k.id)));
            return;
        }
        ids.insert(k.id);
    }
    e.id = keys::newId(u'k', ids);
    e.label = label.toString();
    e.group = group.toString();
    e.weight = weight.toInt(1);
    e.fingerprint = fingerprint;
    e.hint = keys::keyHint(secret);
    e.added = QDateTime::currentDateTimeUtc();
    logging::Redactor::addSecret(secret);
    // Secret first: the config never names a key whose secret is missing; the journal names it in between.
    QString why;
    const auto hold = JournalHold::begin(m_service->configStore()->path(), { keys::secretEntryName(e.id) }, &why);
    if (!hold) {
        reply(error(503, QStringLiteral("nothing was changed: %1").arg(why)));
        return;
    }
    m_service->secretStore()->write(keys::secretEntryName(e.id), secret, this,
        [this, e, hold, reply = std::move(reply)](const secrets::SecretResult &r) {
            const SettleAtEnd settle { hold };
            if (!r.ok()) {
                reply(error(500, QStringLiteral("the secret store refused the key: %1").arg(r.message)));
                return;
            }
            const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
                QJsonArray items = itemsAt(doc, QStringLiteral("keys.items"));
                items.append(config::schema::toJson(e));
                config::schema::setValueAt(doc, QStringLiteral("keys.items"), items);
                return QString();
            });
            if (!saved.ok) {
                m_service->secretStore()->remove(
                    keys::secretEntryName(e.id), this, [](const secrets::SecretResult &) {});
                reply(saveRefused(saved));
                return;
            }
            reply(json(201, keys::keyListJson(e, keys::KeyReport())));
        });
}

void AdminApi::patchKey(const Request &rq, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_service->config().findKey(id)) {
        reply(error(404, QStringLiteral("there is no key %1").arg(id)));
        return;
    }
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    QList<config::Problem> problems;
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QString f = it.key();
        const QJsonValue v = it.value();
        if (f == u"label" || f == u"group") {
            if (!v.isString()) {
                problems.append(problem(f, QStringLiteral("expected a string")));
            }
        } else if (f == u"instance") {
            if (!v.isString() && !v.isNull()) {
                problems.append(problem(f, QStringLiteral("expected an instance id, or null to unbind")));
            } else if (v.isString() && !v.toString().isEmpty() && !m_service->config().findInstance(v.toString())) {
                problems.append(problem(f, QStringLiteral("there is no instance %1").arg(v.toString())));
            }
        } else if (f == u"weight") {
            if (!v.isDouble() || v.toInt() < 1 || v.toInt() > 1000 || v.toDouble() != double(v.toInt())) {
                problems.append(problem(f, QStringLiteral("expected a whole number from 1 to 1000")));
            }
        } else if (f == u"enabled") {
            if (!v.isBool()) {
                problems.append(problem(f, QStringLiteral("expected true or false")));
            }
        } else {
            problems.append(problem(f, QStringLiteral("unknown field (label, group, weight, instance, enabled)")));
        }
    }
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("the key was not changed"), problems));
        return;
    }
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        editItems(doc, QStringLiteral("keys.items"), u"id", id, [&](QJsonObject &o) {
            for (auto it = body.begin(); it != body.end(); ++it) {
                if (it.key() == u"instance" && (it.value().isNull() || it.value().toString().isEmpty())) {
                    o.remove(QStringLiteral("instance"));
                } else {
                    o.insert(it.key(), it.value());
                }
            }
            if (body.value(u"enabled").toBool(false)) {
                o.insert(QStringLiteral("resetAt"), now); // re-enabling clears invalid/cooling marks
            }
            return true;
        });
        return QString();
    });
    if (!saved.ok) {
        reply(error(400, saved.error, saved.problems));
        return;
    }
    keys::KeyReport report;
    for (keys::KeyReport &r : m_service->keyPool().report()) {
        if (r.id == id) {
            report = std::move(r);
        }
    }
    reply(json(200, keys::keyListJson(*m_service->config().findKey(id), report)));
}

void AdminApi::deleteKey(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_service->config().findKey(id)) {
        reply(error(404, QStringLiteral("there is no key %1").arg(id)));
        return;
    }
    removeWithSecret(QStringLiteral("keys.items"), u"id", id, keys::secretEntryName(id), std::move(reply));
}

void AdminApi::removeWithSecret(const QString &listPath, QStringView field, const QString &value,
    const QString &secretEntry, std::function<void(Response)> reply)
{
    // The config first: a running proxy stops using the entry as soon as it reads it. The journal names the secret
    // until it is gone, so a daemon killed in between leaves no orphan.
    QString why;
    const auto hold = JournalHold::begin(m_service->configStore()->path(), { secretEntry }, &why);
    if (!hold) {
        reply(error(503, QStringLiteral("nothing was changed: %1").arg(why)));
        return;
    }
    const config::ConfigStore::UpdateResult saved = m_service->configStore()->update([&](QJsonObject &doc) {
        editItems(doc, listPath, field, value, removeItem);
        return QString();
    });
    if (!saved.ok) {
        hold->settle();
        reply(saveRefused(saved));
        return;
    }
    m_service->secretStore()->remove(
        secretEntry, this, [hold, reply = std::move(reply)](const secrets::SecretResult &) {
            hold->settle();
            reply(Response { 204, QByteArray() });
        });
}

void AdminApi::testKey(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_service->config().findKey(id)) {
        reply(error(404, QStringLiteral("there is no key %1").arg(id)));
        return;
    }
    QString problemText;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(m_service->config(), &problemText);
    if (!settings) {
        reply(error(500, problemText));
        return;
    }
    m_service->secretStore()->read(keys::secretEntryName(id), this,
        [this, id, settings, reply = std::move(reply)](const secrets::SecretResult &secret) mutable {
            if (!secret.ok()) {
                reply(error(500, QStringLiteral("the key's secret cannot be read: %1").arg(secret.message)));
                return;
            }
            auto *checker = new keys::HealthChecker(this);
            connect(checker, &keys::HealthChecker::finished, this,
                [this, checker, reply = std::move(reply)](const keys::HealthResult &r) {
                    checker->deleteLater();
                    // What the test learned counts in the running pool at once.
                    if (r.verdict == keys::HealthVerdict::Valid) {
                        m_service->keyPool().clearKeyState(r.id);
                    } else if (r.verdict == keys::HealthVerdict::Invalid) {
                        m_service->keyPool().reportFailure(r.id, QString(), r.failure);
                    }
                    reply(json(200,
                        QJsonObject { { QStringLiteral("id"), r.id },
                            { QStringLiteral("result"), keys::healthVerdictName(r.verdict) },
                            { QStringLiteral("status"), r.status },
                            { QStringLiteral("latencyMs"), double(r.latencyMs) },
                            { QStringLiteral("detail"), logging::Redactor::redact(r.message) } }));
                });
            checker->check(id, secret.value, settings->upstream);
        });
}

} // namespace ga::admin
