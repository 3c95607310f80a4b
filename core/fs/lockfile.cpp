// SPDX-License-Identifier: GPL-3.0-or-later
#include "fs/lockfile.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

namespace ga::fs {
namespace {

bool ownerless(const QString &lockPath)
{
    const QFileInfo info(lockPath);
    if (!info.exists() || info.size() != 0) {
        return false;
    }
    const qint64 age = info.lastModified().msecsTo(QDateTime::currentDateTime());
    return age >= kOwnerlessLockAgeMs;
}

} // namespace

bool tryLock(QLockFile &lock, const QString &lockPath, int waitMs)
{
    if (lock.tryLock(0)) {
        return true;
    }
    if (ownerless(lockPath)) {
        QFile::remove(lockPath); // a racing process doing the same is harmless: the lock is created exclusively
        if (lock.tryLock(0)) {
            return true;
        }
    }
    return lock.tryLock(waitMs);
}

} // namespace ga::fs
