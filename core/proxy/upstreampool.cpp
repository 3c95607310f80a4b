// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/upstreampool.h"

#include "logging/logging.h"
#include "proxy/clock.h"

#include <QSslConfiguration>
#include <QSslSocket>

#include <algorithm>
#include <limits>

namespace ga::proxy {

UpstreamPool::UpstreamPool(QObject *parent)
    : QObject(parent)
{
    m_expiry.setSingleShot(true);
    m_expiry.setTimerType(Qt::CoarseTimer);
    connect(&m_expiry, &QTimer::timeout, this, &UpstreamPool::expireIdle);
}

UpstreamPool::~UpstreamPool()
{
    clear();
}

UpstreamPool::Endpoint UpstreamPool::endpointOf(const UpstreamSettings &s)
{
    Endpoint e;
    e.tls = s.tls;
    e.host = s.host;
    e.port = s.port;
    if (s.proxy.type() != QNetworkProxy::NoProxy) {
        e.proxyType = s.proxy.type();
        e.proxyHost = s.proxy.hostName();
        e.proxyPort = s.proxy.port();
    }
    return e;
}

bool UpstreamPool::sameEndpoint(const Endpoint &e, const UpstreamSettings &s)
{
    if (e.tls != s.tls || e.port != s.port || e.host != s.host || e.proxyType != s.proxy.type()) {
        return false;
    }
    return e.proxyType == QNetworkProxy::NoProxy
        || (e.proxyPort == s.proxy.port() && e.proxyHost == s.proxy.hostName());
}

UpstreamPool::Lease *UpstreamPool::acquire(const UpstreamSettings &settings, User *user, bool *reused)
{
    // Most recently used first: the freshest connection is the least likely to have been closed.
    for (auto it = m_idle.rbegin(); it != m_idle.rend(); ++it) {
        if (!sameEndpoint(it->lease->m_endpoint, settings)) {
            continue;
        }
        Lease *lease = it->lease;
        m_idle.erase(std::next(it).base());
        QTcpSocket *socket = lease->socket();
        if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0) {
            lease->m_user = user;
            *reused = true;
            return lease;
        }
        discard(lease); // closed by the server, or stray bytes: not safe to reuse
        return acquire(settings, user, reused);
    }
    *reused = false;
    Lease *lease = open(settings);
    lease->m_user = user;
    if (auto *ssl = qobject_cast<QSslSocket *>(lease->socket())) {
        ssl->connectToHostEncrypted(settings.host, settings.port);
    } else {
        lease->socket()->connectToHost(settings.host, settings.port);
    }
    return lease;
}

QTcpSocket *UpstreamPool::newSocket(const UpstreamSettings &settings, const QByteArray &tlsSession)
{
    QTcpSocket *socket = nullptr;
    if (settings.tls) {
        auto *ssl = new QSslSocket;
        QSslConfiguration conf = upstream::sslConfiguration(settings);
        conf.setAllowedNextProtocols({ QSslConfiguration::NextProtocolHttp1_1 });
        // The session is kept in the configuration (to be read for the next connection), and one is resumed.
        conf.setSslOption(QSsl::SslOptionDisableSessionPersistence, false);
        if (!tlsSession.isEmpty()) {
            conf.setSessionTicket(tlsSession);
        }
        ssl->setSslConfiguration(conf);
        socket = ssl;
    } else {
        socket = new QTcpSocket;
    }
    socket->setProxy(settings.proxy);
    socket->setReadBufferSize(256 * 1024); // bounded: a paused reader pushes back on the upstream via TCP
    return socket;
}

QTcpSocket *UpstreamPool::newResumingSocket(const UpstreamSettings &settings)
{
    if (!settings.tls) {
        return newSocket(settings);
    }
    auto *ssl = static_cast<QSslSocket *>(newSocket(settings, tlsSessionFor(settings)));
    // The session to resume next time: TLS 1.2 has it when the handshake ends, TLS 1.3 in a ticket the server sends
    // after it. The pool is the context: the socket may outlive it.
    auto keep = [this, ssl, endpoint = endpointOf(settings), extraCas = settings.extraCaCertificates] {
        keepTlsSession(endpoint, extraCas, ssl->sslConfiguration().sessionTicket());
    };
    connect(ssl, &QSslSocket::encrypted, this, keep);
    connect(ssl, &QSslSocket::newSessionTicketReceived, this, keep);
    return ssl;
}

UpstreamPool::Lease *UpstreamPool::open(const UpstreamSettings &settings)
{
    ++m_opened;
    QTcpSocket *socket = newResumingSocket(settings);
    auto *lease = new Lease(socket, endpointOf(settings));
    connect(socket, &QIODevice::readyRead, socket, [lease] {
        if (lease->m_user) {
            lease->m_user->socketReadyRead();
        } else if (!lease->m_discarded) {
            lease->socket()->abort(); // a byte on an idle connection: it must not be read as the next answer
        }
    });
    connect(socket, &QAbstractSocket::disconnected, socket, [this, lease] {
        if (lease->m_user) {
            lease->m_user->socketClosed();
        } else if (!lease->m_discarded) {
            dropIdle(lease); // the server closed an idle connection: dropped now, not found broken later
        }
    });
    connect(socket, &QAbstractSocket::errorOccurred, socket, [lease] {
        if (lease->m_user) {
            lease->m_user->socketClosed();
        }
    });
    auto connected = [lease] {
        // Set once connected: Qt ignores the option on a socket that is not connected yet.
        lease->socket()->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        readDirectly(lease);
        if (lease->m_user) {
            lease->m_user->socketConnected();
        }
    };
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        connect(ssl, &QSslSocket::encrypted, ssl, connected);
    } else {
        connect(socket, &QAbstractSocket::connected, socket, connected);
    }
    return lease;
}

QByteArray UpstreamPool::tlsSessionFor(const UpstreamSettings &settings) const
{
    for (const TlsSession &t : m_tlsSessions) {
        if (sameEndpoint(t.endpoint, settings) && t.extraCas == settings.extraCaCertificates) {
            return t.session;
        }
    }
    return {};
}

void UpstreamPool::keepTlsSession(
    const Endpoint &endpoint, const QList<QSslCertificate> &extraCas, const QByteArray &session)
{
    if (session.isEmpty()) {
        return;
    }
    std::erase_if(m_tlsSessions, [&](const TlsSession &t) { return t.endpoint == endpoint && t.extraCas == extraCas; });
    if (m_tlsSessions.size() >= kMaxTlsSessions) {
        m_tlsSessions.erase(m_tlsSessions.begin());
    }
    m_tlsSessions.push_back(TlsSession { endpoint, extraCas, session });
}

void UpstreamPool::release(Lease *lease, const UpstreamSettings &settings)
{
    lease->m_user = nullptr;
    if (lease->socket()->state() != QAbstractSocket::ConnectedState
        || qsizetype(m_idle.size()) >= settings.maxIdleConnectionsPerWorker) {
        discard(lease);
        return;
    }
    const int timeout = settings.idleConnectionTimeoutMs;
    const qint64 expires = nowMs() + timeout;
    m_idle.push_back(Idle { lease, expires, std::min(1000, timeout / 20) });
    if (!m_expiry.isActive() || expires < m_expiryAt) {
        armExpiry(expires);
    }
}

void UpstreamPool::armExpiry(qint64 deadline)
{
    m_expiryAt = deadline;
    m_expiry.start(int(std::max<qint64>(0, deadline - nowMs())));
}

void UpstreamPool::expireIdle()
{
    // Deadlines are in release order unless the timeout setting changed in between: every entry is looked at.
    // Those due very soon go now too (a coarse timer may fire a little early; one wake-up for several).
    const qint64 now = nowMs();
    qint64 next = std::numeric_limits<qint64>::max();
    std::vector<Lease *> expired;
    std::erase_if(m_idle, [&](const Idle &i) {
        if (i.expires <= now + i.early) {
            expired.push_back(i.lease);
            return true;
        }
        next = std::min(next, i.expires);
        return false;
    });
    for (Lease *lease : expired) {
        discard(lease);
    }
    if (!m_idle.empty()) {
        armExpiry(next);
    }
    if (!expired.empty()) {
        Q_EMIT idleExpired(qsizetype(expired.size()));
    }
}

void UpstreamPool::discard(Lease *lease)
{
    lease->m_user = nullptr;
    lease->m_discarded = true; // what abort() emits finds the lease discarded
    QTcpSocket *socket = lease->socket();
    socket->abort();
    QObject::disconnect(socket, nullptr, socket, nullptr); // the handlers above, which point at the lease
    socket->deleteLater();
    delete lease;
}

void UpstreamPool::readDirectly(Lease *lease)
{
    attachDirectReads(lease->socket(), lease); // plain HTTP only
}

void UpstreamPool::dropIdle(Lease *lease)
{
    std::erase_if(m_idle, [lease](const Idle &i) { return i.lease == lease; });
    discard(lease);
}

void UpstreamPool::clear()
{
    m_expiry.stop();
    const std::vector<Idle> idle = std::exchange(m_idle, {});
    for (const Idle &i : idle) {
        discard(i.lease);
    }
}

} // namespace ga::proxy
