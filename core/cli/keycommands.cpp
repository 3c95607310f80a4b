// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/keyops.h"
#include "cli/commands.h"
#include "cli/keyreports.h"
#include "cli/terminal.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "keys/apikey.h"
#include "keys/keyexchange.h"
#include "keys/keyjson.h"
#include "logging/logging.h"
#include "logging/redact.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSaveFile>

namespace ga::cli {
namespace {

// "1,000,000", as messages write it.
QString importLineLimit()
{
    return QLocale(QLocale::English).toString(qlonglong(keys::kMaxImportLines));
}

// Stores `items` (app::KeyOps::add: secrets, then config, undone on failure). Returns the entries added, or
// nullopt after saying why.
std::optional<QList<config::KeyEntry>> storeKeys(Context &ctx, const QList<keys::ImportItem> &items)
{
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return std::nullopt;
    }
    QList<config::KeyEntry> added;
    const app::Outcome outcome = ctx.await([&](app::Done done) {
        app::KeyOps(*ws).add(items, [&added, done](const app::Outcome &o, const QList<config::KeyEntry> &entries) {
            added = entries;
            done(o);
        });
    });
    if (!outcome.ok()) {
        ctx.finish(outcome);
        return std::nullopt;
    }
    return added;
}

// Changes the keys in `ids` (app::KeyOps::change); prints `done` + the ids on success.
int changeKeys(Context &ctx, const QStringList &ids, const app::KeyChange &change, const QString &done)
{
    app::Workspace *ws = ctx.workspace(false);
    if (!ws) {
        return kExitFailure;
    }
    const app::Outcome outcome = app::KeyOps(*ws).change(ids, change);
    if (!outcome.ok()) {
        return ctx.finish(outcome, QStringLiteral("'keys list' shows the ids"));
    }
    ctx.out() << done << Qt::endl;
    return kExitOk;
}

QSet<QString> knownFingerprints(const config::Config &cfg)
{
    QSet<QString> known;
    for (const config::KeyEntry &k : cfg.keys) {
        known.insert(k.fingerprint);
    }
    return known;
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
    const Input input = readStandardInput(
        QStringLiteral("the keys"), QStringLiteral("echo \"$GEMINI_KEY\" | gemini-aggregatord keys add"));
    if (!input.ok()) {
        return ctx.fail(input.error);
    }
    if (keys::exceedsImportLines(input.data)) {
        return ctx.fail(QStringLiteral("standard input has more than %1 lines, the most one command reads; split the "
                                       "keys into parts and add each part")
                            .arg(importLineLimit()));
    }
    const keys::ImportPlan plan = keys::planImport(input.data, knownFingerprints(store->config()));
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
    QList<keys::ImportItem> items;
    for (qsizetype i = 0; i < plan.fresh.size(); ++i) {
        keys::ImportItem item;
        item.key = plan.fresh.at(i);
        item.label = plan.fresh.size() > 1 && !label.isEmpty() ? QStringLiteral("%1 %2").arg(label).arg(i + 1) : label;
        item.group = ctx.args().value(QStringLiteral("group"));
        item.weight = weight;
        items.append(item);
    }
    const std::optional<QList<config::KeyEntry>> added = storeKeys(ctx, items);
    if (!added) {
        return kExitFailure;
    }
    for (const config::KeyEntry &e : *added) {
        ctx.out() << "added " << e.id << "  " << e.masked()
                  << (e.label.isEmpty() ? QString() : QStringLiteral("  ") + e.label) << Qt::endl;
    }
    if (!plan.duplicateLines.isEmpty()) {
        ctx.note(QStringLiteral("skipped %1 duplicate key(s) (already configured or repeated)")
                     .arg(plan.duplicateLines.size()));
    }
    return kExitOk;
}

// The passphrase of an export: $GEMINI_AGGREGATOR_EXPORT_PASSPHRASE, or asked on the terminal.
std::optional<QByteArray> exportPassphrase(bool twice)
{
    if (qEnvironmentVariableIsSet("GEMINI_AGGREGATOR_EXPORT_PASSPHRASE")) {
        return qgetenv("GEMINI_AGGREGATOR_EXPORT_PASSPHRASE");
    }
    const auto first = promptHidden(QStringLiteral("Passphrase for the export: "));
    if (!first || !twice) {
        return first;
    }
    const auto second = promptHidden(QStringLiteral("Repeat the passphrase: "));
    if (!second || *second != *first) {
        return QByteArray();
    }
    return first;
}

// keys import FILE: plain text, CSV (key,label,weight,group) or our JSON export; a report, and only valid,
// new keys are added (the rest is listed by line).
int importKeys(Context &ctx, const QStringList &words)
{
    if (words.size() != 1) {
        return ctx.usage(QStringLiteral("usage: keys import FILE   (text: one key per line; CSV with a \"key\" column; "
                                        "or a file from 'export --with-secrets')"));
    }
    // Bounded: an endless file (/dev/zero) or a pipe nobody writes to ends with what to do, not bad_alloc or a hang.
    const Input input = readInputFile(words.first());
    if (!input.ok()) {
        return ctx.fail(input.error);
    }
    if (keys::exceedsImportLines(input.data)) {
        return ctx.fail(QStringLiteral("%1 has more than %2 lines, the most one import reads; split it into parts (for "
                                       "example: split -l 1000000 %1 part-) and import each part")
                            .arg(words.first(), importLineLimit()));
    }
    const QByteArray &text = input.data;
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    std::optional<QByteArray> passphrase;
    if (keys::exportNeedsPassphrase(text)) {
        passphrase = exportPassphrase(false);
        if (!passphrase) {
            return ctx.fail(QStringLiteral("this export's secrets are encrypted: set "
                                           "GEMINI_AGGREGATOR_EXPORT_PASSPHRASE or run from a terminal"));
        }
    }
    const keys::FileImportPlan plan = keys::planFileImport(text, knownFingerprints(store->config()), passphrase);
    if (!plan.error.isEmpty()) {
        return ctx.fail(QStringLiteral("%1: %2").arg(words.first(), plan.error));
    }
    QList<keys::ImportItem> items = plan.fresh;
    const QString label = ctx.args().value(QStringLiteral("label"));
    const QString group = ctx.args().value(QStringLiteral("group"));
    for (keys::ImportItem &item : items) {
        item.label = item.label.isEmpty() ? label : item.label;
        item.group = item.group.isEmpty() ? group : item.group;
    }
    const std::optional<QList<config::KeyEntry>> added = storeKeys(ctx, items);
    if (!added) {
        return kExitFailure;
    }
    const QString unit = plan.format == keys::KeyFileFormat::Export ? QStringLiteral("record") : QStringLiteral("line");
    for (const auto &[line, reason] : plan.rejectedLines) {
        ctx.note(QStringLiteral("%1 %2: %3").arg(unit).arg(line).arg(reason));
    }
    ctx.out() << "added " << added->size() << ", skipped " << plan.duplicateLines.size() << " duplicate(s), "
              << plan.rejectedLines.size() << " invalid" << Qt::endl;
    return kExitOk;
}

} // namespace

// export [--with-secrets] [--output FILE]: keys and instances as JSON; secrets only when asked, encrypted.
int exportCommand(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("usage: export [--with-secrets] [--output FILE]"));
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const config::Config &cfg = store->config();
    QMap<QString, QByteArray> secrets;
    QByteArray passphrase;
    const bool withSecrets = ctx.args().has(QStringLiteral("with-secrets"));
    if (withSecrets) {
        const std::optional<QByteArray> given = exportPassphrase(true);
        if (!given || given->isEmpty()) {
            return ctx.fail(QStringLiteral("an export with secrets needs a passphrase: set "
                                           "GEMINI_AGGREGATOR_EXPORT_PASSPHRASE or run from a terminal (and type it "
                                           "the same twice)"));
        }
        passphrase = *given;
        secrets::SecretStore *secretStore = ctx.openSecrets();
        if (!secretStore) {
            return kExitFailure;
        }
        QStringList names;
        for (const config::KeyEntry &k : cfg.keys) {
            names.append(keys::secretEntryName(k.id));
        }
        for (const config::InstanceEntry &i : cfg.instances) {
            names.append(QStringLiteral("relay/") + i.id);
        }
        secrets::SecretResult result;
        QEventLoop loop;
        QObject context;
        secretStore->readMany(names, &context, [&](const secrets::SecretResult &r, const QMap<QString, QByteArray> &v) {
            result = r;
            secrets = v;
            loop.quit();
        });
        loop.exec();
        if (!result.ok()) {
            return ctx.fail(result.message);
        }
        if (secrets.size() < names.size()) {
            ctx.note(QStringLiteral("%1 secret(s) are missing from the secret store and are not in the export")
                         .arg(names.size() - secrets.size()));
        }
    }
    const QByteArray out = keys::buildExport(cfg, withSecrets ? &secrets : nullptr, passphrase);
    const QString path = ctx.args().value(QStringLiteral("output"));
    if (path.isEmpty()) {
        ctx.out() << QString::fromUtf8(out);
        ctx.out().flush();
    } else {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            return ctx.fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        }
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        file.write(out);
        if (!file.commit()) {
            return ctx.fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        }
    }
    ctx.note(withSecrets ? QStringLiteral("exported %1 key(s) and %2 instance(s) with their secrets (encrypted)")
                               .arg(cfg.keys.size())
                               .arg(cfg.instances.size())
                         : QStringLiteral("exported %1 key(s) and %2 instance(s) without secrets (add --with-secrets "
                                          "to move keys to another machine)")
                               .arg(cfg.keys.size())
                               .arg(cfg.instances.size()));
    return kExitOk;
}

namespace {

int removeKey(Context &ctx, const QString &id)
{
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return kExitFailure;
    }
    const app::Outcome removed = ctx.await([&](app::Done done) { app::KeyOps(*ws).remove({ id }, done); });
    if (!removed.ok()) {
        return ctx.finish(removed, QStringLiteral("'keys list' shows the ids"));
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
    if (sub == u"import") {
        return importKeys(ctx, rest);
    }
    if (sub == u"list") {
        return rest.isEmpty() ? listKeys(ctx) : ctx.usage(QStringLiteral("'keys list' takes no arguments"));
    }
    if (sub == u"stats") {
        return rest.isEmpty() ? keyStats(ctx) : ctx.usage(QStringLiteral("'keys stats' takes no arguments"));
    }
    if (sub == u"test") {
        return testKeys(ctx, rest);
    }
    if (sub == u"doctor") {
        return doctorKeys(ctx, rest);
    }
    if (sub == u"remove" || sub == u"enable" || sub == u"disable") {
        if (rest.size() != 1) {
            return ctx.usage(QStringLiteral("'keys %1' takes one key id").arg(sub));
        }
        if (sub == u"remove") {
            return removeKey(ctx, rest.first());
        }
        app::KeyChange change;
        change.enabled = sub == u"enable"; // enabling also clears invalid/cooling marks
        return changeKeys(ctx, { rest.first() }, change, QStringLiteral("%1d %2").arg(sub, rest.first()));
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral(
                         "'keys' needs a subcommand: add, import, list, stats, test, remove, enable, disable, doctor")
                                   : QStringLiteral("'keys %1' is not a command").arg(sub));
}

int bindCommand(Context &ctx, const QStringList &words)
{
    if (words.size() != 2) {
        return ctx.usage(QStringLiteral("usage: bind KEY_ID INSTANCE_ID"));
    }
    app::KeyChange change;
    change.instance = words.at(1);
    return changeKeys(ctx, { words.at(0) }, change, QStringLiteral("bound %1 to %2").arg(words.at(0), words.at(1)));
}

int unbindCommand(Context &ctx, const QStringList &words)
{
    if (words.size() != 1) {
        return ctx.usage(QStringLiteral("usage: unbind KEY_ID"));
    }
    app::KeyChange change;
    change.instance = QString();
    return changeKeys(ctx, { words.at(0) }, change, QStringLiteral("unbound %1").arg(words.at(0)));
}

} // namespace ga::cli
