// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "config/configpaths.h"
#include "daemon/service.h"
#include "daemon/signalwatcher.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "security/accesstoken.h"
#include "version.h"

#include <QCoreApplication>

namespace ga::cli {

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
    // Opening the keychain is lazy; the token read is the first real call and shows whether it works.
    // With no token at all (and no JWTs), the 'default' one is made, so clients have something to use.
    const config::Config &before = store->config();
    if (QString refused; !config::listenPolicyAllows(before, &refused)) {
        return ctx.fail(refused); // before anything is created: a refused start changes nothing
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
