// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/accessrecord.h"

#include <QHash>
#include <QString>

#include <vector>

namespace ga::metrics {

// Requests over a time window, per time bucket, per key and per model: the dashboard's charts. Admin calls are left
// out (the console polls). An error is a status of 400 or more, no status (no answer) or a broken stream.
struct HistorySummary
{
    struct Figures
    {
        qint64 requests = 0;
        qint64 errors = 0;
        qint64 tokens = 0; // in + out
    };
    struct Bucket
    {
        qint64 startMs = 0;
        Figures figures;
    };
    qint64 sinceMs = 0;
    qint64 bucketMs = 0;
    std::vector<Bucket> buckets; // every bucket of the window, empty ones too, oldest first
    QHash<QString, Figures> byKey; // "" for requests that used no key
    QHash<QString, Figures> byModel;

    HistorySummary(qint64 sinceMs, qint64 untilMs, qint64 bucketMs);
    void add(qint64 startedMs, const QString &key, const QString &model, bool error, qint64 tokens, qint64 count = 1);
    void add(const AccessRecord &r);
    static bool isError(int status, bool broken) { return status <= 0 || status >= 400 || broken; }
};

} // namespace ga::metrics
