// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/jose.h"

#include <QCryptographicHash>
#include <QJsonDocument>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace ga::acme {

namespace {

constexpr int kCoordinateBytes = 32; // P-256

EVP_PKEY *pkey(void *key)
{
    return static_cast<EVP_PKEY *>(key);
}

struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct BnFree
{
    void operator()(BIGNUM *bn) const { BN_free(bn); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
struct SigFree
{
    void operator()(ECDSA_SIG *sig) const { ECDSA_SIG_free(sig); }
};

bool isP256(EVP_PKEY *key)
{
    if (key == nullptr || !EVP_PKEY_is_a(key, "EC"))
        return false;
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1)
        return false;
    const QByteArrayView name(group, static_cast<qsizetype>(length));
    return name == "prime256v1" || name == "P-256";
}

QByteArray coordinate(EVP_PKEY *key, const char *param)
{
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, param, &raw) != 1)
        return {};
    std::unique_ptr<BIGNUM, BnFree> bn(raw);
    QByteArray out(kCoordinateBytes, '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char *>(out.data()), kCoordinateBytes) != kCoordinateBytes)
        return {};
    return out;
}

} // namespace

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

EcKey::EcKey() = default;

EcKey::EcKey(void *key)
    : m_key(key)
{ }

EcKey::~EcKey()
{
    EVP_PKEY_free(pkey(m_key));
}

EcKey::EcKey(EcKey &&other) noexcept
    : m_key(std::exchange(other.m_key, nullptr))
{ }

EcKey &EcKey::operator=(EcKey &&other) noexcept
{
    if (this != &other) {
        EVP_PKEY_free(pkey(m_key));
        m_key = std::exchange(other.m_key, nullptr);
    }
    return *this;
}

EcKey EcKey::generate()
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    ERR_clear_error();
    return EcKey(key);
}

EcKey EcKey::fromPem(const QByteArray &pem)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())));
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    ERR_clear_error();
    if (!isP256(key)) {
        EVP_PKEY_free(key);
        return EcKey();
    }
    return EcKey(key);
}

QByteArray EcKey::toPem() const
{
    if (isNull())
        return {};
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey(m_key), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        ERR_clear_error();
        return {};
    }
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, static_cast<qsizetype>(length));
}

QJsonObject EcKey::jwk() const
{
    if (isNull())
        return {};
    const QByteArray x = coordinate(pkey(m_key), OSSL_PKEY_PARAM_EC_PUB_X);
    const QByteArray y = coordinate(pkey(m_key), OSSL_PKEY_PARAM_EC_PUB_Y);
    ERR_clear_error();
    if (x.isEmpty() || y.isEmpty())
        return {};
    return QJsonObject { { QStringLiteral("kty"), QStringLiteral("EC") },
        { QStringLiteral("crv"), QStringLiteral("P-256") }, { QStringLiteral("x"), QString::fromLatin1(base64Url(x)) },
        { QStringLiteral("y"), QString::fromLatin1(base64Url(y)) } };
}

QByteArray jwkThumbprintInput(const QJsonObject &jwk)
{
    // QJsonObject keeps its keys sorted and compact output has no whitespace: exactly RFC 7638's form for the
    // EC members (crv, kty, x, y), which are plain ASCII.
    QJsonObject required;
    for (const char *name : { "crv", "kty", "x", "y" })
        required.insert(QLatin1String(name), jwk.value(QLatin1String(name)));
    return QJsonDocument(required).toJson(QJsonDocument::Compact);
}

QByteArray EcKey::thumbprint() const
{
    const QJsonObject key = jwk();
    if (key.isEmpty())
        return {};
    return base64Url(QCryptographicHash::hash(jwkThumbprintInput(key), QCryptographicHash::Sha256));
}

QByteArray EcKey::signEs256(const QByteArray &data) const
{
    if (isNull())
        return {};
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    size_t length = 0;
    const auto *input = reinterpret_cast<const unsigned char *>(data.constData());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey(m_key)) != 1
        || EVP_DigestSign(ctx.get(), nullptr, &length, input, static_cast<size_t>(data.size())) != 1) {
        ERR_clear_error();
        return {};
    }
    QByteArray der(static_cast<qsizetype>(length), '\0');
    auto *derData = reinterpret_cast<unsigned char *>(der.data());
    if (EVP_DigestSign(ctx.get(), derData, &length, input, static_cast<size_t>(data.size())) != 1) {
        ERR_clear_error();
        return {};
    }
    // DER SEQUENCE { r INTEGER, s INTEGER } → fixed-width R || S.
    const unsigned char *cursor = derData;
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(length)));
    if (!sig) {
        ERR_clear_error();
        return {};
    }
    QByteArray raw(2 * kCoordinateBytes, '\0');
    auto *out = reinterpret_cast<unsigned char *>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kCoordinateBytes) != kCoordinateBytes
        || BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes)
        return {};
    return raw;
}

QByteArray signedRequest(
    const EcKey &key, const QString &kid, const QByteArray &nonce, const QString &url, const QByteArray &payload)
{
    QJsonObject header { { QStringLiteral("alg"), QStringLiteral("ES256") },
        { QStringLiteral("nonce"), QString::fromLatin1(nonce) }, { QStringLiteral("url"), url } };
    if (kid.isEmpty())
        header.insert(QStringLiteral("jwk"), key.jwk());
    else
        header.insert(QStringLiteral("kid"), kid);
    const QByteArray protectedPart = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact));
    const QByteArray payloadPart = base64Url(payload);
    const QByteArray signature = key.signEs256(protectedPart + '.' + payloadPart);
    if (signature.isEmpty())
        return {};
    const QJsonObject jws { { QStringLiteral("protected"), QString::fromLatin1(protectedPart) },
        { QStringLiteral("payload"), QString::fromLatin1(payloadPart) },
        { QStringLiteral("signature"), QString::fromLatin1(base64Url(signature)) } };
    return QJsonDocument(jws).toJson(QJsonDocument::Compact);
}

} // namespace ga::acme
