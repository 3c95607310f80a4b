// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "http/limits.h"
#include "security/iprules.h"
#include "upstream/upstream.h"

#include <QHash>
#include <QList>
#include <QNetworkProxy>
#include <QSslCertificate>
#include <QSslConfiguration>

#include <atomic>
#include <memory>

namespace ga::proxy {

using upstream::UpstreamSettings;

struct ProxySettings
{
    http::Limits limits;
    int headerTimeoutMs = 10'000;
    int keepAliveTimeoutMs = 60'000;
    int maxConnections = 1024;
    QList<QByteArray> allowedHosts; // security.allowedHosts, lowercase
    QList<QByteArray> allowedOrigins; // security.allowedOrigins, lowercase
    security::IpRules ipRules; // security.allowCidrs / denyCidrs
    config::RateLimits perTokenLimits; // limits.perToken (anonymous and JWT clients too)
    config::RateLimits perAddressLimits; // limits.perAddress
    QHash<QString, config::RateLimits> tokenLimits; // named tokens with limits of their own
    bool metricsOnLoopback = true; // metrics.loopback: /metrics for clients on this machine
    qint64 clientHighWaterBytes = 1024 * 1024; // stop reading upstream above this much queued to the client
    qint64 clientLowWaterBytes = 256 * 1024; // resume below this
    UpstreamSettings upstream;
};
using SettingsPtr = std::shared_ptr<const ProxySettings>;

// Live counters (and the start-up state) shared by the listener and its workers (read from any thread).
struct ProxyCounters
{
    // Set while the owner is still reading keys, access tokens and relays from the secret store: every request
    // but the health probes gets 503 with Retry-After: 1 (a valid token would otherwise be refused with 401).
    std::atomic<bool> starting { false };
    std::atomic<int> activeConnections { 0 };
    std::atomic<quint64> backpressurePauses { 0 }; // times a slow client made us stop reading upstream
    std::atomic<quint64> deniedConnections { 0 }; // closed unread by security.allowCidrs / denyCidrs
    std::atomic<quint64> unauthenticated { 0 }; // 401: no or no valid access token
    std::atomic<quint64> rateLimited { 0 }; // 429 from our own limits (not Google's)
    // Connection pressure (listen.maxConnections reached): idle or slow-header connections closed to make room,
    // and new connections refused with 503 because nothing could be closed.
    std::atomic<quint64> evictedConnections { 0 };
    std::atomic<quint64> refusedConnections { 0 };
    std::atomic<quint64> acceptErrors { 0 }; // accept() failed (out of file descriptors, say); retried shortly
    std::atomic<qint64> lastPressureLogMs { 0 }; // when connection pressure was last logged (rate limit)
    std::atomic<qint64> tlsNotAfterSecs { 0 }; // the HTTPS certificate in service ends then; 0: none
    // Cluster mode, kept up to date by the service: 0 off, 1 connecting, 2 connected, 3 down (Redis unreachable:
    // this node goes on with its own state); the event counters for /metrics.
    std::atomic<int> clusterState { 0 };
    std::atomic<quint64> clusterPublished { 0 };
    std::atomic<quint64> clusterReceived { 0 };
    std::atomic<quint64> clusterReconnects { 0 };
};

// What one worker counts itself: only its thread writes them, with a plain load and store (WorkerCounters::add), not
// the locked add every worker's shared count took (a full barrier on x86: ~20 ns each under load, perf-atomics.sh);
// anyone reads them, and the server sums its workers'. A cache line each, so workers do not share one.
struct alignas(64) WorkerCounters
{
    std::atomic<int> requestsInFlight { 0 }; // requests read and not yet fully answered (idle keep-alive: not)
    std::atomic<quint64> clientReads { 0 }; // reads from client sockets (a head in tiny pieces is gathered)

    template<typename T>
    static void add(std::atomic<T> &counter, T by) // on the owning worker's thread only
    {
        counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
    }
};

// Builds the settings; `error` names what is wrong (an unreadable CA bundle, say) and the result is null.
// `proxyPassword`: the password of upstream.proxy's user, from the secret store (upstream/proxylogin.h); the config
// file never holds it.
SettingsPtr settingsFromConfig(const config::Config &config, QString *error, const QString &proxyPassword = {});

} // namespace ga::proxy
