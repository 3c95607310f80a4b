// SPDX-License-Identifier: GPL-3.0-or-later
// bench_keypool: what KeyPool::pick costs with many keys, half of them cooling for the model. Prints ns per pick
// for each strategy, the cost of the first pick after a state change (the pool rebuilds its per-model view of
// usable keys then), and of report(). Target: round_robin < 1 µs per pick with 10,000 keys, 5,000 cooling.
//
//   bench_keypool [--keys N] [--picks N] [--linear-picks N] [--rebuilds N] [--usage-days N]
//
// Exit code 0 unless the setup is broken (a target missed is printed as MISSED, not an error).
#include "keys/failure.h"
#include "keys/keypool.h"
#include "time/clock.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

using ga::keys::Failure;
using ga::keys::KeyPool;
using ga::keys::KeyStatus;
using ga::keys::Pick;
using ga::keys::PoolKeyConfig;
using ga::keys::Strategy;

namespace {

using Clock = std::chrono::steady_clock;

double nsSince(Clock::time_point start)
{
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

int intOption(const QStringList &args, const QString &name, int fallback)
{
    const qsizetype i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size()) {
        return fallback;
    }
    bool ok = false;
    const int v = args.at(i + 1).toInt(&ok);
    return ok && v > 0 ? v : fallback;
}

// A 429 as Google sends it for a per-minute quota, with a RetryInfo long enough to outlast the setup.
Failure perMinute429(const QByteArray &model)
{
    const QByteArray body
        = R"({"error": {"code": 429, "message": "You exceeded your current quota.", "status": )"
          R"("RESOURCE_EXHAUSTED", "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", )"
          R"("violations": [{"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", )"
          R"("quotaDimensions": {"location": "global", "model": ")"
        + model + R"("}}]}, {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "86400s"}]}})";
    return ga::keys::classifyResponse(429, body);
}

// ns per pick over `picks` picks (the view is built before the clock starts); -1 when a pick failed.
double timePicks(KeyPool &pool, const QString &model, int picks)
{
    Pick p;
    pool.pick(model, {}, &p);
    qsizetype sink = 0;
    const auto start = Clock::now();
    for (int i = 0; i < picks; ++i) {
        if (!pool.pick(model, {}, &p)) {
            std::fprintf(stderr, "pick failed\n");
            return -1;
        }
        sink += p.id.size();
    }
    const double ns = nsSince(start) / picks;
    return sink > 0 ? ns : -1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int keyCount = intOption(args, QStringLiteral("--keys"), 10'000);
    const int picks = intOption(args, QStringLiteral("--picks"), 1'000'000);
    const int linearPicks = intOption(args, QStringLiteral("--linear-picks"), 20'000);
    const int rebuilds = intOption(args, QStringLiteral("--rebuilds"), 200);
    const QString model = QStringLiteral("gemini-2.5-flash");

    // 2026-01-15 12:00 PST: far from midnight, so no per-day state rolls over during the run.
    ga::time::ManualClock clock(
        QDateTime::fromString(QStringLiteral("2026-01-15T20:00:00Z"), Qt::ISODate).toMSecsSinceEpoch());
    KeyPool pool(clock);
    int throttled = 0;
    QObject::connect(&pool, &KeyPool::egressThrottled, [&throttled](qint64) { ++throttled; });

    std::vector<PoolKeyConfig> keys;
    keys.reserve(size_t(keyCount));
    for (int i = 0; i < keyCount; ++i) {
        // Each key its own project (the common case); secrets are placeholders, never sent anywhere.
        keys.push_back({ QStringLiteral("k%1").arg(i), QByteArray("secret-") + QByteArray::number(i),
            QStringLiteral("project-%1").arg(i), 1 + i % 3, true });
    }
    auto start = Clock::now();
    pool.setKeys(keys);
    const double setKeysMs = nsSince(start) / 1e6;

    // Cool every even key with a per-minute 429. Three different projects with a 429 within 5 s look like
    // throttling of the connection (and are undone), so at most two per window: advance the clock past it.
    const Failure failure = perMinute429(model.toUtf8());
    if (failure.kind != ga::keys::FailureKind::QuotaPerMinute || failure.retryDelayMs != 86'400'000) {
        std::fprintf(stderr, "the 429 body was not classified as a per-minute quota with a 1-day RetryInfo\n");
        return 1;
    }
    start = Clock::now();
    int reported = 0;
    for (int i = 0; i < keyCount; i += 2) {
        pool.reportFailure(QStringLiteral("k%1").arg(i), model, failure);
        if (++reported % 2 == 0) {
            clock.advance(KeyPool::kEgressWindowMs + 1);
        }
    }
    const double coolMs = nsSince(start) / 1e6;
    int cooling = 0;
    for (int i = 0; i < keyCount; ++i) {
        cooling += pool.status(QStringLiteral("k%1").arg(i), model) == KeyStatus::Cooling ? 1 : 0;
    }
    if (throttled != 0 || cooling != keyCount / 2) {
        std::fprintf(stderr, "setup broken: %d cooling keys (wanted %d), %d egress throttles\n", cooling, keyCount / 2,
            throttled);
        return 1;
    }
    std::printf("keys: %d, cooling for %s: %d (per-minute 429s; %d egress throttles)\n", keyCount, qPrintable(model),
        cooling, throttled);
    std::printf("setup: setKeys %.1f ms, %d reportFailure calls %.1f ms\n", setKeysMs, reported, coolMs);

    // The first pick builds the view of usable keys for the model.
    Pick p;
    start = Clock::now();
    if (!pool.pick(model, {}, &p)) {
        std::fprintf(stderr, "no key could be picked\n");
        return 1;
    }
    const double firstPickUs = nsSince(start) / 1e3;

    // The first pick after each further state change (one more key cools): a rebuild each time.
    std::vector<double> rebuildUs;
    rebuildUs.reserve(size_t(rebuilds));
    for (int i = 0; i < rebuilds; ++i) {
        clock.advance(KeyPool::kEgressWindowMs + 1);
        pool.reportFailure(QStringLiteral("k%1").arg(1 + 2 * i), model, failure); // an odd key: still usable
        start = Clock::now();
        pool.pick(model, {}, &p);
        rebuildUs.push_back(nsSince(start) / 1e3);
    }
    std::sort(rebuildUs.begin(), rebuildUs.end());
    const int usable = keyCount - cooling - rebuilds;
    std::printf("first pick (view build): %.0f us; first pick after a state change: median %.0f us, max %.0f us "
                "(%d rebuilds)\n",
        firstPickUs, rebuildUs.empty() ? 0.0 : rebuildUs[rebuildUs.size() / 2],
        rebuildUs.empty() ? 0.0 : rebuildUs.back(), rebuilds);

    std::printf("steady picks for %s, %d usable keys:\n", qPrintable(model), usable);
    struct Run
    {
        Strategy strategy;
        const char *name;
        int picks;
    };
    const Run runs[] = {
        { Strategy::RoundRobin, "round_robin", picks },
        { Strategy::Random, "random", picks },
        { Strategy::Weighted, "weighted", linearPicks },
        { Strategy::LeastUsed, "least_used", linearPicks },
    };
    double roundRobinNs = 0;
    for (const Run &run : runs) {
        pool.setStrategy(run.strategy);
        const double ns = timePicks(pool, model, run.picks);
        if (ns < 0) {
            return 1;
        }
        if (run.strategy == Strategy::RoundRobin) {
            roundRobinNs = ns;
        }
        std::printf("  %-12s %9.0f ns/pick  (%d picks)\n", run.name, ns, run.picks);
    }

    start = Clock::now();
    const auto report = pool.report();
    std::printf("report() of %zu keys: %.1f ms (for information)\n", report.size(), nsSince(start) / 1e6);

    // What the daemon does at most once a second while keys change (daemon/servicestate.cpp): saveState() under the
    // pool's lock, which every pick waits for, then the state file's JSON made and written. Every key first gets
    // usage on `--usage-days` days (two models a day), as a pool in daily use for that long has.
    const int usageDays = intOption(args, QStringLiteral("--usage-days"), 30);
    const QString otherModel = QStringLiteral("gemini-2.5-pro");
    for (int day = 0; day < usageDays; ++day) {
        clock.advance(86'400'000);
        for (int i = 0; i < keyCount; ++i) {
            const QString id = QStringLiteral("k%1").arg(i);
            pool.reportSuccess(id, model, ga::keys::Usage { 10, 20, 30, true });
            pool.reportSuccess(id, otherModel, ga::keys::Usage { 10, 20, 30, true });
        }
    }
    // The save on another thread, as the daemon's main thread does it, while this one picks as a worker would: the
    // longest pick is how long the save kept the pool's lock. Three saves: the whole state in one object (what
    // keystate.json was before the days before today went apart, and what a failed keyusage.json write falls back
    // to), the split with the past (the first save of a day), and the split without it (every other save).
    const auto timedSave = [&](const char *name, const std::function<std::vector<QJsonObject>()> &save) {
        std::vector<QJsonObject> files;
        double saveMs = 0;
        std::atomic<bool> saving { true };
        std::thread saver([&] {
            const auto began = Clock::now();
            files = save();
            saveMs = nsSince(began) / 1e6;
            saving = false;
        });
        double longestPickMs = 0;
        while (saving) {
            const auto began = Clock::now();
            pool.pick(model, {}, &p);
            longestPickMs = std::max(longestPickMs, nsSince(began) / 1e6);
        }
        saver.join();
        start = Clock::now();
        qsizetype bytes = 0;
        for (const QJsonObject &f : files) {
            bytes += QJsonDocument(f).toJson(QJsonDocument::Compact).size();
        }
        const double jsonMs = nsSince(start) / 1e6;
        std::printf("%-34s %7.1f ms (the longest pick meanwhile %6.1f ms), then %7.1f ms for %6.2f MB of compact "
                    "JSON\n",
            name, saveMs, longestPickMs, jsonMs, double(bytes) / 1e6);
    };
    std::printf("saves with %d days of usage:\n", usageDays);
    timedSave("  saveState(), whole", [&] { return std::vector<QJsonObject> { pool.saveState() }; });
    QString today;
    timedSave("  split, with the days before today", [&] {
        ga::keys::KeyPool::StateParts parts = pool.saveStateParts(QString());
        today = parts.today;
        return std::vector<QJsonObject> { parts.state, parts.pastUsage };
    });
    timedSave("  split, today's only", [&] { return std::vector<QJsonObject> { pool.saveStateParts(today).state }; });

    start = Clock::now();
    const auto reportWithUsage = pool.report();
    std::printf("report() of %zu keys with that usage: %.1f ms under the pool's lock\n", reportWithUsage.size(),
        nsSince(start) / 1e6);

    std::printf("target round_robin < 1000 ns/pick with %d keys, %d cooling: %.0f ns  %s\n", keyCount, cooling,
        roundRobinNs, roundRobinNs < 1000 ? "met" : "MISSED");
    return 0;
}
