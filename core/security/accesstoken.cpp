// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/accesstoken.h"

#include <QCryptographicHash>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace ga::security {

QString tokenEntryName(const QString &name)
{
    return QStringLiteral("token/") + name;
}

QByteArray generateAccessToken()
{
    QByteArray random(32, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(random.data()), int(random.size())) != 1) {
        qFatal("the system random number generator failed; refusing to create a weak token");
    }
    const QByteArray token
        = QByteArrayLiteral("gat_") + random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    OPENSSL_cleanse(random.data(), size_t(random.size()));
    return token;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Hashing first makes the comparison independent of both lengths.
    const QByteArray ha = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray hb = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    return CRYPTO_memcmp(ha.constData(), hb.constData(), size_t(ha.size())) == 0;
}

} // namespace ga::security
