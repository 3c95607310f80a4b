// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourcemap.h"
#include "keys/keypool.h"
#include "proxy/adminport.h"
#include "proxy/epolldispatcher.h"
#include "proxy/proxysettings.h"
#include "proxy/upstreampool.h"
#include "routing/router.h"
#include "security/ratelimiter.h"

#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>

#include <atomic>
#include <memory>
#include <unordered_set>
#include <vector>

namespace ga::metrics {
class Recorder;
}

namespace ga::security {
class Authenticator;
class RateLimiter;
} // namespace ga::security

namespace ga::acme {
class ChallengeStore;
}

namespace ga::proxy {

class ClientConnection;
class Forwarder;

// How many times a worker handed the heap's freed memory back to the OS (returnFreedHeap()), all workers (tests).
quint64 heapTrims();

// One event-loop thread's share of the proxy: its client connections, its upstream pool, and one
// sweeper timer for every deadline (header read, keep-alive idle, connect, first byte, stream idle). The sweeper
// runs only while there are connections: every 100 ms while one of them is doing something, and only at the
// first keep-alive timeout while all are idle. An idle proxy does not wake up.
class ProxyWorker final : public QObject, private TurnTask
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyWorker)

public:
    ProxyWorker(keys::KeyPool *keys, routing::Router *router, affinity::ResourceMap *resources, ProxyCounters *counters,
        WorkerCounters *own, security::Authenticator *auth, security::RateLimiter *limiter, metrics::Recorder *recorder,
        std::atomic<AdminHandler *> *admin, std::atomic<const acme::ChallengeStore *> *challenges,
        QObject *parent = nullptr);
    ~ProxyWorker() override;

    // Thread-safe entry points (queued onto the worker's thread).
    // `tls`: the HTTPS listener's configuration in force when it was accepted (null: plain HTTP).
    void adoptSocket(qintptr descriptor, std::shared_ptr<const QSslConfiguration> tls = {});
    void applySettings(SettingsPtr settings);
    void shutdown();

    SettingsPtr settings() const { return m_settings; }
    UpstreamPool *pool() { return m_pool; }
    keys::KeyPool *keys() { return m_keys; }
    routing::Router *router() { return m_router; }
    affinity::ResourceMap *resources() { return m_resources; }
    ProxyCounters *counters() { return m_counters; }
    WorkerCounters *ownCounters() { return m_own; } // written on this worker's thread only
    security::Authenticator *authenticator() { return m_auth; }
    security::RateLimiter *rateLimiter() { return m_limiter; }
    metrics::Recorder *recorder() { return m_recorder; }
    AdminHandler *adminHandler() { return m_admin->load(); }
    // The ACME HTTP-01 answers (null: no ACME).
    const acme::ChallengeStore *acmeChallenges() { return m_challenges->load(); }
    // A connection has work with deadlines finer than a second (a request arrives): the sweeper runs at its
    // fine interval again. Cheap when it already does.
    void wakeSweeper();
    // Increases with every call: the order in which this worker's connections began waiting.
    quint64 nextWaitingOrder() { return ++m_waitingOrder; }
    // What the rate limiter limits for `client` (a token's name when `named`) at `peer` under `settings`: its keys,
    // labels and limits (the token's own or the per-token ones, then the per-address ones), made when the client,
    // the address or the settings differ from the last request's on this worker, not four strings and a hash lookup
    // per request; kept here, not per connection (a held stream would carry them).
    const std::vector<security::RateLimiter::Subject> &limitSubjects(
        const SettingsPtr &settings, const QString &client, bool named, const QString &peer);
    // `address` as text: the last one formatted is kept, and connections from it share its string (a client opens
    // its connections from one address; each held stream would otherwise carry a copy).
    QString peerText(const QHostAddress &address);
    // A request's method and path as the record's text: the common methods are constants, and the last path is kept
    // (a client sends the same few again and again), so most requests convert and allocate neither.
    static QString methodText(QByteArrayView method);
    QString pathText(QByteArrayView path);
    // A request's model (UTF-8) as text, the last one kept likewise.
    QString modelText(QByteArrayView model);
    // security::hostAllowed() for a request's Host under `settings`, the last answer kept: nearly every request names
    // the host the one before did, and the check (trimming, a port, an address parsed) was ~280 instructions a
    // request (profile.sh).
    bool hostAllowed(QByteArrayView host, const SettingsPtr &settings);

protected:
    bool event(QEvent *event) override;

private:
    friend class ClientConnection; // onClosed(), retire()

    void addConnection(qintptr descriptor, const std::shared_ptr<const QSslConfiguration> &tls);
    // At listen.maxConnections: closes the waiting connection that matters least, or refuses `fresh`.
    void makeRoomFor(ClientConnection *fresh);
    void logPressure();
    void sweep();
    // A connection ended (called by it, once): forgotten, deleted later.
    void onClosed(ClientConnection *connection);
    // An exchange that ended, maybe inside its own call: deleted at the start of the event loop's next turn (a
    // QObject's deleteLater() was an event, and a QObject, each): one turn task for all that end in a turn under the
    // worker dispatcher (runAtNextTurn()), else one posted event.
    void retire(std::unique_ptr<Forwarder> forwarder);
    void nextTurn() override; // the retired ones go
    void dropRetired();
    void returnFreedMemory();
    static void trimHeap();
    // A new upstream TLS connection (UpstreamPool::tlsOpened) and, once a burst of them has settled, the trim below.
    void upstreamOpened();
    void burstSettled();
    static void returnFreedHeap();

    keys::KeyPool *m_keys;
    routing::Router *m_router;
    affinity::ResourceMap *m_resources;
    ProxyCounters *m_counters;
    WorkerCounters *m_own;
    security::Authenticator *m_auth;
    security::RateLimiter *m_limiter;
    metrics::Recorder *m_recorder;
    std::atomic<AdminHandler *> *m_admin;
    std::atomic<const acme::ChallengeStore *> *m_challenges;
    SettingsPtr m_settings;
    // A child (not a member) so that moveToThread() takes it along: its connections must run on this thread.
    UpstreamPool *m_pool;
    std::unordered_set<ClientConnection *> m_connections;
    QTimer *m_sweeper = nullptr;
    // Connections at once since memory was last returned to the OS; when this many have come and gone, the freed
    // memory is handed back (returnFreedMemory).
    static constexpr size_t kTrimAfterConnections = 64;
    static constexpr int kTrimDelayMs = 1000;
    size_t m_peakSinceTrim = 0;
    // Upstream TLS connections opened since the last trim while streams stay open. A burst of them (a thousand
    // streams starting at once) leaves holes: each handshake's buffers, tens of kilobytes, are freed when it ends,
    // between the few kilobytes each connection keeps. malloc_trim() gives the holes' pages back (1,000 TLS streams:
    // 76 MB resident, 51 MB after one trim of 3 ms) once no connection has opened for kTrimDelayMs, or
    // kBurstTrimMaxMs after the burst began if they go on opening. Plain HTTP leaves nothing to return (1,000
    // streams: 35.3 MB before and after): not trimmed.
    static constexpr int kBurstTrimMaxMs = 5000;
    size_t m_openedSinceTrim = 0;
    qint64 m_burstStartMs = 0;
    qint64 m_lastOpenedMs = 0;
    quint64 m_waitingOrder = 0;
    std::vector<security::RateLimiter::Subject> m_limitSubjects; // limitSubjects(), for:
    SettingsPtr m_limitSettings; // held: a new object at the old one's address is not taken for it
    QString m_limitClient;
    QString m_limitPeer;
    QHostAddress m_lastPeer;
    QString m_lastPeerText;
    QByteArray m_lastPath; // pathText(): the bytes, and their text
    QString m_lastPathText;
    QByteArray m_lastModel; // modelText(): the bytes, and their text
    QString m_lastModelText;
    // hostAllowed(): the bytes, the settings (held: a new object at the old one's address is not taken for it), and
    // the answer.
    QByteArray m_lastHost;
    SettingsPtr m_lastHostSettings;
    bool m_lastHostAllowed = false;
    bool m_limitNamed = false;
    std::vector<std::unique_ptr<Forwarder>> m_retired; // see retire()
};

} // namespace ga::proxy
