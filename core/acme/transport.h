// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/jose.h"
#include "acme/problem.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QNetworkAccessManager>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

namespace ga::acme {

// One answer from the ACME server.
struct Reply
{
    bool networkFailed = false; // no HTTP answer at all (refused, TLS, timeout): see networkError
    QString networkError;
    bool tlsFailed = false; // the server's certificate was not trusted (or TLS failed otherwise)
    int status = 0;
    QByteArray body;
    QString location;
    QByteArray contentType;
    qint64 retryAfterMs = -1; // Retry-After, seconds or an HTTP date, as milliseconds from now
    std::optional<Problem> problem; // the body, when it is a problem document

    bool ok() const { return !networkFailed && status >= 200 && status < 300; }
};

// Retry-After ([rfc9110] 10.2.3): delay-seconds or an HTTP-date, as milliseconds after `now`; -1 when absent or
// unreadable, 0 for a date in the past.
qint64 parseRetryAfter(const QByteArray &value, const QDateTime &now);

// HTTP for the ACME client (QNetworkAccessManager; the volume is a few requests a day): TLS verified against the
// system CAs plus the extra ones, a transfer timeout, and the signed POSTs of RFC 8555 §6.2 with their nonces:
// every answer's Replay-Nonce is kept for the next request, a new one is fetched from newNonce when none is left,
// and a badNonce refusal is retried once with the nonce that came with it (§6.5).
class Transport
{
public:
    using Callback = std::function<void(const Reply &)>;

    Transport(const QList<QSslCertificate> &extraCaCertificates, int timeoutMs);
    Q_DISABLE_COPY_MOVE(Transport)

    void setNewNonceUrl(const QUrl &url) { m_newNonceUrl = url; }
    // The signing key (owned by the caller) and the account URL once known; without one the JWS carries the jwk.
    void setAccount(const EcKey *key, const QString &kid);

    // The nonce the next signed request uses (tests plant a stale one to see the badNonce retry).
    void setNonce(const QByteArray &nonce) { m_nonce = nonce; }

    void get(const QUrl &url, Callback done);
    // payload: compact JSON, or empty for POST-as-GET. accept: the Accept header, when it matters.
    void post(const QUrl &url, const QByteArray &payload, Callback done, const QByteArray &accept = {});

private:
    QNetworkRequest request(const QUrl &url) const;
    void send(QNetworkReply *reply, Callback done);
    void signedPost(const QUrl &url, const QByteArray &payload, const QByteArray &accept, bool retried, Callback done);

    QNetworkAccessManager m_manager;
    QSslConfiguration m_ssl;
    int m_timeoutMs;
    QUrl m_newNonceUrl;
    QByteArray m_nonce;
    const EcKey *m_key = nullptr;
    QString m_kid;
};

} // namespace ga::acme
