// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/failure.h"

#include "logging/redact.h"
#include "logging/usertext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace ga::keys {
namespace {
// The kinds are names (logs, metrics labels, keystate.json) and also what the Logs page shows for an attempt:
// registered (logging/usertext.h) so the window can say them in its language.
const logging::UserText kOk("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "ok"));
const logging::UserText kClientError("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "client-error"));
const logging::UserText kInvalid("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "invalid"));
const logging::UserText kResourceDenied("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "resource-denied"));
const logging::UserText kForbidden("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "forbidden"));
const logging::UserText kQuotaMinute("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "quota-minute"));
const logging::UserText kQuotaDay("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "quota-day"));
const logging::UserText kRegionBlocked("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "region-blocked"));
const logging::UserText kServerError("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "server-error"));
const logging::UserText kNetworkError("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "network-error"));
// A refusal's reason: the upstream's own message (English, from Google) in a sentence of ours.
const logging::UserText kUpstreamAnswered("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "the upstream answered %1: %2"));
const logging::UserText kQuotaExceeded("ga::keys", QT_TRANSLATE_NOOP("ga::keys", "quota %1 exceeded (429)"));
} // namespace

QString failureKindName(FailureKind kind)
{
    switch (kind) {
    case FailureKind::None:
        return kOk.text();
    case FailureKind::ClientError:
        return kClientError.text();
    case FailureKind::InvalidKey:
        return kInvalid.text();
    case FailureKind::ResourceDenied:
        return kResourceDenied.text();
    case FailureKind::Forbidden:
        return kForbidden.text();
    case FailureKind::QuotaPerMinute:
        return kQuotaMinute.text();
    case FailureKind::QuotaPerDay:
        return kQuotaDay.text();
    case FailureKind::RegionBlocked:
        return kRegionBlocked.text();
    case FailureKind::ServerError:
        return kServerError.text();
    case FailureKind::NetworkError:
        return kNetworkError.text();
    }
    return QString();
}

bool Failure::retryable() const
{
    switch (kind) {
    case FailureKind::InvalidKey:
    case FailureKind::Forbidden:
    case FailureKind::QuotaPerMinute:
    case FailureKind::QuotaPerDay:
    case FailureKind::ServerError:
    case FailureKind::NetworkError:
        return true;
    case FailureKind::None:
    case FailureKind::ClientError:
    case FailureKind::ResourceDenied:
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

// Key-level signals (../shared/gemini-api.md §4.1, §4.2, §9): only these say the key itself is bad.
bool keyLevelSignal(const QString &reason, const QString &message, QByteArrayView raw)
{
    static const QStringList reasons { QStringLiteral("API_KEY_INVALID"), QStringLiteral("API_KEY_EXPIRED"),
        QStringLiteral("SERVICE_DISABLED"), QStringLiteral("API_KEY_SERVICE_BLOCKED"),
        QStringLiteral("CONSUMER_SUSPENDED"), QStringLiteral("API_KEY_HTTP_REFERRER_BLOCKED"),
        QStringLiteral("API_KEY_IP_ADDRESS_BLOCKED"), QStringLiteral("API_KEY_ANDROID_APP_BLOCKED"),
        QStringLiteral("API_KEY_IOS_APP_BLOCKED") };
    if (reasons.contains(reason) || raw.contains("API_KEY_INVALID") || raw.contains("SERVICE_DISABLED")) {
        return true;
    }
    static const char *const phrases[] = {
        "API key not valid", "API key expired", "API Key not found", "reported as leaked", "has been suspended",
        "has not been used in project", "it is disabled", "API has not been enabled", "is not enabled for this project",
        "project has been denied access", "Permission denied: Consumer",
        "unregistered callers", // no key reached Google: an empty secret is as good as no key
    };
    for (const char *p : phrases) {
        if (message.contains(QLatin1String(p), Qt::CaseInsensitive)) {
            return true;
        }
    }
    return false;
}

// Google's answer for a resource of another project (or one that expired): "You do not have permission to
// access the File … or it may not exist.", "CachedContent not found (or permission denied)".
bool aboutAResource(const QString &message)
{
    return message.contains(u"may not exist", Qt::CaseInsensitive)
        || message.contains(u"not found (or permission denied)", Qt::CaseInsensitive)
        || message.contains(u"permission to access the File", Qt::CaseInsensitive)
        || message.contains(u"CachedContent", Qt::CaseInsensitive);
}

} // namespace

Failure classifyResponse(int status, QByteArrayView body, bool touchesResource)
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
            // The 2024 form of a rate limit: ErrorInfo RATE_LIMIT_EXCEEDED naming the quota in its metadata.
            const QString limit = o.value(u"metadata").toObject().value(u"quota_limit").toString();
            if (quotaId.isEmpty() && !limit.isEmpty()) {
                quotaId = limit;
            }
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
    f.reason = kUpstreamAnswered.text().arg(status).arg(shortMessage);

    if (status == 429) {
        f.kind = quotaId.contains(u"PerDay") ? FailureKind::QuotaPerDay : FailureKind::QuotaPerMinute;
        if (!quotaId.isEmpty()) {
            f.reason = kQuotaExceeded.text().arg(quotaId);
        }
        return f;
    }
    const QByteArrayView raw = body;
    const bool keyLevel = keyLevelSignal(reason, message, raw);
    if (status == 400) {
        if (keyLevel) {
            f.kind = FailureKind::InvalidKey;
        } else if (message.contains(u"location is not supported", Qt::CaseInsensitive)
            || message.contains(u"not available in your country", Qt::CaseInsensitive)
            || (canonical == u"FAILED_PRECONDITION" && message.contains(u"location", Qt::CaseInsensitive))) {
            f.kind = FailureKind::RegionBlocked;
        } else {
            f.kind = FailureKind::ClientError;
        }
        return f;
    }
    if (status == 402) {
        // Prepaid credit used up: the project's problem, like a daily quota (billing may be fixed any time, but
        // hammering the key until then is pointless).
        f.kind = FailureKind::QuotaPerDay;
        return f;
    }
    if (status == 401) {
        f.kind = FailureKind::InvalidKey;
        return f;
    }
    if (status == 403) {
        if (keyLevel) {
            f.kind = FailureKind::InvalidKey;
        } else if (message.contains(u"location is not supported", Qt::CaseInsensitive)
            || message.contains(u"not available in your country", Qt::CaseInsensitive)) {
            f.kind = FailureKind::RegionBlocked;
        } else if (touchesResource || aboutAResource(message)) {
            f.kind = FailureKind::ResourceDenied;
        } else {
            f.kind = FailureKind::Forbidden;
        }
        return f;
    }
    if (status == 404) {
        f.kind = touchesResource ? FailureKind::ResourceDenied : FailureKind::ClientError;
        return f;
    }
    if (status == 500 || status == 502 || status == 503 || status == 504) {
        f.kind = FailureKind::ServerError;
        return f;
    }
    f.kind = FailureKind::ClientError;
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
