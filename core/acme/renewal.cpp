// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/renewal.h"

#include <algorithm>

namespace ga::acme {

namespace {
constexpr qint64 kFirstBackoffMs = 60 * 1000;
constexpr qint64 kMaxBackoffMs = 24 * 60 * 60 * 1000;
constexpr double kJitterShare = 0.05;
} // namespace

qint64 renewalTimeMs(const QDateTime &notBefore, const QDateTime &notAfter, double jitter)
{
    if (!notBefore.isValid() || !notAfter.isValid())
        return 0;
    const qint64 start = notBefore.toMSecsSinceEpoch();
    const qint64 lifetime = notAfter.toMSecsSinceEpoch() - start;
    if (lifetime <= 0)
        return 0;
    const double clamped = std::clamp(jitter, -1.0, 1.0);
    const auto offset = static_cast<qint64>(clamped * kJitterShare * static_cast<double>(lifetime));
    return start + lifetime * 2 / 3 + offset;
}

qint64 backoffMs(int failures, qint64 retryAfterMs)
{
    if (failures <= 0)
        return 0;
    qint64 wait = kFirstBackoffMs;
    for (int i = 1; i < failures && wait < kMaxBackoffMs; ++i)
        wait *= 2;
    wait = std::min(wait, kMaxBackoffMs);
    return std::max(wait, retryAfterMs);
}

} // namespace ga::acme
