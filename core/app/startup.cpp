// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/startup.h"

#include "app/tokenops.h"
#include "config/configpaths.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "secrets/keychainsecretstore.h"
#include "secrets/storereadiness.h"
#include "security/accesstoken.h"
#include "version.h"

#include <QCoreApplication>
#include <QElapsedTimer>

namespace ga::app {
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
Outcome waitForKeychain(secrets::SecretStore *store, const StartupOptions &options)
{
    secrets::StoreReadiness readiness(store, QLatin1String(security::kAdminTokenEntry)); // read next anyway
    readiness.setLimitMs(secrets::StoreReadiness::limitFromEnvironment());
    QElapsedTimer sinceLog;
    auto observe = [&options](bool waiting) {
        if (options.keychainWaiting) {
            options.keychainWaiting(waiting);
        }
    };
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
            observe(true);
        });
    const secrets::SecretResult ready = readiness.wait();
    if (readiness.attempts() > 1) {
        observe(false);
        if (ready.ok()) {
            qCInfo(lcSecrets).noquote() << QStringLiteral("the OS keychain answered after %1 (attempt %2)")
                                               .arg(seconds(readiness.elapsedMs()),
                                                   QString::number(readiness.attempts()));
        } else {
            qCWarning(lcSecrets).noquote()
                << QStringLiteral("stopped waiting for the OS keychain after %1").arg(seconds(readiness.elapsedMs()));
        }
    }
    return ready.ok() ? Outcome::done() : Outcome::failed(ready.message);
}

// TokenOps::ensureAccess / ensureAdmin, to their end.
Outcome ensureToken(Workspace &ws, bool admin, bool *created)
{
    return await([&](Done done) {
        auto made = [created, done](const Outcome &o, const QByteArray &, bool isNew) {
            *created = isNew;
            done(o);
        };
        if (admin) {
            TokenOps(ws).ensureAdmin(false, made);
        } else {
            TokenOps(ws).ensureAccess(made);
        }
    });
}

} // namespace

Outcome prepareRun(Session &session, const StartupOptions &options)
{
    Outcome why;
    config::ConfigStore *store = session.config(&why);
    if (!store) {
        return why;
    }
    if (!options.logLevelPinned) {
        if (const auto level = logging::parseLogLevel(store->config().logLevel)) {
            logging::setLogLevel(*level);
        }
    }
    // Opening the keychain is lazy; the first real call shows whether it works (waiting while it starts).
    Workspace *ws = session.workspace(true, &why);
    if (!ws) {
        return why;
    }
    const config::Config &before = store->config();
    if (QString refused; !config::listenPolicyAllows(before, &refused)) {
        return Outcome::invalid(refused); // before anything is created: a refused start changes nothing
    }
    if (qobject_cast<secrets::KeychainSecretStore *>(ws->secretStore())) { // a file is never "not up yet"
        if (const Outcome waited = waitForKeychain(ws->secretStore(), options); !waited.ok()) {
            return waited;
        }
    }
    // With no token at all (and no JWTs), the 'default' one is made, so clients have something to use.
    if (before.tokens.isEmpty() && !before.jwt.enabled()) {
        bool created = false;
        if (const Outcome made = ensureToken(*ws, false, &created); !made.ok()) {
            return made;
        }
        if (created) {
            qCInfo(lcSecurity) << "created the access token 'default'; print it with: gemini-aggregatord token show";
        }
    } else if (!before.tokens.isEmpty()) {
        const secrets::SecretResult probe
            = secrets::waitFor([&](QObject *context, secrets::SecretStore::Callback done) {
                  ws->secretStore()->read(security::tokenEntryName(before.tokens.first().name), context, done);
              });
        if (!probe.ok() && probe.error != secrets::SecretError::NotFound) {
            return Outcome::failed(probe.message);
        }
    }
    bool adminCreated = false;
    if (const Outcome made = ensureToken(*ws, true, &adminCreated); !made.ok()) {
        return made;
    }
    if (adminCreated) {
        qCInfo(lcSecurity) << "created the admin API token; print it with: gemini-aggregatord token show --admin";
    }
    const config::Config &cfg = store->config();
    qCInfo(lcDaemon).noquote() << kDaemonName << kVersion << "pid" << QCoreApplication::applicationPid();
    qCInfo(lcDaemon).noquote() << "config:" << store->path();
    qCInfo(lcDaemon).noquote() << "secrets:"
                               << (session.secretStoreName() == u"file"
                                          ? QStringLiteral("encrypted file %1").arg(config::secretFilePath(cfg))
                                          : QStringLiteral("OS keychain, service '%1'").arg(QLatin1String(kAppName)));
    qCInfo(lcDaemon).noquote() << "keys:" << cfg.keys.size() << "instances:" << cfg.instances.size()
                               << "mode:" << config::routingModeName(cfg.routingMode);
    return Outcome::done();
}

} // namespace ga::app
