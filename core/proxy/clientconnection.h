// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/requestparser.h"
#include "metrics/accessrecord.h"
#include "proxy/exchange.h"
#include "proxy/livesession.h"
#include "proxy/proxysettings.h"
#include "proxy/socketio.h"
#include "security/authenticator.h"
#include "security/ratelimiter.h"

#include <QObject>
#include <QSslConfiguration>
#include <QTcpSocket>

namespace ga::proxy {

class ProxyWorker;

// One client socket: reads requests (keep-alive, pipelined ones answered in order), forwards each
// through an Exchange, and writes the response back as it streams in.
class ClientConnection final : public QObject, public ExchangeSink, private LiveClient, private DirectReadable
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClientConnection)

public:
    // `tls`: serve HTTPS with it (the handshake starts at once); null: plain HTTP.
    ClientConnection(qintptr descriptor, ProxyWorker *worker, const QSslConfiguration *tls = nullptr);
    ~ClientConnection() override;

    bool isValid() const { return m_socket != nullptr; }
    QHostAddress peerAddress() const { return m_peer; }
    // Closes at once without reading (a denied address).
    void abortUnread();
    void checkTimeouts(qint64 nowMs);
    // Refuses the connection (server full) with a JSON 503 + Retry-After: 1 and closes at once.
    void refuse(const QString &message);
    // Under connection pressure: may this connection be closed to make room? Only while it waits for a
    // request head (idle keep-alive, nothing sent yet, or a partial head) — never while a request runs.
    bool isEvictable() const { return m_socket && m_state == State::ReadingHead && !m_exchange; }
    // Waiting for a next request with nothing of it read: only the keep-alive timeout can expire.
    bool isIdle() const { return isEvictable() && m_in.isEmpty() && !m_readPaused; }
    // When its own timeout expires (nowMs() milliseconds, proxy/clock.h; 0: none pending).
    qint64 deadline() const { return m_deadline; }
    // Whether a request was answered on it (an idle keep-alive connection of a working client).
    bool hasServed() const { return m_served > 0; }
    // Since when it has been waiting for a head (accept, or the end of the last response).
    qint64 waitingSinceMs() const { return m_waitingSince; }
    // The same as an order among the worker's connections: ties within a millisecond broken by who came first.
    quint64 waitingOrder() const { return m_waitingOrder; }
    // Closes an evictable connection now: quietly when idle, with 503 + Retry-After when a head was begun.
    void evict();

    void exchangeHead(int status, const QByteArray &reason, const http::HeaderList &headers, qint64 contentLength,
        bool hasBody) override;
    void exchangeData(QByteArrayView data) override;
    void exchangeEnd() override;
    void exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds = -1) override;

private:
    enum class State
    {
        ReadingHead,
        ReadingBody,
        Forwarding,
        Live, // upgraded to a Live API WebSocket: m_live has the connection
        Closing
    };

    void onReadyRead();
    // DirectReadable: a plain connection's reads while it reads requests or waits on an answer (socketio.h).
    bool readable() override;
    // After `got` bytes were appended to m_in (in a request-reading state or while forwarding).
    void requestBytesRead(qint64 got);
    void pauseReading(bool longer);
    void resumeReading();
    void onBytesWritten();
    void onDisconnected();
    // Sends what is buffered now. A write that fails (the client reset the connection) makes Qt emit
    // disconnected() from inside flush(); that is handled from the event loop instead, so the caller (deep in an
    // exchange's upstream callback) never sees the connection torn down under it.
    void flushNow();
    // Hands `bytes` to the socket after what is held (see writeThrough()); flushNow() also sends what is held.
    void put(QByteArrayView bytes);
    void process();
    // Whether the buffered head may have changed in a way the parser would see (see the .cpp).
    bool headWorthParsing();
    void dispatch();
    // `extraHeaders`: complete "Name: value\r\n" lines.
    void answerLocally(
        int status, const QByteArray &contentType, const QByteArray &body, const QByteArray &extraHeaders = {});
    void sendError(int status, const QString &message, bool close, qint64 retryAfterSeconds = -1);
    // Access token and rate limits; false when the request was answered (401 / 429). `live`: a Live session
    // (counted as a stream, and against limits.perToken.liveSessions). `ephemeralClient`: set when an ephemeral
    // token this proxy issued stands in for the access token (a browser's Live session).
    // `credential`: the access token when the request carries it somewhere else than clientCredential() looks.
    bool admit(bool live = false, const QString &ephemeralClient = {}, const QByteArray &credential = {});
    // The Live API's WebSocket endpoint: checks the upgrade and the credentials, answers 101 and hands the
    // connection to a LiveSession.
    void serveLive(const QByteArray &livePath);
    // LiveClient
    void liveSend(QByteArrayView bytes) override;
    void liveFlush() override;
    qint64 liveClientPending() const override;
    void liveReadClient(bool on) override;
    void liveEnded() override;
    // /admin/api/v1/…: the admin token or a console session (with its CSRF token for writes), then the admin
    // handler (answered when it replies), or the live history tail.
    void serveAdmin();
    // The rest of /admin: the console's sign-in (/admin/session) and its files (clientconsole.cpp).
    void serveConsole();
    void serveSession();
    enum class AdminAccess
    {
        Granted,
        NoCredential, // 401
        BadCsrf // 403: a console session without its CSRF token on a write
    };
    AdminAccess adminAccess();
    bool isTls() const;
    // The access record of the current request: opened at dispatch, completed with the response.
    void beginRecord();
    void noteHead(int status);
    void completeRecord(bool broken);
    void setInFlight(bool on);
    void finishResponse();
    void closeAfterWrite();
    // Everything is written: close, or first linger (m_linger) so that unread request bytes cause no reset.
    void finishClose();
    // Writes `response` as far as the kernel takes it and closes at once (the slot is free immediately).
    void writeAndClose(const QByteArray &response);

    ProxyWorker *m_worker;
    ProxyCounters *m_counters; // the server's; outlives the worker (read in the destructor)
    WorkerCounters *m_own; // the worker's, likewise the server's
    QTcpSocket *m_socket = nullptr;
    SettingsPtr m_settings;
    State m_state = State::ReadingHead;
    QByteArray m_in;
    QByteArray m_held; // response bytes not handed to the socket yet: a head, the last bytes of a body
    qint64 m_bodyLeft = -1; // bytes of a Content-Length answer still to come (-1: not known)
    qsizetype m_headScanned = 0; // bytes of m_in already scanned for the end of the head
    bool m_sawFirstLine = false;
    http::Request m_request;
    http::ChunkedDecoder m_chunked;
    std::unique_ptr<Forwarder> m_exchange; // once ended, handed to ProxyWorker::retire() (it may be inside its call)
    LiveSession *m_live = nullptr;
    bool m_livePaused = false; // the upstream is slow: the client is not read (its socket buffer is bounded)
    bool m_keepAlive = true;
    bool m_chunkedOut = false;
    bool m_headSent = false;
    QHostAddress m_peer;
    QString m_peerText; // m_peer as text (ProxyWorker::peerText, shared): the record and the rate limiter use it
    security::Authenticator::Memo m_authMemo; // the token this connection last sent, and who it is
    metrics::AccessRecord m_record;
    qint64 m_recordStart = 0;
    bool m_recordOpen = false;
    bool m_inFlight = false; // counted in ProxyCounters::requestsInFlight
    bool m_streamCounted = false;
    bool m_peerLoopback = false;
    security::RateLimiter::Ticket m_ticket; // holds a stream slot while a streaming request runs
    QByteArray m_corsOrigin; // the request's allowed Origin, echoed in CORS headers
    bool m_sentContinue = false;
    qint64 m_deadline = 0;
    qint64 m_waitingSince = 0;
    quint64 m_waitingOrder = 0;
    // Tiny reads of an unfinished head (see pauseReading()).
    static constexpr qsizetype kSmallRead = 512;
    static constexpr qsizetype kFastRead = 8192;
    static constexpr int kSmallReadsBeforePause = 3;
    static constexpr int kReadPauseMs = 20;
    static constexpr int kMaxReadPauseMs = 320;
    static constexpr int kLingerMs = 2000;
    bool m_linger = false; // answered before the request was read to its end
    bool m_lingering = false; // half-closed, dropping the rest of the request
    int m_smallReads = 0;
    int m_readPauseMs = 0; // the last pause; 0 while the head comes at a normal pace
    bool m_readPaused = false;
    quint32 m_served = 0;
    bool m_closedSignalled = false; // the worker was told (ProxyWorker::onClosed) once
    bool m_flushing = false;
    bool m_disconnectedWhileFlushing = false;
};

} // namespace ga::proxy
