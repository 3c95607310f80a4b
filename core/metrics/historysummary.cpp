// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/historysummary.h"

namespace ga::metrics {

HistorySummary::HistorySummary(qint64 since, qint64 untilMs, qint64 bucket)
    : sinceMs(since)
    , bucketMs(std::max<qint64>(bucket, 1000))
{
    const qint64 n = std::max<qint64>(0, (untilMs - sinceMs + bucketMs - 1) / bucketMs);
    buckets.reserve(size_t(std::min<qint64>(n, 100'000)));
    for (qint64 i = 0; i < n && i < 100'000; ++i) {
        buckets.push_back(Bucket { sinceMs + i * bucketMs, {} });
    }
}

void HistorySummary::add(
    qint64 startedMs, const QString &key, const QString &model, bool error, qint64 tokens, qint64 count)
{
    if (startedMs < sinceMs) {
        return;
    }
    const qint64 i = (startedMs - sinceMs) / bucketMs;
    if (i >= qint64(buckets.size())) {
        return;
    }
    for (Figures *f : { &buckets[size_t(i)].figures, &byKey[key], &byModel[model] }) {
        f->requests += count;
        f->errors += error ? count : 0;
        f->tokens += tokens;
    }
}

void HistorySummary::add(const AccessRecord &r)
{
    if (r.kind == u"admin") {
        return;
    }
    add(r.startedMs, r.keyId, r.model, isError(r.status, r.broken), r.tokensIn + r.tokensOut);
}

} // namespace ga::metrics
