// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/failure.h"

#include "logging/redact.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace ga::keys {

QString failureKindName(FailureKind kind)
{
    switch (kind) {
    case FailureKind::None:
        return QStringLiteral("ok");
    case FailureKind::ClientError:
        return QStringLiteral("client-error");
    case FailureKind::InvalidKey:
        return QStringLiteral("invalid");
    case FailureKind::QuotaPerMinute:
        return QStringLiteral("quota-minute");
    case FailureKind::QuotaPerDay:
        return QStringLiteral("quota-day");
    case FailureKind::RegionBlocked:
        return QStringLiteral("region-blocked");
    case FailureKind::ServerError:
        return QStringLiteral("server-error");
    case FailureKind::NetworkError:
        return QStringLiteral("network-error");
    }
    return QString();
}

bool Failure::retryable() const
{
    switch (kind) {
    case FailureKind::InvalidKey:
    case FailureKind::QuotaPerMinute:
    case FailureKind::QuotaPerDay:
    case FailureKind::ServerError:
    case FailureKind::NetworkError:
        return true;
    case FailureKind::None:
    case FailureKind::ClientError:
    case FailureKind::RegionBlocked:
        return false;
    }
    return false;
}

qint64 parseDurationMs(QStringView text)
{
    QStringView t = text.trimmed();
    if (!t.endsWith(u's') || t.size() < 2) {
        return -1;
    }
    bool ok = false;
    const double seconds = t.chopped(1).toDouble(&ok);
    if (!ok || seconds < 0 || seconds > 86400.0 * 7) {
        return -1;
    }
    return qint64(seconds * 1000.0 + 0.5);
}

namespace {

QJsonObject errorObject(QByteArrayView body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray());
    if (doc.isObject()) {
        return doc.object().value(u"error").toObject();
    }
    if (doc.isArray()) {
        return doc.array().at(0).toObject().value(u"error").toObject();
    }
    return {};
}

} // namespace

Failure classifyResponse(int status, QByteArrayView body)
{
    Failure f;
    if (status < 400) {
        return f;
    }
    const QJsonObject error = errorObject(body);
    const QString message = error.value(u"message").toString();
    const QString canonical = error.value(u"status").toString();
    QString reason;
    QString quotaId;
    qint64 retryDelay = -1;
    for (const QJsonValue &d : error.value(u"details").toArray()) {
        const QJsonObject o = d.toObject();
        const QString type = o.value(u"@type").toString();
        if (type.endsWith(u"google.rpc.ErrorInfo")) {
            reason = o.value(u"reason").toString();
        } else if (type.endsWith(u"google.rpc.RetryInfo")) {
            retryDelay = parseDurationMs(o.value(u"retryDelay").toString());
        } else if (type.endsWith(u"google.rpc.QuotaFailure")) {
            for (const QJsonValue &v : o.value(u"violations").toArray()) {
                const QString id = v.toObject().value(u"quotaId").toString();
                // A per-day violation decides: it outlasts any per-minute one in the same answer.
                if (quotaId.isEmpty() || id.contains(u"PerDay")) {
                    quotaId = id;
                }
            }
        }
    }
    if (retryDelay < 0) {
        static const QRegularExpression retryIn(
            QStringLiteral("retry in ([0-9.]+)s"), QRegularExpression::CaseInsensitiveOption);
        if (const QRegularExpressionMatch m = retryIn.match(message); m.hasMatch()) {
            retryDelay = qint64(m.captured(1).toDouble() * 1000.0 + 0.5);
        }
    }
    // One line, for logs, keystate.json and `keys stats`; Google sometimes names the key ("api_key:AIza…").
    const QString shortMessage = logging::Redactor::redact(message.simplified()).left(200);
    f.quotaId = quotaId;
    f.retryDelayMs = retryDelay;

    if (status == 429) {
        f.kind = quotaId.contains(u"PerDay") ? FailureKind::QuotaPerDay : FailureKind::QuotaPerMinute;
        f.reason
            = quotaId.isEmpty() ? QStringLiteral("429 %1").arg(shortMessage) : QStringLiteral("429 %1").arg(quotaId);
        return f;
    }
    const QByteArray raw = body.toByteArray();
    if (status == 400) {
        if (reason == u"API_KEY_INVALID" || raw.contains("API_KEY_INVALID") || message.contains(u"API key not valid")
            || message.contains(u"API key expired")) {
            f.kind = FailureKind::InvalidKey;
            f.reason = QStringLiteral("400 %1").arg(shortMessage);
            return f;
        }
        if (message.contains(u"location is not supported", Qt::CaseInsensitive)
            || message.contains(u"not available in your country", Qt::CaseInsensitive)
            || (canonical == u"FAILED_PRECONDITION" && message.contains(u"location", Qt::CaseInsensitive))) {
            f.kind = FailureKind::RegionBlocked;
            f.reason = QStringLiteral("400 %1").arg(shortMessage);
            return f;
        }
        f.kind = FailureKind::ClientError;
        f.reason = QStringLiteral("400 %1").arg(shortMessage);
        return f;
    }
    if (status == 402) {
        // Prepaid credit used up: the project's problem, like a daily quota (billing may be fixed any time, but
        // hammering the key until then is pointless).
        f.kind = FailureKind::QuotaPerDay;
        f.reason = QStringLiteral("402 %1").arg(shortMessage);
        return f;
    }
    if (status == 401 || status == 403) {
        f.kind = FailureKind::InvalidKey;
        f.reason = QStringLiteral("%1 %2").arg(status).arg(shortMessage);
        return f;
    }
    if (status == 500 || status == 502 || status == 503 || status == 504) {
        f.kind = FailureKind::ServerError;
        f.reason = QStringLiteral("%1 %2").arg(status).arg(shortMessage);
        return f;
    }
    f.kind = FailureKind::ClientError;
    f.reason = QStringLiteral("%1 %2").arg(status).arg(shortMessage);
    return f;
}

Failure networkFailure(const QString &reason)
{
    Failure f;
    f.kind = FailureKind::NetworkError;
    f.reason = reason;
    return f;
}

} // namespace ga::keys
