// SPDX-License-Identifier: GPL-3.0-or-later
// `history`: the request history the daemon keeps on disk (history.sqlite beside the config), filtered, the newest
// records in time order, as a table, JSON or CSV. Read straight from the database, so it works while the daemon runs
// and after it stopped.
#include "cli/commands.h"
#include "cli/context.h"
#include "config/configpaths.h"
#include "metrics/historystore.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace ga::cli {

namespace {

QString csvField(const QString &s)
{
    if (!s.contains(u',') && !s.contains(u'"') && !s.contains(u'\n')) {
        return s;
    }
    return u'"' + QString(s).replace(u'"', QStringLiteral("\"\"")) + u'"';
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

// The filter the options ask for; false (with the usage already reported) when one is wrong.
bool historyFilter(Context &ctx, metrics::HistoryStore::Filter *f, int *limit, int *exit)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const auto &[name, target] : { std::pair { "since", &f->sinceMs }, std::pair { "until", &f->untilMs } }) {
        const QString option = QString::fromLatin1(name);
        if (ctx.args().has(option)) {
            *target = metrics::parseHistoryTime(ctx.args().value(option), now);
            if (*target < 0) {
                *exit = ctx.usage(QStringLiteral("--%1 takes an ISO 8601 time (2026-12-04T10:00:00Z) or a time ago "
                                                 "(90s, 15m, 2h, 7d)")
                                      .arg(option));
                return false;
            }
        }
    }
    if (ctx.args().has(QStringLiteral("status"))) {
        bool ok = false;
        f->status = ctx.args().value(QStringLiteral("status")).toInt(&ok);
        if (!ok || !((f->status >= 1 && f->status <= 5) || (f->status >= 100 && f->status <= 599))) {
            *exit = ctx.usage(QStringLiteral("--status takes a status code (429) or a class 1–5 (5: every 5xx)"));
            return false;
        }
    }
    *limit = 100;
    if (ctx.args().has(QStringLiteral("limit"))) {
        bool ok = false;
        *limit = ctx.args().value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || *limit < 1 || *limit > 10'000'000) {
            *exit = ctx.usage(QStringLiteral("--limit takes a whole number from 1 to 10000000"));
            return false;
        }
    }
    f->key = ctx.args().value(QStringLiteral("key-id"));
    f->model = ctx.args().value(QStringLiteral("model"));
    f->route = ctx.args().value(QStringLiteral("route"));
    return true;
}

int historyCommand(Context &ctx, const QStringList &words)
{
    if (!words.isEmpty()) {
        return ctx.usage(QStringLiteral("use: history [--since T] [--until T] [--status N] [--key-id ID] [--model M] "
                                        "[--route R] [--limit N] [--json | --csv]"));
    }
    metrics::HistoryStore::Filter filter;
    int limit = 0;
    int exit = kExitOk;
    if (!historyFilter(ctx, &filter, &limit, &exit)) {
        return exit;
    }
    const QString path = config::historyDatabasePath(ctx.configPath());
    std::vector<metrics::AccessRecord> records;
    if (QFileInfo::exists(path)) {
        metrics::HistoryStore store({ path, 0, 0 }); // a reader: retention is the daemon's business
        store.open(0);
        records = store.query(filter, limit);
        std::reverse(records.begin(), records.end()); // in time order, the newest last (as the admin API answers)
    }
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const metrics::AccessRecord &r : records) {
            arr.append(metrics::toJson(r));
        }
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (ctx.args().has(QStringLiteral("csv"))) {
        ctx.out() << "time,status,client,method,path,model,key,route,tries,ttfb_ms,total_ms,tokens_in,tokens_out,"
                     "broken\n";
        for (const metrics::AccessRecord &r : records) {
            ctx.out() << timeText(r.startedMs) << ',' << r.status << ',' << csvField(r.client) << ','
                      << csvField(r.method) << ',' << csvField(r.path) << ',' << csvField(r.model) << ','
                      << csvField(r.keyId) << ',' << csvField(r.route) << ',' << r.attempts.size() << ',' << r.ttfbMs
                      << ',' << r.totalMs << ',' << r.tokensIn << ',' << r.tokensOut << ','
                      << (r.broken ? "true" : "false") << '\n';
        }
        return kExitOk;
    }
    if (records.empty()) {
        ctx.note(QFileInfo::exists(path)
                ? QStringLiteral("no requests match")
                : QStringLiteral("no request history yet: the daemon keeps it in %1 (metrics.historyRetentionDays)")
                      .arg(path));
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("TIME"), QStringLiteral("STATUS"), QStringLiteral("MODEL"),
        QStringLiteral("KEY"), QStringLiteral("ROUTE"), QStringLiteral("TRIES"), QStringLiteral("MS"),
        QStringLiteral("TOKENS"), QStringLiteral("PATH") } };
    for (const metrics::AccessRecord &r : records) {
        rows.append({ timeText(r.startedMs), QString::number(r.status),
            r.model.isEmpty() ? QStringLiteral("-") : r.model, r.keyId.isEmpty() ? QStringLiteral("-") : r.keyId,
            r.route.isEmpty() ? QStringLiteral("-") : r.route, QString::number(r.attempts.size()),
            QString::number(r.totalMs), QStringLiteral("%1/%2").arg(r.tokensIn).arg(r.tokensOut), r.path.left(80) });
    }
    printTable(ctx.out(), rows);
    return kExitOk;
}

} // namespace ga::cli
