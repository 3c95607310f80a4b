// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourcemap.h"
#include "keys/keypool.h"
#include "metrics/recorder.h"
#include "proxy/adminport.h"
#include "proxy/proxysettings.h"
#include "routing/router.h"
#include "security/authenticator.h"
#include "security/ratelimiter.h"

#include <QHostAddress>
#include <QMutex>
#include <QObject>
#include <QSslConfiguration>

#include <atomic>
#include <deque>
#include <memory>
#include <vector>

class QThread;

class QTcpServer;

namespace ga::acme {
class ChallengeStore;
}

namespace ga::proxy {

class ProxyWorker;

// The listener and its worker threads. Accepting happens on the first worker's thread; every socket is
// handed to a worker thread, round-robin, and lives there until it closes. Rebinding to a new address
// opens the new listener before closing the old one and never touches open connections.
class ProxyServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyServer)

public:
    // Connections the kernel and the listener queue before they are accepted.
    static constexpr int kListenBacklog = 4096;

    // workers = 0: defaultWorkerCount().
    // `router` may be null: every request then goes direct (routing.mode local).
    // `resources` may be null: the server keeps its own (not saved anywhere).
    explicit ProxyServer(keys::KeyPool *keys, int workers = 0, routing::Router *router = nullptr,
        affinity::ResourceMap *resources = nullptr, QObject *parent = nullptr);
    ~ProxyServer() override;

    // Listens on host:port (port 0 = any free port). When already listening elsewhere, switches over
    // only once the new address is bound. Returns false with a one-sentence reason. For 127.0.0.1 and
    // localhost it also listens on ::1 (same port) where IPv6 is available.
    bool listen(const QString &host, quint16 port, QString *error);
    void close(); // both listeners
    // Whether host:port can be bound right now (checked by binding and releasing it); false with the reason.
    static bool canListen(const QString &host, quint16 port, QString *error);
    bool isListening() const;
    QHostAddress address() const;
    quint16 port() const;

    // The HTTPS listener beside the HTTP one (same host, its own port; ::1 too for loopback), serving the TLS
    // configuration in force when each connection arrives: setTlsConfiguration() swaps it for new connections
    // without touching open ones (streams and Live sessions go on with the certificate they began with).
    bool listenTls(const QString &host, quint16 port, QString *error);
    void closeTls();
    quint16 tlsPort() const;
    void setTlsConfiguration(std::shared_ptr<const QSslConfiguration> configuration);
    std::shared_ptr<const QSslConfiguration> tlsConfiguration() const;

    void applySettings(SettingsPtr settings);
    SettingsPtr settings() const { return m_settings; } // the last applied (on the owner's thread)
    keys::KeyPool *keys() { return m_keys; }
    routing::Router *router() { return m_router; }
    int activeConnections() const { return m_counters.activeConnections.load(); }
    // While starting, only /, /healthz and /readyz (503) answer as usual; everything else gets 503 with
    // Retry-After: 1. The owner sets it before listening and clears it once keys, tokens and relays are in force.
    // Off by default (a server whose owner sets everything before listening).
    void setStarting(bool starting) { m_counters.starting.store(starting, std::memory_order_release); }
    bool isStarting() const { return m_counters.starting.load(std::memory_order_acquire); }
    const ProxyCounters &counters() const { return m_counters; }
    // The workers' own counts, summed (WorkerCounters).
    int requestsInFlight() const;
    quint64 clientReads() const;
    // Cluster mode's state for /readyz and /metrics (ProxyCounters::cluster*; the state: 0 off … 3 down).
    void setClusterState(int state, quint64 published, quint64 received, quint64 reconnects)
    {
        m_counters.clusterState.store(state, std::memory_order_relaxed);
        m_counters.clusterPublished.store(published, std::memory_order_relaxed);
        m_counters.clusterReceived.store(received, std::memory_order_relaxed);
        m_counters.clusterReconnects.store(reconnects, std::memory_order_relaxed);
    }
    // Who may use the proxy; empty (everyone refused) until tokens are set. Thread-safe.
    security::Authenticator *authenticator() { return &m_auth; }
    security::RateLimiter *rateLimiter() { return &m_limiter; }
    // Every finished request: metrics, request history, access log. Thread-safe.
    metrics::Recorder *recorder() { return &m_recorder; }
    // Who owns each file, cached content, batch and upload session. Thread-safe.
    affinity::ResourceMap *resources() { return m_resources; }
    // Who serves /admin/api/v1/ (null: 503). Not owned; must outlive the server or be reset first.
    void setAdminHandler(AdminHandler *handler) { m_admin.store(handler); }
    // Who answers /.well-known/acme-challenge/ (ACME HTTP-01) on both listeners; null: 404. Not owned.
    void setAcmeChallenges(const acme::ChallengeStore *challenges) { m_challenges.store(challenges); }
    int workerCount() const { return int(m_workers.size()); }
    // Half the CPU cores, at least one: the proxy shares the machine with its clients (README.md, "Workers").
    static int defaultWorkerCount();

private:
    class Listener;
    void dispatch(qintptr descriptor, bool tls);

    keys::KeyPool *m_keys;
    std::unique_ptr<routing::Router> m_ownRouter; // when none was given
    routing::Router *m_router;
    struct Listeners
    {
        std::unique_ptr<Listener> v4;
        std::unique_ptr<Listener> v6; // ::1 beside 127.0.0.1, so "localhost" works whichever it resolves to
    };
    // Binds `slot` to host:port (switching over only once the new address is bound), on the first worker's thread.
    bool bindListeners(Listeners &slot, bool tls, const QString &host, quint16 port, QString *error);
    Listeners m_plain;
    Listeners m_secure; // HTTPS
    std::vector<QThread *> m_threads;
    std::vector<ProxyWorker *> m_workers;
    ProxyCounters m_counters;
    std::deque<WorkerCounters> m_workerCounters; // one per worker, never moved
    security::Authenticator m_auth;
    security::RateLimiter m_limiter;
    metrics::Recorder m_recorder;
    std::unique_ptr<affinity::ResourceMap> m_ownResources; // when none was given
    affinity::ResourceMap *m_resources;
    std::atomic<AdminHandler *> m_admin { nullptr };
    std::atomic<const acme::ChallengeStore *> m_challenges { nullptr };
    SettingsPtr m_settings;
    size_t m_next = 0; // touched on the listener's thread only
    mutable QMutex m_addressMutex;
    QHostAddress m_address;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    std::shared_ptr<const QSslConfiguration> m_tls; // under m_addressMutex
};

} // namespace ga::proxy
