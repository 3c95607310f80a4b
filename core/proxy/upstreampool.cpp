// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/upstreampool.h"

#include "http/buffer.h"
#include "logging/logging.h"
#include "proxy/clock.h"
#include "tls/clientsession.h"

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
        if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0 && lease->reusable()) {
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
        ssl->connectToHostEncrypted(settings.host, settings.port); // else plain TCP, or TLS of the lease's own
    } else if (lease->m_tunnel) {
        lease->socket()->connectToHost(settings.proxy.hostName(), settings.proxy.port());
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
    configure(socket, settings);
    return socket;
}

void UpstreamPool::configure(QTcpSocket *socket, const UpstreamSettings &settings)
{
    socket->setProxy(settings.proxy);
    socket->setReadBufferSize(256 * 1024);
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
        keepTlsSession(endpoint, extraCas, tls::Session(ssl->sslConfiguration().sessionTicket()));
    };
    connect(ssl, &QSslSocket::encrypted, this, keep);
    connect(ssl, &QSslSocket::newSessionTicketReceived, this, keep);
    return ssl;
}

UpstreamPool::Lease *UpstreamPool::open(const UpstreamSettings &settings)
{
    ++m_opened;
    if (settings.tls) {
        Q_EMIT tlsOpened();
    }
    // TLS of the lease's own where its reads are the proxy's (socketio.h: a plain socket, not Windows); QSslSocket
    // else. Through `upstream.proxy` the lease opens the tunnel itself on a plain socket to the proxy (ProxyTunnel:
    // HTTP CONNECT, SOCKS5); Qt's proxy engine would keep the socket from being read directly.
    const bool proxied = settings.proxy.type() != QNetworkProxy::NoProxy;
    const ProxyTunnel::Login login = proxied ? proxyLogin(settings.proxy) : ProxyTunnel::Login::Unknown;
    const bool tunnel = proxied && ProxyTunnel::handles(settings.proxy) && login != ProxyTunnel::Login::ThroughQt;
    std::shared_ptr<tls::ClientContext> context;
    if (settings.tls && (!proxied || tunnel) && directReadsAvailable()) {
        context = tlsContextFor(settings.extraCaCertificates);
    }
    QTcpSocket *socket = nullptr;
    if (context) {
        socket = new QTcpSocket;
        configure(socket, settings);
        if (tunnel) {
            socket->setProxy(QNetworkProxy::NoProxy); // to the proxy itself
        }
    } else {
        socket = newResumingSocket(settings);
    }
    auto *lease = new Lease(socket, endpointOf(settings));
    if (context) {
        lease->m_pool = this;
        lease->m_tls
            = std::make_unique<tls::ClientSession>(std::move(context), settings.host, keptTlsSession(settings));
        if (tunnel) {
            lease->m_tunnel = std::make_unique<ProxyTunnel>(settings.proxy, settings.host, settings.port, login);
        }
    }
    connect(socket, &QIODevice::readyRead, socket, [lease] {
        if (lease->m_tunnel) {
            lease->tunnelReadable();
            return;
        }
        if (lease->m_slot == Lease::HandshakeSlot::Waiting) {
            // Its ClientHello has not gone out: the server speaks no TLS (what came would be lost to the handshake).
            lease->tlsFailed(QStringLiteral("the upstream sent data before the TLS handshake"));
            return;
        }
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
        if (lease->m_tunnel) {
            lease->startTunnel(); // then TLS; the user hears of it when the handshake is done
            return;
        }
        if (lease->ownTls()) {
            // The user hears of it when the handshake is done.
            if (lease->m_pool) {
                lease->m_pool->beginTls(lease);
            } else {
                lease->startTls();
            }
            return;
        }
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

std::shared_ptr<tls::ClientContext> UpstreamPool::tlsContextFor(const QList<QSslCertificate> &extraCas)
{
    for (const std::shared_ptr<tls::ClientContext> &c : m_tlsContexts) {
        if (c->extraCas() == extraCas) {
            return c;
        }
    }
    QString error;
    std::shared_ptr<tls::ClientContext> context = tls::ClientContext::create(extraCas, &error);
    if (!context) {
        qCWarning(lcProxy).noquote() << "Upstream TLS through Qt:" << error;
        return nullptr;
    }
    if (m_tlsContexts.size() >= kMaxTlsContexts) {
        m_tlsContexts.erase(m_tlsContexts.begin());
    }
    m_tlsContexts.push_back(context);
    return context;
}

namespace {

// Decrypted bytes land in a block of the thread's, lent to the reader when they fit (as DirectRead lends its block
// of ciphertext): a stream's event is then neither allocated nor copied once more.
constexpr qsizetype kPlainBlock = 16 * 1024;
struct PlainBlock
{
    std::unique_ptr<char[]> bytes;
    bool lent = false;
};
thread_local PlainBlock t_plain;

} // namespace

UpstreamPool::Lease::Lease(QTcpSocket *socket, Endpoint endpoint)
    : m_socket(socket)
    , m_endpoint(std::move(endpoint))
{ }

UpstreamPool::Lease::~Lease()
{
    if (m_pool) {
        m_pool->leaveHandshake(this);
    }
}

void UpstreamPool::beginTls(Lease *lease)
{
    if (m_handshakes < kMaxHandshakes) {
        ++m_handshakes;
        lease->m_slot = Lease::HandshakeSlot::Held;
        lease->startTls();
        return;
    }
    lease->m_slot = Lease::HandshakeSlot::Waiting;
    m_tlsWaiting.push_back(lease);
}

void UpstreamPool::leaveHandshake(Lease *lease)
{
    switch (std::exchange(lease->m_slot, Lease::HandshakeSlot::None)) {
    case Lease::HandshakeSlot::None:
        return;
    case Lease::HandshakeSlot::Waiting:
        std::erase(m_tlsWaiting, lease);
        return;
    case Lease::HandshakeSlot::Held:
        --m_handshakes;
        // The next one starts on the next turn: this may run inside the ending lease's user, or its destructor.
        if (!m_tlsWaiting.empty() && !m_tlsStartPosted) {
            m_tlsStartPosted = true;
            QMetaObject::invokeMethod(this, &UpstreamPool::startWaitingTls, Qt::QueuedConnection);
        }
        return;
    }
}

void UpstreamPool::startWaitingTls()
{
    m_tlsStartPosted = false;
    while (m_handshakes < kMaxHandshakes && !m_tlsWaiting.empty()) {
        Lease *lease = m_tlsWaiting.front();
        m_tlsWaiting.pop_front();
        ++m_handshakes;
        lease->m_slot = Lease::HandshakeSlot::Held;
        lease->startTls(); // a failure ends it (and its slot) at once
    }
}

void UpstreamPool::Lease::startTunnel()
{
    // The proxy's answers are read directly too: read by Qt, each socket kept a block of Qt's read buffer for good.
    if (!attachDirectReads(m_socket, this)) {
        tlsFailed(QStringLiteral("the connection cannot be read for TLS")); // cannot happen: checked when opened
        return;
    }
    const QByteArray question = m_tunnel->start();
    if (m_tunnel->state() == ProxyTunnel::State::Failed) {
        tlsFailed(m_tunnel->errorString());
        return;
    }
    if (!writeThrough(m_socket, question)) {
        tlsFailed(m_socket->errorString());
    }
}

bool UpstreamPool::Lease::tunnelReadable()
{
    QByteArray next;
    ProxyTunnel::State state = ProxyTunnel::State::Opening;
    {
        DirectRead raw(m_socket, m_cipher);
        if (raw.got() < 0) {
            return false; // closed or reset by the proxy: Qt reads it and reports the close
        }
        state = m_tunnel->feed(raw.lent().isEmpty() ? QByteArrayView(m_cipher) : raw.lent(), next);
        m_cipher = QByteArray();
    }
    if (state == ProxyTunnel::State::Failed) {
        if (m_tunnel->learnt() != ProxyTunnel::Login::Unknown && m_pool) {
            m_pool->learnProxyLogin(m_tunnel->proxy(), m_tunnel->learnt());
            m_againOnNewConnection = true;
        }
        tlsFailed(m_tunnel->errorString());
        return true;
    }
    if (!next.isEmpty() && !writeThrough(m_socket, next)) {
        tlsFailed(m_socket->errorString());
        return true;
    }
    if (state == ProxyTunnel::State::Open) {
        tunnelOpen();
    }
    return true;
}

ProxyTunnel::Login UpstreamPool::proxyLogin(const QNetworkProxy &proxy) const
{
    if (proxy.user().isEmpty() && proxy.password().isEmpty()) {
        return ProxyTunnel::Login::Unknown;
    }
    for (const auto &[known, login] : m_proxyLogins) {
        if (known == proxy) { // the type, host, port, user and password
            return login;
        }
    }
    return ProxyTunnel::Login::Unknown;
}

void UpstreamPool::learnProxyLogin(const QNetworkProxy &proxy, ProxyTunnel::Login login)
{
    std::erase_if(m_proxyLogins, [&](const auto &entry) { return entry.first == proxy; });
    if (m_proxyLogins.size() == kMaxProxyLogins) {
        m_proxyLogins.erase(m_proxyLogins.begin());
    }
    m_proxyLogins.emplace_back(proxy, login);
}

void UpstreamPool::Lease::tunnelOpen()
{
    m_tunnel.reset();
    if (m_pool) {
        m_pool->beginTls(this);
    } else {
        startTls();
    }
}

void UpstreamPool::Lease::startTls()
{
    if (!attachDirectReads(m_socket, this)) {
        tlsFailed(QStringLiteral("the connection cannot be read for TLS")); // cannot happen: checked when opened
        return;
    }
    QByteArray out = takeSpareBytes();
    m_tls->handshake({}, out);
    if (!send(out) || m_tls->state() == tls::ClientSession::State::Failed) {
        tlsFailed(m_tls->errorString());
        return;
    }
    keepSpareBytes(std::move(out));
}

bool UpstreamPool::Lease::readable()
{
    if (m_tunnel) {
        return tunnelReadable();
    }
    if (!m_tls) {
        return m_user && m_user->socketReadable();
    }
    if (m_tls->state() == tls::ClientSession::State::Handshaking) {
        return handshakeReadable();
    }
    if (!m_user) {
        return idleTlsReadable();
    }
    return m_user->socketReadable();
}

bool UpstreamPool::Lease::handshakeReadable()
{
    QByteArray out = takeSpareBytes();
    {
        DirectRead raw(m_socket, m_cipher);
        if (raw.got() < 0) {
            return false; // closed or reset in the handshake: Qt reads it and reports the close
        }
        const QByteArrayView in = raw.lent().isEmpty() ? QByteArrayView(m_cipher) : raw.lent();
        const tls::ClientSession::State state = m_tls->handshake(in, out);
        if (state == tls::ClientSession::State::Open) {
            // What came after the handshake (a TLS 1.3 ticket) is read now; an answer before the request is not one.
            QByteArray early;
            if (decrypt({}, early, nullptr) != 0 || !early.isEmpty()) {
                m_cipher = QByteArray();
                tlsFailed(QStringLiteral("the upstream sent data before the request"));
                return true;
            }
        }
        m_tls->feed({});
        m_cipher = QByteArray();
    }
    const bool sent = send(out);
    keepSpareBytes(std::move(out));
    keepNewSession();
    switch (m_tls->state()) {
    case tls::ClientSession::State::Handshaking:
        if (!sent) {
            tlsFailed(m_socket->errorString());
        }
        return true;
    case tls::ClientSession::State::Open:
        if (m_pool) {
            m_pool->leaveHandshake(this);
        }
        if (m_user) {
            m_user->socketConnected(); // the last use of this lease here: the user may discard it
        }
        return true;
    case tls::ClientSession::State::Closed:
    case tls::ClientSession::State::Failed:
        tlsFailed(m_tls->errorString());
        return true;
    }
    return true;
}

bool UpstreamPool::Lease::idleTlsReadable()
{
    // Only TLS's own records may come to an idle connection (a ticket, a key update); an answer's byte, the end of
    // the session or a failure closes it, as a stray byte closes a plain one.
    QByteArray plain;
    const qint64 got = [&] {
        DirectRead raw(m_socket, m_cipher);
        if (raw.got() < 0) {
            return qint64(-1);
        }
        const qint64 n = decrypt(raw.lent().isEmpty() ? QByteArrayView(m_cipher) : raw.lent(), plain, nullptr);
        m_cipher = QByteArray();
        return n;
    }();
    if (got < 0 && !failed() && m_tls->state() == tls::ClientSession::State::Open) {
        return false; // closed or reset: Qt reads it and the pool drops the socket
    }
    if (got != 0 || m_tls->state() != tls::ClientSession::State::Open) {
        m_socket->abort(); // the pool drops it (disconnected); nothing of this lease is used after
    }
    return true;
}

qint64 UpstreamPool::Lease::decrypt(QByteArrayView in, QByteArray &buffer, QByteArrayView *lent)
{
    if (!in.isEmpty()) {
        m_tls->feed(in);
    }
    QByteArray out; // what OpenSSL answers while reading (a key update, an alert): rare
    std::unique_ptr<char[]> own; // while the thread's block is lent out
    char *block = nullptr;
    if (lent != nullptr && !t_plain.lent) {
        if (!t_plain.bytes) {
            t_plain.bytes = std::make_unique<char[]>(size_t(kPlainBlock));
        }
        block = t_plain.bytes.get();
    } else {
        own = std::make_unique<char[]>(size_t(kPlainBlock));
        block = own.get();
        lent = nullptr;
    }
    qint64 got = 0;
    qsizetype used = 0;
    for (;;) {
        const qsizetype n = m_tls->read(block + used, kPlainBlock - used, out);
        used += n;
        if (n > 0 && used < kPlainBlock) {
            continue;
        }
        if (used == 0) {
            break;
        }
        if (n == 0 && lent != nullptr && got == 0 && buffer.isEmpty()) {
            t_plain.lent = true;
            *lent = QByteArrayView(block, used);
            got = used;
            break;
        }
        buffer.append(block, used);
        got += used;
        used = 0;
        if (n == 0) {
            break;
        }
    }
    m_tls->feed({});
    if (m_tls->state() == tls::ClientSession::State::Closed && !m_closing) {
        // The server ended the session (close_notify): it is answered, and the connection closed as Qt closes a
        // QSslSocket then; from the event loop, so that the reader first takes what came before it.
        m_closing = true;
        m_tls->close(out);
        QMetaObject::invokeMethod(
            m_socket, [socket = m_socket] { socket->disconnectFromHost(); }, Qt::QueuedConnection);
    }
    if (!out.isEmpty()) {
        send(out);
    }
    keepNewSession();
    if (got == 0 && m_tls->state() != tls::ClientSession::State::Open) {
        return -1;
    }
    return got;
}

bool UpstreamPool::Lease::send(const QByteArray &ciphertext)
{
    return writeThrough(m_socket, ciphertext);
}

void UpstreamPool::Lease::keepNewSession()
{
    tls::Session session = m_tls->takeNewSession();
    if (!session.isEmpty() && m_pool) {
        m_pool->keepTlsSession(m_endpoint, m_tls->context()->extraCas(), std::move(session));
    }
}

QString UpstreamPool::Lease::errorString() const
{
    if (failed()) {
        return m_tlsError;
    }
    if (m_endpoint.proxyType == QNetworkProxy::NoProxy) {
        return m_socket->errorString();
    }
    switch (m_socket->error()) {
    case QAbstractSocket::ProxyAuthenticationRequiredError:
        return m_socket->proxy().password().isEmpty()
            ? ProxyTunnel::credentialsWanted(m_endpoint.proxyHost, m_endpoint.proxyPort)
            : ProxyTunnel::loginRefused(m_endpoint.proxyHost, m_endpoint.proxyPort);
    case QAbstractSocket::ProxyConnectionRefusedError:
    case QAbstractSocket::ProxyConnectionClosedError:
    case QAbstractSocket::ProxyConnectionTimeoutError:
    case QAbstractSocket::ProxyNotFoundError:
        return ProxyTunnel::unreachable(m_endpoint.proxyHost, m_endpoint.proxyPort, m_socket->errorString());
    default:
        // A tunnel of the lease's own still opening: the socket's peer is the proxy, not the upstream.
        return m_tunnel ? ProxyTunnel::unreachable(m_endpoint.proxyHost, m_endpoint.proxyPort, m_socket->errorString())
                        : m_socket->errorString();
    }
}

bool UpstreamPool::Lease::certificateRejected() const
{
    return failed() && m_tls && m_tls->certificateRejected();
}

void UpstreamPool::Lease::tlsFailed(const QString &reason)
{
    if (m_pool) {
        m_pool->leaveHandshake(this);
    }
    m_tlsError = reason.isEmpty() ? QStringLiteral("the TLS session failed") : reason;
    if (m_user) {
        m_user->socketClosed(); // the user ends the attempt and discards the lease
    } else {
        m_socket->abort();
    }
}

bool UpstreamPool::Lease::write(QByteArrayView data)
{
    if (!m_tls) {
        return writeThrough(m_socket, data);
    }
    QByteArray out = takeSpareBytes();
    const bool ok = m_tls->write(data, out) && send(out);
    keepSpareBytes(std::move(out));
    return ok;
}

bool UpstreamPool::Lease::writeShared(const QByteArray &data)
{
    if (!m_tls) {
        return m_socket->write(data) == data.size();
    }
    return write(data);
}

qint64 UpstreamPool::Lease::appendAvailable(QByteArray &buffer)
{
    if (!m_tls) {
        return http::appendAvailable(m_socket, buffer);
    }
    http::appendAvailable(m_socket, m_cipher);
    const qint64 got = decrypt(m_cipher, buffer, nullptr);
    m_cipher = QByteArray();
    return got;
}

UpstreamPool::Lease::Read::Read(Lease *lease, QByteArray &buffer)
{
    if (!lease->m_tls) {
        m_direct.emplace(lease->m_socket, buffer);
        m_got = m_direct->got();
        m_lent = m_direct->lent();
        return;
    }
    DirectRead raw(lease->m_socket, lease->m_cipher);
    if (raw.got() < 0) {
        m_got = -1;
        return;
    }
    m_got = lease->decrypt(raw.lent().isEmpty() ? QByteArrayView(lease->m_cipher) : raw.lent(), buffer, &m_lent);
    lease->m_cipher = QByteArray();
    m_lentPlain = !m_lent.isEmpty();
}

UpstreamPool::Lease::Read::~Read()
{
    if (m_lentPlain) {
        t_plain.lent = false;
    }
}

QByteArray UpstreamPool::tlsSessionFor(const UpstreamSettings &settings) const
{
    return keptTlsSession(settings).der();
}

tls::Session UpstreamPool::keptTlsSession(const UpstreamSettings &settings) const
{
    for (const TlsSession &t : m_tlsSessions) {
        if (sameEndpoint(t.endpoint, settings) && t.extraCas == settings.extraCaCertificates) {
            return t.session;
        }
    }
    return {};
}

void UpstreamPool::keepTlsSession(
    const Endpoint &endpoint, const QList<QSslCertificate> &extraCas, tls::Session session)
{
    if (session.isEmpty()) {
        return;
    }
    std::erase_if(m_tlsSessions, [&](const TlsSession &t) { return t.endpoint == endpoint && t.extraCas == extraCas; });
    if (m_tlsSessions.size() >= kMaxTlsSessions) {
        m_tlsSessions.erase(m_tlsSessions.begin());
    }
    m_tlsSessions.push_back(TlsSession { endpoint, extraCas, std::move(session) });
}

void UpstreamPool::release(Lease *lease, const UpstreamSettings &settings)
{
    lease->m_user = nullptr;
    if (lease->socket()->state() != QAbstractSocket::ConnectedState || !lease->reusable()
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
