// SPDX-License-Identifier: GPL-3.0-or-later
// The stores a process works on, opened once and on demand: the config file it was pointed at and the secret store
// chosen for it. Each front end makes one (a CLI command, the daemon's `run`, the desktop app) and says how to get a
// passphrase for an encrypted secret file and where to show what it finds (the CLI: stderr; the app: its log).
#pragma once

#include "app/outcome.h"
#include "app/workspace.h"
#include "config/configstore.h"
#include "secrets/secretstore.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace ga::app {

inline constexpr const char *kPassphraseEnvVar = "GEMINI_AGGREGATOR_PASSPHRASE";
// A file that holds the passphrase (a container secret, /run/secrets/…): read once, one trailing newline dropped.
inline constexpr const char *kPassphraseFileEnvVar = "GEMINI_AGGREGATOR_PASSPHRASE_FILE";
// systemd's credential "passphrase" (LoadCredential=passphrase:/etc/gemini-aggregator/passphrase in a unit):
// $CREDENTIALS_DIRECTORY/passphrase is read when neither variable above is set.
inline constexpr const char *kCredentialsDirEnvVar = "CREDENTIALS_DIRECTORY";
inline constexpr const char *kPassphraseCredential = "passphrase";
inline constexpr const char *kSecretStoreEnvVar = "GEMINI_AGGREGATOR_SECRET_STORE";

class Session
{
public:
    struct Options
    {
        QString configPath; // as given (--config); empty: the default path
        QString secretStore; // "keychain" or "file" as given (--secret-store); empty: $GEMINI_AGGREGATOR_SECRET_STORE,
                             // then secrets.store
        // The passphrase of the encrypted secret file at `path` (`exists`: to open it, else to create it). Not
        // called when the environment gives one (passphraseFromEnvironment()). nullopt: none can be had (no terminal).
        std::function<std::optional<QByteArray>(const QString &path, bool exists)> passphrase;
        // One line about the config (a warning, each problem of an invalid file). Never contains a secret.
        std::function<void(const QString &line)> note;
        // How long a two-step secret write waits for another one (secrets/secretjournal.h). Another writer's
        // transaction takes well under a second; a keychain prompt may take longer.
        int journalWaitMs = 10'000;
    };

    explicit Session(Options options);
    ~Session();
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    QString configPath() const { return m_configPath; }
    // Loads and validates the config once; never writes it. nullptr with `*why` (Failed, every problem noted) when
    // the file is not valid.
    config::ConfigStore *config(Outcome *why);
    // Opens the chosen secret store once. nullptr with `*why`: Invalid for an unknown store name, Failed otherwise.
    secrets::SecretStore *secrets(Outcome *why);
    // "keychain" or "file": the store secrets() opens.
    QString secretStoreName() const;
    // What application operations change: the config and (`withSecrets`) the secret store.
    Workspace *workspace(bool withSecrets, Outcome *why);

private:
    Options m_options;
    QString m_configPath;
    std::unique_ptr<config::ConfigStore> m_config;
    std::unique_ptr<secrets::SecretStore> m_secrets;
    std::unique_ptr<Workspace> m_workspace;
};

// The file store's passphrase as the environment gives it, first of: $GEMINI_AGGREGATOR_PASSPHRASE, the file named by
// $GEMINI_AGGREGATOR_PASSPHRASE_FILE, systemd's credential $CREDENTIALS_DIRECTORY/passphrase (when that file exists).
// A file's one trailing newline ("\n" or "\r\n") is not part of it. nullopt with `*why` untouched: the environment
// names none; nullopt with `*why` Failed: it names one that cannot be used (both variables set, a file that cannot be
// read, an empty one). The message names the variable and the file, never what the file holds.
std::optional<QByteArray> passphraseFromEnvironment(Outcome *why);

// Runs an asynchronous operation to its end: a local event loop turns while the secret store answers. For front
// ends that work in steps (a command, the start-up); the running service never waits.
Outcome await(const std::function<void(Done)> &start);

} // namespace ga::app
