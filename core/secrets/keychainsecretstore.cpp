// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/keychainsecretstore.h"

#include "logging/logging.h"
#include "secrets/secretservicebulk.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>
#include <qt6keychain/keychain.h>

#include <utility>

namespace ga::secrets {

namespace {

QString causeOf(const QKeychain::Job *job)
{
    // QtKeychain's errorString comes from the backend (D-Bus, libsecret, Security.framework) and never
    // contains the secret.
    const QString cause = job->errorString().trimmed();
    return cause.isEmpty() ? KeychainSecretStore::tr("error code %1").arg(int(job->error())) : cause;
}

template<typename JobType>
JobType *newJob(const QString &service, const QString &name)
{
    auto *job = new JobType(service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // the default, stated: never a plaintext fallback
    job->setKey(name);
    return job;
}

SecretResult resultOf(const QKeychain::Job *job, const QString &name, const QString &service)
{
    switch (job->error()) {
    case QKeychain::NoError:
        if (const auto *readJob = qobject_cast<const QKeychain::ReadPasswordJob *>(job)) {
            return SecretResult::success(readJob->binaryData());
        }
        return SecretResult::success();
    case QKeychain::EntryNotFound:
        if (qobject_cast<const QKeychain::DeletePasswordJob *>(job)) {
            return SecretResult::success(); // removing a missing entry is not an error
        }
        return SecretResult::failure(SecretError::NotFound,
            KeychainSecretStore::tr("No secret named %1 is stored in the OS keychain (service %2).")
                .arg(name, service));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return SecretResult::failure(SecretError::AccessDenied,
            KeychainSecretStore::tr("The OS keychain refused access (%1). Unlock your keyring (for example the "
                                    "\"login\" collection), or use the encrypted file store with --secret-store file.")
                .arg(causeOf(job)));
    case QKeychain::CouldNotDeleteEntry:
        return SecretResult::failure(SecretError::Other,
            KeychainSecretStore::tr("The OS keychain could not delete %1 (%2).").arg(name, causeOf(job)));
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        break;
    }
    // On libsecret builds "no keychain" arrives as OtherError ("Cannot autolaunch D-Bus ...", "The name
    // org.freedesktop.secrets was not provided by any .service files"), so all of these mean unavailable.
    return SecretResult::failure(SecretError::Unavailable,
        KeychainSecretStore::tr("The OS keychain is not available (%1). Start a keyring such as gnome-keyring-daemon "
                                "in your D-Bus session, or use the encrypted file store with --secret-store file.")
            .arg(causeOf(job)));
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, QObject *parent)
    : SecretStore(parent)
    , m_service(std::move(service))
{ }

KeychainSecretStore::~KeychainSecretStore() = default;

void KeychainSecretStore::read(const QString &name, QObject *context, Callback done)
{
    run(newJob<QKeychain::ReadPasswordJob>(m_service, name), name, context, std::move(done));
}

void KeychainSecretStore::write(const QString &name, const QByteArray &secret, QObject *context, Callback done)
{
    auto *job = newJob<QKeychain::WritePasswordJob>(m_service, name);
    job->setBinaryData(secret);
    run(job, name, context, std::move(done));
}

void KeychainSecretStore::readMany(const QStringList &names, QObject *context, ManyCallback done)
{
    if (!secretServiceBulkReadAvailable() || names.size() < 2) {
        m_lastReadManyBulk = false;
        SecretStore::readMany(names, context, std::move(done));
        return;
    }
    // The search blocks on D-Bus: a thread of the global pool runs it, the answer comes back through the event loop
    // of the application object (which outlives both this store and `context`; both are checked there).
    QPointer<KeychainSecretStore> self(this);
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start([self, guard, names, done = std::move(done), service = m_service]() mutable {
        SecretServiceRead read = readAllFromSecretService(service);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, guard, names, done = std::move(done), read = std::move(read)]() mutable {
                if (!self || !guard) {
                    return;
                }
                self->m_lastReadManyBulk = read.ok;
                if (!read.ok) {
                    qCDebug(lcSecrets).noquote()
                        << "reading the keychain in one search failed (" + read.error + "); reading entry by entry";
                    self->SecretStore::readMany(names, guard, std::move(done));
                    return;
                }
                QMap<QString, QByteArray> values;
                for (const QString &name : names) {
                    if (const auto it = read.values.constFind(name); it != read.values.constEnd()) {
                        values.insert(name, *it);
                    }
                }
                done(SecretResult::success(), values);
            },
            Qt::QueuedConnection);
    });
}

void KeychainSecretStore::remove(const QString &name, QObject *context, Callback done)
{
    run(newJob<QKeychain::DeletePasswordJob>(m_service, name), name, context, std::move(done));
}

// The job has no parent and deletes itself after `finished` (autoDelete), so a job still running when
// this store is destroyed ends safely. The handler runs in the job's thread, copies the result out of
// the job and hands it to `context` through deliver(): guarded against its destruction, never synchronous.
void KeychainSecretStore::run(QKeychain::Job *job, const QString &name, QObject *context, Callback done)
{
    connect(job, &QKeychain::Job::finished, job,
        [guard = QPointer<QObject>(context), done = std::move(done), name, service = m_service](
            QKeychain::Job *finished) mutable {
            SecretResult result = resultOf(finished, name, service);
            if (guard) {
                deliver(guard, std::move(done), std::move(result));
            }
        });
    job->start();
}

QString KeychainSecretStore::description() const
{
    return tr("OS keychain (service %1)").arg(m_service);
}

QString KeychainSecretStore::service() const
{
    return m_service;
}

} // namespace ga::secrets
