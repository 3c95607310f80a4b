// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin/adminapi.h"
#include "cli/commands.h"
#include "config/configpaths.h"
#include "daemon/service.h"
#include "daemon/signalwatcher.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "secrets/keychainsecretstore.h"
#include "secrets/storereadiness.h"
#include "security/accesstoken.h"
#include "version.h"

#include <QCoreApplication>
#include <QElapsedTimer>

namespace ga::cli {
namespace {

// While waiting for the keychain, at most one log line per this many milliseconds.
constexpr qint64 kKeychainWaitLogEveryMs = 5000;

QString seconds(qint64 ms)
{
    return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
}

// Started at login (the app's autostart entry, a systemd user service), we often come up before the Secret Service:
// "unavailable" is then retried for up to a minute instead of failing at once (secrets/storereadiness.h). The log says
// so at most every few seconds; its lines carry QtKeychain's cause, never a secret. After the limit it fails with the
// same sentence as an unavailable keychain always did.
int waitForKeychain(Context &ctx, secrets::SecretStore *store)
{
    secrets::StoreReadiness readiness(store, QLatin1String(security::kAdminTokenEntry)); // read next anyway
    readiness.setLimitMs(secrets::StoreReadiness::limitFromEnvironment());
    QElapsedTimer sinceLog;
    QObject::connect(&readiness, &secrets::StoreReadiness::waiting, &readiness,
        [&](int attempt, qint64 elapsedMs, int retryInMs, const QString &message) {
            if (!sinceLog.isValid()) {
                qCInfo(lcSecrets).noquote()
                    << QStringLiteral("waiting for the OS keychain, up to %1 (it may still be starting): %2")
                           .arg(seconds(secrets::StoreReadiness::limitFromEnvironment()), message);
                sinceLog.start();
            } else if (sinceLog.elapsed() >= kKeychainWaitLogEveryMs) {
                qCInfo(lcSecrets).noquote()
                    << QStringLiteral("still waiting for the OS keychain: attempt %1 after %2, next in %3")
                           .arg(QString::number(attempt), seconds(elapsedMs), seconds(retryInMs));
                sinceLog.restart();
            }
            ctx.keychainWaiting(true);
        });
    const secrets::SecretResult ready = readiness.wait();
    if (readiness.attempts() > 1) {
        ctx.keychainWaiting(false);
        if (ready.ok()) {
            qCInfo(lcSecrets).noquote() << QStringLiteral("the OS keychain answered after %1 (attempt %2)")
                                               .arg(seconds(readiness.elapsedMs()),
                                                   QString::number(readiness.attempts()));
        } else {
            qCWarning(lcSecrets).noquote()
                << QStringLiteral("stopped waiting for the OS keychain after %1").arg(seconds(readiness.elapsedMs()));
        }
    }
    return ready.ok() ? kExitOk : ctx.fail(ready.message);
}

} // namespace

int prepareRun(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    if (!ctx.args().has(QStringLiteral("log-level"))) {
        if (const auto level = logging::parseLogLevel(store->config().logLevel)) {
            logging::setLogLevel(*level);
        }
    }
    secrets::SecretStore *secrets = ctx.openSecrets();
    if (!secrets) {
        return kExitFailure;
    }
    // Opening the keychain is lazy; the first real call shows whether it works (waiting while it starts).
    // With no token at all (and no JWTs), the 'default' one is made, so clients have something to use.
    const config::Config &before = store->config();
    if (QString refused; !config::listenPolicyAllows(before, &refused)) {
        return ctx.fail(refused); // before anything is created: a refused start changes nothing
    }
    if (qobject_cast<secrets::KeychainSecretStore *>(secrets)) { // a file is never "not up yet"
        if (const int waited = waitForKeychain(ctx, secrets); waited != kExitOk) {
            return waited;
        }
    }
    if (before.tokens.isEmpty() && !before.jwt.enabled()) {
        bool created = false;
        if (ensureAccessToken(ctx, &created).isEmpty()) {
            return kExitFailure;
        }
        if (created) {
            qCInfo(lcSecurity) << "created the access token 'default'; print it with: gemini-aggregatord token show";
        }
    } else if (!before.tokens.isEmpty()) {
        const secrets::SecretResult probe = ctx.readSecret(security::tokenEntryName(before.tokens.first().name));
        if (!probe.ok() && probe.error != secrets::SecretError::NotFound) {
            return ctx.fail(probe.message);
        }
    }

    bool adminCreated = false;
    if (ensureAdminToken(ctx, false, &adminCreated).isEmpty()) {
        return kExitFailure;
    }
    if (adminCreated) {
        qCInfo(lcSecurity) << "created the admin API token; print it with: gemini-aggregatord token show --admin";
    }
    const config::Config &cfg = store->config();
    qCInfo(lcDaemon).noquote() << kDaemonName << kVersion << "pid" << QCoreApplication::applicationPid();
    qCInfo(lcDaemon).noquote() << "config:" << store->path();
    qCInfo(lcDaemon).noquote() << "secrets:"
                               << (ctx.secretStoreName() == u"file"
                                          ? QStringLiteral("encrypted file %1").arg(config::secretFilePath(cfg))
                                          : QStringLiteral("OS keychain, service '%1'").arg(QLatin1String(kAppName)));
    qCInfo(lcDaemon).noquote() << "keys:" << cfg.keys.size() << "instances:" << cfg.instances.size()
                               << "mode:" << config::routingModeName(cfg.routingMode);
    return kExitOk;
}

int runCommand(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("'run' takes no arguments"));
    }
    if (const int prepared = prepareRun(ctx); prepared != kExitOk) {
        return prepared;
    }
    config::ConfigStore *store = ctx.loadConfig();
    secrets::SecretStore *secrets = ctx.openSecrets();

    // Signals are caught before anything can say "ready": a stop right after it must end cleanly.
    daemon::SignalWatcher watcher;
    int exitCode = kExitOk;
    QObject::connect(&watcher, &daemon::SignalWatcher::stopRequested, qApp, [](const QString &name) {
        qCInfo(lcDaemon).noquote() << "received" << name << "- stopping";
        QCoreApplication::exit(kExitOk);
    });
    daemon::Service service(store, secrets);
    admin::install(service);
    if (ctx.args().has(QStringLiteral("log-level"))) {
        service.pinLogLevel();
    }
    if (ctx.args().has(QStringLiteral("log-format"))) {
        service.pinLogFormat();
    }
    // Ready once keys and relays are loaded: a request before that would find an empty pool.
    QObject::connect(&service, &daemon::Service::ready, &service, [&service](int count) {
        qCInfo(lcDaemon).noquote() << "ready: listening on" << service.listenUrl() << "with" << count
                                   << "key(s) - point clients at it (see README: Pointing clients at it)";
    });
    QString error;
    if (!service.start(&error)) {
        return ctx.fail(error);
    }

    exitCode = QCoreApplication::exec();
    qCInfo(lcDaemon) << "stopped";
    return exitCode;
}

} // namespace ga::cli
