// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/filesecretstore.h"

#include "fs/lockfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QPointer>
#include <QSaveFile>

#include <openssl/crypto.h>
#include <utility>

namespace ga::secrets {

namespace {

constexpr qint64 kMaxFileSize = 16 * 1024 * 1024;
constexpr int kLockTimeoutMs = 5000;
constexpr QFileDevice::Permissions kFileMode = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kFolderMode = kFileMode | QFileDevice::ExeOwner;
constexpr QFileDevice::Permissions kNotOwner = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
    | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;

} // namespace

FileSecretStore::FileSecretStore(QString path, QByteArray passphrase, cipher::CipherParams params, QObject *parent)
    : SecretStore(parent)
    , m_path(std::move(path))
    , m_passphrase(std::move(passphrase))
    , m_params(params)
{ }

FileSecretStore::~FileSecretStore()
{
    // Best effort: if the caller still shares this buffer, only our detached copy is wiped.
    if (!m_passphrase.isEmpty()) {
        OPENSSL_cleanse(m_passphrase.data(), size_t(m_passphrase.size()));
    }
}

void FileSecretStore::read(const QString &name, QObject *context, Callback done)
{
    QMap<QString, QByteArray> entries;
    bool exists = false;
    SecretResult result = load(&entries, &exists);
    if (result.ok()) {
        const auto it = entries.constFind(name);
        result = it == entries.constEnd() ? SecretResult::failure(
                     SecretError::NotFound, tr("No secret named %1 is stored in %2.").arg(name, nativePath()))
                                          : SecretResult::success(*it);
    }
    deliver(context, std::move(done), std::move(result));
}

void FileSecretStore::write(const QString &name, const QByteArray &secret, QObject *context, Callback done)
{
    deliver(context, std::move(done), change(name, &secret));
}

void FileSecretStore::writeMany(const Entries &entries, QObject *context, Callback done)
{
    deliver(context, std::move(done), changeMany(entries));
}

void FileSecretStore::readMany(const QStringList &names, QObject *context, ManyCallback done)
{
    QMap<QString, QByteArray> entries;
    bool exists = false;
    SecretResult loaded = load(&entries, &exists);
    QMap<QString, QByteArray> values;
    if (loaded.ok()) {
        for (const QString &name : names) {
            if (const auto it = entries.constFind(name); it != entries.constEnd()) {
                values.insert(name, *it);
            }
        }
    }
    QPointer<QObject> guard(context);
    QMetaObject::invokeMethod(
        context,
        [guard, done = std::move(done), loaded = std::move(loaded), values = std::move(values)] {
            if (guard) {
                done(loaded, values);
            }
        },
        Qt::QueuedConnection);
}

void FileSecretStore::remove(const QString &name, QObject *context, Callback done)
{
    deliver(context, std::move(done), change(name, nullptr));
}

QString FileSecretStore::description() const
{
    return tr("encrypted file %1").arg(nativePath());
}

bool FileSecretStore::canList() const
{
    return true;
}

void FileSecretStore::list(QObject *context, NamesCallback done)
{
    QMap<QString, QByteArray> entries;
    bool exists = false;
    SecretResult loaded = load(&entries, &exists);
    QStringList names = entries.keys(); // sorted: a QMap
    for (QByteArray &value : entries) {
        OPENSSL_cleanse(value.data(), size_t(value.size()));
    }
    deliverNames(context, std::move(done), std::move(loaded), std::move(names));
}

SecretResult FileSecretStore::check()
{
    QMap<QString, QByteArray> entries;
    bool exists = false;
    return load(&entries, &exists);
}

QString FileSecretStore::path() const
{
    return m_path;
}

QString FileSecretStore::nativePath() const
{
    return QDir::toNativeSeparators(m_path);
}

SecretResult FileSecretStore::load(QMap<QString, QByteArray> *entries, bool *exists)
{
    entries->clear();
    *exists = false;
    if (m_passphrase.isEmpty()) {
        return SecretResult::failure(
            SecretError::BadPassphrase, tr("No passphrase was given for the secret file %1.").arg(nativePath()));
    }
    QFile file(m_path);
    if (!file.exists()) {
        return SecretResult::success();
    }
    *exists = true;
    if (!file.open(QIODevice::ReadOnly)) {
        return SecretResult::failure(
            SecretError::Io, tr("Cannot read the secret file %1: %2.").arg(nativePath(), file.errorString()));
    }
    if (file.size() > kMaxFileSize) {
        return SecretResult::failure(
            SecretError::Other, tr("%1 is too large to be a secret file. Nothing was changed.").arg(nativePath()));
    }
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        return SecretResult::failure(
            SecretError::Io, tr("Cannot read the secret file %1: %2.").arg(nativePath(), file.errorString()));
    }

    cipher::DecryptResult opened = cipher::open(bytes, m_passphrase, &m_key);
    switch (opened.status) {
    case cipher::OpenStatus::Ok:
        m_key = opened.key;
        *entries = std::move(opened.entries);
        return SecretResult::success();
    case cipher::OpenStatus::BadPassphrase:
        return SecretResult::failure(SecretError::BadPassphrase,
            tr("The passphrase does not open the secret file %1 (wrong passphrase, or the "
               "file was altered). Nothing was changed.")
                .arg(nativePath()));
    case cipher::OpenStatus::NotOurFormat:
        return SecretResult::failure(SecretError::Other,
            tr("%1 is not a Gemini Aggregator secret file. Nothing was changed.").arg(nativePath()));
    case cipher::OpenStatus::UnsupportedVersion:
        return SecretResult::failure(SecretError::Other,
            tr("The secret file %1 has format version %2, which this version cannot read. "
               "Nothing was changed.")
                .arg(nativePath())
                .arg(opened.version));
    case cipher::OpenStatus::Corrupt:
        return SecretResult::failure(SecretError::Other,
            tr("The secret file %1 is damaged (truncated or invalid). Nothing was changed.").arg(nativePath()));
    case cipher::OpenStatus::Internal:
        break;
    }
    return SecretResult::failure(SecretError::Other,
        tr("Decrypting the secret file %1 failed inside OpenSSL. Nothing was changed.").arg(nativePath()));
}

SecretResult FileSecretStore::changeMany(const Entries &writes)
{
    if (writes.isEmpty()) {
        return SecretResult::success();
    }
    for (const auto &w : writes) {
        if (w.first.isEmpty()) {
            return SecretResult::failure(SecretError::Other, tr("A secret needs a name."));
        }
    }
    if (SecretResult folder = ensureFolder(); !folder.ok()) {
        return folder;
    }
    QLockFile lock(m_path + QStringLiteral(".lock"));
    if (!fs::tryLock(lock, m_path + QStringLiteral(".lock"), kLockTimeoutMs)) {
        return SecretResult::failure(SecretError::Io,
            lock.error() == QLockFile::LockFailedError
                ? tr("Another process is changing the secret file %1; try again.").arg(nativePath())
                : tr("Cannot create the lock file for the secret file %1.").arg(nativePath()));
    }
    QMap<QString, QByteArray> entries;
    bool exists = false;
    if (SecretResult loaded = load(&entries, &exists); !loaded.ok()) {
        return loaded; // never write over a file we could not open
    }
    for (const auto &w : writes) {
        entries.insert(w.first, w.second);
    }
    return save(entries);
}

SecretResult FileSecretStore::change(const QString &name, const QByteArray *secret)
{
    if (name.isEmpty()) {
        return SecretResult::failure(SecretError::Other, tr("A secret needs a name."));
    }
    if (secret) {
        // Only writes may create the folder; a remove on a missing file changes nothing.
        if (SecretResult folder = ensureFolder(); !folder.ok()) {
            return folder;
        }
    } else if (!QFile::exists(m_path)) {
        return SecretResult::success();
    }

    // Read-modify-write under a lock, so a concurrent CLI and daemon do not drop each other's entries.
    QLockFile lock(m_path + QStringLiteral(".lock"));
    if (!fs::tryLock(lock, m_path + QStringLiteral(".lock"), kLockTimeoutMs)) {
        return SecretResult::failure(SecretError::Io,
            lock.error() == QLockFile::LockFailedError
                ? tr("Another process is changing the secret file %1; try again.").arg(nativePath())
                : tr("Cannot create the lock file for the secret file %1.").arg(nativePath()));
    }

    QMap<QString, QByteArray> entries;
    bool exists = false;
    if (SecretResult loaded = load(&entries, &exists); !loaded.ok()) {
        return loaded; // never write over a file we could not open
    }
    if (secret) {
        entries.insert(name, *secret);
    } else if (entries.remove(name) == 0) {
        return SecretResult::success(); // removing a missing entry is not an error and rewrites nothing
    }
    return save(entries);
}

SecretResult FileSecretStore::ensureFolder()
{
    const QFileInfo info(m_path);
    QDir folder = info.absoluteDir();
    if (folder.exists()) {
        return SecretResult::success();
    }
    if (!folder.mkpath(QStringLiteral("."))) {
        return SecretResult::failure(SecretError::Io,
            tr("Cannot create the folder %1 for the secret file.").arg(QDir::toNativeSeparators(folder.path())));
    }
    QFile::setPermissions(folder.path(), kFolderMode);
    return SecretResult::success();
}

SecretResult FileSecretStore::save(const QMap<QString, QByteArray> &entries)
{
    if (!m_key.isValid()) {
        // New file: a fresh salt, and the one scrypt run that later writes reuse.
        m_key = cipher::deriveKey(m_passphrase, cipher::randomBytes(cipher::kSaltSize), m_params);
    }
    const QByteArray sealed = cipher::seal(entries, m_key);
    if (sealed.isEmpty()) {
        return SecretResult::failure(SecretError::Other,
            tr("Encrypting the secret file %1 failed inside OpenSSL. Nothing was changed.").arg(nativePath()));
    }

    const auto ioError = [this](const QString &reason) {
        return SecretResult::failure(
            SecretError::Io, tr("Cannot write the secret file %1: %2. Nothing was changed.").arg(nativePath(), reason));
    };
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        return ioError(file.errorString());
    }
    // QSaveFile gives a new file the default 0666 & ~umask. Narrow the temporary file before any byte
    // is written; the rename keeps the mode. (On Windows this only toggles the read-only attribute.)
    if (!file.setPermissions(kFileMode)) {
        file.cancelWriting();
        return ioError(file.errorString());
    }
    if (file.write(sealed) != sealed.size() || !file.commit()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return ioError(reason);
    }
#ifdef Q_OS_UNIX
    // Belt and braces: never leave a secret file readable by others, even if the filesystem surprised us.
    if (QFile::permissions(m_path) & kNotOwner) {
        if (!QFile::setPermissions(m_path, kFileMode)) {
            return SecretResult::failure(SecretError::Io,
                tr("The secret file %1 was written but its mode could not be restricted to 0600.").arg(nativePath()));
        }
    }
#endif
    return SecretResult::success();
}

} // namespace ga::secrets
