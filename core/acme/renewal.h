// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>

namespace ga::acme {

// When to renew a certificate, in milliseconds since the epoch: two-thirds of its lifetime after notBefore, moved by
// jitter (-1..1, clamped) times 5 % of the lifetime, so many installations do not renew in the same minute. An
// invalid or empty lifetime gives 0: renew now.
qint64 renewalTimeMs(const QDateTime &notBefore, const QDateTime &notAfter, double jitter);

// How long to wait before the next attempt after `failures` failed ones in a row: 1 minute, doubling per failure,
// at most 24 hours; the CA's Retry-After (retryAfterMs, -1 when none) when that is longer. 0 for no failures.
qint64 backoffMs(int failures, qint64 retryAfterMs);

} // namespace ga::acme
