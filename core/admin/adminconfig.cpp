// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, routing mode, settings (validated as a whole; listen changes bound before they are saved), stats,
// history.
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "app/settingsops.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "http/httperror.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyjson.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "metrics/historystore.h"
#include "metrics/historysummary.h"
#include "metrics/recorder.h"
#include "proxy/observability.h"
#include "proxy/proxyserver.h"
#include "proxy/upstreamcall.h"
#include "routing/relayprobe.h"
#include "secrets/secretjournal.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "version.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QTimeZone>
#include <QUrlQuery>

namespace ga::admin {

void AdminApi::getMode(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200,
        QJsonObject { { QStringLiteral("mode"), config::routingModeName(m_runtime->workspace().config().routingMode) },
            { QStringLiteral("fallbackToLocal"), m_runtime->workspace().config().fallbackToLocal } }));
}

void AdminApi::putMode(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const app::Outcome done = app::SettingsOps(m_runtime->workspace()).setMode(body.value(u"mode").toString());
    if (!done.ok()) {
        reply(refused(done));
        return;
    }
    getMode(rq, {}, std::move(reply));
}

void AdminApi::getConfig(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200, config::schema::effectiveDocument(m_runtime->workspace().configStore().document())));
}

void AdminApi::patchConfig(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const app::Outcome done = app::SettingsOps(m_runtime->workspace()).set(body, m_runtime->listenGate());
    if (!done.ok()) {
        reply(refused(done));
        return;
    }
    getConfig(rq, {}, std::move(reply));
}

void AdminApi::putProxyPassword(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    const QJsonValue password = body.value(u"password");
    if (!password.isString() && !password.isNull()) {
        reply(error(400, QStringLiteral("expected {\"password\": \"…\"} (an empty string or null removes it)")));
        return;
    }
    app::SettingsOps(m_runtime->workspace())
        .setProxyPassword(password.toString().toUtf8(), [reply = std::move(reply)](const app::Outcome &done) {
            reply(done.ok() ? Response { 204, QByteArray() } : refused(done));
        });
}

void AdminApi::getStats(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    QJsonArray out;
    for (const keys::KeyReport &r : m_runtime->keyPool().report()) {
        out.append(keys::keyStatsJson(r));
    }
    reply(json(200, out));
}

namespace {

bool matches(const metrics::AccessRecord &r, const metrics::HistoryStore::Filter &f)
{
    if (r.startedMs < f.sinceMs || (f.untilMs > 0 && r.startedMs >= f.untilMs)) {
        return false;
    }
    if (f.status >= 100 ? r.status != f.status : f.status > 0 && r.status / 100 != f.status) {
        return false;
    }
    return (f.key.isEmpty() || r.keyId == f.key) && (f.model.isEmpty() || r.model == f.model)
        && (f.route.isEmpty() || r.route == f.route) && (f.kind.isEmpty() || r.kind == f.kind)
        && (f.notKind.isEmpty() || r.kind != f.notKind);
}

} // namespace

void AdminApi::getHistory(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    const QUrlQuery query(QString::fromLatin1(rq.query));
    QList<config::Problem> problems;
    auto whole = [&](const char *name, int min, int max, int fallback) {
        const QString key = QString::fromLatin1(name);
        if (!query.hasQueryItem(key)) {
            return fallback;
        }
        bool ok = false;
        const int v = query.queryItemValue(key).toInt(&ok);
        if (!ok || v < min || v > max) {
            problems.append(problem(key, QStringLiteral("expected a whole number from %1 to %2").arg(min).arg(max)));
            return fallback;
        }
        return v;
    };
    const int limit = whole("limit", 1, 100000, 100);
    const int offset = whole("offset", 0, 100'000'000, 0);
    metrics::HistoryStore::Filter filter;
    filter.status = whole("status", 1, 599, 0);
    if (filter.status > 5 && filter.status < 100) {
        problems.append(problem(QStringLiteral("status"), QStringLiteral("a status code (e.g. 429) or a class 1–5")));
    }
    for (const auto &[name, target] :
        { std::pair { "since", &filter.sinceMs }, std::pair { "until", &filter.untilMs } }) {
        const QString key = QString::fromLatin1(name);
        if (query.hasQueryItem(key)) {
            *target = metrics::parseHistoryTime(
                query.queryItemValue(key, QUrl::FullyDecoded), QDateTime::currentMSecsSinceEpoch());
            if (*target < 0) {
                problems.append(problem(key, QStringLiteral("an ISO 8601 time or a time ago such as 15m, 2h, 7d")));
            }
        }
    }
    // "keyId", not "key": a "key" parameter is a credential and never reaches the admin API.
    filter.key = query.queryItemValue(QStringLiteral("keyId"), QUrl::FullyDecoded);
    filter.model = query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
    filter.route = query.queryItemValue(QStringLiteral("route"), QUrl::FullyDecoded);
    filter.kind = query.queryItemValue(QStringLiteral("kind"), QUrl::FullyDecoded);
    filter.notKind = query.queryItemValue(QStringLiteral("notKind"), QUrl::FullyDecoded);
    if (!problems.isEmpty()) {
        reply(error(400, QStringLiteral("The history query has invalid parameters."), problems));
        return;
    }
    QJsonArray out;
    if (metrics::HistoryStore *store = m_runtime->historyStore()) {
        // On disk: every record kept (metrics.historyRetentionDays). The newest `limit` after `offset` newer ones,
        // in time order like the in-memory history (oldest first).
        const std::vector<metrics::AccessRecord> page = store->query(filter, limit, offset);
        for (auto it = page.rbegin(); it != page.rend(); ++it) {
            out.append(metrics::toJson(*it));
        }
    } else if (proxy::ProxyServer *server = m_runtime->proxyServer()) {
        // In memory only: the last metrics.historySize records, newest last (as before), filtered the same way.
        std::vector<metrics::AccessRecord> all = server->recorder()->history();
        std::vector<const metrics::AccessRecord *> hits;
        for (auto it = all.rbegin(); it != all.rend(); ++it) {
            if (matches(*it, filter)) {
                hits.push_back(&*it);
            }
        }
        const size_t from = std::min(hits.size(), size_t(offset));
        const size_t to = std::min(hits.size(), from + size_t(limit));
        for (size_t i = to; i > from; --i) {
            out.append(metrics::toJson(*hits[i - 1]));
        }
    }
    reply(json(200, out));
}

} // namespace ga::admin

namespace ga::admin {

void AdminApi::getConfigSchema(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    // The table the daemon validates with, for forms: one entry per setting, in the table's order.
    QJsonArray settings;
    for (const QString &path : config::schema::settingPaths()) {
        const config::schema::SettingInfo info = config::schema::settingInfo(path);
        QJsonObject o { { QStringLiteral("path"), path }, { QStringLiteral("tab"), path.section(u'.', 0, 0) },
            { QStringLiteral("kind"), info.kind }, { QStringLiteral("default"), info.defaultValue },
            { QStringLiteral("help"), info.help } };
        if (info.kind == u"int") {
            o.insert(QStringLiteral("min"), info.min);
            o.insert(QStringLiteral("max"), info.max);
        }
        if (!info.choices.isEmpty()) {
            o.insert(QStringLiteral("choices"), QJsonArray::fromStringList(info.choices));
        }
        if (!info.unit.isEmpty()) {
            o.insert(QStringLiteral("unit"), info.unit);
        }
        settings.append(o);
    }
    reply(json(200, QJsonObject { { QStringLiteral("settings"), settings } }));
}

void AdminApi::postConfigCheck(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    // PATCH /config's own check, without the write: every problem, and what would change.
    const app::Outcome checked = app::SettingsOps(m_runtime->workspace()).check(body);
    QJsonArray problems;
    for (const config::Problem &p : checked.problems) {
        problems.append(QJsonObject {
            { QStringLiteral("path"), p.path }, { QStringLiteral("message"), logging::Redactor::redact(p.message) } });
    }
    if (!checked.ok() && problems.isEmpty()) {
        problems.append(QJsonObject { { QStringLiteral("path"), QString() },
            { QStringLiteral("message"), logging::Redactor::redact(checked.message) } });
    }
    const QJsonObject current = config::schema::effectiveDocument(m_runtime->workspace().configStore().document());
    QJsonArray changes;
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QJsonValue from = config::schema::valueAt(current, it.key());
        if (from != it.value()) {
            changes.append(QJsonObject { { QStringLiteral("path"), it.key() }, { QStringLiteral("from"), from },
                { QStringLiteral("to"), *it } });
        }
    }
    reply(json(200,
        QJsonObject { { QStringLiteral("ok"), checked.ok() }, { QStringLiteral("problems"), problems },
            { QStringLiteral("changes"), changes } }));
}

void AdminApi::getHistorySummary(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    const QUrlQuery query(QString::fromLatin1(rq.query));
    const QString window = query.hasQueryItem(QStringLiteral("window")) ? query.queryItemValue(QStringLiteral("window"))
                                                                        : QStringLiteral("1h");
    static const QHash<QString, std::pair<qint64, qint64>> kWindows { // length and bucket, in seconds
        { QStringLiteral("1h"), { 3600, 60 } }, { QStringLiteral("24h"), { 86400, 900 } },
        { QStringLiteral("7d"), { 7 * 86400, 3600 } }
    };
    const auto w = kWindows.constFind(window);
    if (w == kWindows.constEnd()) {
        reply(error(400, QStringLiteral("The history summary has invalid parameters."),
            { problem(QStringLiteral("window"), QStringLiteral("one of 1h, 24h, 7d")) }));
        return;
    }
    const qint64 bucketMs = w->second * 1000;
    const qint64 untilMs = (QDateTime::currentMSecsSinceEpoch() / bucketMs + 1) * bucketMs;
    metrics::HistorySummary summary(untilMs - w->first * 1000, untilMs, bucketMs);
    if (metrics::HistoryStore *store = m_runtime->historyStore()) {
        store->summarize(summary, untilMs);
    } else if (proxy::ProxyServer *server = m_runtime->proxyServer()) {
        for (const metrics::AccessRecord &r : server->recorder()->history()) {
            summary.add(r);
        }
    }
    auto figures = [](const metrics::HistorySummary::Figures &f) {
        return QJsonObject { { QStringLiteral("requests"), double(f.requests) },
            { QStringLiteral("errors"), double(f.errors) }, { QStringLiteral("tokens"), double(f.tokens) } };
    };
    QJsonArray buckets;
    for (const metrics::HistorySummary::Bucket &b : summary.buckets) {
        QJsonObject o = figures(b.figures);
        o.insert(QStringLiteral("t"), QDateTime::fromMSecsSinceEpoch(b.startMs, Qt::UTC).toString(Qt::ISODate));
        buckets.append(o);
    }
    auto totals = [&](const QHash<QString, metrics::HistorySummary::Figures> &by, const QString &name) {
        QList<QString> names = by.keys();
        std::sort(names.begin(), names.end(),
            [&](const QString &a, const QString &b) { return by.value(a).requests > by.value(b).requests; });
        QJsonArray out;
        for (const QString &n : names) {
            QJsonObject o = figures(by.value(n));
            o.insert(name, n);
            out.append(o);
        }
        return out;
    };
    reply(json(200,
        QJsonObject { { QStringLiteral("window"), window }, { QStringLiteral("bucketSeconds"), double(w->second) },
            { QStringLiteral("buckets"), buckets },
            { QStringLiteral("byKey"), totals(summary.byKey, QStringLiteral("keyId")) },
            { QStringLiteral("byModel"), totals(summary.byModel, QStringLiteral("model")) } }));
}

void AdminApi::getHistoryTail(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    // The listener serves this route itself as a server-sent event stream (proxy/historytail.h); only a caller in
    // this process (the desktop app) lands here.
    reply(error(406,
        QStringLiteral("The history tail is a server-sent event stream: GET it through the listener "
                       "(EventSource or curl -N).")));
}

} // namespace ga::admin
