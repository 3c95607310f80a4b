// SPDX-License-Identifier: GPL-3.0-or-later
#include "tls/tlsidentity.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSslCipher>

#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ga::tls {
namespace {

template<typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

Bio memoryOf(const QByteArray &bytes)
{
    return Bio(BIO_new_mem_buf(bytes.constData(), int(bytes.size())));
}

QByteArray bioBytes(BIO *bio)
{
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return QByteArray(data, qsizetype(n));
}

// Whether the PEM key is the private key of the PEM certificate (OpenSSL compares the public halves).
bool keyMatches(const QSslCertificate &certificate, const QByteArray &keyPem)
{
    const QByteArray der = certificate.toDer();
    const unsigned char *p = reinterpret_cast<const unsigned char *>(der.constData());
    X509Ptr x509(d2i_X509(nullptr, &p, long(der.size())));
    Bio bio = memoryOf(keyPem);
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    return x509 && key && X509_check_private_key(x509.get(), key.get()) == 1;
}

QString dateText(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

std::optional<QByteArray> readFile(const QString &path, const char *what, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS %1 %2 (%3): check the path and its permissions")
                     .arg(QLatin1String(what), path, f.errorString());
        return std::nullopt;
    }
    return f.read(1024 * 1024); // a chain and a key are a few KiB
}

// The subject alternative names, as text ("DNS:localhost" → "localhost", IP addresses as written).
QStringList namesOf(const QSslCertificate &c)
{
    QStringList out;
    const auto alt = c.subjectAlternativeNames();
    for (auto it = alt.cbegin(); it != alt.cend(); ++it) {
        out.append(it.value());
    }
    return out;
}

// --- the local CA ---------------------------------------------------------------------------------------------

Pkey newEcKey()
{
    return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool addExtension(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) {
        return false;
    }
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

// A certificate for `key`, signed by `issuerKey` (`issuer` null: self-signed).
X509Ptr makeCertificate(EVP_PKEY *key, const QString &commonName, X509 *issuer, EVP_PKEY *issuerKey, qint64 days,
    const QList<std::pair<int, QByteArray>> &extensions)
{
    X509Ptr cert(X509_new());
    if (!cert) {
        return {};
    }
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600); // an hour of clock skew
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(days * 86400));
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    const QByteArray cn = commonName.toUtf8();
    X509_NAME_add_entry_by_txt(
        name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>("Gemini Aggregator"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    for (const auto &[nid, value] : extensions) {
        if (!addExtension(cert.get(), issuer ? issuer : cert.get(), nid, value.constData())) {
            return {};
        }
    }
    if (X509_sign(cert.get(), issuerKey, EVP_sha256()) <= 0) {
        return {};
    }
    return cert;
}

QByteArray pemOf(X509 *cert)
{
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    return bioBytes(bio.get());
}

QByteArray pemOf(EVP_PKEY *key)
{
    Bio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    return bioBytes(bio.get());
}

Pkey keyFromPem(const QByteArray &pem)
{
    Bio bio = memoryOf(pem);
    return Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr certFromPem(const QByteArray &pem)
{
    Bio bio = memoryOf(pem);
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

} // namespace

std::optional<Identity> identityFromPem(
    const QByteArray &chainPem, const QByteArray &keyPem, const QDateTime &now, QString *error)
{
    Identity id;
    id.chain = QSslCertificate::fromData(chainPem, QSsl::Pem);
    if (id.chain.isEmpty() || id.chain.front().isNull()) {
        *error = QStringLiteral("the certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return std::nullopt;
    }
    if (keyPem.contains("ENCRYPTED")) {
        *error = QStringLiteral("the key is encrypted with a passphrase: give the unencrypted key (openssl pkey -in "
                                "KEY -out KEY.plain), readable by this user only (chmod 600)");
        return std::nullopt;
    }
    for (QSsl::KeyAlgorithm algorithm : { QSsl::Ec, QSsl::Rsa }) {
        id.key = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!id.key.isNull()) {
            break;
        }
    }
    if (id.key.isNull()) {
        *error = QStringLiteral("the key file holds no PEM private key (RSA or EC)");
        return std::nullopt;
    }
    if (!keyMatches(id.chain.front(), keyPem)) {
        *error = QStringLiteral("the key is not the certificate's (they do not belong together): give the key the "
                                "certificate was issued for");
        return std::nullopt;
    }
    const QSslCertificate &leaf = id.chain.front();
    if (leaf.expiryDate() <= now) {
        *error
            = QStringLiteral("the certificate expired on %1: renew it (or use ACME)").arg(dateText(leaf.expiryDate()));
        return std::nullopt;
    }
    if (leaf.effectiveDate() > now) {
        *error = QStringLiteral("the certificate is not valid before %1: check this machine's clock")
                     .arg(dateText(leaf.effectiveDate()));
        return std::nullopt;
    }
    return id;
}

std::optional<Identity> loadIdentity(
    const QString &certFile, const QString &keyFile, const QDateTime &now, QString *error)
{
#ifdef Q_OS_UNIX
    const QFileDevice::Permissions open = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    if (QFileInfo info(keyFile); info.exists() && (info.permissions() & open)) {
        *error = QStringLiteral("the TLS key file %1 can be read by other users: make it private (chmod 600 %1)")
                     .arg(keyFile);
        return std::nullopt;
    }
#endif
    const std::optional<QByteArray> chain = readFile(certFile, "certificate file", error);
    if (!chain) {
        return std::nullopt;
    }
    const std::optional<QByteArray> key = readFile(keyFile, "key file", error);
    if (!key) {
        return std::nullopt;
    }
    QString why;
    std::optional<Identity> id = identityFromPem(*chain, *key, now, &why);
    if (!id) {
        *error = QStringLiteral("%1 / %2: %3").arg(certFile, keyFile, why);
        return std::nullopt;
    }
    id->source = QStringLiteral("files");
    id->certFile = certFile;
    return id;
}

CertificateStatus statusOf(const Identity &identity)
{
    CertificateStatus s;
    if (identity.chain.isEmpty()) {
        return s;
    }
    const QSslCertificate &leaf = identity.chain.front();
    s.present = true;
    s.subject = leaf.subjectDisplayName();
    s.names = namesOf(leaf);
    s.issuer = leaf.issuerDisplayName();
    s.notBefore = leaf.effectiveDate();
    s.notAfter = leaf.expiryDate();
    s.source = identity.source;
    s.certFile = identity.certFile;
    return s;
}

QJsonObject toJson(const CertificateStatus &s)
{
    QJsonObject o { { QStringLiteral("present"), s.present } };
    if (s.present) {
        o.insert(QStringLiteral("subject"), s.subject);
        o.insert(QStringLiteral("names"), QJsonArray::fromStringList(s.names));
        o.insert(QStringLiteral("issuer"), s.issuer);
        o.insert(QStringLiteral("notBefore"), dateText(s.notBefore));
        o.insert(QStringLiteral("notAfter"), dateText(s.notAfter));
        o.insert(QStringLiteral("daysLeft"), double(QDateTime::currentDateTimeUtc().secsTo(s.notAfter)) / 86400.0);
        o.insert(QStringLiteral("source"), s.source);
        if (!s.certFile.isEmpty()) {
            o.insert(QStringLiteral("certFile"), s.certFile);
        }
    }
    if (s.nextRenewal.isValid()) {
        o.insert(QStringLiteral("nextRenewal"), dateText(s.nextRenewal));
    }
    if (!s.lastError.isEmpty()) {
        o.insert(QStringLiteral("lastError"), s.lastError);
    }
    return o;
}

QSslConfiguration serverConfiguration(const Identity &identity)
{
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setProtocol(QSsl::TlsV1_2OrLater);
    c.setPeerVerifyMode(QSslSocket::VerifyNone); // no client certificates
    c.setLocalCertificateChain(identity.chain);
    c.setPrivateKey(identity.key);
    c.setAllowedNextProtocols({ QByteArrayLiteral("http/1.1") });
    // Forward secrecy and AEAD only: ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2, and TLS 1.3's suites
    // (all AEAD). No CBC, no RSA key exchange, no SHA-1 MACs.
    QList<QSslCipher> ciphers;
    for (const QSslCipher &cipher : QSslConfiguration::supportedCiphers()) {
        const QString name = cipher.name();
        const bool tls13 = name.startsWith(u"TLS_");
        const bool modern12 = name.startsWith(u"ECDHE-") && (name.contains(u"-GCM-") || name.contains(u"CHACHA20"));
        if (tls13 || modern12) {
            ciphers.append(cipher);
        }
    }
    if (!ciphers.isEmpty()) {
        c.setCiphers(ciphers);
    }
    return c;
}

bool writePrivateFile(const QString &path, const QByteArray &bytes, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || f.write(bytes) != bytes.size() || !f.commit()) {
        *error
            = QStringLiteral("cannot write %1 (%2): check that the data folder is writable").arg(path, f.errorString());
        return false;
    }
    return true;
}

QString localCaFile(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("local-ca.pem"));
}

std::optional<Identity> localIdentity(
    const QString &dir, const QStringList &extraNames, const QDateTime &now, QString *error)
{
    QDir().mkpath(dir);
    QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString caCertPath = localCaFile(dir);
    const QString caKeyPath = QDir(dir).filePath(QStringLiteral("local-ca.key"));
    const QString leafPath = QDir(dir).filePath(QStringLiteral("local-tls.pem"));
    const QString leafKeyPath = QDir(dir).filePath(QStringLiteral("local-tls.key"));
    QStringList names { QStringLiteral("localhost"), QStringLiteral("127.0.0.1"), QStringLiteral("::1") };
    for (const QString &n : extraNames) {
        if (!n.isEmpty() && !names.contains(n, Qt::CaseInsensitive)) {
            names.append(n);
        }
    }
    // The CA: made once, kept 10 years.
    Pkey caKey;
    X509Ptr caCert;
    if (QFile::exists(caCertPath) && QFile::exists(caKeyPath)) {
        QString ignored;
        const std::optional<QByteArray> certPem = readFile(caCertPath, "local CA certificate", error);
        const std::optional<QByteArray> keyPem = readFile(caKeyPath, "local CA key", error);
        if (!certPem || !keyPem) {
            return std::nullopt;
        }
        caCert = certFromPem(*certPem);
        caKey = keyFromPem(*keyPem);
        if (!caCert || !caKey || X509_check_private_key(caCert.get(), caKey.get()) != 1) {
            *error = QStringLiteral("the local CA in %1 is damaged: remove local-ca.pem and local-ca.key there (a new "
                                    "one is made; trust it again)")
                         .arg(dir);
            return std::nullopt;
        }
    } else {
        caKey = newEcKey();
        if (caKey) {
            caCert
                = makeCertificate(caKey.get(), QStringLiteral("Gemini Aggregator local CA"), nullptr, caKey.get(), 3650,
                    { { NID_basic_constraints, "critical,CA:TRUE,pathlen:0" },
                        { NID_key_usage, "critical,keyCertSign,cRLSign" }, { NID_subject_key_identifier, "hash" } });
        }
        if (!caCert || !writePrivateFile(caKeyPath, pemOf(caKey.get()), error)
            || !writePrivateFile(caCertPath, pemOf(caCert.get()), error)) {
            if (error->isEmpty()) {
                *error = QStringLiteral("could not make the local CA (OpenSSL failed)");
            }
            return std::nullopt;
        }
    }
    // The leaf: again when missing, near its end, or without one of the names.
    QString why;
    if (QFile::exists(leafPath) && QFile::exists(leafKeyPath)) {
        QFile c(leafPath);
        QFile k(leafKeyPath);
        if (c.open(QIODevice::ReadOnly) && k.open(QIODevice::ReadOnly)) {
            std::optional<Identity> id = identityFromPem(c.readAll(), k.readAll(), now, &why);
            if (id && id->chain.front().expiryDate() > now.addDays(30)) {
                const QStringList has = namesOf(id->chain.front());
                const bool all = std::all_of(names.cbegin(), names.cend(),
                    [&](const QString &n) { return has.contains(n, Qt::CaseInsensitive); });
                if (all) {
                    id->source = QStringLiteral("self-signed");
                    id->certFile = leafPath;
                    return id;
                }
            }
        }
    }
    QStringList san;
    for (const QString &n : names) {
        const bool ip = n.contains(u':') || QRegularExpression(QStringLiteral("^[0-9.]+$")).match(n).hasMatch();
        san.append((ip ? QStringLiteral("IP:") : QStringLiteral("DNS:")) + n);
    }
    Pkey leafKey = newEcKey();
    X509Ptr leaf = leafKey ? makeCertificate(leafKey.get(), QStringLiteral("localhost"), caCert.get(), caKey.get(), 397,
                       { { NID_basic_constraints, "critical,CA:FALSE" }, { NID_key_usage, "critical,digitalSignature" },
                           { NID_ext_key_usage, "serverAuth" }, { NID_subject_alt_name, san.join(u',').toUtf8() },
                           { NID_authority_key_identifier, "keyid:always" } })
                           : X509Ptr();
    if (!leaf) {
        *error = QStringLiteral("could not make the local TLS certificate (OpenSSL failed)");
        return std::nullopt;
    }
    const QByteArray leafPem = pemOf(leaf.get()) + pemOf(caCert.get());
    const QByteArray keyPem = pemOf(leafKey.get());
    if (!writePrivateFile(leafKeyPath, keyPem, error) || !writePrivateFile(leafPath, leafPem, error)) {
        return std::nullopt;
    }
    std::optional<Identity> id = identityFromPem(leafPem, keyPem, now, error);
    if (id) {
        id->source = QStringLiteral("self-signed");
        id->certFile = leafPath;
    }
    return id;
}

} // namespace ga::tls
