// SPDX-License-Identifier: GPL-3.0-or-later
#include "fs/lockfile.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace ga::fs {
namespace {

constexpr qint64 kRecheckMs = 100;

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
    // Checked again while waiting, not only at the start: a lock emptied by a kill a moment ago is not
    // ownerless yet, and QLockFile alone would wait its 30 s stale time for it.
    const QDeadlineTimer deadline(std::max(0, waitMs));
    for (;;) {
        if (lock.tryLock(0)) {
            return true;
        }
        if (ownerless(lockPath)) {
            QFile::remove(lockPath); // a racing process doing the same is harmless: the lock is created exclusively
            if (lock.tryLock(0)) {
                return true;
            }
        }
        if (deadline.hasExpired()) {
            return false;
        }
        // A live owner: QLockFile waits (and sleeps) in slices, so the check above runs a few times a second.
        if (lock.tryLock(int(std::min<qint64>(kRecheckMs, deadline.remainingTime())))) {
            return true;
        }
    }
}

} // namespace ga::fs
