// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "secrets/secretjournal.h"

#include <QSet>
#include <QString>
#include <QStringList>

namespace ga::secrets {
class SecretStore;
}

namespace ga::daemon {

// The secret-store entries `config` names: "key/<id>", "relay/<id>" and "token/<name>", plus the admin token and the
// JWT secret, which are never orphans whatever the config says.
QSet<QString> secretsNamedBy(const config::Config &config);

// Secrets no config entry names ("orphans"): what `keys doctor` shows and removes, and what each start removes
// (core/secrets/README.md, "Orphaned secrets"). Not thread-safe; the secret-store calls run to completion in a local
// event loop, as in the CLI.
class OrphanedSecrets final
{
public:
    OrphanedSecrets(const QString &configPath, secrets::SecretStore *store);
    ~OrphanedSecrets();
    OrphanedSecrets(const OrphanedSecrets &) = delete;
    OrphanedSecrets &operator=(const OrphanedSecrets &) = delete;

    // Takes the journal's lock (up to `waitMs`: a command in the middle of its writes finishes first), reads the
    // config again from disk, and finds the journal's pending names it does not name. With `listStore`, also the
    // store's own entries of the kinds a config names (key/, relay/, token/) that it does not name, when the store
    // can list them (the OS keychain cannot). False with one sentence when it cannot tell. The lock is kept until
    // this object is destroyed.
    bool scan(int waitMs, bool listStore, QString *error);
    // Left by a command that was interrupted between its secret write and its config write.
    QStringList interrupted() const { return m_interrupted; }
    // In the store, named by no config entry, not in the journal (from before it existed, or another config's).
    QStringList unnamed() const { return m_unnamed; }
    bool storeListed() const { return m_listed; }

    // Removes the secrets of `names` (from the two lists above) and forgets them, and the journal's settled lines.
    // Returns what was removed; each failure goes to `failures` as one sentence.
    QStringList remove(const QStringList &names, QStringList *failures);

private:
    QString m_configPath;
    secrets::SecretStore *m_store;
    secrets::SecretJournal m_journal;
    QStringList m_interrupted;
    QStringList m_unnamed;
    QStringList m_settled; // journal lines whose entry the config names, or whose secret is gone
    bool m_listed = false;
};

// At every start (Service::start: the daemon and the desktop app): removes the secrets the journal names and the
// config does not, and logs each name (never a value). Returns at once when there is no journal.
void removeInterruptedSecrets(const QString &configPath, secrets::SecretStore *store);

} // namespace ga::daemon
