// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMap>
#include <QString>

#include <array>

// The encrypted secret file format (see README.md in this folder):
//   "GASECRET" | version u8 | logN u8 | r u32be | p u32be | salt[16] | nonce[12] | ciphertext | tag[16]
// AES-256-GCM with a key from scrypt(passphrase, salt, N = 2^logN, r, p). Everything before the
// ciphertext is authenticated as additional data. The plaintext is a compact JSON object
// {"entry name": "base64(secret)"}. Pure functions, no QObject, no I/O.
namespace ga::secrets::cipher {

inline constexpr QByteArrayView kMagic = "GASECRET";
inline constexpr quint8 kFormatVersion = 1;
inline constexpr int kSaltSize = 16;
inline constexpr int kNonceSize = 12;
inline constexpr int kTagSize = 16;
inline constexpr int kKeySize = 32;
inline constexpr int kHeaderSize = 8 + 1 + 1 + 4 + 4 + kSaltSize + kNonceSize; // 46

// scrypt cost. Stored in every file, so the defaults can be raised later without breaking old files.
struct CipherParams
{
    int logN = 16; // N = 65536: 64 MiB and roughly 0.1-0.3 s per derivation
    int r = 8;
    int p = 1;

    // Bounds that also protect against a file that asks for absurd amounts of memory (<= 1 GiB).
    bool isSupported() const;
    bool operator==(const CipherParams &) const = default;
};

// A key derived from (passphrase, salt, params). Every copy wipes its bytes when destroyed.
class DerivedKey
{
public:
    DerivedKey();
    DerivedKey(const DerivedKey &other);
    DerivedKey &operator=(const DerivedKey &other);
    ~DerivedKey();

    bool isValid() const;
    const QByteArray &salt() const;
    CipherParams params() const;
    bool matches(const QByteArray &salt, const CipherParams &params) const;
    const unsigned char *bytes() const;

    // Wipes the key; isValid() is false afterwards.
    void clear();

private:
    friend DerivedKey deriveKey(QByteArrayView passphrase, const QByteArray &salt, const CipherParams &params);

    std::array<unsigned char, kKeySize> m_key {};
    QByteArray m_salt;
    CipherParams m_params;
    bool m_valid = false;
};

// Runs scrypt. Returns an invalid key if the parameters are unsupported or OpenSSL fails.
DerivedKey deriveKey(QByteArrayView passphrase, const QByteArray &salt, const CipherParams &params);

// Cryptographically secure random bytes (OpenSSL RAND_bytes); empty on failure.
QByteArray randomBytes(int size);

// Encrypts `entries` with `key` (and its salt and params) under a fresh random nonce.
// Returns the complete file contents, or an empty array if `key` is invalid or OpenSSL fails.
QByteArray seal(const QMap<QString, QByteArray> &entries, const DerivedKey &key);

// Convenience for a new file: fresh random salt, then deriveKey() and seal().
QByteArray seal(const QMap<QString, QByteArray> &entries, QByteArrayView passphrase, const CipherParams &params = {});

enum class OpenStatus
{
    Ok,
    NotOurFormat, // no "GASECRET" magic
    UnsupportedVersion, // written by a newer format version
    BadPassphrase, // the GCM tag did not verify: wrong passphrase, or the file was altered
    Corrupt, // truncated, impossible parameters, or authenticated content that is not our JSON
    Internal, // OpenSSL failed (out of memory, ...)
};

struct DecryptResult
{
    OpenStatus status = OpenStatus::Corrupt;
    QMap<QString, QByteArray> entries;
    DerivedKey key; // the key that opened the file (Ok only); reuse it to seal the next version cheaply
    quint8 version = 0;

    bool ok() const { return status == OpenStatus::Ok; }
};

// Decrypts a file produced by seal(). If `cachedKey` matches the file's salt and parameters it is
// used instead of running scrypt again; the caller must only cache keys derived from the same passphrase.
DecryptResult open(const QByteArray &fileBytes, QByteArrayView passphrase, const DerivedKey *cachedKey = nullptr);

} // namespace ga::secrets::cipher
