// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, keys: list, add (secret first, under the secrets journal), edit, remove, test.
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "app/keyops.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "http/httperror.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyexchange.h"
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
    // Moved, not copied, and looked up in place: with 10,000 keys (the console's keys page) the copies of the
    // reports cost more than the JSON.
    std::vector<keys::KeyReport> all = m_runtime->keyPool().report();
    QHash<QString, const keys::KeyReport *> reports;
    reports.reserve(qsizetype(all.size()));
    for (const keys::KeyReport &r : all) {
        reports.insert(r.id, &r);
    }
    const keys::KeyReport none;
    QJsonArray out;
    for (const config::KeyEntry &k : m_runtime->workspace().config().keys) {
        const keys::KeyReport *r = reports.value(k.id, nullptr);
        out.append(keys::keyListJson(k, r ? *r : none));
    }
    reply(json(200, out));
}

void AdminApi::postKey(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    const std::optional<QString> secret = fields.string(QStringLiteral("secret"));
    if (!secret && !body.contains(u"secret")) {
        fields.problems.append(problem(QStringLiteral("secret"), QStringLiteral("required: the API key, as a string")));
    }
    const std::optional<QString> label = fields.string(QStringLiteral("label"));
    const std::optional<QString> group = fields.string(QStringLiteral("group"));
    const std::optional<int> weight = fields.whole(QStringLiteral("weight"));
    fields.onlyKnown(
        { QStringLiteral("secret"), QStringLiteral("label"), QStringLiteral("group"), QStringLiteral("weight") });
    if (!fields.problems.isEmpty()) {
        reply(error(400, QStringLiteral("the key was not added"), fields.problems));
        return;
    }
    app::KeyOps ops(m_runtime->workspace());
    app::Outcome why;
    const std::optional<keys::ImportItem> item = ops.newKey(
        secret->trimmed().toLatin1(), label.value_or(QString()), group.value_or(QString()), weight.value_or(1), &why);
    if (!item) {
        reply(refused(why));
        return;
    }
    ops.add({ *item }, [reply = std::move(reply)](const app::Outcome &done, const QList<config::KeyEntry> &added) {
        reply(done.ok() ? json(201, keys::keyListJson(added.first(), keys::KeyReport())) : refused(done));
    });
}

void AdminApi::patchKey(const Request &rq, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_runtime->workspace().config().findKey(id)) {
        reply(error(404, QStringLiteral("there is no key %1").arg(id)));
        return;
    }
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    app::KeyChange change;
    change.label = fields.string(QStringLiteral("label"));
    change.group = fields.string(QStringLiteral("group"));
    change.weight = fields.whole(QStringLiteral("weight"));
    change.enabled = fields.boolean(QStringLiteral("enabled"));
    if (body.value(u"instance").isNull()) {
        change.instance = QString(); // null unbinds
    } else if (body.contains(u"instance")) {
        change.instance = fields.string(QStringLiteral("instance"));
    }
    fields.onlyKnown({ QStringLiteral("label"), QStringLiteral("group"), QStringLiteral("weight"),
        QStringLiteral("instance"), QStringLiteral("enabled") });
    if (!fields.problems.isEmpty()) {
        reply(error(400, QStringLiteral("the key was not changed"), fields.problems));
        return;
    }
    QList<config::KeyEntry> changed;
    if (const app::Outcome done = app::KeyOps(m_runtime->workspace()).change({ id }, change, &changed); !done.ok()) {
        reply(refused(done));
        return;
    }
    keys::KeyReport report;
    for (keys::KeyReport &r : m_runtime->keyPool().report()) {
        if (r.id == id) {
            report = std::move(r);
        }
    }
    reply(json(200, keys::keyListJson(changed.first(), report)));
}

void AdminApi::deleteKey(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    app::KeyOps(m_runtime->workspace()).remove({ args.value(0) }, [reply = std::move(reply)](const app::Outcome &done) {
        reply(done.ok() ? Response { 204, QByteArray() } : refused(done));
    });
}

void AdminApi::testKey(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString id = args.value(0);
    if (!m_runtime->workspace().config().findKey(id)) {
        reply(error(404, QStringLiteral("there is no key %1").arg(id)));
        return;
    }
    QString problemText;
    const proxy::SettingsPtr settings
        = proxy::settingsFromConfig(m_runtime->workspace().config(), &problemText, m_runtime->upstreamProxyPassword());
    if (!settings) {
        reply(error(500, problemText));
        return;
    }
    m_runtime->workspace().secretStore()->read(keys::secretEntryName(id), this,
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
                        m_runtime->keyPool().clearKeyState(r.id);
                    } else if (r.verdict == keys::HealthVerdict::Invalid) {
                        m_runtime->keyPool().reportFailure(r.id, QString(), r.failure);
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

namespace ga::admin {

namespace {

QSet<QString> configuredFingerprints(const config::Config &cfg)
{
    QSet<QString> out;
    for (const config::KeyEntry &k : cfg.keys) {
        out.insert(k.fingerprint);
    }
    return out;
}

QJsonObject lineResult(int line, const char *status, const QString &message, const QString &id = {})
{
    QJsonObject o { { QStringLiteral("line"), line }, { QStringLiteral("status"), QLatin1String(status) },
        { QStringLiteral("message"), logging::Redactor::redact(message) } };
    if (!id.isEmpty()) {
        o.insert(QStringLiteral("id"), id);
    }
    return o;
}

QJsonArray sortedByLine(QList<QJsonObject> results)
{
    std::stable_sort(results.begin(), results.end(),
        [](const QJsonObject &a, const QJsonObject &b) { return a.value(u"line").toInt() < b.value(u"line").toInt(); });
    QJsonArray out;
    for (const QJsonObject &o : results) {
        out.append(o);
    }
    return out;
}

} // namespace

void AdminApi::postKeysImport(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    const std::optional<QString> text = fields.string(QStringLiteral("text"));
    if (!text && !body.contains(u"text")) {
        fields.problems.append(problem(QStringLiteral("text"),
            QStringLiteral("required: the keys, one per line (or CSV with a \"key\" column, or an export)")));
    }
    const std::optional<QString> group = fields.string(QStringLiteral("group"));
    const bool dryRun = fields.boolean(QStringLiteral("dryRun")).value_or(false);
    fields.onlyKnown({ QStringLiteral("text"), QStringLiteral("group"), QStringLiteral("dryRun") });
    if (!fields.problems.isEmpty()) {
        reply(error(400, QStringLiteral("no key was added"), fields.problems));
        return;
    }
    const QByteArray input = text->toUtf8();
    if (keys::exceedsImportLines(input)) {
        reply(error(400, QStringLiteral("too many lines for one import; split the keys into parts")));
        return;
    }
    // The same reading of the text as `keys import` (text, CSV or an export), then each key through the same rules
    // as one added alone.
    const keys::FileImportPlan plan
        = keys::planFileImport(input, configuredFingerprints(m_runtime->workspace().config()), std::nullopt);
    if (!plan.error.isEmpty()) {
        reply(error(400, plan.error));
        return;
    }
    QList<QJsonObject> results;
    for (int line : plan.duplicateLines) {
        results.append(
            lineResult(line, "duplicate", QStringLiteral("this key is already configured (or on an earlier line)")));
    }
    for (const auto &[line, why] : plan.rejectedLines) {
        results.append(lineResult(line, "invalid", why));
    }
    app::KeyOps ops(m_runtime->workspace());
    QList<keys::ImportItem> items;
    for (const keys::ImportItem &fresh : plan.fresh) {
        app::Outcome why;
        const QString itemGroup = fresh.group.isEmpty() ? group.value_or(QString()) : fresh.group;
        std::optional<keys::ImportItem> item = ops.newKey(fresh.key.secret, fresh.label, itemGroup, fresh.weight, &why);
        if (!item) {
            const QString reason = why.problems.isEmpty() ? why.message : why.problems.first().message;
            results.append(
                lineResult(fresh.key.line, why.fault == app::Fault::Conflict ? "duplicate" : "invalid", reason));
            continue;
        }
        item->key.line = fresh.key.line;
        item->enabled = fresh.enabled;
        items.append(*item);
    }
    if (dryRun || items.isEmpty()) {
        for (const keys::ImportItem &item : items) {
            results.append(lineResult(item.key.line, "valid", QStringLiteral("a new key (%1)").arg(item.key.hint)));
        }
        reply(json(
            200, QJsonObject { { QStringLiteral("results"), sortedByLine(results) }, { QStringLiteral("added"), 0 } }));
        return;
    }
    ops.add(items,
        [items, results, reply = std::move(reply)](
            const app::Outcome &done, const QList<config::KeyEntry> &added) mutable {
            if (!done.ok()) {
                reply(refused(done));
                return;
            }
            // add() keeps the order it was given.
            for (qsizetype i = 0; i < items.size(); ++i) {
                const QString id = i < added.size() ? added.at(i).id : QString();
                results.append(lineResult(
                    items.at(i).key.line, "added", QStringLiteral("added (%1)").arg(items.at(i).key.hint), id));
            }
            reply(json(200,
                QJsonObject { { QStringLiteral("results"), sortedByLine(results) },
                    { QStringLiteral("added"), int(added.size()) } }));
        });
}

void AdminApi::postKeysBulk(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    const QJsonValue idsValue = body.value(u"ids");
    QStringList ids;
    if (!idsValue.isArray() || idsValue.toArray().isEmpty()) {
        fields.problems.append(problem(QStringLiteral("ids"), QStringLiteral("required: a non-empty list of key ids")));
    } else {
        for (const QJsonValue &v : idsValue.toArray()) {
            if (!v.isString()) {
                fields.problems.append(problem(QStringLiteral("ids"), QStringLiteral("expected key ids (strings)")));
                break;
            }
            ids.append(v.toString());
        }
    }
    const QString action = fields.string(QStringLiteral("action")).value_or(QString());
    const QStringList actions { QStringLiteral("enable"), QStringLiteral("disable"), QStringLiteral("reset"),
        QStringLiteral("delete"), QStringLiteral("bind") };
    if (!actions.contains(action)) {
        fields.problems.append(
            problem(QStringLiteral("action"), QStringLiteral("one of enable, disable, reset, delete, bind")));
    }
    // bind: "instance" is a relay instance's id, or null to unbind (as PATCH /keys/{id} takes it).
    std::optional<QString> instance;
    if (action == u"bind") {
        if (body.value(u"instance").isNull()) {
            instance = QString();
        } else {
            instance = fields.string(QStringLiteral("instance"));
            if (!instance && !body.contains(u"instance")) {
                fields.problems.append(problem(QStringLiteral("instance"),
                    QStringLiteral("required with bind: a relay instance's id, or null to unbind")));
            }
        }
    }
    fields.onlyKnown({ QStringLiteral("ids"), QStringLiteral("action"), QStringLiteral("instance") });
    if (!fields.problems.isEmpty()) {
        reply(error(400, QStringLiteral("no key was changed"), fields.problems));
        return;
    }
    ids.removeDuplicates();
    app::KeyOps ops(m_runtime->workspace());
    const int n = int(ids.size());
    if (action == u"delete") {
        ops.remove(ids, [n, reply = std::move(reply)](const app::Outcome &done) {
            reply(done.ok() ? json(200, QJsonObject { { QStringLiteral("changed"), n } }) : refused(done));
        });
        return;
    }
    app::KeyChange change;
    if (action == u"reset") {
        change.clearMarks = true;
    } else if (action == u"bind") {
        change.instance = instance;
    } else {
        change.enabled = action == u"enable";
    }
    const app::Outcome done = ops.change(ids, change); // one save for all of them
    reply(done.ok() ? json(200, QJsonObject { { QStringLiteral("changed"), n } }) : refused(done));
}

void AdminApi::getKeysExport(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    // The CLI's `export` without secrets: labels, groups, weights, bindings and instances.
    reply(Response { 200, keys::buildExport(m_runtime->workspace().config(), nullptr, {}) });
}

} // namespace ga::admin
