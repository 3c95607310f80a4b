// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/challengestore.h"

#include <QMutexLocker>

namespace ga::acme {

void ChallengeStore::set(const QByteArray &token, const QByteArray &keyAuthorization)
{
    QMutexLocker lock(&m_mutex);
    m_byToken.insert(token, keyAuthorization);
}

void ChallengeStore::remove(const QByteArray &token)
{
    QMutexLocker lock(&m_mutex);
    m_byToken.remove(token);
}

std::optional<QByteArray> ChallengeStore::lookup(QByteArrayView token) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_byToken.constFind(token.toByteArray());
    if (it == m_byToken.constEnd())
        return std::nullopt;
    return *it;
}

} // namespace ga::acme
