// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <cmath>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace ga::security {

namespace {

constexpr qsizetype kMaxTokenSize = 8 * 1024;
constexpr int kMinRsaBits = 2048;
constexpr qsizetype kHs256Size = 32;
constexpr qsizetype kEs256PartSize = 32;
// NumericDate values beyond 2^53 s cannot be represented exactly and would overflow qint64 arithmetic.
constexpr double kMaxNumericDate = 9007199254740992.0;

enum class KeyKind
{
    None,
    Rsa,
    EcP256
};

// Clears the calling thread's OpenSSL error queue on every way out, so a refused token leaves nothing behind
// that a later TLS call on the same thread could mistake for its own error.
struct ErrorQueueGuard
{
    ErrorQueueGuard() = default;
    ErrorQueueGuard(const ErrorQueueGuard &) = delete;
    ErrorQueueGuard &operator=(const ErrorQueueGuard &) = delete;
    ~ErrorQueueGuard() { ERR_clear_error(); }
};

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

bool isBase64UrlText(QByteArrayView text)
{
    for (const char c : text) {
        if (base64UrlValue(c) < 0) {
            return false;
        }
    }
    return true;
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

QByteArray encodeBase64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
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

// A NumericDate claim: a JSON number (fractions allowed, RFC 7519 §2). Rounded towards refusal by the caller.
bool numericDate(const QJsonValue &value, double *out)
{
    if (!value.isDouble()) {
        return false;
    }
    const double v = value.toDouble();
    if (!std::isfinite(v) || v > kMaxNumericDate || v < -kMaxNumericDate) {
        return false;
    }
    *out = v;
    return true;
}

bool hmacSha256(const QByteArray &key, QByteArrayView data, unsigned char (&mac)[kHs256Size])
{
    size_t macSize = 0;
    const unsigned char *result
        = EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.constData(), size_t(key.size()),
            reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()), mac, sizeof(mac), &macSize);
    return result != nullptr && macSize == sizeof(mac);
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

JwtResult refused(const QString &reason)
{
    JwtResult r;
    r.error = reason;
    return r;
}

} // namespace

struct JwtVerifier::Impl
{
    Impl() = default;
    Impl(const Impl &) = delete;
    Impl &operator=(const Impl &) = delete;
    ~Impl()
    {
        EVP_PKEY_free(publicKey);
        if (!hmacSecret.isEmpty()) {
            OPENSSL_cleanse(hmacSecret.data(), size_t(hmacSecret.size()));
        }
    }

    bool algEnabled(QStringView alg) const
    {
        if (alg == u"HS256") {
            return !hmacSecret.isEmpty();
        }
        if (alg == u"RS256") {
            return keyKind == KeyKind::Rsa;
        }
        if (alg == u"ES256") {
            return keyKind == KeyKind::EcP256;
        }
        return false;
    }

    QByteArray hmacSecret;
    EVP_PKEY *publicKey = nullptr;
    KeyKind keyKind = KeyKind::None;
    QString audience;
    QString issuer;
    qint64 leeway = 0;
};

JwtVerifier::JwtVerifier()
    : d(std::make_unique<Impl>())
{ }

JwtVerifier::~JwtVerifier() = default;

bool JwtVerifier::configure(const JwtConfig &config, QString *error)
{
    ErrorQueueGuard clearErrors;
    // Fail closed: a configuration that is refused leaves a verifier that accepts nothing.
    d = std::make_unique<Impl>();
    auto fail = [error](const QString &reason) {
        if (error) {
            *error = reason;
        }
        return false;
    };

    auto next = std::make_unique<Impl>();
    next->hmacSecret = config.hmacSecret;
    next->hmacSecret.detach(); // our own copy, cleansed in ~Impl
    next->audience = config.audience;
    next->issuer = config.issuer;
    next->leeway = qMax(0, config.leewaySeconds);

    if (!config.publicKeyPem.trimmed().isEmpty()) {
        std::unique_ptr<BIO, BioDeleter> bio(
            BIO_new_mem_buf(config.publicKeyPem.constData(), int(config.publicKeyPem.size())));
        if (!bio) {
            return fail(QStringLiteral("Could not read the JWT public key."));
        }
        next->publicKey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
        if (!next->publicKey) {
            return fail(QStringLiteral(
                "The JWT public key is not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")."));
        }
        if (EVP_PKEY_is_a(next->publicKey, "RSA")) {
            const int bits = EVP_PKEY_get_bits(next->publicKey);
            if (bits < kMinRsaBits) {
                return fail(QStringLiteral("The JWT RSA public key has %1 bits; at least %2 are required.")
                                .arg(bits)
                                .arg(kMinRsaBits));
            }
            next->keyKind = KeyKind::Rsa;
        } else if (EVP_PKEY_is_a(next->publicKey, "EC")) {
            char group[64] = {};
            size_t groupSize = 0;
            if (EVP_PKEY_get_utf8_string_param(
                    next->publicKey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &groupSize)
                    != 1
                || qstrcmp(group, "prime256v1") != 0) {
                return fail(QStringLiteral("The JWT EC public key is not on curve P-256, the only one ES256 allows."));
            }
            next->keyKind = KeyKind::EcP256;
        } else {
            return fail(QStringLiteral("The JWT public key is neither RSA (RS256) nor EC P-256 (ES256)."));
        }
    }

    d = std::move(next);
    return true;
}

bool JwtVerifier::enabled() const
{
    return !d->hmacSecret.isEmpty() || d->keyKind != KeyKind::None;
}

JwtResult JwtVerifier::verify(QByteArrayView token, qint64 nowSeconds) const
{
    ErrorQueueGuard clearErrors;

    if (token.size() > kMaxTokenSize) {
        return refused(QStringLiteral("token is larger than 8 KiB"));
    }
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
        return refused(QStringLiteral("not three dot-separated segments"));
    }
    const QByteArrayView headerText = token.first(dot1);
    const QByteArrayView payloadText = token.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView signatureText = token.sliced(dot2 + 1);
    const QByteArrayView signingInput = token.first(dot2);
    if (token.contains('=')) {
        return refused(QStringLiteral("base64url padding '=' is not allowed"));
    }
    QByteArray headerJson;
    QByteArray payloadJson;
    QByteArray signature;
    if (headerText.isEmpty() || payloadText.isEmpty() || !decodeBase64Url(headerText, &headerJson)
        || !decodeBase64Url(payloadText, &payloadJson) || !decodeBase64Url(signatureText, &signature)) {
        return refused(QStringLiteral("a segment is not valid base64url"));
    }

    // Header
    QJsonParseError parseError;
    const QJsonDocument headerDoc = QJsonDocument::fromJson(headerJson, &parseError);
    if (parseError.error != QJsonParseError::NoError || !headerDoc.isObject()) {
        return refused(QStringLiteral("header is not a JSON object"));
    }
    const QJsonObject header = headerDoc.object();
    const QJsonValue algValue = header.value(u"alg");
    if (!algValue.isString()) {
        return refused(QStringLiteral("header has no alg string"));
    }
    const QString alg = algValue.toString();
    if (alg.compare(u"none", Qt::CaseInsensitive) == 0) {
        return refused(QStringLiteral("alg none is refused"));
    }
    if (alg != u"HS256" && alg != u"RS256" && alg != u"ES256") {
        return refused(QStringLiteral("alg %1 is not supported").arg(printable(alg)));
    }
    // The algorithm comes from the token, but only ever selects among what the configuration enabled: an HS256
    // token is checked against the HMAC secret alone, never against the public key's bytes.
    if (!d->algEnabled(alg)) {
        return refused(QStringLiteral("alg %1 is not enabled").arg(alg));
    }
    if (header.contains(u"crit")) {
        return refused(QStringLiteral("crit header is not supported"));
    }
    if (header.contains(u"typ")) {
        const QJsonValue typ = header.value(u"typ");
        if (!typ.isString()
            || (typ.toString().compare(u"JWT", Qt::CaseInsensitive) != 0
                && typ.toString().compare(u"at+jwt", Qt::CaseInsensitive) != 0)) {
            return refused(QStringLiteral("typ is neither JWT nor at+jwt"));
        }
    }
    // Key-carrying headers (jwk, jku, x5c, x5u, kid) are ignored: the key always comes from the configuration.

    // Signature
    bool signatureOk = false;
    if (alg == u"HS256") {
        unsigned char mac[kHs256Size];
        if (!hmacSha256(d->hmacSecret, signingInput, mac)) {
            return refused(QStringLiteral("HMAC computation failed"));
        }
        signatureOk = signature.size() == kHs256Size && CRYPTO_memcmp(mac, signature.constData(), sizeof(mac)) == 0;
        OPENSSL_cleanse(mac, sizeof(mac));
    } else if (alg == u"RS256") {
        signatureOk = signature.size() == EVP_PKEY_get_size(d->publicKey)
            && digestVerify(d->publicKey, true, signingInput, signature);
    } else { // ES256
        if (signature.size() != 2 * kEs256PartSize) {
            return refused(QStringLiteral("ES256 signature is %1 bytes, not 64 (R || S)").arg(signature.size()));
        }
        const QByteArray der = es256RawToDer(signature);
        signatureOk = !der.isEmpty() && digestVerify(d->publicKey, false, signingInput, der);
    }
    if (!signatureOk) {
        return refused(QStringLiteral("signature does not match"));
    }

    // Claims (only looked at once the signature holds)
    const QJsonDocument payloadDoc = QJsonDocument::fromJson(payloadJson, &parseError);
    if (parseError.error != QJsonParseError::NoError || !payloadDoc.isObject()) {
        return refused(QStringLiteral("payload is not a JSON object"));
    }
    const QJsonObject claims = payloadDoc.object();
    const qint64 leeway = d->leeway;

    double value = 0;
    if (!claims.contains(u"exp")) {
        return refused(QStringLiteral("exp is missing"));
    }
    if (!numericDate(claims.value(u"exp"), &value)) {
        return refused(QStringLiteral("exp is not a number"));
    }
    const auto exp = qint64(std::floor(value));
    if (nowSeconds > exp + leeway) {
        return refused(QStringLiteral("expired %1 s ago").arg(nowSeconds - exp));
    }
    if (claims.contains(u"nbf")) {
        if (!numericDate(claims.value(u"nbf"), &value)) {
            return refused(QStringLiteral("nbf is not a number"));
        }
        const auto nbf = qint64(std::ceil(value));
        if (nowSeconds + leeway < nbf) {
            return refused(QStringLiteral("not valid for another %1 s (nbf)").arg(nbf - nowSeconds));
        }
    }
    if (claims.contains(u"iat")) {
        if (!numericDate(claims.value(u"iat"), &value)) {
            return refused(QStringLiteral("iat is not a number"));
        }
        const auto iat = qint64(std::ceil(value));
        if (iat > nowSeconds + leeway) {
            return refused(QStringLiteral("issued %1 s in the future (iat)").arg(iat - nowSeconds));
        }
    }
    if (!d->audience.isEmpty()) {
        const QJsonValue aud = claims.value(u"aud");
        if (aud.isUndefined()) {
            return refused(QStringLiteral("audience is missing"));
        }
        bool match = aud.isString() && aud.toString() == d->audience;
        if (aud.isArray()) {
            const QJsonArray list = aud.toArray();
            match = std::any_of(list.begin(), list.end(),
                [this](const QJsonValue &v) { return v.isString() && v.toString() == d->audience; });
        }
        if (!match) {
            return refused(QStringLiteral("audience does not match"));
        }
    }
    if (!d->issuer.isEmpty()) {
        const QJsonValue iss = claims.value(u"iss");
        if (iss.isUndefined()) {
            return refused(QStringLiteral("issuer is missing"));
        }
        if (!iss.isString() || iss.toString() != d->issuer) {
            return refused(QStringLiteral("issuer does not match"));
        }
    }
    QString subject = QStringLiteral("jwt");
    if (claims.contains(u"sub")) {
        const QJsonValue sub = claims.value(u"sub");
        if (!sub.isString()) {
            return refused(QStringLiteral("sub is not a string"));
        }
        if (!sub.toString().isEmpty()) {
            subject = sub.toString();
        }
    }

    JwtResult r;
    r.ok = true;
    r.subject = subject;
    r.expiresAt = exp;
    return r;
}

bool looksLikeJwt(QByteArrayView credential)
{
    const qsizetype dot1 = credential.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : credential.indexOf('.', dot1 + 1);
    if (dot2 < 0 || credential.indexOf('.', dot2 + 1) >= 0) {
        return false;
    }
    const QByteArrayView header = credential.first(dot1);
    const QByteArrayView payload = credential.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView signature = credential.sliced(dot2 + 1); // empty only for alg none; verify() refuses it
    return header.startsWith("eyJ") && !payload.isEmpty() && isBase64UrlText(header) && isBase64UrlText(payload)
        && isBase64UrlText(signature);
}

QByteArray signHs256(const QJsonObject &claims, const QByteArray &secret)
{
    ErrorQueueGuard clearErrors;
    const QByteArray signingInput = encodeBase64Url(QByteArrayLiteral(R"({"alg":"HS256","typ":"JWT"})")) + '.'
        + encodeBase64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    unsigned char mac[kHs256Size];
    if (!hmacSha256(secret, signingInput, mac)) {
        return {};
    }
    const QByteArray token
        = signingInput + '.' + encodeBase64Url(QByteArray(reinterpret_cast<const char *>(mac), qsizetype(sizeof(mac))));
    OPENSSL_cleanse(mac, sizeof(mac));
    return token;
}

} // namespace ga::security
