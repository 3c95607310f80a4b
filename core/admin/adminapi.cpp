// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin/adminapi.h"

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
namespace {

// The secrets journal (secrets/secretjournal.h) around a write in two steps (secret and config): if the daemon dies
// between them, the next start removes what the config does not name, as for the CLI's writes. Held (locked) from
// before the first step until settle() or the last copy is gone.
class JournalHold
{
public:
    static std::shared_ptr<JournalHold> begin(const QString &configPath, const QStringList &names, QString *error)
    {
        auto hold = std::shared_ptr<JournalHold>(new JournalHold(config::secretJournalPath(configPath), names));
        // Short: the admin API runs on the service's thread, and a CLI transaction takes milliseconds.
        constexpr int kWaitMs = 3000;
        if (!hold->m_journal.lock(kWaitMs, error) || !hold->m_journal.add(names, error)) {
            return nullptr;
        }
        return hold;
    }
    // Config and store agree: the names leave the journal.
    void settle()
    {
        if (!m_journal.isLocked()) {
            return;
        }
        if (QString error; !m_journal.drop(m_names, &error)) {
            qCWarning(lcSecrets).noquote() << error; // the next start settles them
        }
        m_journal.unlock();
    }

private:
    JournalHold(const QString &path, QStringList names)
        : m_journal(path)
        , m_names(std::move(names))
    { }

    secrets::SecretJournal m_journal;
    QStringList m_names;
};

// Settles a hold when the scope ends, whichever way the callback leaves.
struct SettleAtEnd
{
    std::shared_ptr<JournalHold> hold;
    ~SettleAtEnd()
    {
        if (hold) {
            hold->settle();
        }
    }
};

Response json(int status, const QJsonValue &value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return Response { status, doc.toJson(QJsonDocument::Indented) };
}

Response error(int status, const QString &message, const QList<config::Problem> &problems = {})
{
    QJsonObject e { { QStringLiteral("code"), status },
        { QStringLiteral("status"), QLatin1String(http::canonicalStatus(status)) },
        { QStringLiteral("message"), logging::Redactor::redact(message) } };
    if (!problems.isEmpty()) {
        QJsonArray list;
        for (const config::Problem &p : problems) {
            list.append(QJsonObject { { QStringLiteral("path"), p.path },
                { QStringLiteral("message"), logging::Redactor::redact(p.message) } });
        }
        e.insert(QStringLiteral("problems"), list);
    }
    return json(status, QJsonObject { { QStringLiteral("error"), e } });
}

// The request body as a JSON object, or an error answer.
bool bodyObject(const Request &rq, QJsonObject *out, std::function<void(Response)> &reply)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(rq.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        reply(error(400, QStringLiteral("the body must be a JSON object")));
        return false;
    }
    *out = doc.object();
    return true;
}

// A refused save: 400 when the result broke a rule (the problems say where), 500 when the save itself failed.
Response saveRefused(const config::ConfigStore::UpdateResult &saved)
{
    return error(saved.problems.isEmpty() ? 500 : 400, saved.error, saved.problems);
}

config::Problem problem(const QString &path, const QString &message)
{
    config::Problem p;
    p.path = path;
    p.message = message;
    return p;
}

QJsonArray itemsAt(const QJsonObject &doc, const QString &path)
{
    return config::schema::valueAt(doc, path).toArray();
}

// Runs `edit` on the items of the list at `path` whose `field` is `value`; an item `edit` returns false
// for is removed.
void editItems(QJsonObject &doc, const QString &path, QStringView field, const QString &value,
    const std::function<bool(QJsonObject &)> &edit)
{
    QJsonArray items = itemsAt(doc, path);
    for (qsizetype i = 0; i < items.size();) {
        QJsonObject o = items.at(i).toObject();
        if (o.value(field).toString() != value) {
            ++i;
        } else if (edit(o)) {
            items.replace(i++, o);
        } else {
            items.removeAt(i);
        }
    }
    config::schema::setValueAt(doc, path, items);
}

bool removeItem(QJsonObject &)
{
    return false;
}

} // namespace

AdminApi::AdminApi(daemon::Service *service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{
    const std::vector<Route> table = {
        { "GET", QStringLiteral("/status"), QStringLiteral("Proxy status: mode, endpoint, key and relay counts"),
            &AdminApi::getStatus, {} },
        { "GET", QStringLiteral("/keys"), QStringLiteral("List keys (masked) with their state"), &AdminApi::getKeys,
            {} },
        { "POST", QStringLiteral("/keys"), QStringLiteral("Add a key (the secret is write-only)"), &AdminApi::postKey,
            {} },
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
        { "GET", QStringLiteral("/stats"), QStringLiteral("Usage per key, day and model"), &AdminApi::getStats, {} },
        { "GET", QStringLiteral("/history"), QStringLiteral("The last requests with per-attempt detail"),
            &AdminApi::getHistory, {} },
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
    const config::Config &cfg = m_service->config();
    proxy::ProxyServer *server = m_service->proxyServer();
    const proxy::Readiness ready = proxy::readiness(m_service->keyPool(), m_service->router());
    QJsonObject keyStates;
    for (const keys::KeyReport &k : m_service->keyPool().report()) {
        const QString state = keys::keyStatusName(k.status);
        keyStates.insert(state, keyStates.value(state).toInt() + 1);
    }
    reply(json(200,
        QJsonObject { { QStringLiteral("version"), QLatin1String(kVersion) },
            { QStringLiteral("endpoint"), m_service->listenUrl() },
            { QStringLiteral("mode"), config::routingModeName(cfg.routingMode) },
            { QStringLiteral("ready"), ready.ready },
            { QStringLiteral("missing"), QJsonArray::fromStringList(ready.missing) },
            { QStringLiteral("keys"), keyStates },
            { QStringLiteral("relays"),
                QJsonObject { { QStringLiteral("configured"), int(cfg.instances.size()) },
                    { QStringLiteral("usable"), ready.usableRelays } } },
            { QStringLiteral("requests"), double(server ? server->recorder()->requestsTotal() : 0) },
            { QStringLiteral("activeStreams"), server ? server->recorder()->activeStreams() : 0 },
            { QStringLiteral("activeConnections"), server ? server->activeConnections() : 0 } }));
}

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
    const bool listenChanges = checked.config.listenHost != inForce.listenHost
        || checked.config.listenPort != inForce.listenPort || !m_service->listenProblem().isEmpty();
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
    for (const affinity::Resource &r : m_service->resources().list(kind)) {
        out.append(affinity::toJson(r));
    }
    reply(json(200, out));
}

void AdminApi::getFile(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString name = QStringLiteral("files/") + args.value(0);
    const std::optional<affinity::Resource> r = m_service->resources().find(name);
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
    if (!m_service->resources().find(name)) {
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
        m_service->proxyServer(), std::move(f), [self, reply, name](proxy::UpstreamCall::Result r) {
            if (r.status >= 200 && r.status < 300) {
                if (self) {
                    self->m_service->flushResources();
                }
                reply(json(200, QJsonObject { { QStringLiteral("deleted"), name } }));
                return;
            }
            const QJsonObject e = QJsonDocument::fromJson(r.body).object().value(u"error").toObject();
            reply(error(r.status,
                QStringLiteral("Google refused to delete %1: %2").arg(name, e.value(u"message").toString(r.message))));
        });
}

void install(daemon::Service &service)
{
    service.setAdminHandler(std::make_unique<AdminApi>(&service));
}

} // namespace ga::admin
