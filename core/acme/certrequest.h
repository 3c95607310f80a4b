// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/jose.h"

#include <QByteArray>
#include <QStringList>

namespace ga::acme {

// A PKCS#10 certificate signing request (OpenSSL X509_REQ) for `domains`, signed with `key` (SHA-256): the first
// name is the subject's CN, every name is a DNS entry of the subjectAltName extension. DER; empty on error (a name
// that is not a plain DNS name, or OpenSSL failing).
QByteArray certificateRequestDer(const EcKey &key, const QStringList &domains);

// Whether the first certificate in `chainPem` is for `key` (its public key is the key's).
bool certificateMatchesKey(const QByteArray &chainPem, const EcKey &key);

// Whether `name` can go into an order validated over HTTP-01: lower-case letters, digits, '-' and '.', labels of
// 1–63 characters, at most 253 in all; no wildcard.
bool isPlainDnsName(const QString &name);

} // namespace ga::acme
