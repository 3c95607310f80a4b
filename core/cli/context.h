// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cli/args.h"
#include "config/configstore.h"
#include "secrets/secretjournal.h"
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

inline constexpr const char *kPassphraseEnvVar = "GEMINI_AGGREGATOR_PASSPHRASE";
inline constexpr const char *kSecretStoreEnvVar = "GEMINI_AGGREGATOR_SECRET_STORE";

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
    // The last sentence fail() printed (the desktop app shows it in a dialog).
    QString lastError() const { return m_lastError; }
    int usage(const QString &sentence);
    void note(const QString &sentence);

    QString configPath() const { return m_configPath; }
    // Loads and validates the config; on errors prints every problem and returns nullptr. Never writes.
    config::ConfigStore *loadConfig();
    // The secret store chosen by --secret-store, $GEMINI_AGGREGATOR_SECRET_STORE or secrets.store.
    // Prints the reason and returns nullptr when it cannot be opened.
    secrets::SecretStore *openSecrets();
    QString secretStoreName() const;

    // `run` and the desktop app wait for an OS keychain that is still starting (prepareRun). The app shows the wait in
    // its tray: the observer gets `true` after each probe that found the keychain unavailable, and `false` once when
    // the wait ends (only after a `true`). It runs inside prepareRun, from its local event loop.
    void setKeychainWaitObserver(std::function<void(bool waiting)> observer);
    void keychainWaiting(bool waiting) const;

    // Runs a secret-store call to completion.
    secrets::SecretResult readSecret(const QString &name);
    secrets::SecretResult writeSecret(const QString &name, const QByteArray &value);
    secrets::SecretResult removeSecret(const QString &name);

    // A change that writes a secret and then the config entry naming it (or drops the entry and then its secret) is
    // recoverable through the secret journal (secrets/secretjournal.h): journalSecrets() before the first step,
    // settleSecrets() once config and store agree; the journal's lock is held in between. A command killed in
    // between leaves the names pending, and the next start removes the secrets the config does not name.
    // journalSecrets() prints why and returns false when the journal cannot be written (then change nothing).
    bool journalSecrets(const QStringList &names);
    void settleSecrets(const QStringList &names);

private:
    std::optional<QByteArray> passphraseFor(const QString &path, bool fileExists);

    Args m_args;
    QTextStream m_out;
    QTextStream m_err;
    QString m_configPath;
    QString m_lastError;
    std::unique_ptr<config::ConfigStore> m_config;
    std::unique_ptr<secrets::SecretStore> m_secrets;
    std::unique_ptr<secrets::SecretJournal> m_journal;
    QStringList m_journaled;
    std::function<void(bool waiting)> m_keychainWaitObserver;
};

} // namespace ga::cli
