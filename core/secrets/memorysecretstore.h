// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "secrets/secretstore.h"

#include <QHash>

namespace ga::secrets {

// Keeps secrets in process memory only, for unit tests. It behaves like the real stores
// (asynchronous callbacks, NotFound for a missing entry, idempotent remove).
class MemorySecretStore final : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemorySecretStore)

public:
    explicit MemorySecretStore(QObject *parent = nullptr);
    ~MemorySecretStore() override;

    void read(const QString &name, QObject *context, Callback done) override;
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override;
    void remove(const QString &name, QObject *context, Callback done) override;
    QString description() const override;
    bool canList() const override;
    void list(QObject *context, NamesCallback done) override;

    // Synchronous inspection for tests.
    bool contains(const QString &name) const;
    qsizetype count() const;

private:
    QHash<QString, QByteArray> m_secrets;
};

} // namespace ga::secrets
