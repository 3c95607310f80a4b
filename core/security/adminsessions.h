// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QMutex>

#include <optional>

namespace ga::security {

// A signed-in web console: the admin token is given once and exchanged for a random session id (the cookie) and
// a CSRF token (sent back in a header by every state-changing call). Both are 256-bit random values.
struct AdminSession
{
    QByteArray id; // the cookie's value
    QByteArray csrfToken;
    qint64 expiresMs = 0; // wall clock (ms since the epoch)
};

// How long a console stays signed in.
inline constexpr qint64 kAdminSessionMs = 12LL * 3600 * 1000;

// The console's sessions, shared by every proxy worker; thread-safe. Only digests of the ids are kept. Each session
// remembers the admin token it was opened with (its digest): once the token is rotated, every older session is
// refused, so `token rotate --admin` signs every console out.
class AdminSessions
{
public:
    static constexpr int kMaxSessions = 256; // the oldest is dropped beyond this

    AdminSession open(const QByteArray &adminSha256, qint64 nowMs);
    // The session behind a cookie value, when it is open, unexpired and from the current admin token.
    std::optional<AdminSession> find(QByteArrayView id, const QByteArray &adminSha256, qint64 nowMs);
    void close(QByteArrayView id);
    int size() const;

private:
    struct Entry
    {
        QByteArray csrfToken;
        QByteArray adminSha256;
        qint64 expiresMs = 0;
    };
    void dropExpiredLocked(qint64 nowMs);

    mutable QMutex m_mutex;
    QHash<QByteArray, Entry> m_sessions; // by SHA-256 of the id
};

// Constant-time comparison of two secrets (a CSRF token against the session's).
bool sameSecret(QByteArrayView a, QByteArrayView b);

} // namespace ga::security
