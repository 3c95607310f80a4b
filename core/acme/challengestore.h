// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QMutex>

#include <optional>

namespace ga::acme {

// Key authorizations for pending HTTP-01 challenges, by token. The ACME client writes, the listener's workers read
// (GET /.well-known/acme-challenge/<token>): every method is thread-safe.
class ChallengeStore
{
public:
    void set(const QByteArray &token, const QByteArray &keyAuthorization);
    void remove(const QByteArray &token);
    std::optional<QByteArray> lookup(QByteArrayView token) const;

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, QByteArray> m_byToken;
};

} // namespace ga::acme
