// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/healthcheck.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>

namespace ga::keys {

QString healthVerdictName(HealthVerdict verdict)
{
    switch (verdict) {
    case HealthVerdict::Valid:
        return QStringLiteral("valid");
    case HealthVerdict::Invalid:
        return QStringLiteral("invalid");
    case HealthVerdict::Quota:
        return QStringLiteral("quota");
    case HealthVerdict::Network:
        return QStringLiteral("network");
    case HealthVerdict::Other:
        return QStringLiteral("error");
    }
    return QString();
}

HealthChecker::HealthChecker(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

HealthChecker::~HealthChecker() = default;

void HealthChecker::check(
    const QString &id, const QByteArray &secret, const upstream::UpstreamSettings &upstream, int timeoutMs)
{
    const QString base = QStringLiteral("%1://%2").arg(
        upstream.tls ? QStringLiteral("https") : QStringLiteral("http"), QString::fromLatin1(upstream.hostHeader));
    QNetworkRequest request(
        QUrl(base + QString::fromLatin1(upstream.pathPrefix) + QStringLiteral("/v1beta/models?pageSize=1")));
    request.setRawHeader("x-goog-api-key", secret);
    request.setTransferTimeout(timeoutMs);
    if (upstream.tls) {
        request.setSslConfiguration(upstream::sslConfiguration(upstream));
    }
    if (upstream.extraCaCertificates != m_extraCas) {
        m_nam->clearConnectionCache();
        m_extraCas = upstream.extraCaCertificates;
    }
    m_nam->setProxy(upstream.proxy);
    auto *clock = new QElapsedTimer;
    clock->start();
    QNetworkReply *reply = m_nam->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, clock, id] {
        HealthResult r;
        r.id = id;
        r.latencyMs = clock->elapsed();
        delete clock;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        if (r.status == 0) {
            r.verdict = HealthVerdict::Network;
            r.failure = networkFailure(reply->errorString());
            r.message = reply->errorString();
        } else if (r.status < 300) {
            r.verdict = HealthVerdict::Valid;
            r.message = QStringLiteral("ok");
        } else {
            r.failure = classifyResponse(r.status, body);
            r.message = r.failure.reason;
            switch (r.failure.kind) {
            case FailureKind::InvalidKey:
                r.verdict = HealthVerdict::Invalid;
                break;
            case FailureKind::QuotaPerDay:
            case FailureKind::QuotaPerMinute:
                r.verdict = HealthVerdict::Quota;
                break;
            case FailureKind::NetworkError:
            case FailureKind::ServerError:
                r.verdict = HealthVerdict::Other;
                break;
            default:
                r.verdict = HealthVerdict::Other;
                break;
            }
        }
        reply->deleteLater();
        Q_EMIT finished(r);
    });
}

} // namespace ga::keys
