// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretjournal.h"

#include "fs/lockfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLockFile>
#include <QMutex>
#include <QSaveFile>

#include <utility>

namespace ga::secrets {
namespace {

constexpr QByteArrayView kPrefix = "pending: ";
// A journal lists the names of one interrupted command at most; anything larger is not ours.
constexpr qint64 kMaxJournalSize = 16 * 1024 * 1024;

// Guards the shared locks and every read-modify-write of a journal file in this process.
QMutex &journalMutex()
{
    static QMutex mutex;
    return mutex;
}

QHash<QString, std::weak_ptr<QLockFile>> &sharedLocks()
{
    static QHash<QString, std::weak_ptr<QLockFile>> locks;
    return locks;
}

} // namespace

SecretJournal::SecretJournal(QString path)
    : m_path(std::move(path))
{ }

SecretJournal::~SecretJournal()
{
    unlock();
}

bool SecretJournal::exists() const
{
    return QFileInfo::exists(m_path);
}

bool SecretJournal::lock(int waitMs, QString *error)
{
    if (m_lock) {
        return true;
    }
    QMutexLocker guard(&journalMutex());
    if (std::shared_ptr<QLockFile> shared = sharedLocks().value(m_path).lock()) {
        m_lock = std::move(shared);
        return true;
    }
    const QString lockPath = m_path + QStringLiteral(".lock");
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    auto lock = std::make_shared<QLockFile>(lockPath);
    if (!fs::tryLock(*lock, lockPath, waitMs)) {
        *error = lock->error() == QLockFile::LockFailedError
            ? QStringLiteral("another command is adding or removing secrets (lock file %1); try again when it ends")
                  .arg(QDir::toNativeSeparators(lockPath))
            : QStringLiteral("cannot create the lock file %1; check that its folder is writable")
                  .arg(QDir::toNativeSeparators(lockPath));
        return false;
    }
    sharedLocks().insert(m_path, lock);
    m_lock = std::move(lock);
    return true;
}

void SecretJournal::unlock()
{
    QMutexLocker guard(&journalMutex());
    m_lock.reset(); // the last share unlocks (QLockFile's destructor)
}

QStringList SecretJournal::pending(QString *error) const
{
    Q_ASSERT(m_lock);
    QStringList names;
    QFile file(m_path);
    if (!file.exists()) {
        return names;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(QDir::toNativeSeparators(m_path), file.errorString());
        return names;
    }
    if (file.size() > kMaxJournalSize) {
        *error = QStringLiteral("%1 is too large to be a secret journal; move it away")
                     .arg(QDir::toNativeSeparators(m_path));
        return names;
    }
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(kPrefix)) {
            const QString name = QString::fromUtf8(line.mid(kPrefix.size()).trimmed());
            if (!name.isEmpty() && !names.contains(name)) {
                names.append(name);
            }
        }
    }
    return names;
}

bool SecretJournal::add(const QStringList &names, QString *error)
{
    QMutexLocker guard(&journalMutex());
    QString readError;
    QStringList all = pending(&readError);
    if (!readError.isEmpty()) {
        *error = readError;
        return false;
    }
    for (const QString &name : names) {
        if (name.isEmpty() || name.contains(u'\n') || name.contains(u'\r')) {
            *error = QStringLiteral("'%1' is not a secret entry name").arg(name.simplified());
            return false;
        }
        if (!all.contains(name)) {
            all.append(name);
        }
    }
    return save(all, error);
}

bool SecretJournal::drop(const QStringList &names, QString *error)
{
    QMutexLocker guard(&journalMutex());
    QString readError;
    QStringList all = pending(&readError);
    if (!readError.isEmpty()) {
        *error = readError;
        return false;
    }
    const qsizetype before = all.size();
    all.removeIf([&names](const QString &name) { return names.contains(name); });
    return all.size() == before || save(all, error);
}

bool SecretJournal::save(const QStringList &names, QString *error) const
{
    if (names.isEmpty()) {
        if (QFile::exists(m_path) && !QFile::remove(m_path)) {
            *error = QStringLiteral("cannot delete %1").arg(QDir::toNativeSeparators(m_path));
            return false;
        }
        return true;
    }
    QByteArray text;
    for (const QString &name : names) {
        text += kPrefix.toByteArray() + name.toUtf8() + '\n';
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(text) != text.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(m_path), file.errorString());
        return false;
    }
    return true;
}

} // namespace ga::secrets
