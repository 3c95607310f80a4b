// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/orphansecrets.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyexchange.h"
#include "keys/keyjson.h"
#include "keys/keypool.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/proxysettings.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSaveFile>

namespace ga::cli {
namespace {

// `keys doctor` waits this long for a command that is in the middle of writing secrets.
constexpr int kDoctorWaitMs = 10'000;

// "1,000,000", as messages write it.
QString importLineLimit()
{
    return QLocale(QLocale::English).toString(qlonglong(keys::kMaxImportLines));
}

// The daemon's learned key state (keystate.json beside the config), read into a pool for reporting.
std::unique_ptr<keys::KeyPool> loadKeyState(Context &ctx)
{
    auto pool = std::make_unique<keys::KeyPool>();
    std::vector<keys::PoolKeyConfig> configs;
    for (const config::KeyEntry &k : ctx.loadConfig()->config().keys) {
        configs.push_back(keys::PoolKeyConfig { k.id, QByteArray(), k.group, k.weight, k.enabled });
    }
    pool->setKeys(std::move(configs));
    QFile f(config::keyStatePath(ctx.configPath()));
    if (f.open(QIODevice::ReadOnly)) {
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
        if (doc.isObject()) {
            pool->loadState(doc.object());
            // `keys enable` / a passing `keys test` after the daemon last saved: those marks are gone.
            const QDateTime savedAt
                = QDateTime::fromString(doc.object().value(u"savedAt").toString(), Qt::ISODateWithMs);
            for (const config::KeyEntry &k : ctx.loadConfig()->config().keys) {
                if (k.resetAt.isValid() && (!savedAt.isValid() || k.resetAt > savedAt)) {
                    pool->clearKeyState(k.id);
                }
            }
        }
    }
    return pool;
}

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

// Stores the secrets (in one batch) and then the metadata of `items`; undoes the secrets when the config
// cannot be saved. Returns the entries added, or nullopt after saying why.
std::optional<QList<config::KeyEntry>> storeKeys(Context &ctx, const QList<keys::ImportItem> &items)
{
    QSet<QString> ids;
    for (const config::KeyEntry &k : ctx.loadConfig()->config().keys) {
        ids.insert(k.id);
    }
    QList<config::KeyEntry> added;
    secrets::SecretStore::Entries writes;
    added.reserve(items.size());
    writes.reserve(items.size());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const keys::ImportItem &item : items) {
        config::KeyEntry e;
        e.id = keys::newId(u'k', ids);
        ids.insert(e.id);
        e.label = item.label;
        e.group = item.group;
        e.weight = item.weight;
        e.enabled = item.enabled;
        e.fingerprint = item.key.fingerprint;
        e.hint = item.key.hint;
        e.added = now;
        added.append(e);
        writes.append({ keys::secretEntryName(e.id), item.key.secret });
    }
    if (added.isEmpty()) {
        return added;
    }
    QStringList names;
    for (const auto &write : std::as_const(writes)) {
        names.append(write.first);
    }
    auto undo = [&ctx, &names] {
        QStringList removed;
        for (const QString &name : std::as_const(names)) {
            const secrets::SecretResult r = ctx.removeSecret(name);
            if (r.ok() || r.error == secrets::SecretError::NotFound) {
                removed.append(name);
            }
        }
        ctx.settleSecrets(removed); // what could not be removed stays pending: the next start removes it
    };
    // Secrets first: the config never names a key whose secret is missing. Until it names them the journal does, so
    // a command killed in between leaves no orphan behind (the next start removes those secrets).
    if (!ctx.journalSecrets(names)) {
        return std::nullopt;
    }
    secrets::SecretStore *store = ctx.openSecrets();
    const secrets::SecretResult written = secrets::waitFor(
        [&](QObject *context, secrets::SecretStore::Callback done) { store->writeMany(writes, context, done); });
    if (!written.ok()) {
        undo();
        ctx.fail(written.message);
        return std::nullopt;
    }
    const bool saved = applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray list = keyItems(doc);
        for (const config::KeyEntry &e : std::as_const(added)) {
            list.append(config::schema::toJson(e));
        }
        setKeyItems(doc, list);
        return QString();
    });
    if (!saved) {
        undo();
        return std::nullopt;
    }
    ctx.settleSecrets(names);
    qCInfo(lcKeys) << "added" << added.size() << "key(s) to" << ctx.secretStoreName();
    return added;
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

QString shortTime(qint64 ms)
{
    if (ms < 0) {
        return QStringLiteral("-");
    }
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

int listKeys(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const QList<config::KeyEntry> &keys = store->config().keys;
    const std::unique_ptr<keys::KeyPool> pool = loadKeyState(ctx);
    QHash<QString, keys::KeyReport> reports;
    for (keys::KeyReport &r : pool->report()) {
        reports.insert(r.id, std::move(r));
    }
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const config::KeyEntry &k : keys) {
            arr.append(keys::keyListJson(k, reports.value(k.id)));
        }
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (keys.isEmpty()) {
        ctx.note(QStringLiteral("no keys yet; add one with: echo \"$GEMINI_KEY\" | gemini-aggregatord keys add"));
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("LABEL"), QStringLiteral("KEY"),
        QStringLiteral("WEIGHT"), QStringLiteral("GROUP"), QStringLiteral("ENABLED"), QStringLiteral("INSTANCE"),
        QStringLiteral("STATE"), QStringLiteral("TODAY") } };
    auto orDash = [](const QString &s) { return s.isEmpty() ? QStringLiteral("-") : s; };
    QStringList notes;
    for (const config::KeyEntry &k : keys) {
        const keys::KeyReport r = reports.value(k.id);
        QString state = keys::keyStatusName(r.status);
        if (r.status == keys::KeyStatus::Cooling && r.untilMs >= 0) {
            state += QStringLiteral(" until ") + shortTime(r.untilMs);
        }
        rows.append({ k.id, orDash(k.label), k.masked(), QString::number(k.weight), orDash(k.group),
            k.enabled ? QStringLiteral("yes") : QStringLiteral("no"), orDash(k.instance), state,
            QString::number(r.requestsToday) });
        if (!r.reason.isEmpty()) {
            notes << QStringLiteral("%1: %2").arg(k.id, r.reason);
        }
    }
    printTable(ctx.out(), rows);
    for (const QString &n : std::as_const(notes)) {
        ctx.out() << n << Qt::endl;
    }
    return kExitOk;
}

int keyStats(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const std::unique_ptr<keys::KeyPool> pool = loadKeyState(ctx);
    const std::vector<keys::KeyReport> reports = pool->report();
    QJsonArray arr;
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("DAY"), QStringLiteral("MODEL"),
        QStringLiteral("REQUESTS"), QStringLiteral("ERRORS"), QStringLiteral("PROMPT"), QStringLiteral("OUTPUT"),
        QStringLiteral("TOTAL") } };
    for (const keys::KeyReport &r : reports) {
        for (const auto &[day, models] : r.usage) {
            for (const auto &[model, u] : models) {
                QStringList errorText;
                for (auto e = u.errors.constBegin(); e != u.errors.constEnd(); ++e) {
                    errorText << QStringLiteral("%1=%2").arg(e.key()).arg(e.value());
                }
                rows.append({ r.id, day, model, QString::number(u.requests),
                    errorText.isEmpty() ? QStringLiteral("-") : errorText.join(u' '), QString::number(u.promptTokens),
                    QString::number(u.outputTokens), QString::number(u.totalTokens) });
            }
        }
        arr.append(keys::keyStatsJson(r));
    }
    if (ctx.args().has(QStringLiteral("json"))) {
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (rows.size() == 1) {
        ctx.note(QStringLiteral("no usage recorded yet (the daemon records it in %1)")
                     .arg(config::keyStatePath(store->path())));
        return kExitOk;
    }
    printTable(ctx.out(), rows);
    for (const keys::KeyReport &r : reports) {
        if (!r.lastError.isEmpty()) {
            ctx.out() << r.id << " last error: " << r.lastError << Qt::endl;
        }
    }
    return kExitOk;
}

int testKeys(Context &ctx, const QStringList &ids)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    QList<config::KeyEntry> targets;
    for (const config::KeyEntry &k : store->config().keys) {
        if (ids.isEmpty() || ids.contains(k.id)) {
            targets.append(k);
        }
    }
    for (const QString &id : ids) {
        if (!store->config().findKey(id)) {
            return ctx.fail(QStringLiteral("there is no key with id '%1'; 'keys list' shows the ids").arg(id));
        }
    }
    if (targets.isEmpty()) {
        return ctx.fail(QStringLiteral("there are no keys to test; add one with: gemini-aggregatord keys add"));
    }
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(store->config(), &error);
    if (!settings) {
        return ctx.fail(error);
    }
    keys::HealthChecker checker;
    QList<QStringList> rows { { QStringLiteral("ID"), QStringLiteral("RESULT"), QStringLiteral("STATUS"),
        QStringLiteral("LATENCY"), QStringLiteral("DETAIL") } };
    QStringList revived;
    bool allValid = true;
    for (const config::KeyEntry &k : std::as_const(targets)) {
        const secrets::SecretResult secret = ctx.readSecret(keys::secretEntryName(k.id));
        if (!secret.ok()) {
            rows.append({ k.id, QStringLiteral("error"), QStringLiteral("-"), QStringLiteral("-"), secret.message });
            allValid = false;
            continue;
        }
        logging::Redactor::addSecret(secret.value);
        QEventLoop loop;
        keys::HealthResult result;
        QObject::connect(&checker, &keys::HealthChecker::finished, &loop, [&](const keys::HealthResult &r) {
            result = r;
            loop.quit();
        });
        checker.check(k.id, secret.value, settings->upstream);
        loop.exec();
        checker.disconnect(&loop);
        rows.append({ k.id, keys::healthVerdictName(result.verdict),
            result.status ? QString::number(result.status) : QStringLiteral("-"),
            QStringLiteral("%1 ms").arg(result.latencyMs), logging::Redactor::redact(result.message) });
        if (result.verdict == keys::HealthVerdict::Valid) {
            revived << k.id;
        } else {
            allValid = false;
        }
    }
    printTable(ctx.out(), rows);
    // A key that passes is back in rotation: the running daemon sees resetAt change and forgets its marks.
    if (!revived.isEmpty()) {
        const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        applyConfigChange(ctx, [&](QJsonObject &doc) {
            QJsonArray items = keyItems(doc);
            for (qsizetype i = 0; i < items.size(); ++i) {
                QJsonObject o = items.at(i).toObject();
                if (revived.contains(o.value(u"id").toString())) {
                    o.insert(QStringLiteral("resetAt"), now);
                    items.replace(i, o);
                }
            }
            setKeyItems(doc, items);
            return QString();
        });
    }
    return allValid ? kExitOk : kExitFailure;
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
    // The config first, then the secret; the journal names it in between, so a kill leaves no orphan behind.
    const QString entry = keys::secretEntryName(id);
    if (!ctx.openSecrets() || !ctx.journalSecrets({ entry })) {
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
        ctx.settleSecrets({ entry });
        return kExitFailure;
    }
    const secrets::SecretResult removed = ctx.removeSecret(entry);
    if (!removed.ok() && removed.error != secrets::SecretError::NotFound) {
        return ctx.fail(QStringLiteral("key %1 was removed from the config, but its secret could not be deleted (the "
                                       "next start retries): %2")
                            .arg(id, removed.message));
    }
    ctx.settleSecrets({ entry });
    ctx.out() << "removed " << id << Qt::endl;
    return kExitOk;
}

// keys doctor [--fix]: secrets no config entry names — left by a command killed between its two writes (the journal
// says which), or found by listing the store (not the OS keychain, which cannot list) — and, with --fix, removes them.
int doctorKeys(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("'keys doctor' takes no arguments (add --fix to remove what it finds)"));
    }
    secrets::SecretStore *store = ctx.loadConfig() ? ctx.openSecrets() : nullptr;
    if (!store) {
        return kExitFailure;
    }
    daemon::OrphanedSecrets orphans(ctx.configPath(), store);
    QString error;
    if (!orphans.scan(kDoctorWaitMs, true, &error)) {
        return ctx.fail(error);
    }
    if (!orphans.storeListed()) {
        ctx.note(QStringLiteral("%1 cannot list its entries, so only secrets left by interrupted commands were checked")
                     .arg(store->description()));
    }
    const QStringList found = orphans.interrupted() + orphans.unnamed();
    const bool fix = ctx.args().has(QStringLiteral("fix"));
    QStringList failures;
    if (found.isEmpty()) {
        if (fix) {
            orphans.remove({}, &failures); // forgets the journal's settled lines
        }
        ctx.out() << "no orphaned secrets in " << store->description() << Qt::endl;
        return kExitOk;
    }
    if (!fix) {
        QList<QStringList> rows { { QStringLiteral("SECRET"), QStringLiteral("FOUND") } };
        for (const QString &name : orphans.interrupted()) {
            rows.append({ name, QStringLiteral("left by an interrupted command") });
        }
        for (const QString &name : orphans.unnamed()) {
            rows.append({ name, QStringLiteral("in the store, named by no entry of ") + ctx.configPath() });
        }
        printTable(ctx.out(), rows);
        return ctx.fail(QStringLiteral("%1 orphaned secret(s) found; remove them with: gemini-aggregatord keys doctor "
                                       "--fix (unless another config uses the same secret store)")
                            .arg(found.size()));
    }
    for (const QString &name : orphans.remove(found, &failures)) {
        ctx.out() << "removed " << name << Qt::endl;
    }
    for (const QString &failure : std::as_const(failures)) {
        ctx.note(failure);
    }
    return failures.isEmpty() ? kExitOk
                              : ctx.fail(QStringLiteral("%1 orphaned secret(s) are left; fix the cause above and run "
                                                        "'keys doctor --fix' again")
                                             .arg(failures.size()));
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
        const bool enable = sub == u"enable";
        const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
        if (!ctx.loadConfig() || !editKey(ctx, rest.first(), [enable, &now](QJsonObject &o) {
                o.insert(QStringLiteral("enabled"), enable);
                if (enable) {
                    o.insert(QStringLiteral("resetAt"), now); // re-enabling also clears invalid/cooling marks
                }
            })) {
            return kExitFailure;
        }
        ctx.out() << (enable ? "enabled " : "disabled ") << rest.first() << Qt::endl;
        return kExitOk;
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
