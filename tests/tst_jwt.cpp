// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QObject>
#include <QTest>

#include <atomic>
#include <cmath>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <thread>
#include <vector>

using namespace ga::security;

Q_DECLARE_METATYPE(ga::security::JwtConfig)

namespace {

constexpr qint64 kNow = 1'700'000'000;
const QByteArray kSecret = QByteArrayLiteral("hs256-test-secret-a7f3c9e1b5d24680");
const QByteArray kOtherSecret = QByteArrayLiteral("hs256-test-secret-OTHER-9b8c7d6e5f");
const QString kAudience = QStringLiteral("gemini-aggregator");
const QString kIssuer = QStringLiteral("https://issuer.example");

// The example on jwt.io, checked against `openssl dgst -sha256 -hmac`: an independent HS256 known answer.
const QByteArray kJwtIoToken
    = QByteArrayLiteral("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
                        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
const QByteArray kJwtIoSecret = QByteArrayLiteral("your-256-bit-secret");

QByteArray b64(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray unb64(const QByteArray &text)
{
    return QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding);
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray assemble(const QByteArray &headerJson, const QByteArray &payloadJson, const QByteArray &signature)
{
    return b64(headerJson) + '.' + b64(payloadJson) + '.' + b64(signature);
}

// HMAC with Qt's own implementation, so the verifier is checked against an independent one.
QByteArray hmac(const QByteArray &secret, const QByteArray &input)
{
    return QMessageAuthenticationCode::hash(input, secret, QCryptographicHash::Sha256);
}

QByteArray hsRaw(const QByteArray &headerJson, const QByteArray &payloadJson, const QByteArray &secret)
{
    const QByteArray input = b64(headerJson) + '.' + b64(payloadJson);
    return input + '.' + b64(hmac(secret, input));
}

QByteArray hs(const QJsonObject &claims, const QByteArray &secret = kSecret,
    const QJsonObject &header = { { "alg", "HS256" }, { "typ", "JWT" } })
{
    return hsRaw(compact(header), compact(claims), secret);
}

// EVP_DigestSign with SHA-256: PKCS#1 v1.5 for RSA, DER for EC.
QByteArray evpSign(EVP_PKEY *key, const QByteArray &input)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t size = 0;
    QByteArray sig;
    if (EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr) == 1
        && EVP_DigestSign(
               ctx, nullptr, &size, reinterpret_cast<const unsigned char *>(input.constData()), size_t(input.size()))
            == 1) {
        sig.resize(qsizetype(size));
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &size,
                reinterpret_cast<const unsigned char *>(input.constData()), size_t(input.size()))
            == 1) {
            sig.resize(qsizetype(size));
        } else {
            sig.clear();
        }
    }
    EVP_MD_CTX_free(ctx);
    return sig;
}

QByteArray derToRaw(const QByteArray &der)
{
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &p, long(der.size()));
    if (!sig) {
        return {};
    }
    const BIGNUM *r = nullptr;
    const BIGNUM *s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    QByteArray raw(64, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char *>(raw.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char *>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
}

QByteArray pkSigned(
    EVP_PKEY *key, bool ec, const QByteArray &headerJson, const QByteArray &payloadJson, bool derSignature = false)
{
    const QByteArray input = b64(headerJson) + '.' + b64(payloadJson);
    const QByteArray der = evpSign(key, input);
    return input + '.' + b64(ec && !derSignature ? derToRaw(der) : der);
}

QByteArray pem(EVP_PKEY *key, bool privateKey = false)
{
    BIO *bio = BIO_new(BIO_s_mem());
    const int ok = privateKey ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                              : PEM_write_bio_PUBKEY(bio, key);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray out = ok == 1 ? QByteArray(data, qsizetype(size)) : QByteArray();
    BIO_free(bio);
    return out;
}

// Flips one bit in the decoded signature and re-encodes it.
QByteArray flipSignatureByte(const QByteArray &token)
{
    const qsizetype dot = token.lastIndexOf('.');
    QByteArray sig = unb64(token.mid(dot + 1));
    sig[sig.size() / 2] = char(sig[sig.size() / 2] ^ 0x01);
    return token.left(dot + 1) + b64(sig);
}

QByteArray replaceSignature(const QByteArray &token, const QByteArray &signatureText)
{
    return token.left(token.lastIndexOf('.') + 1) + signatureText;
}

QJsonObject validClaims(const QString &sub = QStringLiteral("alice"))
{
    QJsonObject c { { "exp", kNow + 600 }, { "iat", kNow - 10 } };
    if (!sub.isNull()) {
        c.insert("sub", sub);
    }
    return c;
}

JwtConfig config(const QByteArray &secret, const QByteArray &publicKeyPem = {}, const QString &audience = {},
    const QString &issuer = {}, int leeway = 30)
{
    JwtConfig c;
    c.hmacSecret = secret;
    c.publicKeyPem = publicKeyPem;
    c.audience = audience;
    c.issuer = issuer;
    c.leewaySeconds = leeway;
    return c;
}

} // namespace

class TestJwt : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void verify_data();
    void verify();
    void looksLikeJwt_data();
    void looksLikeJwt();
    void signHs256Format();
    void configure_data();
    void configure();
    void failedConfigureAcceptsNothing();
    void leavesNoOpenSslErrors();
    void concurrentVerify();

public:
    ~TestJwt() override;

private:
    void ensureKeys();
    void addRow(const char *name, const QByteArray &token, const JwtConfig &cfg, bool ok,
        const QString &errorContains = {}, const QString &subject = QStringLiteral("jwt"));

    EVP_PKEY *m_rsa = nullptr;
    EVP_PKEY *m_rsaOther = nullptr;
    EVP_PKEY *m_rsa1024 = nullptr;
    EVP_PKEY *m_ec = nullptr;
    EVP_PKEY *m_ecOther = nullptr;
    EVP_PKEY *m_ecP384 = nullptr;
    EVP_PKEY *m_ed25519 = nullptr;
    QByteArray m_rsaPem;
    QByteArray m_ecPem;
};

TestJwt::~TestJwt()
{
    for (EVP_PKEY *k : { m_rsa, m_rsaOther, m_rsa1024, m_ec, m_ecOther, m_ecP384, m_ed25519 }) {
        EVP_PKEY_free(k);
    }
}

// The _data() functions need the keys too, and `-datatags` runs them without initTestCase().
void TestJwt::ensureKeys()
{
    if (m_rsa) {
        return;
    }
    m_rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
    m_rsaOther = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
    m_rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
    m_ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    m_ecOther = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    m_ecP384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    m_ed25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    QVERIFY(m_rsa && m_rsaOther && m_rsa1024 && m_ec && m_ecOther && m_ecP384 && m_ed25519);
    m_rsaPem = pem(m_rsa);
    m_ecPem = pem(m_ec);
    QVERIFY(m_rsaPem.startsWith("-----BEGIN PUBLIC KEY-----"));
    QVERIFY(m_ecPem.startsWith("-----BEGIN PUBLIC KEY-----"));
}

void TestJwt::initTestCase()
{
    ensureKeys();
}

void TestJwt::addRow(const char *name, const QByteArray &token, const JwtConfig &cfg, bool ok,
    const QString &errorContains, const QString &subject)
{
    QTest::newRow(name) << token << cfg << ok << errorContains << subject;
}

void TestJwt::verify_data()
{
    ensureKeys();
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<JwtConfig>("cfg");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("errorContains");
    QTest::addColumn<QString>("subject");

    const JwtConfig hmacOnly = config(kSecret);
    const JwtConfig rsaOnly = config({}, m_rsaPem);
    const JwtConfig ecOnly = config({}, m_ecPem);
    const JwtConfig hmacAndRsa = config(kSecret, m_rsaPem);
    const JwtConfig hmacAndEc = config(kSecret, m_ecPem);
    const QByteArray hsHeader = R"({"alg":"HS256","typ":"JWT"})";
    const QByteArray rsHeader = R"({"alg":"RS256","typ":"JWT"})";
    const QByteArray esHeader = R"({"alg":"ES256"})";
    const QByteArray claims = compact(validClaims());
    const QByteArray hsValid = hs(validClaims());
    const QByteArray rsValid = pkSigned(m_rsa, false, rsHeader, claims);
    const QByteArray esValid = pkSigned(m_ec, true, esHeader, claims);

    // Accepted
    addRow("HS256 valid", hsValid, hmacOnly, true, {}, "alice");
    addRow("HS256 without sub", hs(validClaims(QString())), hmacOnly, true, {}, "jwt");
    addRow("HS256 empty sub", hs(validClaims("")), hmacOnly, true, {}, "jwt");
    addRow("RS256 valid", rsValid, rsaOnly, true, {}, "alice");
    addRow("ES256 valid", esValid, ecOnly, true, {}, "alice");
    addRow("HS256 with HMAC and RSA configured", hsValid, hmacAndRsa, true, {}, "alice");
    addRow("RS256 with HMAC and RSA configured", rsValid, hmacAndRsa, true, {}, "alice");
    addRow("ES256 with HMAC and EC configured", esValid, hmacAndEc, true, {}, "alice");
    addRow("no typ", hs(validClaims(), kSecret, { { "alg", "HS256" } }), hmacOnly, true, {}, "alice");
    addRow("typ jwt lowercase", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "typ", "jwt" } }), hmacOnly, true,
        {}, "alice");
    addRow("typ at+jwt", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "typ", "at+jwt" } }), hmacOnly, true, {},
        "alice");
    addRow("typ AT+JWT", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "typ", "AT+JWT" } }), hmacOnly, true, {},
        "alice");
    addRow("exp fractional", hs({ { "exp", double(kNow) + 0.5 } }), hmacOnly, true);

    // Time claims (leeway 30 s)
    addRow("expired", hs({ { "exp", kNow - 75 } }), hmacOnly, false, "expired 75 s ago");
    addRow("expired within leeway", hs({ { "exp", kNow - 20 } }), hmacOnly, true);
    addRow("expired exactly at leeway", hs({ { "exp", kNow - 30 } }), hmacOnly, true);
    addRow("expired one second past leeway", hs({ { "exp", kNow - 31 } }), hmacOnly, false, "expired 31 s ago");
    addRow(
        "expired with leeway 0", hs({ { "exp", kNow - 1 } }), config(kSecret, {}, {}, {}, 0), false, "expired 1 s ago");
    addRow("expired RS256", pkSigned(m_rsa, false, rsHeader, compact({ { "exp", kNow - 3600 } })), rsaOnly, false,
        "expired");
    addRow("nbf in the future", hs({ { "exp", kNow + 600 }, { "nbf", kNow + 100 } }), hmacOnly, false, "nbf");
    addRow("nbf within leeway", hs({ { "exp", kNow + 600 }, { "nbf", kNow + 20 } }), hmacOnly, true);
    addRow("nbf in the past", hs({ { "exp", kNow + 600 }, { "nbf", kNow - 20 } }), hmacOnly, true);
    addRow("nbf as string", hs({ { "exp", kNow + 600 }, { "nbf", "0" } }), hmacOnly, false, "nbf is not a number");
    addRow("iat in the future", hs({ { "exp", kNow + 600 }, { "iat", kNow + 100 } }), hmacOnly, false,
        "issued 100 s in the future");
    addRow("iat within leeway", hs({ { "exp", kNow + 600 }, { "iat", kNow + 20 } }), hmacOnly, true);
    addRow("iat as string", hs({ { "exp", kNow + 600 }, { "iat", "1700000000" } }), hmacOnly, false,
        "iat is not a number");
    addRow("missing exp", hs({ { "sub", "alice" } }), hmacOnly, false, "exp is missing");
    addRow("exp as string", hs({ { "exp", QString::number(kNow + 600) } }), hmacOnly, false, "exp is not a number");
    addRow("exp null", hs({ { "exp", QJsonValue::Null } }), hmacOnly, false, "exp is not a number");
    addRow("exp true", hs({ { "exp", true } }), hmacOnly, false, "exp is not a number");
    addRow("exp huge", hs({ { "exp", 1e300 } }), hmacOnly, false, "exp is not a number");

    // Signatures
    addRow("HS256 flipped signature byte", flipSignatureByte(hsValid), hmacOnly, false, "signature does not match");
    addRow("RS256 flipped signature byte", flipSignatureByte(rsValid), rsaOnly, false, "signature does not match");
    addRow("ES256 flipped signature byte", flipSignatureByte(esValid), ecOnly, false, "signature does not match");
    addRow("HS256 other secret", hs(validClaims(), kOtherSecret), hmacOnly, false, "signature does not match");
    addRow(
        "RS256 other key", pkSigned(m_rsaOther, false, rsHeader, claims), rsaOnly, false, "signature does not match");
    addRow("ES256 other key", pkSigned(m_ecOther, true, esHeader, claims), ecOnly, false, "signature does not match");
    addRow("HS256 payload swapped after signing",
        b64(hsHeader) + '.' + b64(compact({ { "exp", kNow + 99999 }, { "sub", "mallory" } })) + '.'
            + hsValid.mid(hsValid.lastIndexOf('.') + 1),
        hmacOnly, false, "signature does not match");
    addRow("HS256 empty signature", replaceSignature(hsValid, {}), hmacOnly, false, "signature does not match");
    addRow("RS256 truncated signature", replaceSignature(rsValid, b64(unb64(rsValid.split('.')[2]).chopped(1))),
        rsaOnly, false, "signature does not match");
    addRow("RS256 header jwk and kid are ignored",
        pkSigned(
            m_rsaOther, false, R"({"alg":"RS256","kid":"attacker","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}})", claims),
        rsaOnly, false, "signature does not match");
    addRow("known answer jwt.io (signature ok, no exp)", kJwtIoToken, config(kJwtIoSecret), false, "exp is missing");
    addRow(
        "known answer jwt.io wrong secret", kJwtIoToken, config(kJwtIoSecret + "x"), false, "signature does not match");

    // Algorithm rules
    const QByteArray noneClaims = b64(claims);
    addRow("alg none empty signature", b64(R"({"alg":"none","typ":"JWT"})") + '.' + noneClaims + '.',
        config(kSecret, m_rsaPem), false, "alg none is refused");
    addRow("alg none HMAC only", b64(R"({"alg":"none"})") + '.' + noneClaims + '.', hmacOnly, false,
        "alg none is refused");
    addRow(
        "alg None with signature", hsRaw(R"({"alg":"None"})", claims, kSecret), hmacOnly, false, "alg none is refused");
    addRow("alg NONE", hsRaw(R"({"alg":"NONE"})", claims, kSecret), hmacOnly, false, "alg none is refused");
    addRow("alg nOnE", b64(R"({"alg":"nOnE"})") + '.' + noneClaims + '.', ecOnly, false, "alg none is refused");
    addRow("HS256 with RSA PEM as secret, only RSA configured", hs(validClaims(), m_rsaPem), rsaOnly, false,
        "alg HS256 is not enabled");
    addRow("HS256 with RSA PEM trimmed as secret", hs(validClaims(), m_rsaPem.trimmed()), rsaOnly, false,
        "alg HS256 is not enabled");
    addRow("HS256 with EC PEM as secret, only EC configured", hs(validClaims(), m_ecPem), ecOnly, false,
        "alg HS256 is not enabled");
    addRow("HS256 with RSA PEM as secret, HMAC and RSA configured", hs(validClaims(), m_rsaPem), hmacAndRsa, false,
        "signature does not match");
    addRow("RS256 with only HMAC configured", rsValid, hmacOnly, false, "alg RS256 is not enabled");
    addRow("ES256 with only HMAC configured", esValid, hmacOnly, false, "alg ES256 is not enabled");
    addRow("ES256 with only RSA configured", esValid, rsaOnly, false, "alg ES256 is not enabled");
    addRow("RS256 with only EC configured", rsValid, ecOnly, false, "alg RS256 is not enabled");
    addRow("ES256 header on an RS256 signature", pkSigned(m_rsa, false, esHeader, claims), hmacAndEc, false, "not 64");
    addRow("ES256 65-byte signature", replaceSignature(esValid, b64(unb64(esValid.split('.')[2]) + '\x01')), ecOnly,
        false, "not 64");
    addRow("ES256 DER signature", pkSigned(m_ec, true, esHeader, claims, true), ecOnly, false, "not 64");
    addRow("ES256 all-zero signature", replaceSignature(esValid, b64(QByteArray(64, '\0'))), ecOnly, false,
        "signature does not match");
    addRow("alg HS512", hsRaw(R"({"alg":"HS512"})", claims, kSecret), hmacOnly, false, "alg HS512 is not supported");
    addRow("alg hs256 lowercase", hsRaw(R"({"alg":"hs256"})", claims, kSecret), hmacOnly, false, "not supported");
    addRow("alg missing", hsRaw(R"({"typ":"JWT"})", claims, kSecret), hmacOnly, false, "alg");
    addRow("alg number", hsRaw(R"({"alg":256})", claims, kSecret), hmacOnly, false, "alg");
    addRow("crit header", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "crit", QJsonArray { "exp" } } }),
        hmacOnly, false, "crit");
    addRow("typ foo", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "typ", "foo" } }), hmacOnly, false, "typ");
    addRow("typ number", hs(validClaims(), kSecret, { { "alg", "HS256" }, { "typ", 1 } }), hmacOnly, false, "typ");

    // Audience and issuer
    const JwtConfig withAud = config(kSecret, {}, kAudience);
    const JwtConfig withIss = config(kSecret, {}, {}, kIssuer);
    addRow("aud string match", hs({ { "exp", kNow + 60 }, { "aud", kAudience } }), withAud, true);
    addRow(
        "aud array match", hs({ { "exp", kNow + 60 }, { "aud", QJsonArray { "other", kAudience } } }), withAud, true);
    addRow("aud RS256 match", pkSigned(m_rsa, false, rsHeader, compact({ { "exp", kNow + 60 }, { "aud", kAudience } })),
        config({}, m_rsaPem, kAudience), true);
    addRow("aud string mismatch", hs({ { "exp", kNow + 60 }, { "aud", "other" } }), withAud, false,
        "audience does not match");
    addRow("aud array mismatch", hs({ { "exp", kNow + 60 }, { "aud", QJsonArray { "other", "another" } } }), withAud,
        false, "audience does not match");
    addRow("aud case differs", hs({ { "exp", kNow + 60 }, { "aud", kAudience.toUpper() } }), withAud, false,
        "audience does not match");
    addRow("aud number", hs({ { "exp", kNow + 60 }, { "aud", 1 } }), withAud, false, "audience does not match");
    addRow("aud missing", hs({ { "exp", kNow + 60 } }), withAud, false, "audience is missing");
    addRow("aud present but none configured", hs({ { "exp", kNow + 60 }, { "aud", "other" } }), hmacOnly, true);
    addRow("iss match", hs({ { "exp", kNow + 60 }, { "iss", kIssuer } }), withIss, true);
    addRow("iss mismatch", hs({ { "exp", kNow + 60 }, { "iss", "https://evil.example" } }), withIss, false,
        "issuer does not match");
    addRow("iss missing", hs({ { "exp", kNow + 60 } }), withIss, false, "issuer is missing");
    addRow("iss array", hs({ { "exp", kNow + 60 }, { "iss", QJsonArray { kIssuer } } }), withIss, false,
        "issuer does not match");
    addRow("sub number", hs({ { "exp", kNow + 60 }, { "sub", 42 } }), hmacOnly, false, "sub is not a string");

    // Structure and encoding
    const QList<QByteArray> parts = hsValid.split('.');
    addRow("empty token", QByteArray(), hmacOnly, false, "three");
    addRow("two segments", parts[0] + '.' + parts[1], hmacOnly, false, "three");
    addRow("four segments", hsValid + ".AAAA", hmacOnly, false, "three");
    addRow("only dots", "..", hmacOnly, false, "base64url");
    addRow("empty header", '.' + parts[1] + '.' + parts[2], hmacOnly, false, "base64url");
    addRow("padding after signature", hsValid + '=', hmacOnly, false, "padding");
    addRow("padded header", b64(hsHeader).append("==") + '.' + parts[1] + '.' + parts[2], hmacOnly, false, "padding");
    QByteArray plus = hsValid;
    plus[parts[0].size() + 3] = '+';
    addRow("'+' in payload", plus, hmacOnly, false, "base64url");
    QByteArray slash = hsValid;
    slash[parts[0].size() + 3] = '/';
    addRow("'/' in payload", slash, hmacOnly, false, "base64url");
    addRow("space in signature", parts[0] + '.' + parts[1] + '.' + parts[2].left(5) + ' ' + parts[2].mid(5), hmacOnly,
        false, "base64url");
    addRow("trailing newline", hsValid + '\n', hmacOnly, false, "base64url");
    // 32 bytes take 43 characters, whose last one has 2 unused bits: set one, lenient decoders would not notice.
    const QByteArray alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    QByteArray nonCanonical = hsValid;
    nonCanonical.back() = alphabet.at(alphabet.indexOf(hsValid.back()) | 1);
    QVERIFY(nonCanonical != hsValid);
    QCOMPARE(unb64(nonCanonical.split('.')[2]), unb64(parts[2]));
    addRow("non-canonical base64 signature", nonCanonical, hmacOnly, false, "base64url");
    QByteArray oddPayload = parts[1] + 'A';
    while (oddPayload.size() % 4 != 1) {
        oddPayload += 'A';
    }
    addRow("impossible base64 length", parts[0] + '.' + oddPayload + '.' + parts[2], hmacOnly, false, "base64url");
    addRow("header not JSON", hsRaw("{alg:HS256}", claims, kSecret), hmacOnly, false, "header is not a JSON object");
    addRow("header JSON array", hsRaw(R"(["HS256"])", claims, kSecret), hmacOnly, false, "header is not a JSON object");
    addRow("payload array", hsRaw(hsHeader, "[1,2,3]", kSecret), hmacOnly, false, "payload is not a JSON object");
    addRow("payload not JSON", hsRaw(hsHeader, "exp=1", kSecret), hmacOnly, false, "payload is not a JSON object");
    addRow("payload array unsigned", assemble(hsHeader, "[1]", "x"), hmacOnly, false, "signature does not match");

    // Size limit: a correctly signed token just under 8 KiB is fine, one over it is not.
    QByteArray nearLimit;
    for (int pad = 5800; pad < 6400; ++pad) {
        const QByteArray t = hs({ { "exp", kNow + 60 }, { "pad", QString(pad, u'x') } });
        if (t.size() > 8192) {
            break;
        }
        nearLimit = t;
    }
    QVERIFY(nearLimit.size() >= 8189 && nearLimit.size() <= 8192);
    addRow("token of 8 KiB", nearLimit, hmacOnly, true);
    addRow("oversized token", hs({ { "exp", kNow + 60 }, { "pad", QString(9000, u'x') } }), hmacOnly, false, "8 KiB");
}

void TestJwt::verify()
{
    QFETCH(QByteArray, token);
    QFETCH(JwtConfig, cfg);
    QFETCH(bool, ok);
    QFETCH(QString, errorContains);
    QFETCH(QString, subject);

    JwtVerifier verifier;
    QString configError;
    QVERIFY2(verifier.configure(cfg, &configError), qPrintable(configError));
    QVERIFY(verifier.enabled());

    const JwtResult r = verifier.verify(token, kNow);
    QVERIFY2(r.ok == ok, qPrintable(QStringLiteral("ok=%1 error=%2").arg(r.ok).arg(r.error)));
    if (ok) {
        QCOMPARE(r.error, QString());
        QCOMPARE(r.subject, subject);
        const QJsonObject claims = QJsonDocument::fromJson(unb64(token.split('.')[1])).object();
        QCOMPARE(r.expiresAt, qint64(std::floor(claims.value("exp").toDouble())));
        return;
    }
    QVERIFY(!r.error.isEmpty());
    QVERIFY2(r.error.contains(errorContains), qPrintable(r.error));
    QCOMPARE(r.subject, QString());
    // The reason goes to the log: it must repeat neither the token (or a recognisable piece of it) nor the secret.
    if (!cfg.hmacSecret.isEmpty()) {
        QVERIFY(!r.error.contains(QString::fromLatin1(cfg.hmacSecret)));
    }
    if (!token.isEmpty()) {
        QVERIFY(!r.error.contains(QString::fromLatin1(token)));
    }
    for (const QByteArray &part : token.split('.')) {
        if (part.size() >= 8) {
            QVERIFY2(!r.error.contains(QString::fromLatin1(part.left(8))), qPrintable(r.error));
        }
    }
}

void TestJwt::looksLikeJwt_data()
{
    ensureKeys();
    QTest::addColumn<QByteArray>("credential");
    QTest::addColumn<bool>("expected");

    const QByteArray t = hs(validClaims());
    const QList<QByteArray> p = t.split('.');
    QTest::newRow("HS256 token") << t << true;
    QTest::newRow("jwt.io example") << kJwtIoToken << true;
    QTest::newRow("RS256 token") << pkSigned(m_rsa, false, R"({"alg":"RS256"})", compact(validClaims())) << true;
    QTest::newRow("alg none, empty signature") << b64(R"({"alg":"none"})") + '.' + p[1] + '.' << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("two segments") << p[0] + '.' + p[1] << false;
    QTest::newRow("four segments") << t + ".eyJ" << false;
    QTest::newRow("empty payload") << p[0] + ".." + p[2] << false;
    QTest::newRow("header not eyJ") << "abc." + p[1] + '.' + p[2] << false;
    QTest::newRow("padding") << t + "=" << false;
    QTest::newRow("plus") << p[0] + '.' + p[1] + ".ab+c" << false;
    QTest::newRow("space") << p[0] + '.' + p[1] + ". abc" << false;
    QTest::newRow("access token") << QByteArray("gat_Zm9vYmFyYmF6cXV4cXV1eHh4eHh4eHh4eHh4eHh4eHh4eHg") << false;
    QTest::newRow("Gemini key") << QByteArray("AIzaSyA-1234567890abcdefghijklmnopqrstu") << false;
}

void TestJwt::looksLikeJwt()
{
    QFETCH(QByteArray, credential);
    QFETCH(bool, expected);
    QCOMPARE(ga::security::looksLikeJwt(credential), expected);
}

void TestJwt::signHs256Format()
{
    const QJsonObject claims { { "sub", "cli" }, { "exp", kNow + 60 }, { "aud", kAudience } };
    const QByteArray token = signHs256(claims, kSecret);
    QVERIFY(!token.contains('='));
    QVERIFY(!token.contains('+') && !token.contains('/'));
    const QList<QByteArray> parts = token.split('.');
    QCOMPARE(parts.size(), 3);
    QCOMPARE(unb64(parts[0]), QByteArray(R"({"alg":"HS256","typ":"JWT"})"));
    QCOMPARE(parts[0], QByteArray("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
    QCOMPARE(unb64(parts[1]), compact(claims));
    QVERIFY(!unb64(parts[1]).contains(' ') && !unb64(parts[1]).contains('\n'));
    QCOMPARE(unb64(parts[2]), hmac(kSecret, parts[0] + '.' + parts[1]));
    QVERIFY(ga::security::looksLikeJwt(token));

    JwtVerifier verifier;
    QVERIFY(verifier.configure(config(kSecret, {}, kAudience), nullptr));
    const JwtResult r = verifier.verify(token, kNow);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.subject, QStringLiteral("cli"));
    QCOMPARE(r.expiresAt, kNow + 60);
    QVERIFY(!verifier.verify(signHs256(claims, kOtherSecret), kNow).ok);
}

void TestJwt::configure_data()
{
    ensureKeys();
    QTest::addColumn<JwtConfig>("cfg");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<bool>("enabled");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("nothing") << config({}) << true << false << QString();
    QTest::newRow("whitespace PEM") << config({}, " \n") << true << false << QString();
    QTest::newRow("HMAC only") << config(kSecret) << true << true << QString();
    QTest::newRow("RSA 2048") << config({}, m_rsaPem) << true << true << QString();
    QTest::newRow("EC P-256") << config({}, m_ecPem) << true << true << QString();
    QTest::newRow("HMAC and EC") << config(kSecret, m_ecPem) << true << true << QString();
    QTest::newRow("PEM with text around it") << config({}, "my key:\n" + m_rsaPem + "\n") << true << true << QString();
    QTest::newRow("garbage PEM") << config(kSecret, "not a key at all") << false << false << "PEM";
    QTest::newRow("truncated PEM") << config({}, m_rsaPem.left(m_rsaPem.size() / 2)) << false << false << "PEM";
    QTest::newRow("RSA 1024") << config({}, pem(m_rsa1024)) << false << false << "2048";
    QTest::newRow("EC P-384") << config({}, pem(m_ecP384)) << false << false << "P-256";
    QTest::newRow("Ed25519") << config({}, pem(m_ed25519)) << false << false << "neither RSA";
    QTest::newRow("RSA private key") << config({}, pem(m_rsa, true)) << false << false << "PEM";
}

void TestJwt::configure()
{
    QFETCH(JwtConfig, cfg);
    QFETCH(bool, ok);
    QFETCH(bool, enabled);
    QFETCH(QString, errorContains);

    JwtVerifier verifier;
    QString error;
    QCOMPARE(verifier.configure(cfg, &error), ok);
    QCOMPARE(verifier.enabled(), enabled);
    if (ok) {
        QCOMPARE(error, QString());
    } else {
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(errorContains), qPrintable(error));
        QVERIFY(!error.contains(QString::fromLatin1(kSecret)));
        QVERIFY(error.endsWith(u'.'));
        QCOMPARE(error.count(u'.'), 1);
    }
    QCOMPARE(ERR_peek_error(), 0ul);
}

void TestJwt::failedConfigureAcceptsNothing()
{
    JwtVerifier verifier;
    QVERIFY(verifier.configure(config(kSecret), nullptr));
    const QByteArray token = hs(validClaims());
    QVERIFY(verifier.verify(token, kNow).ok);

    QString error;
    QVERIFY(
        !verifier.configure(config(kSecret, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!verifier.enabled());
    const JwtResult r = verifier.verify(token, kNow);
    QVERIFY(!r.ok);
    QVERIFY(r.error.contains("not enabled"));

    QVERIFY(verifier.configure(config(kSecret), nullptr));
    QVERIFY(verifier.verify(token, kNow).ok);
}

void TestJwt::leavesNoOpenSslErrors()
{
    JwtVerifier rsa;
    QVERIFY(rsa.configure(config({}, m_rsaPem), nullptr));
    JwtVerifier ec;
    QVERIFY(ec.configure(config({}, m_ecPem), nullptr));
    const QByteArray claims = compact(validClaims());
    ERR_clear_error();
    QVERIFY(!rsa.verify(pkSigned(m_rsaOther, false, R"({"alg":"RS256"})", claims), kNow).ok);
    QCOMPARE(ERR_peek_error(), 0ul);
    QVERIFY(!rsa.verify(replaceSignature(pkSigned(m_rsa, false, R"({"alg":"RS256"})", claims), b64("short")), kNow).ok);
    QCOMPARE(ERR_peek_error(), 0ul);
    QVERIFY(!ec.verify(pkSigned(m_ecOther, true, R"({"alg":"ES256"})", claims), kNow).ok);
    QCOMPARE(ERR_peek_error(), 0ul);
    QVERIFY(
        !ec.verify(
               replaceSignature(pkSigned(m_ec, true, R"({"alg":"ES256"})", claims), b64(QByteArray(64, '\xff'))), kNow)
             .ok);
    QCOMPARE(ERR_peek_error(), 0ul);
}

void TestJwt::concurrentVerify()
{
    JwtVerifier rsaAndHmac;
    QVERIFY(rsaAndHmac.configure(config(kSecret, m_rsaPem, kAudience), nullptr));
    JwtVerifier ec;
    QVERIFY(ec.configure(config({}, m_ecPem, kAudience), nullptr));
    QJsonObject claims = validClaims();
    claims.insert("aud", kAudience);
    const QByteArray hsToken = hs(claims);
    const QByteArray rsToken = pkSigned(m_rsa, false, R"({"alg":"RS256"})", compact(claims));
    const QByteArray esToken = pkSigned(m_ec, true, R"({"alg":"ES256"})", compact(claims));
    const QByteArray badToken = flipSignatureByte(rsToken);

    constexpr int kThreads = 4;
    constexpr int kIterations = 2000;
    std::atomic<int> wrong { 0 };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kIterations; ++i) {
                JwtResult r;
                bool expected = true;
                switch ((i + t) % 4) {
                case 0:
                    r = rsaAndHmac.verify(hsToken, kNow);
                    break;
                case 1:
                    r = rsaAndHmac.verify(rsToken, kNow);
                    break;
                case 2:
                    r = ec.verify(esToken, kNow);
                    break;
                default:
                    r = rsaAndHmac.verify(badToken, kNow);
                    expected = false;
                    break;
                }
                if (r.ok != expected || (expected && r.subject != QLatin1String("alice"))
                    || (!expected && r.error != QLatin1String("signature does not match")) || ERR_peek_error() != 0) {
                    ++wrong;
                }
            }
        });
    }
    for (std::thread &th : threads) {
        th.join();
    }
    QCOMPARE(wrong.load(), 0);
}

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
