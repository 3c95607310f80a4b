// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon/orphansecrets.h"

#include "config/configpaths.h"
#include "config/configstore.h"
#include "keys/apikey.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"

#include <QEventLoop>
#include <QFileInfo>

namespace ga::daemon {
namespace {

// At start another command's transaction (under a second) is waited for; a longer one is left to the next start.
constexpr int kStartWaitMs = 2000;

// The kinds of entry a config names; nothing else in the store is ever taken for an orphan.
bool isConfigNamedKind(const QString &name)
{
    return name.startsWith(u"key/") || name.startsWith(u"relay/") || name.startsWith(u"token/");
}

secrets::SecretResult listNames(secrets::SecretStore *store, QStringList *names)
{
    QEventLoop loop;
    QObject context; // after the loop: destroyed first, so a late callback never reaches it
    secrets::SecretResult result;
    bool finished = false;
    store->list(&context, [&](const secrets::SecretResult &r, const QStringList &listed) {
        result = r;
        *names = listed;
        finished = true;
        loop.quit();
    });
    if (!finished) {
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    return result;
}

} // namespace

QSet<QString> secretsNamedBy(const config::Config &config)
{
    QSet<QString> names { QString::fromLatin1(security::kAdminTokenEntry),
        QString::fromLatin1(security::kJwtSecretEntry) };
    for (const config::KeyEntry &k : config.keys) {
        names.insert(keys::secretEntryName(k.id));
    }
    for (const config::InstanceEntry &i : config.instances) {
        names.insert(QStringLiteral("relay/") + i.id);
    }
    for (const config::TokenEntry &t : config.tokens) {
        names.insert(security::tokenEntryName(t.name));
    }
    return names;
}

OrphanedSecrets::OrphanedSecrets(const QString &configPath, secrets::SecretStore *store)
    : m_configPath(configPath)
    , m_store(store)
    , m_journal(config::secretJournalPath(configPath))
{ }

OrphanedSecrets::~OrphanedSecrets() = default;

bool OrphanedSecrets::scan(int waitMs, bool listStore, QString *error)
{
    m_interrupted.clear();
    m_unnamed.clear();
    m_settled.clear();
    m_listed = false;
    if (!m_journal.lock(waitMs, error)) {
        return false;
    }
    // Read again under the lock: a command that held it may just have saved the entries naming its secrets.
    config::ConfigStore fresh(m_configPath);
    if (fresh.load().hasErrors()) {
        *error = QStringLiteral("the config file %1 is not valid, so which secrets it names is unknown; fix it first "
                                "(gemini-aggregatord config check)")
                     .arg(m_configPath);
        return false;
    }
    const QSet<QString> named = secretsNamedBy(fresh.config());
    QString journalError;
    const QStringList pending = m_journal.pending(&journalError);
    if (!journalError.isEmpty()) {
        *error = journalError;
        return false;
    }
    QStringList stored;
    if (m_store->canList()) {
        const secrets::SecretResult listed = listNames(m_store, &stored);
        if (!listed.ok()) {
            *error = listed.message;
            return false;
        }
        m_listed = true;
    }
    for (const QString &name : pending) {
        // A pending line whose secret never got written (or is gone) is settled too, where the store can tell; so is
        // any name of a kind no config entry names (nothing our commands journal; never removed, whoever wrote it).
        const bool gone = m_listed && !stored.contains(name);
        if (named.contains(name) || gone || !isConfigNamedKind(name)) {
            m_settled.append(name);
        } else {
            m_interrupted.append(name);
        }
    }
    if (listStore) {
        for (const QString &name : std::as_const(stored)) {
            if (isConfigNamedKind(name) && !named.contains(name) && !m_interrupted.contains(name)) {
                m_unnamed.append(name);
            }
        }
    }
    return true;
}

QStringList OrphanedSecrets::remove(const QStringList &names, QStringList *failures)
{
    Q_ASSERT(m_journal.isLocked());
    QStringList removed;
    QStringList forget = m_settled;
    for (const QString &name : names) {
        if (!m_interrupted.contains(name) && !m_unnamed.contains(name)) {
            continue; // only what scan() found
        }
        const secrets::SecretResult r = secrets::waitFor(
            [&](QObject *context, secrets::SecretStore::Callback done) { m_store->remove(name, context, done); });
        if (!r.ok() && r.error != secrets::SecretError::NotFound) {
            failures->append(QStringLiteral("%1 could not be removed: %2").arg(name, r.message));
            continue;
        }
        removed.append(name);
        forget.append(name);
    }
    QString error;
    if (!forget.isEmpty() && !m_journal.drop(forget, &error)) {
        failures->append(error);
    }
    return removed;
}

void removeInterruptedSecrets(const QString &configPath, secrets::SecretStore *store)
{
    if (!store || !QFileInfo::exists(config::secretJournalPath(configPath))) {
        return;
    }
    OrphanedSecrets orphans(configPath, store);
    QString error;
    if (!orphans.scan(kStartWaitMs, false, &error)) {
        qCWarning(lcSecrets).noquote() << "secrets left by an interrupted command were not checked:" << error;
        return;
    }
    QStringList failures;
    for (const QString &name : orphans.remove(orphans.interrupted(), &failures)) {
        qCWarning(lcSecrets).noquote() << "removed the orphaned secret" << name
                                       << "(a command was interrupted before the config named it)";
    }
    for (const QString &failure : std::as_const(failures)) {
        qCWarning(lcSecrets).noquote() << "orphaned secret:" << failure;
    }
}

} // namespace ga::daemon
