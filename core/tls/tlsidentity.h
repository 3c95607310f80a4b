// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QStringList>

#include <optional>

namespace ga::tls {

// What an HTTPS listener presents: the certificate chain (leaf first) and the leaf's private key.
struct Identity
{
    QList<QSslCertificate> chain;
    QSslKey key;
    QString source; // "files", "self-signed" or "acme": where it came from, for the status
    QString certFile; // the file it was read from, when it was
};

// What every status view shows (admin API, `tls status`, /metrics, the app, the web console).
struct CertificateStatus
{
    bool present = false;
    QString subject;
    QStringList names; // subject alternative names (DNS names and IP addresses)
    QString issuer;
    QDateTime notBefore;
    QDateTime notAfter;
    QString source;
    QString certFile;
    QString lastError; // the last failed load or issuance (the certificate in service stays)
    QDateTime nextRenewal; // when ACME renews it (invalid: not renewed automatically)
};

// Reads a PEM chain and its key. Refused, with one sentence naming the cause and the fix in *error: a file that
// cannot be read, a key file other users may read (Unix: must be 0600), no certificate or no key in the PEM, an
// encrypted key, a key that is not the certificate's, a certificate that expired or is not valid yet.
std::optional<Identity> loadIdentity(
    const QString &certFile, const QString &keyFile, const QDateTime &now, QString *error);
std::optional<Identity> identityFromPem(
    const QByteArray &chainPem, const QByteArray &keyPem, const QDateTime &now, QString *error);

CertificateStatus statusOf(const Identity &identity);
QJsonObject toJson(const CertificateStatus &status);

// The listener's TLS: TLS 1.2 or newer, forward-secret AEAD suites only, ALPN http/1.1, no client certificates.
QSslConfiguration serverConfiguration(const Identity &identity);

// A certificate for this machine's loopback names (localhost, 127.0.0.1, ::1 and `extraNames`) from a local CA
// made once in `dir` (local-ca.pem, local-ca.key 0600). The leaf (local-tls.pem, local-tls.key) is made again
// when it is missing, expires within 30 days or lacks a name. Browsers and SDKs trust it once the CA is trusted
// (`gemini-aggregatord tls trust` says how).
std::optional<Identity> localIdentity(
    const QString &dir, const QStringList &extraNames, const QDateTime &now, QString *error);
QString localCaFile(const QString &dir);

// Writes `bytes` atomically (QSaveFile), readable by this user only: the permissions are set on the new file before
// it replaces the old one. False with a sentence in *error.
bool writePrivateFile(const QString &path, const QByteArray &bytes, QString *error);

} // namespace ga::tls
