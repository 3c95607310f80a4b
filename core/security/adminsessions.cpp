// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/adminsessions.h"

#include <QCryptographicHash>
#include <QMutexLocker>
#include <QRandomGenerator>

#include <array>
#include <openssl/crypto.h>

namespace ga::security {
namespace {

QByteArray randomToken()
{
    std::array<quint32, 8> words {};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    return QByteArray(reinterpret_cast<const char *>(words.data()), qsizetype(sizeof(words)))
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray digestOf(QByteArrayView id)
{
    return QCryptographicHash::hash(id, QCryptographicHash::Sha256);
}

} // namespace

bool sameSecret(QByteArrayView a, QByteArrayView b)
{
    return !a.isEmpty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

AdminSession AdminSessions::open(const QByteArray &adminSha256, qint64 nowMs)
{
    AdminSession s { randomToken(), randomToken(), nowMs + kAdminSessionMs };
    QMutexLocker lock(&m_mutex);
    dropExpiredLocked(nowMs);
    if (m_sessions.size() >= kMaxSessions) {
        auto oldest = m_sessions.begin();
        for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
            if (it->expiresMs < oldest->expiresMs) {
                oldest = it;
            }
        }
        m_sessions.erase(oldest);
    }
    m_sessions.insert(digestOf(s.id), Entry { s.csrfToken, adminSha256, s.expiresMs });
    return s;
}

std::optional<AdminSession> AdminSessions::find(QByteArrayView id, const QByteArray &adminSha256, qint64 nowMs)
{
    if (id.isEmpty() || id.size() > 128 || adminSha256.isEmpty()) {
        return std::nullopt;
    }
    const QByteArray digest = digestOf(id);
    QMutexLocker lock(&m_mutex);
    const auto it = m_sessions.constFind(digest);
    if (it == m_sessions.constEnd()) {
        return std::nullopt;
    }
    if (it->expiresMs <= nowMs || !sameSecret(it->adminSha256, adminSha256)) {
        m_sessions.erase(it); // expired, or opened with an admin token that has been replaced since
        return std::nullopt;
    }
    return AdminSession { id.toByteArray(), it->csrfToken, it->expiresMs };
}

void AdminSessions::close(QByteArrayView id)
{
    const QByteArray digest = digestOf(id);
    QMutexLocker lock(&m_mutex);
    m_sessions.remove(digest);
}

int AdminSessions::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_sessions.size());
}

void AdminSessions::dropExpiredLocked(qint64 nowMs)
{
    m_sessions.removeIf([nowMs](const auto &it) { return it.value().expiresMs <= nowMs; });
}

} // namespace ga::security
