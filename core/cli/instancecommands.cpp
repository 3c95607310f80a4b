// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/instanceops.h"
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
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return kExitFailure;
    }
    // The relay secret: from stdin when piped (the one you set on Deno Deploy / Cloudflare), else generated.
    QByteArray secret;
    if (!stdinIsTerminal()) {
        const Input input = readStandardInput(QStringLiteral("the relay secret (or </dev/null to have one made)"),
            QStringLiteral("printf %s \"$RELAY_SECRET\" | gemini-aggregatord instances add --name N --url URL"));
        if (!input.ok()) {
            return ctx.fail(input.error);
        }
        secret = input.data.trimmed();
    }
    config::InstanceEntry added;
    QByteArray generated;
    const app::Outcome outcome = ctx.await([&](app::Done done) {
        app::InstanceOps(*ws).add(name, url, secret,
            [&added, &generated, done](const app::Outcome &o, const config::InstanceEntry &e, const QByteArray &made) {
                added = e;
                generated = made;
                done(o);
            });
    });
    if (!outcome.ok()) {
        return ctx.finish(outcome);
    }
    ctx.out() << "added " << added.id << "  " << added.name << "  " << added.url.toString() << Qt::endl;
    if (!generated.isEmpty()) {
        // The one time this secret is shown: the relay needs it as RELAY_SECRET.
        ctx.out() << "relay secret (set it as RELAY_SECRET on the relay; it is not shown again): "
                  << QString::fromLatin1(generated) << Qt::endl;
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
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return kExitFailure;
    }
    QStringList unbound;
    const app::Outcome removed = ctx.await([&](app::Done done) {
        app::InstanceOps(*ws).remove(id, [&unbound, done](const app::Outcome &o, const QStringList &keys) {
            unbound = keys;
            done(o);
        });
    });
    if (removed.fault == app::Fault::Failed && !ws->config().findInstance(id)) {
        ctx.note(removed.message); // removed; only its secret is left for the next start to delete
    } else if (!removed.ok()) {
        return ctx.finish(removed, QStringLiteral("'instances list' shows the ids"));
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
    const proxy::SettingsPtr settings
        = proxy::settingsFromConfig(store->config(), &error, ctx.upstreamProxyPassword(store->config()));
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
