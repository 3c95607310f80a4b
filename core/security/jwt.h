// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace ga::security {

// What a JWT must satisfy to be accepted as an access credential.
struct JwtConfig
{
    QByteArray hmacSecret; // HS256 is accepted when non-empty (kept in the secret store as "jwt/hs256")
    QByteArray publicKeyPem; // RS256 (RSA key) or ES256 (P-256 key) is accepted when non-empty
    QString audience; // when non-empty, `aud` (string or array) must contain it
    QString issuer; // when non-empty, `iss` must equal it
    int leewaySeconds = 30; // clock skew allowed on exp / nbf / iat
};

struct JwtResult
{
    bool ok = false;
    QString subject; // `sub`, or "jwt" when absent; names the client in logs and rate limits
    qint64 expiresAt = 0; // `exp` (seconds since the epoch)
    QString error; // why it was refused, for the log only (never sent to the client); holds no secret
};

// Verifies compact JWS tokens with OpenSSL (EVP). Immutable after configure(); verify() is thread-safe.
class JwtVerifier
{
public:
    JwtVerifier();
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier &) = delete;
    JwtVerifier &operator=(const JwtVerifier &) = delete;

    // False with a one-sentence reason when the public key does not parse or is neither RSA nor P-256.
    bool configure(const JwtConfig &config, QString *error);
    // Any algorithm configured at all.
    bool enabled() const;
    JwtResult verify(QByteArrayView token, qint64 nowSeconds) const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Three base64url segments, the first starting with "eyJ": worth trying as a JWT.
bool looksLikeJwt(QByteArrayView credential);

// Mints an HS256 token (for `token jwt-mint` and tests).
QByteArray signHs256(const QJsonObject &claims, const QByteArray &secret);

} // namespace ga::security
