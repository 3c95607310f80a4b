// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace ga::acme {

// base64url without padding (RFC 7515 §2), as JWS and ACME use it everywhere.
QByteArray base64Url(const QByteArray &bytes);

// An EC P-256 key pair (OpenSSL 3 EVP): the ACME account key and each certificate key. Move-only; the private half
// leaves only through toPem(), which callers write to a 0600 file and nowhere else.
class EcKey
{
public:
    EcKey();
    ~EcKey();
    EcKey(EcKey &&other) noexcept;
    EcKey &operator=(EcKey &&other) noexcept;
    EcKey(const EcKey &) = delete;
    EcKey &operator=(const EcKey &) = delete;

    // A new random key; null when OpenSSL fails.
    static EcKey generate();
    // The key in PEM (PKCS#8 or SEC1); null when it is not an EC P-256 private key.
    static EcKey fromPem(const QByteArray &pem);

    bool isNull() const { return m_key == nullptr; }
    // Unencrypted PKCS#8 PEM of the private key.
    QByteArray toPem() const;
    // The public key as a JWK (RFC 7517): {"crv":"P-256","kty":"EC","x":…,"y":…}.
    QJsonObject jwk() const;
    // RFC 7638 thumbprint: base64url(SHA-256(the JWK's required members, sorted, without whitespace)).
    QByteArray thumbprint() const;
    // ES256 over `data`: the raw 64-byte R || S that JWS wants (RFC 7518 §3.4), not OpenSSL's DER; empty on error.
    QByteArray signEs256(const QByteArray &data) const;

    void *handle() const { return m_key; } // EVP_PKEY *, for the CSR

private:
    explicit EcKey(void *key);
    void *m_key = nullptr;
};

// The canonical JSON a thumbprint hashes (RFC 7638 §3): members in lexicographic order, no whitespace.
QByteArray jwkThumbprintInput(const QJsonObject &jwk);

// A flattened JWS (RFC 7515 §7.2.2) as ACME wants it (RFC 8555 §6.2): the protected header carries alg ES256, nonce,
// url and either the account's `kid` or, when kid is empty, the public key as `jwk`. An empty payload is
// POST-as-GET. The signature covers "protected.payload".
QByteArray signedRequest(
    const EcKey &key, const QString &kid, const QByteArray &nonce, const QString &url, const QByteArray &payload);

} // namespace ga::acme
