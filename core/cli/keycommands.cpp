// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configschema.h"
#include "keys/apikey.h"
#include "logging/logging.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace ga::cli {
namespace {

QJsonArray keyItems(const QJsonObject &doc)
{
    return config::schema::valueAt(doc, QStringLiteral("keys.items")).toArray();
}

void setKeyItems(QJsonObject &doc, const QJsonArray &items)
{
    config::schema::setValueAt(doc, QStringLiteral("keys.items"), items);
}

// Applies `edit` to the key with `id`; fails with a helpful sentence when there is none.
bool editKey(Context &ctx, const QString &id, const std::function<void(QJsonObject &)> &edit)
{
    return applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray items = keyItems(doc);
        for (qsizetype i = 0; i < items.size(); ++i) {
            QJsonObject o = items.at(i).toObject();
            if (o.value(u"id").toString() == id) {
                edit(o);
                items.replace(i, o);
                setKeyItems(doc, items);
                return QString();
            }
        }
        return QStringLiteral("there is no key with id '%1'; 'keys list' shows the ids").arg(id);
    });
}

int addKeys(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("'keys add' reads keys from standard input, never from the command line "
                                        "(echo \"$KEY\" | gemini-aggregatord keys add --label work)"));
    }
    int weight = 1;
    if (ctx.args().has(QStringLiteral("weight"))) {
        bool ok = false;
        weight = ctx.args().value(QStringLiteral("weight")).toInt(&ok);
        if (!ok || weight < 1 || weight > 1000) {
            return ctx.usage(QStringLiteral("--weight must be a whole number from 1 to 1000"));
        }
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    if (stdinIsTerminal()) {
        ctx.note(QStringLiteral("Paste the keys, one per line (input is hidden), then press Ctrl-D:"));
    }
    const QByteArray input = readStandardInput();

    QSet<QString> known;
    QSet<QString> ids;
    for (const config::KeyEntry &k : store->config().keys) {
        known.insert(k.fingerprint);
        ids.insert(k.id);
    }
    const keys::ImportPlan plan = keys::planImport(input, known);
    if (!plan.rejectedLines.isEmpty()) {
        for (const auto &[line, reason] : plan.rejectedLines) {
            ctx.note(QStringLiteral("line %1: %2").arg(line).arg(reason));
        }
        return ctx.fail(QStringLiteral("%1 line(s) are not Gemini API keys, so nothing was added; fix or remove them "
                                       "and run the command again")
                            .arg(plan.rejectedLines.size()));
    }
    if (plan.fresh.isEmpty() && plan.duplicateLines.isEmpty()) {
        return ctx.fail(QStringLiteral("no key on standard input; pipe keys one per line, for example: "
                                       "echo \"$GEMINI_KEY\" | gemini-aggregatord keys add --label work"));
    }

    const QString label = ctx.args().value(QStringLiteral("label"));
    const QString group = ctx.args().value(QStringLiteral("group"));
    QList<config::KeyEntry> added;
    for (qsizetype i = 0; i < plan.fresh.size(); ++i) {
        const keys::ImportCandidate &c = plan.fresh.at(i);
        config::KeyEntry e;
        e.id = keys::newId(u'k', ids);
        ids.insert(e.id);
        e.label = plan.fresh.size() > 1 && !label.isEmpty() ? QStringLiteral("%1 %2").arg(label).arg(i + 1) : label;
        e.group = group;
        e.weight = weight;
        e.fingerprint = c.fingerprint;
        e.hint = c.hint;
        e.added = QDateTime::currentDateTimeUtc();
        // Secret first: the config never names a key whose secret is missing.
        const secrets::SecretResult written = ctx.writeSecret(keys::secretEntryName(e.id), c.secret);
        if (!written.ok()) {
            for (const config::KeyEntry &undo : std::as_const(added)) {
                ctx.removeSecret(keys::secretEntryName(undo.id));
            }
            return ctx.fail(written.message);
        }
        added.append(e);
    }
    if (!added.isEmpty()) {
        const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
            QJsonArray items = keyItems(doc);
            for (const config::KeyEntry &e : std::as_const(added)) {
                items.append(config::schema::toJson(e));
            }
            setKeyItems(doc, items);
            return QString();
        });
        if (!saved) {
            for (const config::KeyEntry &undo : std::as_const(added)) {
                ctx.removeSecret(keys::secretEntryName(undo.id));
            }
            return kExitFailure;
        }
    }
    for (const config::KeyEntry &e : std::as_const(added)) {
        ctx.out() << "added " << e.id << "  " << e.masked()
                  << (e.label.isEmpty() ? QString() : QStringLiteral("  ") + e.label) << Qt::endl;
    }
    if (!plan.duplicateLines.isEmpty()) {
        ctx.note(QStringLiteral("skipped %1 duplicate key(s) (already configured or repeated)")
                     .arg(plan.duplicateLines.size()));
    }
    qCInfo(lcKeys) << "added" << added.size() << "key(s) to" << ctx.secretStoreName();
    return kExitOk;
}

int listKeys(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const QList<config::KeyEntry> &keys = store->config().keys;
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const config::KeyEntry &k : keys) {
            arr.append(QJsonObject { { QStringLiteral("id"), k.id }, { QStringLiteral("label"), k.label },
                { QStringLiteral("key"), k.masked() }, { QStringLiteral("weight"), k.weight },
                { QStringLiteral("group"), k.group }, { QStringLiteral("enabled"), k.enabled },
                { QStringLiteral("instance"), k.instance } });
        }
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (keys.isEmpty()) {
        ctx.note(QStringLiteral("no keys yet; add one with: echo \"$GEMINI_KEY\" | gemini-aggregatord keys add"));
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("LABEL"), QStringLiteral("KEY"),
        QStringLiteral("WEIGHT"), QStringLiteral("GROUP"), QStringLiteral("ENABLED"), QStringLiteral("INSTANCE") } };
    auto orDash = [](const QString &s) { return s.isEmpty() ? QStringLiteral("-") : s; };
    for (const config::KeyEntry &k : keys) {
        rows.append({ k.id, orDash(k.label), k.masked(), QString::number(k.weight), orDash(k.group),
            k.enabled ? QStringLiteral("yes") : QStringLiteral("no"), orDash(k.instance) });
    }
    printTable(ctx.out(), rows);
    return kExitOk;
}

int removeKey(Context &ctx, const QString &id)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    if (!store->config().findKey(id)) {
        return ctx.fail(QStringLiteral("there is no key with id '%1'; 'keys list' shows the ids").arg(id));
    }
    if (!ctx.openSecrets()) {
        return kExitFailure;
    }
    const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray items = keyItems(doc);
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (items.at(i).toObject().value(u"id").toString() == id) {
                items.removeAt(i);
                break;
            }
        }
        setKeyItems(doc, items);
        return QString();
    });
    if (!saved) {
        return kExitFailure;
    }
    const secrets::SecretResult removed = ctx.removeSecret(keys::secretEntryName(id));
    if (!removed.ok() && removed.error != secrets::SecretError::NotFound) {
        return ctx.fail(QStringLiteral("key %1 was removed from the config, but its secret could not be deleted: %2")
                            .arg(id, removed.message));
    }
    ctx.out() << "removed " << id << Qt::endl;
    return kExitOk;
}

} // namespace

int keysCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    const QStringList rest = words.mid(1);
    if (sub == u"add") {
        return addKeys(ctx, rest);
    }
    if (sub == u"list") {
        return rest.isEmpty() ? listKeys(ctx) : ctx.usage(QStringLiteral("'keys list' takes no arguments"));
    }
    if (sub == u"remove" || sub == u"enable" || sub == u"disable") {
        if (rest.size() != 1) {
            return ctx.usage(QStringLiteral("'keys %1' takes one key id").arg(sub));
        }
        if (sub == u"remove") {
            return removeKey(ctx, rest.first());
        }
        const bool enable = sub == u"enable";
        if (!ctx.loadConfig()
            || !editKey(ctx, rest.first(), [enable](QJsonObject &o) { o.insert(QStringLiteral("enabled"), enable); })) {
            return kExitFailure;
        }
        ctx.out() << (enable ? "enabled " : "disabled ") << rest.first() << Qt::endl;
        return kExitOk;
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral("'keys' needs a subcommand: add, list, remove, enable, disable")
                                   : QStringLiteral("'keys %1' is not a command").arg(sub));
}

int bindCommand(Context &ctx, const QStringList &words)
{
    if (words.size() != 2) {
        return ctx.usage(QStringLiteral("usage: bind KEY_ID INSTANCE_ID"));
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    if (!store->config().findInstance(words.at(1))) {
        return ctx.fail(
            QStringLiteral("there is no instance with id '%1'; 'instances list' shows the ids").arg(words.at(1)));
    }
    if (!editKey(ctx, words.at(0), [&](QJsonObject &o) { o.insert(QStringLiteral("instance"), words.at(1)); })) {
        return kExitFailure;
    }
    ctx.out() << "bound " << words.at(0) << " to " << words.at(1) << Qt::endl;
    return kExitOk;
}

int unbindCommand(Context &ctx, const QStringList &words)
{
    if (words.size() != 1) {
        return ctx.usage(QStringLiteral("usage: unbind KEY_ID"));
    }
    if (!ctx.loadConfig() || !editKey(ctx, words.at(0), [](QJsonObject &o) { o.remove(QStringLiteral("instance")); })) {
        return kExitFailure;
    }
    ctx.out() << "unbound " << words.at(0) << Qt::endl;
    return kExitOk;
}

} // namespace ga::cli
