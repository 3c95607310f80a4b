// SPDX-License-Identifier: GPL-3.0-or-later
#include "dashboard.h"

#include "daemon/service.h"
#include "proxy/proxyserver.h"
#include "time/clock.h"

#include <algorithm>

namespace ga::ui {

int dailyLimitFor(const QString &modelLimits, int dailyRequests, const QString &model)
{
    for (const QString &item : modelLimits.split(u',', Qt::SkipEmptyParts)) {
        if (item.section(u'=', 0, 0).trimmed() == model) {
            return item.section(u'=', 1).trimmed().toInt();
        }
    }
    return dailyRequests;
}

Dashboard::Dashboard(daemon::Service *service, const time::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_clock(clock)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        advance();
        Q_EMIT tick();
        // Usage lives in the key pool; re-reading it every few seconds is cheap and keeps tokens current.
        if (++m_ticks % 5 == 0) {
            refresh();
        }
    });
    m_timer.start();
    if (proxy::ProxyServer *server = m_service ? m_service->proxyServer() : nullptr) {
        // Emitted on proxy workers: queued here, so the proxy never waits for the UI.
        connect(server->recorder(), &metrics::Recorder::recorded, this, &Dashboard::add, Qt::QueuedConnection);
        // The last hour as the history has it (also the last run's, read back from disk at start).
        const qint64 now = m_clock.nowMs();
        for (const metrics::AccessRecord &r : server->recorder()->history()) {
            if (r.startedMs > now - 3'600'000 && r.startedMs <= now) {
                count(r.startedMs / 60'000, r);
            }
        }
    }
    refresh();
}

double Dashboard::nowMs() const
{
    return double(m_clock.nowMs());
}

double Dashboard::quotaResetMs() const
{
    return double(time::nextPacificMidnightMs(m_clock.nowMs()));
}

void Dashboard::advance()
{
    const qint64 minute = m_clock.nowMs() / 60'000;
    for (Bucket &b : m_buckets) {
        if (b.minute >= 0 && b.minute <= minute - 60) {
            b = Bucket {};
        }
    }
}

void Dashboard::add(const metrics::AccessRecord &record)
{
    count(m_clock.nowMs() / 60'000, record);
    Q_EMIT figuresChanged();
}

void Dashboard::count(qint64 minute, const metrics::AccessRecord &record)
{
    Bucket &b = m_buckets[size_t(minute % 60)];
    if (b.minute != minute) {
        b = Bucket { minute, 0, 0 };
    }
    ++b.requests;
    if ((record.status >= 200 && record.status < 300) || record.status == 101) {
        b.successes += record.broken ? 0 : 1;
    }
}

QVariantList Dashboard::series(bool successes) const
{
    const qint64 minute = m_clock.nowMs() / 60'000;
    QVariantList out;
    for (qint64 m = minute - 59; m <= minute; ++m) {
        const Bucket &b = m_buckets[size_t(m % 60)];
        out.append(b.minute == m ? (successes ? b.successes : b.requests) : 0);
    }
    return out;
}

QVariantList Dashboard::requestsPerMinute() const
{
    return series(false);
}

QVariantList Dashboard::successesPerMinute() const
{
    return series(true);
}

int Dashboard::requestsLastMinute() const
{
    const qint64 minute = m_clock.nowMs() / 60'000;
    const Bucket &b = m_buckets[size_t(minute % 60)];
    return b.minute == minute ? b.requests : 0;
}

int Dashboard::requestsLastHour() const
{
    const qint64 minute = m_clock.nowMs() / 60'000;
    int n = 0;
    for (const Bucket &b : m_buckets) {
        n += b.minute > minute - 60 ? b.requests : 0;
    }
    return n;
}

double Dashboard::successRate() const
{
    const qint64 minute = m_clock.nowMs() / 60'000;
    int all = 0;
    int ok = 0;
    for (const Bucket &b : m_buckets) {
        if (b.minute > minute - 60) {
            all += b.requests;
            ok += b.successes;
        }
    }
    return all == 0 ? -1.0 : double(ok) / all;
}

int Dashboard::activeStreams() const
{
    proxy::ProxyServer *server = m_service ? m_service->proxyServer() : nullptr;
    return server ? server->recorder()->activeStreams() : 0;
}

int Dashboard::liveSessions() const
{
    proxy::ProxyServer *server = m_service ? m_service->proxyServer() : nullptr;
    return server ? server->recorder()->activeLiveSessions() : 0;
}

void Dashboard::refresh()
{
    if (!m_service) {
        return;
    }
    const config::Config &cfg = m_service->config();
    const QString today = time::pacificDate(m_clock.nowMs()).toString(Qt::ISODate);
    double tokens = 0;
    double requests = 0;
    // Quota is per project and model: a group is one project, an ungrouped key is its own.
    QHash<QString, QString> labels;
    for (const config::KeyEntry &k : cfg.keys) {
        labels.insert(k.id, k.label.isEmpty() ? k.masked() : k.label);
    }
    QMap<QPair<QString, QString>, qint64> used;
    for (const keys::KeyReport &r : m_service->keyPool().report()) {
        const auto day = r.usage.find(today);
        if (day == r.usage.end()) {
            continue;
        }
        const QString project = r.group.isEmpty() ? labels.value(r.id, r.id) : r.group;
        for (const auto &[model, usage] : day->second) {
            tokens += double(usage.totalTokens > 0 ? usage.totalTokens : usage.promptTokens + usage.outputTokens);
            requests += double(usage.requests);
            used[qMakePair(project, model)] += usage.requests;
        }
    }
    struct Row
    {
        QString project;
        QString model;
        qint64 used;
        int limit;
        double fraction;
    };
    std::vector<Row> rows;
    for (auto it = used.begin(); it != used.end(); ++it) {
        const int limit = dailyLimitFor(cfg.quotaModelLimits, cfg.quotaDailyRequests, it.key().second);
        rows.push_back(Row { it.key().first, it.key().second, it.value(), limit,
            limit > 0 ? std::min(1.0, double(it.value()) / limit) : -1.0 });
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) {
        return a.fraction != b.fraction ? a.fraction > b.fraction : a.used > b.used;
    });
    QVariantList quota;
    for (const Row &r : rows) {
        quota.append(QVariantMap { { QStringLiteral("project"), r.project }, { QStringLiteral("model"), r.model },
            { QStringLiteral("used"), double(r.used) }, { QStringLiteral("limit"), r.limit },
            { QStringLiteral("fraction"), r.fraction } });
    }
    const bool changed = quota != m_quota || tokens != m_tokensToday || requests != m_requestsToday;
    m_quota = quota;
    m_tokensToday = tokens;
    m_requestsToday = requests;
    if (changed) {
        Q_EMIT figuresChanged();
    }
}

} // namespace ga::ui
