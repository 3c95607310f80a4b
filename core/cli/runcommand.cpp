// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin/adminapi.h"
#include "app/startup.h"
#include "cli/commands.h"
#include "daemon/service.h"
#include "daemon/signalwatcher.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"

#include <QCoreApplication>

namespace ga::cli {

int runCommand(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("'run' takes no arguments"));
    }
    app::StartupOptions startup;
    startup.logLevelPinned = ctx.args().has(QStringLiteral("log-level"));
    if (const app::Outcome prepared = app::prepareRun(ctx.session(), startup); !prepared.ok()) {
        return ctx.finish(prepared);
    }
    // From here on a long-running process: its threads queue log lines to a writer thread instead of writing them
    // (one record per request); stopped, and drained, at exit.
    logging::startLogWriter();
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
    admin::install(app::serviceRuntime(service));
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
