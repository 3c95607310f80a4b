// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>

namespace ga::keys {

// What an upstream answer says about the key that was used, read from the status and Gemini's error body.
// Getting this right is the point of the pool: a per-minute 429 is not a dead key, a 503 is nobody's key's
// fault, and a client's own bad request must not count against the key at all.
enum class FailureKind
{
    None, // success
    ClientError, // the client's request is wrong (400 INVALID_ARGUMENT, 404, ...): pass on, don't blame
    InvalidKey, // API_KEY_INVALID, expired, 401, 403 PERMISSION_DENIED (leaked, suspended, API disabled)
    QuotaPerMinute, // 429 with a …PerMinute… quotaId, or none: cool for RetryInfo.retryDelay or a backoff
    QuotaPerDay, // 429 with a …PerDay… quotaId: cool that model until midnight Pacific time
    RegionBlocked, // 400 FAILED_PRECONDITION "User location is not supported": the egress route's fault
    ServerError, // 500/502/503/504: retry elsewhere, blame the key only if it alone keeps failing
    NetworkError, // connect error, reset, timeout
};

QString failureKindName(FailureKind kind); // "quota-minute", "invalid", ...

struct Failure
{
    FailureKind kind = FailureKind::None;
    qint64 retryDelayMs = -1; // from RetryInfo (or "Please retry in 47.1s"), -1 when absent
    QString quotaId;
    QString reason; // one line for logs and `keys list`, never containing the key

    // Retry with another key (before the first byte reached the client)?
    bool retryable() const;
};

// Classifies an upstream response. `body` may be a Google error object, an array of them (the
// OpenAI-compatible endpoint), or anything else.
Failure classifyResponse(int status, QByteArrayView body);
Failure networkFailure(const QString &reason);

// Parses a protobuf Duration string ("37s", "1.68s", "0.5s") into milliseconds; -1 when it is not one.
qint64 parseDurationMs(QStringView text);

} // namespace ga::keys
