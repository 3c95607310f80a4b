// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretcipher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <memory>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace ga::secrets::cipher {

namespace {

constexpr int kMaxLogN = 20;
constexpr int kMaxR = 64;
constexpr int kMaxP = 16;
constexpr quint64 kMaxScryptMemory = quint64(1) << 30; // 1 GiB

constexpr int kOffsetVersion = 8;
constexpr int kOffsetLogN = 9;
constexpr int kOffsetR = 10;
constexpr int kOffsetP = 14;
constexpr int kOffsetSalt = 18;
constexpr int kOffsetNonce = kOffsetSalt + kSaltSize;
static_assert(kOffsetNonce + kNonceSize == kHeaderSize);

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx newCipherCtx()
{
    return CipherCtx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}

const unsigned char *bytesOf(const QByteArray &data)
{
    return reinterpret_cast<const unsigned char *>(data.constData());
}

unsigned char *bytesOf(QByteArray &data)
{
    return reinterpret_cast<unsigned char *>(data.data());
}

// Wipes a buffer that may hold plaintext. Only for buffers this file allocated and never shared:
// data() would otherwise detach and wipe a fresh copy instead of the original bytes.
void wipe(QByteArray &data)
{
    if (!data.isEmpty()) {
        OPENSSL_cleanse(data.data(), size_t(data.size()));
    }
    data.clear();
}

quint64 scryptMemory(const CipherParams &params)
{
    // What OpenSSL's scrypt allocates: B = 128*r*p bytes, V = 32*r*(N+2) 32-bit words.
    const quint64 n = quint64(1) << params.logN;
    return 128 * quint64(params.r) * quint64(params.p) + 128 * quint64(params.r) * (n + 2);
}

QByteArray headerFor(const CipherParams &params, const QByteArray &salt, const QByteArray &nonce)
{
    QByteArray header;
    header.reserve(kHeaderSize);
    header.append(kMagic.data(), kMagic.size());
    header.append(char(kFormatVersion));
    header.append(char(params.logN));
    char word[4];
    qToBigEndian(quint32(params.r), word);
    header.append(word, 4);
    qToBigEndian(quint32(params.p), word);
    header.append(word, 4);
    header.append(salt);
    header.append(nonce);
    Q_ASSERT(header.size() == kHeaderSize);
    return header;
}

QByteArray toPlaintext(const QMap<QString, QByteArray> &entries)
{
    QJsonObject object;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        object.insert(it.key(), QString::fromLatin1(it.value().toBase64()));
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

bool fromPlaintext(const QByteArray &plaintext, QMap<QString, QByteArray> *entries)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(plaintext, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        return false;
    }
    const QJsonObject object = document.object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (!it.value().isString()) {
            return false;
        }
        auto decoded
            = QByteArray::fromBase64Encoding(it.value().toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            return false;
        }
        entries->insert(it.key(), *decoded);
    }
    return true;
}

} // namespace

bool CipherParams::isSupported() const
{
    if (logN < 1 || logN > kMaxLogN || r < 1 || r > kMaxR || p < 1 || p > kMaxP) {
        return false;
    }
    return scryptMemory(*this) <= kMaxScryptMemory;
}

DerivedKey::DerivedKey() = default;

DerivedKey::DerivedKey(const DerivedKey &other) = default;

DerivedKey &DerivedKey::operator=(const DerivedKey &other) = default;

DerivedKey::~DerivedKey()
{
    OPENSSL_cleanse(m_key.data(), m_key.size());
}

bool DerivedKey::isValid() const
{
    return m_valid;
}

const QByteArray &DerivedKey::salt() const
{
    return m_salt;
}

CipherParams DerivedKey::params() const
{
    return m_params;
}

bool DerivedKey::matches(const QByteArray &salt, const CipherParams &params) const
{
    return m_valid && m_salt == salt && m_params == params;
}

const unsigned char *DerivedKey::bytes() const
{
    return m_key.data();
}

void DerivedKey::clear()
{
    OPENSSL_cleanse(m_key.data(), m_key.size());
    m_salt.clear();
    m_params = {};
    m_valid = false;
}

DerivedKey deriveKey(QByteArrayView passphrase, const QByteArray &salt, const CipherParams &params)
{
    DerivedKey key;
    if (!params.isSupported() || salt.size() != kSaltSize) {
        return key;
    }
    const int rc = EVP_PBE_scrypt(passphrase.data(), size_t(passphrase.size()), bytesOf(salt), size_t(salt.size()),
        quint64(1) << params.logN, quint64(params.r), quint64(params.p), scryptMemory(params) + 1024, key.m_key.data(),
        key.m_key.size());
    if (rc != 1) {
        key.clear();
        return key;
    }
    key.m_salt = salt;
    key.m_params = params;
    key.m_valid = true;
    return key;
}

QByteArray randomBytes(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    if (RAND_bytes(bytesOf(bytes), size) != 1) {
        return {};
    }
    return bytes;
}

QByteArray seal(const QMap<QString, QByteArray> &entries, const DerivedKey &key)
{
    if (!key.isValid()) {
        return {};
    }
    const QByteArray nonce = randomBytes(kNonceSize);
    if (nonce.size() != kNonceSize) {
        return {};
    }
    QByteArray plaintext = toPlaintext(entries);
    const QByteArray header = headerFor(key.params(), key.salt(), nonce);

    QByteArray out = header;
    out.resize(kHeaderSize + plaintext.size() + kTagSize);
    unsigned char *ciphertext = bytesOf(out) + kHeaderSize;

    const CipherCtx ctx = newCipherCtx();
    int length = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1
        && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes(), bytesOf(nonce)) == 1
        && EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytesOf(header), int(header.size())) == 1
        && EVP_EncryptUpdate(ctx.get(), ciphertext, &length, bytesOf(plaintext), int(plaintext.size())) == 1;
    int total = length;
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), ciphertext + total, &length) == 1;
    total += length;
    ok = ok && total == plaintext.size()
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, ciphertext + total) == 1;
    wipe(plaintext);
    return ok ? out : QByteArray();
}

QByteArray seal(const QMap<QString, QByteArray> &entries, QByteArrayView passphrase, const CipherParams &params)
{
    const QByteArray salt = randomBytes(kSaltSize);
    if (salt.size() != kSaltSize) {
        return {};
    }
    return seal(entries, deriveKey(passphrase, salt, params));
}

DecryptResult open(const QByteArray &fileBytes, QByteArrayView passphrase, const DerivedKey *cachedKey)
{
    DecryptResult result;
    if (!fileBytes.startsWith(kMagic)) {
        result.status = OpenStatus::NotOurFormat;
        return result;
    }
    if (fileBytes.size() <= kOffsetVersion) {
        result.status = OpenStatus::Corrupt;
        return result;
    }
    result.version = quint8(fileBytes.at(kOffsetVersion));
    if (result.version != kFormatVersion) {
        result.status = OpenStatus::UnsupportedVersion;
        return result;
    }
    if (fileBytes.size() < kHeaderSize + kTagSize) {
        result.status = OpenStatus::Corrupt;
        return result;
    }

    const char *data = fileBytes.constData();
    CipherParams params;
    params.logN = quint8(data[kOffsetLogN]);
    const quint32 r = qFromBigEndian<quint32>(data + kOffsetR);
    const quint32 p = qFromBigEndian<quint32>(data + kOffsetP);
    if (r > quint32(kMaxR) || p > quint32(kMaxP)) {
        result.status = OpenStatus::Corrupt;
        return result;
    }
    params.r = int(r);
    params.p = int(p);
    if (!params.isSupported()) {
        result.status = OpenStatus::Corrupt;
        return result;
    }
    const QByteArray salt = fileBytes.mid(kOffsetSalt, kSaltSize);
    const auto *nonce = reinterpret_cast<const unsigned char *>(data + kOffsetNonce);
    const auto *ciphertext = reinterpret_cast<const unsigned char *>(data + kHeaderSize);
    const int ciphertextSize = int(fileBytes.size()) - kHeaderSize - kTagSize;
    QByteArray tag = fileBytes.right(kTagSize);

    DerivedKey key = (cachedKey && cachedKey->matches(salt, params)) ? *cachedKey : deriveKey(passphrase, salt, params);
    if (!key.isValid()) {
        result.status = OpenStatus::Internal;
        return result;
    }

    QByteArray plaintext(ciphertextSize, Qt::Uninitialized);
    const CipherCtx ctx = newCipherCtx();
    int length = 0;
    bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1
        && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes(), nonce) == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char *>(data), kHeaderSize)
            == 1
        && EVP_DecryptUpdate(ctx.get(), bytesOf(plaintext), &length, ciphertext, ciphertextSize) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, bytesOf(tag)) == 1;
    if (!ok) {
        wipe(plaintext);
        result.status = OpenStatus::Internal;
        return result;
    }
    const int written = length;
    // Final verifies the tag: failure means the wrong key (passphrase) or altered bytes anywhere.
    if (EVP_DecryptFinal_ex(ctx.get(), bytesOf(plaintext) + written, &length) != 1) {
        wipe(plaintext);
        result.status = OpenStatus::BadPassphrase;
        return result;
    }
    if (!fromPlaintext(plaintext, &result.entries)) {
        wipe(plaintext);
        result.entries.clear();
        result.status = OpenStatus::Corrupt;
        return result;
    }
    wipe(plaintext);
    result.key = key;
    result.status = OpenStatus::Ok;
    return result;
}

} // namespace ga::secrets::cipher
