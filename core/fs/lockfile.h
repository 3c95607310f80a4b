// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLockFile>
#include <QString>

namespace ga::fs {

// An empty lock file older than this has no owner: QLockFile's owner writes its PID right after creating it.
inline constexpr qint64 kOwnerlessLockAgeMs = 500;

// QLockFile::tryLock, except that a lock file left empty (its creator was killed between creating it and writing
// its PID, e.g. `kill -9` during a save) is taken over at once instead of after QLockFile's 30 s stale time.
// A lock file that names a live owner is waited for as usual, up to `waitMs`; one that becomes ownerless during
// the wait (empty for kOwnerlessLockAgeMs) is taken over then.
bool tryLock(QLockFile &lock, const QString &lockPath, int waitMs);

} // namespace ga::fs
