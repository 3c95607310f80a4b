// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "secrets/secretcipher.h"
#include "secrets/secretstore.h"

#include <QMap>

namespace ga::secrets {

// Secrets in one passphrase-encrypted file (format: secretcipher.h), for servers without a keychain.
// - A missing file is an empty store; the first write creates it (and its folder, mode 0700).
// - Writes replace the file atomically (QSaveFile) with mode 0600, under a QLockFile ("<path>.lock")
//   so the daemon and the CLI do not lose each other's changes.
// - A file the passphrase does not open is never written to: every call then fails with
//   BadPassphrase and the file stays byte-identical.
// The work (including scrypt, once per file salt) runs in the calling thread; only the callback is
// deferred, as the SecretStore contract requires.
class FileSecretStore final : public SecretStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileSecretStore)

public:
    // `params` is the scrypt cost for a file this store creates; an existing file keeps its own.
    FileSecretStore(QString path, QByteArray passphrase, cipher::CipherParams params = {}, QObject *parent = nullptr);
    ~FileSecretStore() override;

    void read(const QString &name, QObject *context, Callback done) override;
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override;
    // One read-modify-write for all of them: 10,000 keys cost one encryption, not 10,000.
    void writeMany(const Entries &entries, QObject *context, Callback done) override;
    void readMany(const QStringList &names, QObject *context, ManyCallback done) override;
    void remove(const QString &name, QObject *context, Callback done) override;
    QString description() const override;
    bool canList() const override;
    void list(QObject *context, NamesCallback done) override;

    // Synchronous fail-fast check for the CLI: does the passphrase open the file? A missing file is
    // fine (it will be created on first write). Also warms the key cache, so the next call is fast.
    SecretResult check();

    QString path() const;

private:
    SecretResult load(QMap<QString, QByteArray> *entries, bool *exists);
    SecretResult save(const QMap<QString, QByteArray> &entries);
    SecretResult change(const QString &name, const QByteArray *secret); // secret == nullptr: remove
    SecretResult changeMany(const Entries &writes);
    SecretResult ensureFolder();
    QString nativePath() const;

    QString m_path;
    QByteArray m_passphrase;
    cipher::CipherParams m_params;
    cipher::DerivedKey m_key; // for the salt of the file as last read or written
};

} // namespace ga::secrets
