// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workspace.h"

#include "config/configpaths.h"
#include "logging/logging.h"

namespace ga::app {

std::shared_ptr<JournalHold> JournalHold::begin(
    const QString &configPath, const QStringList &names, int waitMs, QString *error)
{
    auto hold = std::shared_ptr<JournalHold>(new JournalHold(config::secretJournalPath(configPath), names));
    if (!hold->m_journal.lock(waitMs, error) || !hold->m_journal.add(names, error)) {
        return nullptr;
    }
    return hold;
}

JournalHold::JournalHold(const QString &path, QStringList names)
    : m_journal(path)
    , m_names(std::move(names))
{ }

JournalHold::~JournalHold()
{
    m_journal.unlock(); // names still listed stay pending for the next start
}

void JournalHold::settle(const QStringList &names)
{
    if (!m_journal.isLocked() || names.isEmpty()) {
        return;
    }
    if (QString error; !m_journal.drop(names, &error)) {
        qCWarning(lcSecrets).noquote() << error; // the lines stay: the next start settles them
    }
    m_names.removeIf([&names](const QString &name) { return names.contains(name); });
    if (m_names.isEmpty()) {
        m_journal.unlock();
    }
}

Workspace::Workspace(config::ConfigStore *config, secrets::SecretStore *secrets, int journalWaitMs)
    : m_config(config)
    , m_secrets(secrets)
    , m_journalWaitMs(journalWaitMs)
{ }

Workspace::~Workspace() = default;

Outcome Workspace::update(const config::ConfigStore::Change &change)
{
    const config::ConfigStore::UpdateResult saved = m_config->update(change);
    return saved.ok ? Outcome::done() : Outcome::refused(saved);
}

std::shared_ptr<JournalHold> Workspace::holdSecrets(const QStringList &names, Outcome *refused) const
{
    QString why;
    auto hold = JournalHold::begin(m_config->path(), names, m_journalWaitMs, &why);
    if (!hold) {
        *refused = Outcome::busy(QStringLiteral("nothing was changed: %1").arg(why));
    }
    return hold;
}

void Workspace::removeSecrets(const QStringList &names, const std::shared_ptr<JournalHold> &hold,
    std::function<void(const QStringList &failures)> done)
{
    // One after another: a keychain handles one job at a time anyway, and the order keeps the journal honest.
    struct Removal : std::enable_shared_from_this<Removal>
    {
        secrets::SecretStore *store;
        QObject *context;
        std::shared_ptr<JournalHold> hold;
        QStringList left;
        QStringList failures;
        std::function<void(const QStringList &)> done;

        void next()
        {
            if (left.isEmpty()) {
                done(failures);
                return;
            }
            const QString name = left.takeFirst();
            store->remove(name, context, [self = shared_from_this(), name](const secrets::SecretResult &r) {
                if (r.ok() || r.error == secrets::SecretError::NotFound) {
                    if (self->hold) {
                        self->hold->settle({ name });
                    }
                } else {
                    self->failures.append(QStringLiteral("%1: %2").arg(name, r.message));
                }
                self->next();
            });
        }
    };
    auto removal = std::make_shared<Removal>();
    removal->store = m_secrets;
    removal->context = &m_context;
    removal->hold = hold;
    removal->left = names;
    removal->done = std::move(done);
    removal->next();
}

} // namespace ga::app
