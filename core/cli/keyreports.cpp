// SPDX-License-Identifier: GPL-3.0-or-later
// The key commands that report: list, stats, test, doctor. (The ones that change keys are in keycommands.cpp.)
#include "cli/keyreports.h"

#include "app/keyops.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configpaths.h"
#include "daemon/orphansecrets.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyjson.h"
#include "keys/keypool.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/proxysettings.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace ga::cli {
namespace {

// `keys doctor` waits this long for a command that is in the middle of writing secrets.
constexpr int kDoctorWaitMs = 10'000;

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
    // The days before today the daemon keeps apart (keyusage.json), after keystate.json as the daemon reads them.
    if (QFile past(config::keyUsagePath(ctx.configPath())); past.open(QIODevice::ReadOnly)) {
        pool->loadPastUsage(QJsonDocument::fromJson(past.readAll()).object());
    }
    return pool;
}
QString shortTime(qint64 ms)
{
    if (ms < 0) {
        return QStringLiteral("-");
    }
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace

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
    const proxy::SettingsPtr settings
        = proxy::settingsFromConfig(store->config(), &error, ctx.upstreamProxyPassword(store->config()));
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
        app::KeyChange revive;
        revive.clearMarks = true;
        if (app::Workspace *ws = ctx.workspace(); ws && !app::KeyOps(*ws).change(revived, revive).ok()) {
            ctx.note(QStringLiteral("the keys that passed could not be marked as working again; a running daemon "
                                    "keeps them out of rotation until it tests them itself"));
        }
    }
    return allValid ? kExitOk : kExitFailure;
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

} // namespace ga::cli
