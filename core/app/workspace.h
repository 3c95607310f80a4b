// SPDX-License-Identifier: GPL-3.0-or-later
// The stores an application operation works on: the config (its file and in-memory state), the secret store, and
// the secrets journal beside the config. The CLI makes one over the file it was pointed at; the running service
// (admin API, desktop app) over its own stores. Operations change only what a Workspace gives them, so the CLI,
// `--remote`, the admin API and the GUI carry out one implementation of each rule.
#pragma once

#include "app/outcome.h"
#include "config/configstore.h"
#include "secrets/secretjournal.h"
#include "secrets/secretstore.h"

#include <QObject>
#include <QStringList>

#include <memory>

namespace ga::app {

// The secrets journal (secrets/secretjournal.h) around a write in two steps, secret and config: if the process dies
// between them, the next start removes the secrets the config does not name. Locked from begin() until every name
// is settled or the last copy of the hold is gone.
class JournalHold
{
public:
    static std::shared_ptr<JournalHold> begin(
        const QString &configPath, const QStringList &names, int waitMs, QString *error);
    ~JournalHold();
    JournalHold(const JournalHold &) = delete;
    JournalHold &operator=(const JournalHold &) = delete;

    // Config and store agree about these names: they leave the journal. A name not settled stays journaled when
    // the hold ends (its secret could not be removed: the next start does it).
    void settle(const QStringList &names);
    void settleAll() { settle(m_names); }

private:
    JournalHold(const QString &path, QStringList names);

    secrets::SecretJournal m_journal;
    QStringList m_names;
};

class Workspace
{
public:
    // `secrets` may be null for work that touches only the config. `journalWaitMs`: how long a two-step write waits
    // for another one to finish (short on the service's thread, longer for a command).
    Workspace(config::ConfigStore *config, secrets::SecretStore *secrets, int journalWaitMs);
    ~Workspace();
    Workspace(const Workspace &) = delete;
    Workspace &operator=(const Workspace &) = delete;

    config::ConfigStore &configStore() const { return *m_config; }
    const config::Config &config() const { return m_config->config(); }
    secrets::SecretStore *secretStore() const { return m_secrets; }
    void setSecretStore(secrets::SecretStore *secrets) { m_secrets = secrets; }
    // The object secret-store answers are delivered to (it lives on the workspace's thread, and dies with it).
    QObject *context() { return &m_context; }

    // Saves a change to the config; the store's refusal as an Outcome.
    Outcome update(const config::ConfigStore::Change &change);
    // Holds the journal for `names`, or returns null with `*refused` set (Busy).
    std::shared_ptr<JournalHold> holdSecrets(const QStringList &names, Outcome *refused) const;
    // Removes `names` from the secret store, then settles in `hold` those that are gone.
    void removeSecrets(const QStringList &names, const std::shared_ptr<JournalHold> &hold,
        std::function<void(const QStringList &failures)> done);

private:
    config::ConfigStore *m_config;
    secrets::SecretStore *m_secrets;
    int m_journalWaitMs;
    QObject m_context;
};

} // namespace ga::app
