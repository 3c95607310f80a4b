// SPDX-License-Identifier: GPL-3.0-or-later
// The JWT verifier's policy: what the configuration enables, and the claims a token must carry once its JWS
// holds (exp, nbf, iat, aud, iss, sub); the shape check and HS256 minting. The JOSE layer (base64url, header,
// keys, signatures) is jws.cpp.
#include "security/jwt.h"

#include "security/jws_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <cmath>
#include <openssl/crypto.h>

namespace ga::security {

namespace {

// NumericDate values beyond 2^53 s cannot be represented exactly and would overflow qint64 arithmetic.
constexpr double kMaxNumericDate = 9007199254740992.0;

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

JwtResult refused(const QString &reason)
{
    JwtResult r;
    r.error = reason;
    return r;
}

} // namespace

struct JwtVerifier::Impl
{
    jws::KeySet keys;
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
    jws::ErrorQueueGuard clearErrors;
    // Fail closed: a configuration that is refused leaves a verifier that accepts nothing.
    d = std::make_unique<Impl>();
    auto fail = [error](const QString &reason) {
        if (error) {
            *error = reason;
        }
        return false;
    };

    auto next = std::make_unique<Impl>();
    next->keys.setHmacSecret(config.hmacSecret);
    next->audience = config.audience;
    next->issuer = config.issuer;
    next->leeway = qMax(0, config.leewaySeconds);

    if (!config.publicKeyPem.trimmed().isEmpty()) {
        if (QString reason; !next->keys.loadPublicKey(config.publicKeyPem, &reason)) {
            return fail(reason);
        }
    }

    d = std::move(next);
    return true;
}

bool JwtVerifier::enabled() const
{
    return d->keys.any();
}

JwtResult JwtVerifier::verify(QByteArrayView token, qint64 nowSeconds) const
{
    jws::ErrorQueueGuard clearErrors;

    QByteArray payloadJson;
    if (const QString reason = jws::verifyCompact(token, d->keys, &payloadJson); !reason.isEmpty()) {
        return refused(reason);
    }

    // Claims (only looked at once the signature holds)
    QJsonParseError parseError;
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
    return header.startsWith("eyJ") && !payload.isEmpty() && jws::isBase64UrlText(header)
        && jws::isBase64UrlText(payload) && jws::isBase64UrlText(signature);
}

QByteArray signHs256(const QJsonObject &claims, const QByteArray &secret)
{
    jws::ErrorQueueGuard clearErrors;
    const QByteArray signingInput = jws::encodeBase64Url(QByteArrayLiteral(R"({"alg":"HS256","typ":"JWT"})")) + '.'
        + jws::encodeBase64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    unsigned char mac[jws::kHs256Size];
    if (!jws::hmacSha256(secret, signingInput, mac)) {
        return {};
    }
    const QByteArray token = signingInput + '.'
        + jws::encodeBase64Url(QByteArray(reinterpret_cast<const char *>(mac), qsizetype(sizeof(mac))));
    OPENSSL_cleanse(mac, sizeof(mac));
    return token;
}

} // namespace ga::security
