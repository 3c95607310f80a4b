// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <memory>

class QLockFile;

namespace ga::secrets {

// Makes "store the secret, then save the config entry that names it" recoverable (README: "Orphaned secrets").
// Before a secret is written under a new name (or removed after its entry), the command records the line
// "pending: <entry name>" here; once the config and the store agree again it drops the line. A pending name the
// config does not name after that command ended is an orphan: the next start removes its secret. It works for every
// store, the OS keychain included, because it never needs to list the store's entries.
//
// A transaction holds the journal's lock from add() to its last drop(), so a recovery (another process's start,
// `keys doctor --fix`) never mistakes a live transaction's secrets for orphans. A killed holder's lock is taken over
// at once (its PID is gone). Within one process the lock is shared: the daemon's admin API may run several
// transactions at once, and QLockFile would otherwise wait for its own process.
//
// The file is written with QSaveFile, mode 0600, and deleted when nothing is pending.
class SecretJournal final
{
public:
    explicit SecretJournal(QString path);
    ~SecretJournal(); // releases this object's share of the lock
    SecretJournal(const SecretJournal &) = delete;
    SecretJournal &operator=(const SecretJournal &) = delete;

    QString path() const { return m_path; }
    bool exists() const;

    // Waits up to `waitMs` for another process's transaction or recovery; false with one sentence when it cannot.
    bool lock(int waitMs, QString *error);
    bool isLocked() const { return m_lock != nullptr; }
    void unlock();

    // The rest needs the lock. Names are entry names ("key/k1a2b3c4"), never secrets.
    QStringList pending(QString *error) const;
    bool add(const QStringList &names, QString *error);
    bool drop(const QStringList &names, QString *error);

private:
    bool save(const QStringList &names, QString *error) const;

    QString m_path;
    std::shared_ptr<QLockFile> m_lock;
};

} // namespace ga::secrets
