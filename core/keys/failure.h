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
    InvalidKey, // key-level signals only: API_KEY_INVALID, expired, 401, leaked, suspended, API not enabled
    ResourceDenied, // 403/404 about a file, cached content, batch… the request names: not the key's fault
    Forbidden, // any other 403: retried with another key; counted, and only a repeat marks the key invalid
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
    QString quotaId; // the decisive QuotaFailure violation; empty when the 429 names no quota
    QString reason; // one line for logs and `keys list`, never containing the key

    // Retry with another key (before the first byte reached the client)?
    bool retryable() const;
    // A 429 (or 402): the key's project is out of quota. Moving on to another key costs no attempt.
    bool isQuota() const { return kind == FailureKind::QuotaPerMinute || kind == FailureKind::QuotaPerDay; }
    // The 429 names its quota (a QuotaFailure violation): the project is out of it, whatever others do.
    bool namesQuota() const { return isQuota() && !quotaId.isEmpty(); }
};

// Classifies an upstream response. `body` may be a Google error object, an array of them (the
// OpenAI-compatible endpoint), or anything else. `touchesResource`: the request addressed or referenced a
// project-owned resource (files/…, cachedContents/…, batches/…, an upload session), so a 403/404 is about that
// resource unless the answer carries a key-level signal.
Failure classifyResponse(int status, QByteArrayView body, bool touchesResource = false);
Failure networkFailure(const QString &reason);

// Parses a protobuf Duration string ("37s", "1.68s", "0.5s") into milliseconds; -1 when it is not one.
qint64 parseDurationMs(QStringView text);

} // namespace ga::keys
