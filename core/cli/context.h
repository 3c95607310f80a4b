// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/outcome.h"
#include "app/session.h"
#include "cli/args.h"
#include "config/configstore.h"
#include "secrets/secretstore.h"

#include <QTextStream>

#include <functional>
#include <memory>

namespace ga::cli {

enum ExitCode
{
    kExitOk = 0,
    kExitFailure = 1,
    kExitUsage = 2
};

// What every command needs: the parsed words, the output streams, and lazily opened config and secrets.
// Errors are printed here, once, as one sentence that says what to do.
class Context
{
public:
    explicit Context(Args args);
    ~Context();
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    const Args &args() const { return m_args; }
    QTextStream &out() { return m_out; }

    int fail(const QString &sentence);
    int usage(const QString &sentence);
    void note(const QString &sentence);

    QString configPath() const { return m_session.configPath(); }
    // The config and secrets of this command (core/app/session.h); the desktop app and `run` start from it.
    app::Session &session() { return m_session; }
    // Loads and validates the config; on errors prints every problem and returns nullptr. Never writes.
    config::ConfigStore *loadConfig();
    // The secret store chosen by --secret-store, $GEMINI_AGGREGATOR_SECRET_STORE or secrets.store.
    // Prints the reason and returns nullptr when it cannot be opened.
    secrets::SecretStore *openSecrets();

    // The workspace application operations (core/app) change: the loaded config and (unless `withSecrets` is false,
    // for changes to the config alone) the opened secret store. Prints why and returns nullptr when either cannot be
    // opened.
    app::Workspace *workspace(bool withSecrets = true);
    // Runs an asynchronous operation to its end (app::await).
    app::Outcome await(const std::function<void(app::Done)> &start) { return app::await(start); }
    // Reports an operation that did not succeed (each problem, then its sentence; `notFoundHint` is added to a
    // NotFound one) and returns the exit code: kExitOk when it succeeded.
    int finish(const app::Outcome &outcome, const QString &notFoundHint = {});

    // Runs a secret-store call to completion.
    secrets::SecretResult readSecret(const QString &name);
    secrets::SecretResult writeSecret(const QString &name, const QByteArray &value);
    secrets::SecretResult removeSecret(const QString &name);
    // upstream.proxy's password from the secret store where `config`'s setting names a user; empty otherwise, or
    // when none is stored.
    QString upstreamProxyPassword(const config::Config &config);

private:
    // Prints why the session could not open something: usage for a name given wrongly, else a failure.
    void refused(const app::Outcome &why);

    Args m_args;
    QTextStream m_out;
    QTextStream m_err;
    app::Session m_session;
};

} // namespace ga::cli
