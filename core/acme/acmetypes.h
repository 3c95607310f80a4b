// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace ga::acme {

struct Options
{
    QUrl directoryUrl; // e.g. https://acme-v02.api.letsencrypt.org/directory, staging, or pebble
    QStringList domains; // SANs; the first is the CN
    QString contactEmail; // optional
    QString stateDir; // the account key (acme-account.key, 0600) lives here
    QList<QSslCertificate> extraCaCertificates; // trusted for the directory's TLS next to the system's (pebble's CA)
    int timeoutMs = 30000; // per HTTP request
};

struct Issued
{
    QByteArray certificateChainPem; // leaf first, then the intermediates, as the CA sent them
    QByteArray privateKeyPem; // the certificate's new key, unencrypted PKCS#8: write it 0600
    QDateTime notBefore, notAfter; // of the leaf
};

struct Failure
{
    QString message; // one sentence: cause and fix; never a key
    qint64 retryAfterMs = -1; // the CA's Retry-After, when it sent one
    bool rateLimited = false; // urn:ietf:params:acme:error:rateLimited
};

} // namespace ga::acme

Q_DECLARE_METATYPE(ga::acme::Issued)
Q_DECLARE_METATYPE(ga::acme::Failure)
