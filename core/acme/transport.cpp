// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/transport.h"

#include <QDateTime>
#include <QLocale>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimeZone>

namespace ga::acme {

qint64 parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return -1;
    bool isNumber = false;
    const qint64 seconds = trimmed.toLongLong(&isNumber);
    if (isNumber)
        return seconds < 0 ? -1 : seconds * 1000;
    // [rfc9110] 5.6.7: an HTTP-date, IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), always in English and GMT.
    QDateTime at
        = QLocale::c().toDateTime(QString::fromLatin1(trimmed), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    at.setTimeZone(QTimeZone::utc());
    if (!at.isValid())
        return -1;
    return std::max<qint64>(0, now.msecsTo(at));
}

Transport::Transport(const QList<QSslCertificate> &extraCaCertificates, int timeoutMs)
    : m_ssl(QSslConfiguration::defaultConfiguration())
    , m_timeoutMs(timeoutMs)
{
    if (!extraCaCertificates.isEmpty())
        m_ssl.addCaCertificates(extraCaCertificates);
}

void Transport::setAccount(const EcKey *key, const QString &kid)
{
    m_key = key;
    m_kid = kid;
}

QNetworkRequest Transport::request(const QUrl &url) const
{
    QNetworkRequest request(url);
    request.setSslConfiguration(m_ssl);
    request.setTransferTimeout(m_timeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("gemini-aggregator-acme"));
    return request;
}

void Transport::send(QNetworkReply *reply, Callback done)
{
    QObject::connect(reply, &QNetworkReply::finished, &m_manager, [this, reply, done = std::move(done)] {
        reply->deleteLater();
        Reply result;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!status.isValid()) {
            result.networkFailed = true;
            result.networkError = reply->errorString();
            result.tlsFailed = reply->error() == QNetworkReply::SslHandshakeFailedError;
            done(result);
            return;
        }
        result.status = status.toInt();
        result.body = reply->readAll();
        result.location = QString::fromUtf8(reply->rawHeader("Location"));
        result.contentType = reply->rawHeader("Content-Type");
        result.retryAfterMs = parseRetryAfter(reply->rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
        const QByteArray nonce = reply->rawHeader("Replay-Nonce");
        if (!nonce.isEmpty())
            m_nonce = nonce;
        if (result.status >= 400)
            result.problem = parseProblem(result.body);
        done(result);
    });
}

void Transport::get(const QUrl &url, Callback done)
{
    send(m_manager.get(request(url)), std::move(done));
}

void Transport::post(const QUrl &url, const QByteArray &payload, Callback done, const QByteArray &accept)
{
    signedPost(url, payload, accept, false, std::move(done));
}

void Transport::signedPost(
    const QUrl &url, const QByteArray &payload, const QByteArray &accept, bool retried, Callback done)
{
    if (m_nonce.isEmpty()) {
        // [rfc8555] 7.2: a HEAD to newNonce answers with a fresh Replay-Nonce.
        send(m_manager.head(request(m_newNonceUrl)),
            [this, url, payload, accept, retried, done = std::move(done)](const Reply &reply) mutable {
                if (m_nonce.isEmpty()) {
                    Reply failed = reply;
                    if (!failed.networkFailed) {
                        failed.networkFailed = true;
                        failed.networkError = QStringLiteral("the server sent no Replay-Nonce");
                    }
                    done(failed);
                    return;
                }
                signedPost(url, payload, accept, retried, std::move(done));
            });
        return;
    }
    Q_ASSERT(m_key != nullptr && !m_key->isNull());
    const QByteArray nonce = std::exchange(m_nonce, QByteArray());
    const QByteArray body = signedRequest(*m_key, m_kid, nonce, url.toString(QUrl::FullyEncoded), payload);
    QNetworkRequest request = this->request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/jose+json"));
    if (!accept.isEmpty())
        request.setRawHeader("Accept", accept);
    send(m_manager.post(request, body),
        [this, url, payload, accept, retried, done = std::move(done)](const Reply &reply) mutable {
            // [rfc8555] 6.5: a badNonce answer carries a fresh nonce; one more try with it.
            if (!retried && reply.problem && reply.problem->is(QLatin1String("badNonce"))) {
                signedPost(url, payload, accept, true, std::move(done));
                return;
            }
            done(reply);
        });
}

} // namespace ga::acme
