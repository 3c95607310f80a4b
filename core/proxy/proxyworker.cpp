// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/proxyworker.h"

#include "http/search.h"
#include "logging/logging.h"
#include "memory/recycler.h"
#include "proxy/clientconnection.h"
#include "proxy/clock.h"
#include "security/browserguard.h"
#include "text/permanent.h"

#include <QCoreApplication>
#include <QEvent>
#include <QHash>
#include <QHostAddress>
#include <QThread>

#include <algorithm>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace ga::proxy {

namespace {
std::atomic<quint64> g_heapTrims { 0 };
constexpr int kSweepIntervalMs = 100;
// Only idle keep-alive connections: the sweeper sleeps until the first of their timeouts (at most this long).
constexpr qint64 kIdleSweepMaxMs = 60'000;
} // namespace

ProxyWorker::ProxyWorker(keys::KeyPool *keys, routing::Router *router, affinity::ResourceMap *resources,
    ProxyCounters *counters, WorkerCounters *own, security::Authenticator *auth, security::RateLimiter *limiter,
    metrics::Recorder *recorder, std::atomic<AdminHandler *> *admin,
    std::atomic<const acme::ChallengeStore *> *challenges, QObject *parent)
    : QObject(parent)
    , m_keys(keys)
    , m_router(router)
    , m_resources(resources)
    , m_counters(counters)
    , m_own(own)
    , m_auth(auth)
    , m_limiter(limiter)
    , m_recorder(recorder)
    , m_admin(admin)
    , m_challenges(challenges)
    , m_settings(std::make_shared<ProxySettings>())
    , m_pool(new UpstreamPool(this))
{
    connect(m_pool, &UpstreamPool::idleExpired, this, [this](qsizetype count) {
        if (size_t(count) >= kTrimAfterConnections / 4) { // what a burst left in the pool: its memory goes back too
            QTimer::singleShot(kTrimDelayMs, this, [] { trimHeap(); });
        }
    });
    connect(m_pool, &UpstreamPool::tlsOpened, this, &ProxyWorker::upstreamOpened);
}

ProxyWorker::~ProxyWorker()
{
    cancelNextTurn(this);
}

void ProxyWorker::adoptSocket(qintptr descriptor, std::shared_ptr<const QSslConfiguration> tls)
{
    QMetaObject::invokeMethod(
        this, [this, descriptor, tls = std::move(tls)] { addConnection(descriptor, tls); }, Qt::QueuedConnection);
}

void ProxyWorker::applySettings(SettingsPtr settings)
{
    QMetaObject::invokeMethod(
        this,
        [this, settings] {
            const bool upstreamChanged = !m_settings || m_settings->upstream.host != settings->upstream.host
                || m_settings->upstream.port != settings->upstream.port
                || m_settings->upstream.tls != settings->upstream.tls
                || m_settings->upstream.proxy != settings->upstream.proxy
                // a connection made under other trust settings is not used again (one to a server no longer
                // trusted stayed in use while traffic kept it from going idle)
                || m_settings->upstream.extraCaCertificates != settings->upstream.extraCaCertificates
                // idle sockets keep the deadline they were given: a new timeout starts from a fresh pool
                || m_settings->upstream.idleConnectionTimeoutMs != settings->upstream.idleConnectionTimeoutMs;
            m_settings = settings;
            if (upstreamChanged) {
                m_pool->clear();
            }
        },
        Qt::QueuedConnection);
}

void ProxyWorker::shutdown()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_sweeper) {
                m_sweeper->stop();
            }
            const auto connections = m_connections;
            for (ClientConnection *c : connections) {
                delete c; // tells the worker nothing (onClosed() is called only from a socket's disconnect)
            }
            m_counters->activeConnections.fetch_sub(int(m_connections.size()));
            m_connections.clear();
            m_pool->clear();
        },
        Qt::BlockingQueuedConnection);
}

void ProxyWorker::addConnection(qintptr descriptor, const std::shared_ptr<const QSslConfiguration> &tls)
{
    if (!m_sweeper) {
        m_sweeper = new QTimer(this);
        connect(m_sweeper, &QTimer::timeout, this, &ProxyWorker::sweep);
    }
    wakeSweeper(); // the new connection's head deadline
    auto *c = new ClientConnection(descriptor, this, tls.get());
    if (!c->isValid()) {
        delete c;
        return;
    }
    if (!m_settings->ipRules.allows(c->peerAddress())) {
        // security.allowCidrs / denyCidrs: closed before a byte is read.
        m_counters->deniedConnections.fetch_add(1, std::memory_order_relaxed);
        qCDebug(lcSecurity).noquote() << "closed a connection from" << c->peerAddress().toString()
                                      << "(security.allowCidrs / denyCidrs)";
        c->abortUnread();
        delete c;
        return;
    }
    const int active = m_counters->activeConnections.fetch_add(1) + 1;
    m_connections.insert(c);
    m_peakSinceTrim = std::max(m_peakSinceTrim, m_connections.size());
    if (active > m_settings->maxConnections) {
        makeRoomFor(c);
    }
}

// At the connection limit a new connection is not simply refused: that would let anyone who holds idle or
// half-sent connections (a slowloris, a reconnecting flood) lock out every good client. Instead the connection
// that is costing the least to lose goes: from the address holding the most waiting connections (so one
// address cannot crowd out the others), one that never finished a request before one that did, the longest
// waiting first. A connection with a request running is never touched. Only when none is waiting here is
// the new one refused, with 503 and Retry-After.
void ProxyWorker::makeRoomFor(ClientConnection *fresh)
{
    QHash<QHostAddress, int> waitingPerAddress;
    for (ClientConnection *c : m_connections) {
        if (c != fresh && c->isEvictable()) {
            ++waitingPerAddress[c->peerAddress()];
        }
    }
    ClientConnection *victim = nullptr;
    auto worse = [&](ClientConnection *a, ClientConnection *b) { // does `a` go before `b`?
        const int ca = waitingPerAddress.value(a->peerAddress());
        const int cb = waitingPerAddress.value(b->peerAddress());
        if (ca != cb) {
            return ca > cb;
        }
        if (a->hasServed() != b->hasServed()) {
            return !a->hasServed();
        }
        return a->waitingOrder() < b->waitingOrder(); // the longest waiting (milliseconds tie under load)
    };
    for (ClientConnection *c : m_connections) {
        if (c != fresh && c->isEvictable() && (!victim || worse(c, victim))) {
            victim = c;
        }
    }
    if (victim) {
        m_counters->evictedConnections.fetch_add(1, std::memory_order_relaxed);
        victim->evict();
    } else {
        m_counters->refusedConnections.fetch_add(1, std::memory_order_relaxed);
        fresh->refuse(QStringLiteral("The proxy has %1 open connections, its limit (listen.maxConnections), and "
                                     "all of them are in use; retry shortly.")
                          .arg(m_settings->maxConnections));
    }
    logPressure();
}

void ProxyWorker::logPressure()
{
    // One line per 10 s at most (for every worker together): a flood must not flood the log too.
    constexpr qint64 kEveryMs = 10'000;
    const qint64 now = nowMs();
    qint64 last = m_counters->lastPressureLogMs.load(std::memory_order_relaxed);
    if (now - last < kEveryMs
        || !m_counters->lastPressureLogMs.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
        return;
    }
    qCWarning(lcProxy).noquote() << QStringLiteral(
        "at the connection limit (listen.maxConnections %1): %2 waiting connection(s) closed to "
        "make room and %3 refused with 503 so far")
                                        .arg(m_settings->maxConnections)
                                        .arg(m_counters->evictedConnections.load(std::memory_order_relaxed))
                                        .arg(m_counters->refusedConnections.load(std::memory_order_relaxed));
}

void ProxyWorker::onClosed(ClientConnection *connection)
{
    if (m_connections.erase(connection) > 0) {
        m_counters->activeConnections.fetch_sub(1);
    }
    connection->deleteLater();
    if (m_connections.empty() && m_sweeper) {
        m_sweeper->stop(); // nothing can expire
    }
    if (m_connections.empty() && m_peakSinceTrim >= kTrimAfterConnections) {
        m_peakSinceTrim = 0;
        // A moment later: the connections and their upstream sockets are deleted in steps (deferred deletes that
        // post more of them), and a new burst may follow at once.
        QTimer::singleShot(kTrimDelayMs, this, &ProxyWorker::returnFreedMemory);
    }
}

void ProxyWorker::returnFreedMemory()
{
    if (!m_connections.empty()) {
        return; // busy again
    }
    trimHeap();
}

void ProxyWorker::trimHeap()
{
    // The blocks this worker kept for its next requests (memory/recycler.h) first: spread over the burst's heap, each
    // would keep its page resident.
    memory::releaseKeptBlocks();
    returnFreedHeap();
}

quint64 heapTrims()
{
    return g_heapTrims.load(std::memory_order_relaxed);
}

void ProxyWorker::returnFreedHeap()
{
    g_heapTrims.fetch_add(1, std::memory_order_relaxed);
#ifdef __GLIBC__
    // glibc keeps what was freed in its arenas (one per thread that allocates); after a burst of connections that
    // is most of the peak. Handing it back to the OS brings the resident size back near idle.
    malloc_trim(0);
#endif
}

void ProxyWorker::upstreamOpened()
{
    m_lastOpenedMs = nowMs();
    if (++m_openedSinceTrim == kTrimAfterConnections) {
        m_burstStartMs = m_lastOpenedMs;
        QTimer::singleShot(kTrimDelayMs, this, &ProxyWorker::burstSettled);
    }
}

void ProxyWorker::burstSettled()
{
    const qint64 now = nowMs();
    const qint64 quiet = now - m_lastOpenedMs;
    if (quiet < kTrimDelayMs && now - m_burstStartMs < kBurstTrimMaxMs) {
        QTimer::singleShot(int(kTrimDelayMs - quiet), this, &ProxyWorker::burstSettled); // still opening
        return;
    }
    m_openedSinceTrim = 0;
    // Only the heap's free pages: the blocks this worker keeps stay, as its streams go on using them.
    returnFreedHeap();
}

void ProxyWorker::wakeSweeper()
{
    if (m_sweeper && (m_sweeper->interval() != kSweepIntervalMs || !m_sweeper->isActive())) {
        m_sweeper->start(kSweepIntervalMs);
    }
}

void ProxyWorker::sweep()
{
    const qint64 now = nowMs();
    // Deadlines may close connections (and so change the set): iterate over a copy.
    const std::vector<ClientConnection *> all(m_connections.begin(), m_connections.end());
    bool busy = false;
    qint64 next = now + kIdleSweepMaxMs; // the first idle timeout
    for (ClientConnection *c : all) {
        if (m_connections.count(c)) {
            c->checkTimeouts(now);
            busy = busy || !c->isIdle();
            if (c->deadline() > 0) {
                next = std::min(next, c->deadline());
            }
        }
    }
    if (m_connections.empty()) {
        m_sweeper->stop();
        return;
    }
    const int interval
        = busy ? kSweepIntervalMs : int(std::clamp<qint64>(next - now + 1, kSweepIntervalMs, kIdleSweepMaxMs));
    if (m_sweeper->interval() != interval) {
        m_sweeper->start(interval);
    }
}

namespace {
QEvent::Type retiredEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}
} // namespace

void ProxyWorker::retire(std::unique_ptr<Forwarder> forwarder)
{
    if (!forwarder) {
        return;
    }
    if (m_retired.empty() && !runAtNextTurn(this)) {
        QCoreApplication::postEvent(this, new QEvent(retiredEventType()));
    }
    m_retired.push_back(std::move(forwarder));
}

void ProxyWorker::nextTurn()
{
    dropRetired();
}

void ProxyWorker::dropRetired()
{
    std::vector<std::unique_ptr<Forwarder>> retired;
    retired.swap(m_retired);
    retired.clear(); // one that retired another while going (none does) asked for a turn of its own
    if (m_retired.empty()) {
        m_retired.swap(retired); // the storage stays for the next turn
    }
}

bool ProxyWorker::event(QEvent *event)
{
    if (event->type() != retiredEventType()) {
        return QObject::event(event);
    }
    dropRetired();
    return true;
}

QString ProxyWorker::peerText(const QHostAddress &address)
{
    if (m_lastPeerText.isEmpty() || address != m_lastPeer) {
        m_lastPeer = address;
        m_lastPeerText = text::intern(address.toString(), text::Origin::Client); // copied into every record (text/)
    }
    return m_lastPeerText;
}

QString ProxyWorker::methodText(QByteArrayView method)
{
    if (http::equals(method, "POST")) {
        return QStringLiteral("POST");
    }
    if (http::equals(method, "GET")) {
        return QStringLiteral("GET");
    }
    if (http::equals(method, "DELETE")) {
        return QStringLiteral("DELETE");
    }
    if (http::equals(method, "PATCH")) {
        return QStringLiteral("PATCH");
    }
    return QString::fromLatin1(method);
}

QString ProxyWorker::pathText(QByteArrayView path)
{
    // The bytes compared, not the text: a comparison of UTF-16 with Latin-1 is a call into Qt.
    if (m_lastPathText.isEmpty() || !http::equals(m_lastPath, path)) {
        m_lastPath = path.toByteArray();
        m_lastPathText = text::intern(QString::fromLatin1(path), text::Origin::Client);
    }
    return m_lastPathText;
}

QString ProxyWorker::modelText(QByteArrayView model)
{
    if (model.isEmpty()) {
        return QString();
    }
    if (!http::equals(m_lastModel, model)) {
        m_lastModel = model.toByteArray();
        m_lastModelText = text::intern(QString::fromUtf8(model), text::Origin::Client);
    }
    return m_lastModelText;
}

bool ProxyWorker::hostAllowed(QByteArrayView host, const SettingsPtr &settings)
{
    if (settings != m_lastHostSettings || !http::equals(m_lastHost, host)) {
        m_lastHostAllowed = security::hostAllowed(host, settings->allowedHosts);
        m_lastHost = host.toByteArray();
        m_lastHostSettings = settings;
    }
    return m_lastHostAllowed;
}

const std::vector<security::RateLimiter::Subject> &ProxyWorker::limitSubjects(
    const SettingsPtr &settings, const QString &client, bool named, const QString &peer)
{
    if (m_limitSubjects.size() != 2 || m_limitSettings != settings || m_limitNamed != named || m_limitClient != client
        || m_limitPeer != peer) {
        m_limitSubjects.clear();
        const auto own = named ? settings->tokenLimits.constFind(client) : settings->tokenLimits.constEnd();
        m_limitSubjects.push_back(
            { QStringLiteral("token:") + client, named ? QStringLiteral("token '") + client + u'\'' : client,
                own != settings->tokenLimits.constEnd() ? *own : settings->perTokenLimits });
        m_limitSubjects.push_back(
            { QStringLiteral("address:") + peer, QStringLiteral("address ") + peer, settings->perAddressLimits });
        m_limitSettings = settings;
        m_limitClient = client;
        m_limitPeer = peer;
        m_limitNamed = named;
    }
    return m_limitSubjects;
}

} // namespace ga::proxy
