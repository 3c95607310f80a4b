// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/memorysecretstore.h"

#include <utility>

namespace ga::secrets {

MemorySecretStore::MemorySecretStore(QObject *parent)
    : SecretStore(parent)
{ }

MemorySecretStore::~MemorySecretStore() = default;

void MemorySecretStore::read(const QString &name, QObject *context, Callback done)
{
    const auto it = m_secrets.constFind(name);
    if (it == m_secrets.constEnd()) {
        deliver(context, std::move(done),
            SecretResult::failure(SecretError::NotFound, tr("No secret named %1 is stored.").arg(name)));
        return;
    }
    deliver(context, std::move(done), SecretResult::success(*it));
}

void MemorySecretStore::write(const QString &name, const QByteArray &secret, QObject *context, Callback done)
{
    if (name.isEmpty()) {
        deliver(context, std::move(done), SecretResult::failure(SecretError::Other, tr("A secret needs a name.")));
        return;
    }
    m_secrets.insert(name, secret);
    deliver(context, std::move(done), SecretResult::success());
}

void MemorySecretStore::remove(const QString &name, QObject *context, Callback done)
{
    m_secrets.remove(name);
    deliver(context, std::move(done), SecretResult::success());
}

QString MemorySecretStore::description() const
{
    return tr("process memory (not persistent)");
}

bool MemorySecretStore::canList() const
{
    return true;
}

void MemorySecretStore::list(QObject *context, NamesCallback done)
{
    QStringList names = m_secrets.keys();
    names.sort();
    deliverNames(context, std::move(done), SecretResult::success(), std::move(names));
}

bool MemorySecretStore::contains(const QString &name) const
{
    return m_secrets.contains(name);
}

qsizetype MemorySecretStore::count() const
{
    return m_secrets.size();
}

} // namespace ga::secrets
