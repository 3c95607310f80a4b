// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "config/configschema.h"
#include "keys/apikey.h"

#include <QJsonArray>
#include <QJsonDocument>

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
    if (!store) {
        return kExitFailure;
    }
    QString id;
    const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray items = config::schema::valueAt(doc, QStringLiteral("instances.items")).toArray();
        QSet<QString> taken;
        for (const QJsonValue &v : std::as_const(items)) {
            const QJsonObject o = v.toObject();
            taken.insert(o.value(u"id").toString());
            if (QUrl(o.value(u"url").toString()) == QUrl(url)) {
                return QStringLiteral("instance %1 already has the URL %2").arg(o.value(u"id").toString(), url);
            }
        }
        config::InstanceEntry e;
        e.id = keys::newId(u'i', taken);
        e.name = name;
        e.url = QUrl(url);
        id = e.id;
        items.append(config::schema::toJson(e));
        config::schema::setValueAt(doc, QStringLiteral("instances.items"), items);
        return QString();
    });
    if (!saved) {
        return kExitFailure;
    }
    ctx.out() << "added " << id << "  " << name << "  " << url << Qt::endl;
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
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const config::InstanceEntry &i : cfg.instances) {
            arr.append(QJsonObject { { QStringLiteral("id"), i.id }, { QStringLiteral("name"), i.name },
                { QStringLiteral("url"), i.url.toString() }, { QStringLiteral("enabled"), i.enabled },
                { QStringLiteral("keys"), QJsonArray::fromStringList(boundKeys(i.id)) } });
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
        QStringLiteral("ENABLED"), QStringLiteral("KEYS") } };
    for (const config::InstanceEntry &i : cfg.instances) {
        const QStringList keys = boundKeys(i.id);
        rows.append({ i.id, i.name, i.url.toString(), i.enabled ? QStringLiteral("yes") : QStringLiteral("no"),
            keys.isEmpty() ? QStringLiteral("-") : keys.join(u',') });
    }
    printTable(ctx.out(), rows);
    return kExitOk;
}

int removeInstance(Context &ctx, const QString &id)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
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
        return kExitFailure;
    }
    ctx.out() << "removed " << id << Qt::endl;
    if (!unbound.isEmpty()) {
        ctx.note(QStringLiteral("unbound key(s) %1; they now go through any instance").arg(unbound.join(u", ")));
    }
    return kExitOk;
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
    if (sub == u"remove") {
        return rest.size() == 1 ? removeInstance(ctx, rest.first())
                                : ctx.usage(QStringLiteral("'instances remove' takes one instance id"));
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral("'instances' needs a subcommand: add, list, remove")
                                   : QStringLiteral("'instances %1' is not a command").arg(sub));
}

} // namespace ga::cli
