// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "secrets/secretstore.h"

namespace QKeychain {
class Job;
} // namespace QKeychain

namespace ga::secrets {

// Secrets in the OS keychain through QtKeychain (Secret Service/libsecret on Linux, Keychain on macOS,
// Credential Manager on Windows). Each entry is stored under (service, entry name); there is never a
// plaintext fallback: if no keychain answers, calls fail with SecretError::Unavailable.
class KeychainSecretStore final : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainSecretStore)

public:
    static constexpr const char *kDefaultService = "gemini-aggregator";

    // `service` is the keychain service name; tests pass a unique one to stay isolated.
    explicit KeychainSecretStore(QString service = QString::fromLatin1(kDefaultService), QObject *parent = nullptr);
    ~KeychainSecretStore() override;

    void read(const QString &name, QObject *context, Callback done) override;
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override;
    void remove(const QString &name, QObject *context, Callback done) override;
    // With libsecret (Linux): every entry of the service in one search, in a thread of its own; entry by entry
    // through QtKeychain when that is not built or fails.
    void readMany(const QStringList &names, QObject *context, ManyCallback done) override;
    QString description() const override;

    // How the last readMany() was served (tests): true when by the one search.
    bool lastReadManyWasBulk() const { return m_lastReadManyBulk; }

    QString service() const;

private:
    void run(QKeychain::Job *job, const QString &name, QObject *context, Callback done);

    QString m_service;
    bool m_lastReadManyBulk = false;
};

} // namespace ga::secrets
