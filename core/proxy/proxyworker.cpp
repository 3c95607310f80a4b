// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/proxyworker.h"

#include "logging/logging.h"
#include "proxy/clientconnection.h"

#include <QDeadlineTimer>
#include <QThread>

namespace ga::proxy {

namespace {
constexpr int kSweepIntervalMs = 100;
}

ProxyWorker::ProxyWorker(keys::KeyPool *keys, routing::Router *router, affinity::ResourceMap *resources,
    ProxyCounters *counters, security::Authenticator *auth, security::RateLimiter *limiter, metrics::Recorder *recorder,
    std::atomic<admin::Handler *> *admin, QObject *parent)
    : QObject(parent)
    , m_keys(keys)
    , m_router(router)
    , m_resources(resources)
    , m_counters(counters)
    , m_auth(auth)
    , m_limiter(limiter)
    , m_recorder(recorder)
    , m_admin(admin)
    , m_settings(std::make_shared<ProxySettings>())
    , m_pool(new UpstreamPool(this))
{ }

ProxyWorker::~ProxyWorker()
{
    for (ClientConnection *c : m_connections) {
        c->disconnect(this);
    }
}

void ProxyWorker::adoptSocket(qintptr descriptor)
{
    QMetaObject::invokeMethod(
        this, [this, descriptor] { addConnection(descriptor); }, Qt::QueuedConnection);
}

void ProxyWorker::applySettings(SettingsPtr settings)
{
    QMetaObject::invokeMethod(
        this,
        [this, settings] {
            const bool upstreamChanged = !m_settings || m_settings->upstream.host != settings->upstream.host
                || m_settings->upstream.port != settings->upstream.port
                || m_settings->upstream.tls != settings->upstream.tls
                || m_settings->upstream.proxy != settings->upstream.proxy;
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
                c->disconnect(this);
                delete c;
            }
            m_counters->activeConnections.fetch_sub(int(m_connections.size()));
            m_connections.clear();
            m_pool->clear();
        },
        Qt::BlockingQueuedConnection);
}

void ProxyWorker::addConnection(qintptr descriptor)
{
    if (!m_sweeper) {
        m_sweeper = new QTimer(this);
        m_sweeper->setInterval(kSweepIntervalMs);
        connect(m_sweeper, &QTimer::timeout, this, &ProxyWorker::sweep);
        m_sweeper->start();
    }
    auto *c = new ClientConnection(descriptor, this);
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
    connect(c, &ClientConnection::closed, this, &ProxyWorker::onClosed);
    if (active > m_settings->maxConnections) {
        c->refuse(QStringLiteral("The proxy has %1 open connections, its limit (listen.maxConnections); retry shortly.")
                      .arg(m_settings->maxConnections));
    }
}

void ProxyWorker::onClosed(ClientConnection *connection)
{
    if (m_connections.erase(connection) > 0) {
        m_counters->activeConnections.fetch_sub(1);
    }
    connection->deleteLater();
}

void ProxyWorker::sweep()
{
    const qint64 now = QDeadlineTimer::current().deadline();
    // Deadlines may close connections (and so change the set): iterate over a copy.
    const std::vector<ClientConnection *> all(m_connections.begin(), m_connections.end());
    for (ClientConnection *c : all) {
        if (m_connections.count(c)) {
            c->checkTimeouts(now);
        }
    }
}

} // namespace ga::proxy
