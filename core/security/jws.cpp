// SPDX-License-Identifier: GPL-3.0-or-later
// The JOSE layer of the JWT verifier: strict base64url, the compact JWS and its protected header, loading the
// configured public key, and the HS256/RS256/ES256 signature checks with OpenSSL EVP.
#include "security/jws_p.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace ga::security::jws {

namespace {

constexpr int kMinRsaBits = 2048;
constexpr qsizetype kEs256PartSize = 32;

struct MdCtxDeleter
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter
{
    void operator()(ECDSA_SIG *sig) const { ECDSA_SIG_free(sig); }
};
struct BioDeleter
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct BnDeleter
{
    void operator()(BIGNUM *bn) const { BN_free(bn); }
};

int base64UrlValue(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

// Strict unpadded base64url: alphabet only, no '=', no impossible length, unused trailing bits zero (so every
// byte string has exactly one accepted encoding).
bool decodeBase64Url(QByteArrayView text, QByteArray *out)
{
    if (text.size() % 4 == 1) {
        return false;
    }
    out->clear();
    out->reserve(text.size() * 3 / 4);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = base64UrlValue(c);
        if (v < 0) {
            return false;
        }
        buffer = (buffer << 6) | quint32(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->append(char((buffer >> bits) & 0xff));
        }
    }
    return (buffer & ((1u << bits) - 1)) == 0;
}

// For log messages: a header value chosen by whoever sent the token, cut short and reduced to printable ASCII.
QString printable(const QString &value)
{
    QString out;
    for (const QChar c : value.left(20)) {
        out.append(c.unicode() >= 0x20 && c.unicode() < 0x7f ? c : QChar(u'?'));
    }
    return value.size() > 20 ? out + QLatin1String("...") : out;
}

// JWS ES256 carries R || S (32 bytes each); OpenSSL verifies the DER SEQUENCE { r INTEGER, s INTEGER }.
QByteArray es256RawToDer(QByteArrayView raw)
{
    std::unique_ptr<BIGNUM, BnDeleter> r(
        BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), int(kEs256PartSize), nullptr));
    std::unique_ptr<BIGNUM, BnDeleter> s(
        BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()) + kEs256PartSize, int(kEs256PartSize), nullptr));
    std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
        return {};
    }
    // ECDSA_SIG_set0 took ownership of both numbers.
    (void)r.release();
    (void)s.release();
    const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (size <= 0) {
        return {};
    }
    QByteArray der(size, Qt::Uninitialized);
    auto *p = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &p) != size) {
        return {};
    }
    return der;
}

bool digestVerify(EVP_PKEY *key, bool rsa, QByteArrayView signingInput, QByteArrayView signature)
{
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx) {
        return false;
    }
    EVP_PKEY_CTX *pctx = nullptr; // owned by ctx
    if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, key, nullptr) != 1) {
        return false;
    }
    if (rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
        return false;
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(signingInput.data()),
               size_t(signingInput.size()))
        == 1;
}

} // namespace

ErrorQueueGuard::~ErrorQueueGuard()
{
    ERR_clear_error();
}

bool isBase64UrlText(QByteArrayView text)
{
    for (const char c : text) {
        if (base64UrlValue(c) < 0) {
            return false;
        }
    }
    return true;
}

QByteArray encodeBase64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool hmacSha256(const QByteArray &key, QByteArrayView data, unsigned char (&mac)[kHs256Size])
{
    size_t macSize = 0;
    const unsigned char *result
        = EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.constData(), size_t(key.size()),
            reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()), mac, sizeof(mac), &macSize);
    return result != nullptr && macSize == sizeof(mac);
}

KeySet::~KeySet()
{
    EVP_PKEY_free(m_publicKey);
    if (!m_hmacSecret.isEmpty()) {
        OPENSSL_cleanse(m_hmacSecret.data(), size_t(m_hmacSecret.size()));
    }
}

void KeySet::setHmacSecret(const QByteArray &secret)
{
    m_hmacSecret = secret;
    m_hmacSecret.detach(); // our own copy, cleansed in ~KeySet
}

bool KeySet::loadPublicKey(const QByteArray &pem, QString *error)
{
    std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.constData(), int(pem.size())));
    if (!bio) {
        *error = QStringLiteral("Could not read the JWT public key.");
        return false;
    }
    m_publicKey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!m_publicKey) {
        *error
            = QStringLiteral("The JWT public key is not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\").");
        return false;
    }
    if (EVP_PKEY_is_a(m_publicKey, "RSA")) {
        const int bits = EVP_PKEY_get_bits(m_publicKey);
        if (bits < kMinRsaBits) {
            *error = QStringLiteral("The JWT RSA public key has %1 bits; at least %2 are required.")
                         .arg(bits)
                         .arg(kMinRsaBits);
            return false;
        }
        m_keyKind = KeyKind::Rsa;
    } else if (EVP_PKEY_is_a(m_publicKey, "EC")) {
        char group[64] = {};
        size_t groupSize = 0;
        if (EVP_PKEY_get_utf8_string_param(m_publicKey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &groupSize)
                != 1
            || qstrcmp(group, "prime256v1") != 0) {
            *error = QStringLiteral("The JWT EC public key is not on curve P-256, the only one ES256 allows.");
            return false;
        }
        m_keyKind = KeyKind::EcP256;
    } else {
        *error = QStringLiteral("The JWT public key is neither RSA (RS256) nor EC P-256 (ES256).");
        return false;
    }
    return true;
}

bool KeySet::algEnabled(QStringView alg) const
{
    if (alg == u"HS256") {
        return !m_hmacSecret.isEmpty();
    }
    if (alg == u"RS256") {
        return m_keyKind == KeyKind::Rsa;
    }
    if (alg == u"ES256") {
        return m_keyKind == KeyKind::EcP256;
    }
    return false;
}

bool KeySet::any() const
{
    return !m_hmacSecret.isEmpty() || m_keyKind != KeyKind::None;
}

QString KeySet::checkSignature(QStringView alg, QByteArrayView signingInput, const QByteArray &signature) const
{
    bool signatureOk = false;
    if (alg == u"HS256") {
        unsigned char mac[kHs256Size];
        if (!hmacSha256(m_hmacSecret, signingInput, mac)) {
            return QStringLiteral("HMAC computation failed");
        }
        signatureOk = signature.size() == kHs256Size && CRYPTO_memcmp(mac, signature.constData(), sizeof(mac)) == 0;
        OPENSSL_cleanse(mac, sizeof(mac));
    } else if (alg == u"RS256") {
        signatureOk = signature.size() == EVP_PKEY_get_size(m_publicKey)
            && digestVerify(m_publicKey, true, signingInput, signature);
    } else { // ES256
        if (signature.size() != 2 * kEs256PartSize) {
            return QStringLiteral("ES256 signature is %1 bytes, not 64 (R || S)").arg(signature.size());
        }
        const QByteArray der = es256RawToDer(signature);
        signatureOk = !der.isEmpty() && digestVerify(m_publicKey, false, signingInput, der);
    }
    if (!signatureOk) {
        return QStringLiteral("signature does not match");
    }
    return {};
}

QString verifyCompact(QByteArrayView token, const KeySet &keys, QByteArray *payloadJson)
{
    if (token.size() > kMaxTokenSize) {
        return QStringLiteral("token is larger than 8 KiB");
    }
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
        return QStringLiteral("not three dot-separated segments");
    }
    const QByteArrayView headerText = token.first(dot1);
    const QByteArrayView payloadText = token.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView signatureText = token.sliced(dot2 + 1);
    const QByteArrayView signingInput = token.first(dot2);
    if (token.contains('=')) {
        return QStringLiteral("base64url padding '=' is not allowed");
    }
    QByteArray headerJson;
    QByteArray signature;
    if (headerText.isEmpty() || payloadText.isEmpty() || !decodeBase64Url(headerText, &headerJson)
        || !decodeBase64Url(payloadText, payloadJson) || !decodeBase64Url(signatureText, &signature)) {
        return QStringLiteral("a segment is not valid base64url");
    }

    // Header
    QJsonParseError parseError;
    const QJsonDocument headerDoc = QJsonDocument::fromJson(headerJson, &parseError);
    if (parseError.error != QJsonParseError::NoError || !headerDoc.isObject()) {
        return QStringLiteral("header is not a JSON object");
    }
    const QJsonObject header = headerDoc.object();
    const QJsonValue algValue = header.value(u"alg");
    if (!algValue.isString()) {
        return QStringLiteral("header has no alg string");
    }
    const QString alg = algValue.toString();
    if (alg.compare(u"none", Qt::CaseInsensitive) == 0) {
        return QStringLiteral("alg none is refused");
    }
    if (alg != u"HS256" && alg != u"RS256" && alg != u"ES256") {
        return QStringLiteral("alg %1 is not supported").arg(printable(alg));
    }
    // The algorithm comes from the token, but only ever selects among what the configuration enabled: an HS256
    // token is checked against the HMAC secret alone, never against the public key's bytes.
    if (!keys.algEnabled(alg)) {
        return QStringLiteral("alg %1 is not enabled").arg(alg);
    }
    if (header.contains(u"crit")) {
        return QStringLiteral("crit header is not supported");
    }
    if (header.contains(u"typ")) {
        const QJsonValue typ = header.value(u"typ");
        if (!typ.isString()
            || (typ.toString().compare(u"JWT", Qt::CaseInsensitive) != 0
                && typ.toString().compare(u"at+jwt", Qt::CaseInsensitive) != 0)) {
            return QStringLiteral("typ is neither JWT nor at+jwt");
        }
    }
    // Key-carrying headers (jwk, jku, x5c, x5u, kid) are ignored: the key always comes from the configuration.

    return keys.checkSignature(alg, signingInput, signature);
}

} // namespace ga::security::jws
