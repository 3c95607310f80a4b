// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "time/clock.h"
#include "upstream/upstream.h"

#include <QMutex>
#include <QObject>

#include <atomic>
#include <vector>

namespace ga::routing {

enum class RelayHealth
{
    Unknown,
    Healthy,
    Unhealthy
};
QString relayHealthName(RelayHealth health);

struct Relay
{
    QString id;
    QString name;
    QByteArray secret;
    bool enabled = true;
    upstream::UpstreamSettings upstream; // where the relay is, with the proxy/CA/timeouts of the upstream
};

// Where one attempt goes: through a relay (index into the router's list) or direct.
struct Route
{
    int relay = -1; // -1 = direct
    bool isDirect() const { return relay < 0; }
};

struct RelayReport
{
    QString id;
    QString name;
    RelayHealth health = RelayHealth::Unknown;
    qint64 unhealthyUntilMs = -1;
    qint64 lastLatencyMs = -1;
    QString lastError;
    bool usable = false; // enabled, has its secret, and not inside an unhealthy cooldown
};

// Decides the route of each attempt from routing.mode, key bindings and relay health, and learns from
// relay failures (which never count against keys). Thread-safe: proxy workers share one Router.
//   local      → direct
//   serverless → the key's bound relay, else healthy relays round-robin; none usable → no route (503)
//   hybrid     → like serverless, then direct when routing.fallbackToLocal is on
class Router final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Router)

public:
    explicit Router(const time::Clock &clock = time::Clock::system(), QObject *parent = nullptr);

    void configure(
        config::RoutingMode mode, bool fallbackToLocal, std::vector<Relay> relays, QHash<QString, QString> keyBindings);
    config::RoutingMode mode() const;

    // The first route for a key. False when there is none (serverless with no usable relay; *reason says).
    bool firstRoute(const QString &keyId, Route *out, QString *reason);
    // After the relay of `failed` failed: the next route for the same key, if any (hybrid → direct,
    // serverless unbound → another healthy relay). Bound keys in serverless mode get none (try another key).
    bool fallbackRoute(const QString &keyId, const Route &failed, std::vector<int> &triedRelays, Route *out);

    // A relay's copy of the upstream settings and its secret, for the exchange.
    bool relay(int index, Relay *out) const;

    void reportRelayFailure(int index, const QString &reason);
    void reportRelaySuccess(int index, qint64 latencyMs);
    // An explicit test of a relay (admin API, GUI, tray): the same health the traffic keeps. False: no such relay.
    bool reportRelayCheck(const QString &id, bool ok, qint64 latencyMs, const QString &reason);

    std::vector<RelayReport> report() const;
    // Cluster mode: what another node learned about relay `id` (unhealthy until `untilMs`, or healthy again).
    // Emits relayHealthChanged when the health changes, never relayHealthLearned.
    void applySharedHealth(const QString &id, bool healthy, qint64 untilMs, const QString &reason);

    static constexpr qint64 kUnhealthyStartMs = 30'000;
    static constexpr qint64 kUnhealthyMaxMs = 10 * 60'000;

Q_SIGNALS:
    void relayHealthChanged(const QString &id, ga::routing::RelayHealth health, const QString &reason);
    // Learned here from traffic or a check (not from the cluster): for the other nodes.
    void relayHealthLearned(const QString &id, bool healthy, qint64 unhealthyUntilMs, const QString &reason);

private:
    struct State
    {
        RelayHealth health = RelayHealth::Unknown;
        qint64 unhealthyUntil = 0;
        int failures = 0;
        bool trialInFlight = false;
        qint64 lastLatencyMs = -1;
        QString lastError;
    };
    bool usable(size_t i, qint64 now, bool claimTrial);
    int nextHealthy(qint64 now, const std::vector<int> &exclude);

    const time::Clock &m_clock;
    mutable QMutex m_mutex;
    // Written under m_mutex, read without it where the mode alone decides (every request asks for it: a lock and an
    // unlock were two locked instructions a request).
    std::atomic<config::RoutingMode> m_mode { config::RoutingMode::Local };
    bool m_fallback = true;
    std::vector<Relay> m_relays;
    std::vector<State> m_state;
    QHash<QString, QString> m_bindings; // key id → relay id
    size_t m_cursor = 0;
};

} // namespace ga::routing
