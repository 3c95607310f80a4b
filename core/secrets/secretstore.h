// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace ga::secrets {

// Why a secret operation failed. NotFound is not a failure of the store: it means "no secret yet".
enum class SecretError
{
    None,
    NotFound,
    Unavailable, // the backend cannot be reached (no D-Bus, no Secret Service, no keychain)
    AccessDenied, // the backend refused (locked collection, user cancelled a prompt)
    BadPassphrase, // encrypted file store: the passphrase does not open the file (or it was altered)
    Io, // reading or writing a file failed
    Other,
};

struct SecretResult
{
    SecretError error = SecretError::None;
    QString message; // one sentence for the user; never contains the secret
    QByteArray value; // the secret, for a successful read only

    bool ok() const { return error == SecretError::None; }
    static SecretResult success(QByteArray value = {});
    static SecretResult failure(SecretError error, QString message);
};

// Asynchronous secret storage. Every call completes later through `done`, invoked in the thread of
// `context` (never synchronously inside the call); if `context` is destroyed first, `done` is not called.
// Entry names are plain ASCII paths such as "key/k1a2b3c4" or "token/access".
class SecretStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    using Callback = std::function<void(const SecretResult &)>;

    explicit SecretStore(QObject *parent = nullptr);
    ~SecretStore() override;

    virtual void read(const QString &name, QObject *context, Callback done) = 0;
    virtual void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) = 0;
    virtual void remove(const QString &name, QObject *context, Callback done) = 0;
    // Several writes as one call (an import of thousands of keys). Stops at the first failure and reports
    // it; entries written before it stay. The default writes one after the other; stores that rewrite a
    // whole file per write override it to write once.
    using Entries = QList<QPair<QString, QByteArray>>;
    virtual void writeMany(const Entries &entries, QObject *context, Callback done);
    // Reads several entries; `done` gets each name's value (missing names are left out) or the first error.
    using ManyCallback = std::function<void(const SecretResult &, const QMap<QString, QByteArray> &)>;
    virtual void readMany(const QStringList &names, QObject *context, ManyCallback done);
    // The names of all entries, for `keys doctor`. Only stores that can enumerate do (file, memory): the OS keychain
    // cannot, because QtKeychain reads, writes and deletes by name only. The default fails; canList() tells first.
    using NamesCallback = std::function<void(const SecretResult &, const QStringList &names)>;
    virtual bool canList() const;
    virtual void list(QObject *context, NamesCallback done);

    // Human-readable location for logs and `--help` ("OS keychain (service gemini-aggregator)").
    virtual QString description() const = 0;

private:
    struct WriteChain;
    void writeNext(const std::shared_ptr<WriteChain> &chain);
    struct ReadChain;
    void readNext(const std::shared_ptr<ReadChain> &chain);

protected:
    // Calls `done(result)` later, through the event loop of `context`'s thread, unless `context` is
    // destroyed first. Implementations use it so that no callback ever runs inside the call.
    static void deliver(QObject *context, Callback done, SecretResult result);
    static void deliverNames(QObject *context, NamesCallback done, SecretResult result, QStringList names);
};

// Runs an async call to completion with a local event loop. For the CLI and tests only.
SecretResult waitFor(const std::function<void(QObject *context, SecretStore::Callback done)> &call);

} // namespace ga::secrets
