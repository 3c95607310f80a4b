// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/proxysettings.h"
#include "proxy/proxytunnel.h"
#include "proxy/socketio.h"
#include "tls/clientsession.h"

#include <QNetworkProxy>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace ga::proxy {

// A keep-alive connection pool to the upstream, one per worker thread (so no locking). Sockets are plain
// QTcpSocket or QSslSocket; nothing goes through QNetworkAccessManager (which caps a host at six
// connections and costs ~10× per request, see README).
//
// A socket's signals are connected once, when it is made, to the pool, which hands them to the socket's current
// user (an UpstreamClient) or, while the socket is idle, closes it on a stray byte or drops it when the server
// closes it. Connecting and disconnecting the user's slots for every request cost more than the rest of the
// pool's work.
//
// An idle socket is closed after UpstreamSettings::idleConnectionTimeoutMs unused (upstream.idleTimeoutMs): a burst
// of streams leaves as many connections as it had, and each holds buffers and a descriptor. One timer per pool, armed
// only while a socket is idle, for the earliest of their deadlines. Sockets are reused most recently released first,
// so under a steady load the pool shrinks to what the load needs.
//
// A TLS connection's session is kept for the next connection to the same endpoint (and CA list), which resumes it:
// an abbreviated handshake without the server's certificates, their verification and its signature (as nginx's
// proxy_ssl_session_reuse). In memory only, never written or logged.
class UpstreamPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamPool)

private:
    // Where a socket goes: kept with its lease, made once as it opens.
    struct Endpoint
    {
        bool tls = false;
        QString host;
        quint16 port = 0;
        QNetworkProxy::ProxyType proxyType = QNetworkProxy::NoProxy;
        QString proxyHost;
        quint16 proxyPort = 0;
        bool operator==(const Endpoint &) const = default;
    };

public:
    // Who gets a leased socket's events, from the socket's thread.
    class User
    {
    public:
        virtual void socketConnected() = 0; // connected (TLS: encrypted); new sockets only
        virtual void socketReadyRead() = 0;
        // A plain socket has something to read (socketio.h, DirectReadable): true when read here, false to leave it
        // to Qt (then socketReadyRead() follows).
        virtual bool socketReadable() = 0;
        virtual void socketClosed() = 0; // disconnected, or an error

    protected:
        ~User() = default;
    };

    // One socket as the pool knows it. Not a QObject (a stream holds one for its whole life): the socket's signals
    // reach it through connections whose context is the socket itself, cut when discard() deletes it.
    //
    // Its user reads and writes through it, not through the socket: a TLS connection made without a proxy is a plain
    // socket carrying the ciphertext of the lease's own TLS session (tls/clientsession.h; README: why not
    // QSslSocket), the others are what socket() is.
    class Lease final : private DirectReadable
    {
    public:
        QTcpSocket *socket() const { return m_socket; }

        // Sends `data` now where the kernel takes it (socketio.h, writeThrough()); TLS: encrypted first. False when
        // the connection cannot take it.
        bool write(QByteArrayView data);
        // write() for a large body: a plain socket shares `data` with Qt's buffer instead of copying it.
        bool writeShared(const QByteArray &data);
        // Appends to `buffer` what Qt has read from the socket (socketio.h: after a pause), decrypted for TLS; bytes
        // appended, or -1 when nothing was and the connection failed.
        qint64 appendAvailable(QByteArray &buffer);
        // Whether the socket holds bytes not read yet (for TLS: not decrypted yet).
        bool hasBuffered() const { return m_socket->bytesAvailable() > 0; }
        // The lease's own TLS session failed (a certificate not trusted, a record that does not decrypt): the
        // connection is over though the socket is not closed yet. errorString() says why.
        bool failed() const { return !m_tlsError.isEmpty(); }
        // Why the connection failed; through a proxy whose engine is Qt's, a login it refused in our words (Qt's
        // "Authentication required" names neither the proxy nor what to change).
        QString errorString() const;
        // failed() because the server's certificate was not accepted (errorString(): OpenSSL's reason).
        bool certificateRejected() const;
        // failed() on a proxy's 407 that a new connection answers (the pool learnt how): the request goes again.
        bool againOnNewConnection() const { return m_againOnNewConnection; }

        // What arrived, as DirectRead (socketio.h) reads it: lent() a view valid while this lives, or appended to
        // `buffer`; got() -1 at the end of the stream or on an error (failed() tells a TLS failure).
        class Read
        {
            Q_DISABLE_COPY_MOVE(Read)

        public:
            Read(Lease *lease, QByteArray &buffer);
            ~Read();
            qint64 got() const { return m_got; }
            QByteArrayView lent() const { return m_lent; }

        private:
            std::optional<DirectRead> m_direct;
            qint64 m_got = 0;
            QByteArrayView m_lent;
            bool m_lentPlain = false; // m_lent is the thread's block of decrypted bytes
        };

    private:
        // An idle socket's bytes are Qt's to read (a stray byte closes it); TLS's own records are read here.
        bool readable() override;

        friend class UpstreamPool;
        Lease(QTcpSocket *socket, Endpoint endpoint);
        ~Lease(); // where tls::ClientSession is known
        bool ownTls() const { return m_tls != nullptr; }
        // Its TLS (if its own) neither failed nor was ended by the server (a close on its way).
        bool reusable() const { return !failed() && !m_closing; }
        void startTls(); // connected: the ClientHello goes out
        // Connected to `upstream.proxy`: its tunnel is opened first (m_tunnel), then TLS goes through it.
        void startTunnel();
        bool tunnelReadable();
        void tunnelOpen(); // the TLS handshake follows, in its turn (beginTls())
        bool handshakeReadable();
        bool idleTlsReadable();
        // Decrypts `in` into `buffer`, or into the thread's block lent as *lent when `lent` is given and it all fits.
        qint64 decrypt(QByteArrayView in, QByteArray &buffer, QByteArrayView *lent);
        bool send(const QByteArray &ciphertext);
        void keepNewSession();
        // The tunnel or the TLS session failed: tells the user (or closes an idle socket); the lease may be gone.
        void tlsFailed(const QString &reason);

        QTcpSocket *m_socket;
        Endpoint m_endpoint;
        User *m_user = nullptr; // null while idle
        std::unique_ptr<tls::ClientSession> m_tls; // the connection's own TLS, or null
        std::unique_ptr<ProxyTunnel> m_tunnel; // while a tunnel through the proxy is being opened
        QPointer<UpstreamPool> m_pool; // for the TLS sessions to keep; the lease may outlive it
        QByteArray m_cipher; // ciphertext (or a proxy's answer) read but not used yet (empty between reads)
        QString m_tlsError;
        bool m_discarded = false;
        bool m_closing = false; // the server ended the TLS session: the socket closes
        bool m_againOnNewConnection = false;
        enum class HandshakeSlot : quint8
        {
            None,
            Waiting,
            Held
        };
        HandshakeSlot m_slot = HandshakeSlot::None; // UpstreamPool::kMaxHandshakes
    };

    explicit UpstreamPool(QObject *parent = nullptr);
    ~UpstreamPool() override;

    // An idle connected socket for these settings, or a new one already connecting, leased to `user` until it is
    // given back with release() or discard(). *reused tells which.
    Lease *acquire(const UpstreamSettings &settings, User *user, bool *reused);
    // Returns a socket whose last response was read completely and may be reused.
    void release(Lease *lease, const UpstreamSettings &settings);
    // Closes a leased socket that must not be reused and deletes the lease; its user hears nothing more. Needs no
    // pool (a user may outlive its worker's pool while both are torn down).
    static void discard(Lease *lease);
    // Reads a plain socket with recv() from now on (attachDirectReads(), socketio.h): done when it connects, and again
    // by a user that paused reading.
    static void readDirectly(Lease *lease);
    // A new, unconnected socket for these settings (TLS, proxy, CA bundle, bounded read buffer), outside any pool:
    // a Live session's upgraded connection is never reused. `tlsSession`: a session to resume (tlsSessionFor()).
    static QTcpSocket *newSocket(const UpstreamSettings &settings, const QByteArray &tlsSession = {});
    // newSocket() that resumes this pool's TLS session for where `settings` go and keeps the session it makes (for
    // sockets outside the pool too: a Live session's).
    QTcpSocket *newResumingSocket(const UpstreamSettings &settings);
    // Closes idle connections, e.g. when the upstream settings change.
    void clear();
    qsizetype idleCount() const { return qsizetype(m_idle.size()); }
    // The TLS session last kept for where `settings` go, or empty (then a full handshake).
    QByteArray tlsSessionFor(const UpstreamSettings &settings) const;
    quint64 connectionsOpened() const { return m_opened; }
    // The leases' own TLS handshakes under way, and the connections waiting to begin theirs (kMaxHandshakes).
    static constexpr int kMaxHandshakes = 128;
    int handshakesUnderWay() const { return m_handshakes; }
    int handshakesWaiting() const { return int(m_tlsWaiting.size()); }

Q_SIGNALS:
    // Idle sockets were closed for their idle timeout (they are deleted on a later turn of the event loop).
    void idleExpired(qsizetype count);
    // A new TLS connection was opened for the pool (its handshake leaves freed buffers behind: ProxyWorker).
    void tlsOpened();

private:
    // What makes two sockets interchangeable: the same origin through the same proxy.
    // Whether `endpoint` is where `settings` go, compared in place (copying the host names into an Endpoint per
    // acquire and release took a reference count up and down each time).
    static bool sameEndpoint(const Endpoint &endpoint, const UpstreamSettings &settings);
    static Endpoint endpointOf(const UpstreamSettings &settings);
    Lease *open(const UpstreamSettings &settings);
    void dropIdle(Lease *lease);
    void expireIdle();
    void armExpiry(qint64 deadline);

    struct Idle
    {
        Lease *lease;
        qint64 expires; // monotonic ms (proxy/clock.h)
        int early; // how much sooner it may go with another one's wake-up: 5 % of its timeout, at most a second
    };
    std::vector<Idle> m_idle;
    // The latest session of each TLS endpoint, oldest first. Keyed with the extra CA certificates its server's
    // chain was verified against: a resumed session is not verified again, so one made under other trust settings
    // is never offered.
    struct TlsSession
    {
        Endpoint endpoint;
        QList<QSslCertificate> extraCas;
        tls::Session session; // holds the session's secret
    };
    // The proxy and the bounded read buffer (a paused reader pushes back via TCP) every upstream socket gets.
    static void configure(QTcpSocket *socket, const UpstreamSettings &settings);
    static constexpr size_t kMaxTlsSessions = 32; // endpoints: Google and the relays
    void keepTlsSession(const Endpoint &endpoint, const QList<QSslCertificate> &extraCas, tls::Session session);
    tls::Session keptTlsSession(const UpstreamSettings &settings) const;
    std::vector<TlsSession> m_tlsSessions;
    // OpenSSL contexts for the leases' own TLS, one per extra CA list (most recent last); null when none can be made.
    std::shared_ptr<tls::ClientContext> tlsContextFor(const QList<QSslCertificate> &extraCas);
    static constexpr size_t kMaxTlsContexts = 4;
    std::vector<std::shared_ptr<tls::ClientContext>> m_tlsContexts;
    QTimer m_expiry { this }; // a child: it moves to the worker's thread with the pool
    qint64 m_expiryAt = 0; // when m_expiry fires, while it is active
    quint64 m_opened = 0;

    // The leases' own TLS handshakes under way at once, at most kMaxHandshakes; a connection past that waits,
    // connected, for one to end before its ClientHello goes out. Each holds OpenSSL's handshake buffer (21 KiB) and
    // its read buffer while it lasts: a thousand streams starting at once held 40 MB more at their peak, and the
    // worker does one handshake at a time anyway. 128 a round trip: 1,280 handshakes a second at 100 ms, more than a
    // worker's processor does (README.md: at most 128 TLS handshakes).
    void beginTls(Lease *lease); // connected
    void leaveHandshake(Lease *lease); // its handshake ended, or it goes while waiting or shaking hands
    void startWaitingTls();
    int m_handshakes = 0;
    std::deque<Lease *> m_tlsWaiting;
    bool m_tlsStartPosted = false;

    // How each HTTP proxy with a login took it (ProxyTunnel::Login), as its 407 said: Basic is then sent with every
    // CONNECT, Digest and the others go through Qt's engine. Per worker; learnt again when the settings change.
    ProxyTunnel::Login proxyLogin(const QNetworkProxy &proxy) const;
    void learnProxyLogin(const QNetworkProxy &proxy, ProxyTunnel::Login login);
    static constexpr size_t kMaxProxyLogins = 4;
    std::vector<std::pair<QNetworkProxy, ProxyTunnel::Login>> m_proxyLogins; // oldest first
};

} // namespace ga::proxy
