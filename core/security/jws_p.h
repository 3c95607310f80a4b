// SPDX-License-Identifier: GPL-3.0-or-later
// Inside security/: the JOSE layer under the JWT verifier (jwt.cpp). Strict base64url, the compact JWS and its
// protected header, the keys a verifier holds, and the HS256/RS256/ES256 signature checks with OpenSSL EVP. It
// knows nothing of claims. Not for use outside core/security.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <openssl/types.h>

namespace ga::security::jws {

inline constexpr qsizetype kMaxTokenSize = 8 * 1024;
inline constexpr qsizetype kHs256Size = 32;

// Clears the calling thread's OpenSSL error queue on every way out, so a refused token leaves nothing behind
// that a later TLS call on the same thread could mistake for its own error.
struct ErrorQueueGuard
{
    ErrorQueueGuard() = default;
    ErrorQueueGuard(const ErrorQueueGuard &) = delete;
    ErrorQueueGuard &operator=(const ErrorQueueGuard &) = delete;
    ~ErrorQueueGuard();
};

// The keys signatures are checked with, all from the configuration. Owns the public key and wipes its copy of
// the HMAC secret when destroyed.
class KeySet
{
public:
    KeySet() = default;
    ~KeySet();
    KeySet(const KeySet &) = delete;
    KeySet &operator=(const KeySet &) = delete;

    // HS256 is enabled when `secret` is non-empty; the set keeps its own copy.
    void setHmacSecret(const QByteArray &secret);
    // Reads a PEM public key: RSA of at least 2048 bits enables RS256, EC P-256 enables ES256. False with a
    // one-sentence reason otherwise.
    bool loadPublicKey(const QByteArray &pem, QString *error);
    // Whether `alg` (case-sensitive) is one the configuration enabled; each is checked only against its own key.
    bool algEnabled(QStringView alg) const;
    // Any algorithm enabled at all.
    bool any() const;
    // Checks an enabled `alg`'s signature over `signingInput`. Empty when it holds, else the reason.
    QString checkSignature(QStringView alg, QByteArrayView signingInput, const QByteArray &signature) const;

private:
    enum class KeyKind
    {
        None,
        Rsa,
        EcP256
    };

    QByteArray m_hmacSecret;
    EVP_PKEY *m_publicKey = nullptr;
    KeyKind m_keyKind = KeyKind::None;
};

// Everything about a compact JWS but its claims: at most kMaxTokenSize, three segments of strict unpadded
// base64url, a header that is a JSON object with an `alg` that `keys` enables (never "none"), no `crit`, `typ`
// absent, JWT or at+jwt; then the signature. Empty when all of it holds, with the payload's JSON text in
// *payloadJson; else the reason, for the log (it never repeats the token or the secret).
QString verifyCompact(QByteArrayView token, const KeySet &keys, QByteArray *payloadJson);

// Only base64url characters (no padding).
bool isBase64UrlText(QByteArrayView text);
QByteArray encodeBase64Url(const QByteArray &data);
bool hmacSha256(const QByteArray &key, QByteArrayView data, unsigned char (&mac)[kHs256Size]);

} // namespace ga::security::jws
