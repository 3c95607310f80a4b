// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for core/security/jwt: any bytes presented as a credential. Besides crashes and
// sanitizer reports it checks that nothing is accepted that was not signed with the configured keys
// (random input never is), that refusals carry a reason without the token in it, and that a valid token
// with one byte changed by the fuzzer is refused unless the change left it identical.
#include "security/jwt.h"

#include <QJsonObject>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <openssl/evp.h>
#include <openssl/pem.h>

using namespace ga::security;

namespace {

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                         \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (false)

constexpr qint64 kNow = 1'800'000'000;
const QByteArray kSecret = "fuzzing-hs256-secret-0123456789abcdef";

QByteArray ecPublicKeyPem()
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, int(size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

const JwtVerifier &verifier()
{
    static JwtVerifier v;
    static const bool configured = [] {
        JwtConfig c;
        c.hmacSecret = kSecret;
        c.publicKeyPem = ecPublicKeyPem();
        c.audience = QStringLiteral("gemini-aggregator");
        QString error;
        return v.configure(c, &error);
    }();
    FUZZ_CHECK(configured);
    return v;
}

const QByteArray &validToken()
{
    static const QByteArray token = signHs256(
        QJsonObject { { QStringLiteral("sub"), QStringLiteral("fuzz") },
            { QStringLiteral("aud"), QStringLiteral("gemini-aggregator") }, { QStringLiteral("exp"), kNow + 3600 } },
        kSecret);
    return token;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const JwtResult r = verifier().verify(input, kNow);
    if (r.ok) {
        FUZZ_CHECK(looksLikeJwt(input));
        FUZZ_CHECK(input == validToken()); // nothing else was ever signed with these keys
    } else {
        FUZZ_CHECK(!r.error.isEmpty());
        FUZZ_CHECK(input.size() < 16 || !r.error.toUtf8().contains(input));
    }
    // The valid token with the input's first bytes patched in at a position the input chooses.
    if (size >= 2) {
        QByteArray patched = validToken();
        const qsizetype at = qsizetype(data[0]) % patched.size();
        patched[at] = char(data[1]);
        const JwtResult p = verifier().verify(patched, kNow);
        FUZZ_CHECK(p.ok == (patched == validToken()));
    }
    return 0;
}
