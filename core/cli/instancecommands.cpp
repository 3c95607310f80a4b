// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "keys/apikey.h"
#include "proxy/proxysettings.h"
#include "routing/relayprobe.h"
#include "security/accesstoken.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>

namespace ga::cli {
namespace {

int addInstance(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("usage: instances add --name NAME --url URL"));
    }
    const QString name = ctx.args().value(QStringLiteral("name")).trimmed();
    const QString url = ctx.args().value(QStringLiteral("url")).trimmed();
    if (name.isEmpty() || url.isEmpty()) {
        return ctx.usage(QStringLiteral("'instances add' needs --name and --url, for example: instances add "
                                        "--name deno-eu --url https://my-relay.deno.dev"));
    }
    if (const QString problem = config::schema::httpUrlProblem(url); !problem.isEmpty()) {
        return ctx.usage(QStringLiteral("--url: %1").arg(problem));
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    // The relay secret: from stdin when piped (the one you set on Deno Deploy / Cloudflare), else generated.
    QByteArray secret;
    bool generated = false;
    if (!stdinIsTerminal()) {
        const Input input = readStandardInput(QStringLiteral("the relay secret (or </dev/null to have one made)"),
            QStringLiteral("printf %s \"$RELAY_SECRET\" | gemini-aggregatord instances add --name N --url URL"));
        if (!input.ok()) {
            return ctx.fail(input.error);
        }
        secret = input.data.trimmed();
    }
    if (secret.isEmpty()) {
        secret = security::generateAccessToken().mid(4); // 43 url-safe characters, 256 bits
        generated = true;
    } else if (secret.size() < 16) {
        return ctx.fail(QStringLiteral("the relay secret must be at least 16 characters; pipe a longer one, or none to "
                                       "have one generated"));
    }
    // The secret first, named by the journal until the config names the relay: a command killed in between leaves
    // neither a relay without its secret nor a secret the next start cannot clean up.
    QSet<QString> taken;
    for (const config::InstanceEntry &i : store->config().instances) {
        taken.insert(i.id);
        if (i.url == QUrl(url)) {
            return ctx.fail(QStringLiteral("instance %1 already has the URL %2").arg(i.id, url));
        }
    }
    const QString id = keys::newId(u'i', taken);
    const QString entry = QStringLiteral("relay/") + id;
    if (!ctx.journalSecrets({ entry })) {
        return kExitFailure;
    }
    const secrets::SecretResult written = ctx.writeSecret(entry, secret);
    if (!written.ok()) {
        ctx.settleSecrets({ entry });
        return ctx.fail(written.message);
    }
    const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray items = config::schema::valueAt(doc, QStringLiteral("instances.items")).toArray();
        for (const QJsonValue &v : std::as_const(items)) {
            const QJsonObject o = v.toObject();
            if (o.value(u"id").toString() == id) {
                return QStringLiteral("another command added instance %1 at the same moment; run this again").arg(id);
            }
            if (QUrl(o.value(u"url").toString()) == QUrl(url)) {
                return QStringLiteral("instance %1 already has the URL %2").arg(o.value(u"id").toString(), url);
            }
        }
        config::InstanceEntry e;
        e.id = id;
        e.name = name;
        e.url = QUrl(url);
        items.append(config::schema::toJson(e));
        config::schema::setValueAt(doc, QStringLiteral("instances.items"), items);
        return QString();
    });
    if (!saved) {
        if (const secrets::SecretResult r = ctx.removeSecret(entry);
            r.ok() || r.error == secrets::SecretError::NotFound) {
            ctx.settleSecrets({ entry }); // else it stays journaled: the next start removes it
        }
        return kExitFailure;
    }
    ctx.settleSecrets({ entry });
    ctx.out() << "added " << id << "  " << name << "  " << url << Qt::endl;
    if (generated) {
        // The one time this secret is shown: the relay needs it as RELAY_SECRET.
        ctx.out() << "relay secret (set it as RELAY_SECRET on the relay; it is not shown again): "
                  << QString::fromLatin1(secret) << Qt::endl;
    }
    return kExitOk;
}

int listInstances(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const config::Config &cfg = store->config();
    auto boundKeys = [&](const QString &instance) {
        QStringList ids;
        for (const config::KeyEntry &k : cfg.keys) {
            if (k.instance == instance) {
                ids.append(k.id);
            }
        }
        return ids;
    };
    // Relay health as the daemon last saw it (keystate.json beside the config).
    QJsonObject health;
    if (QFile f(config::keyStatePath(ctx.configPath())); f.open(QIODevice::ReadOnly)) {
        health = QJsonDocument::fromJson(f.readAll()).object().value(u"relays").toObject();
    }
    auto healthOf = [&](const QString &id) {
        return health.value(id).toObject().value(u"health").toString(QStringLiteral("unknown"));
    };
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const config::InstanceEntry &i : cfg.instances) {
            arr.append(QJsonObject { { QStringLiteral("id"), i.id }, { QStringLiteral("name"), i.name },
                { QStringLiteral("url"), i.url.toString() }, { QStringLiteral("enabled"), i.enabled },
                { QStringLiteral("keys"), QJsonArray::fromStringList(boundKeys(i.id)) },
                { QStringLiteral("health"), healthOf(i.id) } });
        }
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (cfg.instances.isEmpty()) {
        ctx.note(QStringLiteral("no relay instances yet; add one with: gemini-aggregatord instances add --name NAME "
                                "--url URL"));
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("URL"),
        QStringLiteral("ENABLED"), QStringLiteral("KEYS"), QStringLiteral("HEALTH") } };
    for (const config::InstanceEntry &i : cfg.instances) {
        const QStringList keys = boundKeys(i.id);
        const QJsonObject h = health.value(i.id).toObject();
        QString state = healthOf(i.id);
        if (h.contains(u"latencyMs")) {
            state += QStringLiteral(" (%1 ms)").arg(h.value(u"latencyMs").toInt());
        }
        rows.append({ i.id, i.name, i.url.toString(), i.enabled ? QStringLiteral("yes") : QStringLiteral("no"),
            keys.isEmpty() ? QStringLiteral("-") : keys.join(u','), state });
    }
    printTable(ctx.out(), rows);
    for (auto it = health.constBegin(); it != health.constEnd(); ++it) {
        if (it.value().toObject().contains(u"lastError")) {
            ctx.out() << it.key() << " last error: " << it.value().toObject().value(u"lastError").toString()
                      << Qt::endl;
        }
    }
    return kExitOk;
}

int removeInstance(Context &ctx, const QString &id)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    // The config first, then the secret; the journal names it in between, so a kill leaves no orphan behind.
    const QString secretName = QStringLiteral("relay/") + id;
    if (!ctx.journalSecrets({ secretName })) {
        return kExitFailure;
    }
    QStringList unbound;
    const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray instances = config::schema::valueAt(doc, QStringLiteral("instances.items")).toArray();
        qsizetype found = -1;
        for (qsizetype i = 0; i < instances.size(); ++i) {
            if (instances.at(i).toObject().value(u"id").toString() == id) {
                found = i;
            }
        }
        if (found < 0) {
            return QStringLiteral("there is no instance with id '%1'; 'instances list' shows the ids").arg(id);
        }
        instances.removeAt(found);
        config::schema::setValueAt(doc, QStringLiteral("instances.items"), instances);
        QJsonArray keys = config::schema::valueAt(doc, QStringLiteral("keys.items")).toArray();
        unbound.clear();
        for (qsizetype i = 0; i < keys.size(); ++i) {
            QJsonObject o = keys.at(i).toObject();
            if (o.value(u"instance").toString() == id) {
                unbound.append(o.value(u"id").toString());
                o.remove(QStringLiteral("instance"));
                keys.replace(i, o);
            }
        }
        config::schema::setValueAt(doc, QStringLiteral("keys.items"), keys);
        return QString();
    });
    if (!saved) {
        ctx.settleSecrets({ secretName });
        return kExitFailure;
    }
    if (ctx.openSecrets()) {
        const secrets::SecretResult removed = ctx.removeSecret(secretName);
        if (removed.ok() || removed.error == secrets::SecretError::NotFound) {
            ctx.settleSecrets({ secretName }); // otherwise the next start removes it
        }
    }
    ctx.out() << "removed " << id << Qt::endl;
    if (!unbound.isEmpty()) {
        ctx.note(QStringLiteral("unbound key(s) %1; they now go through any instance").arg(unbound.join(u", ")));
    }
    return kExitOk;
}

routing::RelayCheck checkRelay(const QUrl &base, const QByteArray &secret, const upstream::UpstreamSettings &via)
{
    routing::RelayCheck result;
    QEventLoop loop;
    routing::probeRelay(base, secret, via, &loop, [&](const routing::RelayCheck &c) {
        result = c;
        loop.quit();
    });
    loop.exec();
    return result;
}

int testInstances(Context &ctx, const QStringList &ids)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(store->config(), &error);
    if (!settings) {
        return ctx.fail(error);
    }
    for (const QString &id : ids) {
        if (!store->config().findInstance(id)) {
            return ctx.fail(
                QStringLiteral("there is no instance with id '%1'; 'instances list' shows the ids").arg(id));
        }
    }
    if (store->config().instances.isEmpty()) {
        return ctx.fail(QStringLiteral("there are no relay instances to test; add one with 'instances add'"));
    }
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("RESULT"), QStringLiteral("STATUS"),
        QStringLiteral("LATENCY"), QStringLiteral("DETAIL") } };
    bool allOk = true;
    for (const config::InstanceEntry &i : store->config().instances) {
        if (!ids.isEmpty() && !ids.contains(i.id)) {
            continue;
        }
        const secrets::SecretResult secret = ctx.readSecret(QStringLiteral("relay/") + i.id);
        if (!secret.ok()) {
            rows.append({ i.id, QStringLiteral("error"), QStringLiteral("-"), QStringLiteral("-"), secret.message });
            allOk = false;
            continue;
        }
        const routing::RelayCheck c = checkRelay(i.url, secret.value, settings->upstream);
        rows.append({ i.id, c.verdict, c.status ? QString::number(c.status) : QStringLiteral("-"),
            QStringLiteral("%1 ms").arg(c.latencyMs), c.detail });
        allOk = allOk && c.verdict == u"ok";
    }
    printTable(ctx.out(), rows);
    return allOk ? kExitOk : kExitFailure;
}

} // namespace

int instancesCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    const QStringList rest = words.mid(1);
    if (sub == u"add") {
        return addInstance(ctx, rest);
    }
    if (sub == u"list") {
        return rest.isEmpty() ? listInstances(ctx) : ctx.usage(QStringLiteral("'instances list' takes no arguments"));
    }
    if (sub == u"test") {
        return testInstances(ctx, rest);
    }
    if (sub == u"remove") {
        return rest.size() == 1 ? removeInstance(ctx, rest.first())
                                : ctx.usage(QStringLiteral("'instances remove' takes one instance id"));
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral("'instances' needs a subcommand: add, list, test, remove")
                                   : QStringLiteral("'instances %1' is not a command").arg(sub));
}

} // namespace ga::cli
