// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP/1.1 client of one attempt: takes a socket from the UpstreamPool, sends the request, parses the response
// head (http/), reads the body by Content-Length, chunked or until close, keeps the connect, first-byte and idle
// deadlines, and stops reading while the client side is paused (backpressure). It decides nothing about retries:
// it says what happened, and the Exchange asks the AttemptPolicy what that means.
#pragma once

#include "http/requestparser.h"
#include "proxy/proxysettings.h"
#include "proxy/upstreampool.h"

#include <QTcpSocket>

#include <limits>
#include <memory>

namespace ga::proxy {

// What one attempt sends. References into the Exchange's request, which outlives the client.
struct UpstreamRequest
{
    const QByteArray &method;
    const QByteArray &target; // path and query as the upstream should see them (before the base-URL prefix)
    const http::HeaderList &headers; // end-to-end headers only
    const QByteArray &body;
    bool bearerAuth = false; // the key goes as "Authorization: Bearer", not x-goog-api-key
};

// How an attempt failed, as the client saw it.
struct UpstreamFailure
{
    enum class Kind
    {
        Unreachable, // connect or TLS error, reset or close before the body (upstream or relay)
        Stale, // a reused keep-alive socket was closed before any byte: the server had timed it out
        Broken, // a malformed head or chunked body, a close in the middle of the body, an error body too large
        ConnectTimeout,
        FirstByteTimeout, // connected and sent, no head within firstByteTimeoutMs
        IdleTimeout, // no body bytes within streamIdleTimeoutMs
    };
    Kind kind = Kind::Unreachable;
    int status = 502; // for the client, should this end the request: 502, or 504 for the timeouts
    int headStatus = 0; // the response status when the head had arrived, else 0
    QString message;
};

// What the client reports to its owner (the Exchange). After upstreamEnd and upstreamFailed the socket is back in
// the pool or closed, so the owner may start the next attempt from inside them.
class UpstreamHandler
{
public:
    virtual ~UpstreamHandler() = default;
    // The final head (1xx skipped). True: hold the body back and hand it whole to upstreamEnd; false: stream it
    // through upstreamData. The owner may close() the client from here.
    virtual bool upstreamHead(const http::Response &head) = 0;
    virtual void upstreamData(QByteArrayView data) = 0;
    // The body is complete; `held` is the held-back body (empty when it was streamed).
    virtual void upstreamEnd(const QByteArray &held) = 0;
    virtual void upstreamFailed(const UpstreamFailure &failure) = 0;
};

class UpstreamClient final : private UpstreamPool::User
{
    Q_DISABLE_COPY_MOVE(UpstreamClient)

public:
    // A held-back (error) body larger than this fails the attempt: real error answers are a few KiB.
    static constexpr qsizetype kMaxHeldBytes = 1024 * 1024;

    // Work queued for later (a resumed read) runs on the pool's thread, and only while the client lives.
    UpstreamClient(UpstreamHandler *handler, UpstreamPool *pool, UpstreamRequest request);
    ~UpstreamClient();

    // Starts an attempt to `target` (the upstream or a relay) with the key's secret, and the relay's when set.
    // `target` is not copied: it must outlive the attempt (until the next open() or the client's end).
    void open(const UpstreamSettings &target, const QByteArray &keySecret, const QByteArray &relaySecret);
    // Ends the attempt at once, closing the socket; no more calls to the handler.
    void close();
    // Backpressure from the client socket: while paused, bytes stay in the (bounded) socket buffer.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // Called by the sweeper: fails the attempt when its connect, first-byte or idle deadline passed.
    void checkTimeouts(qint64 nowMs);

    bool isOpen() const { return m_socket != nullptr; }
    const UpstreamSettings &target() const { return *m_target; } // after open()
    const http::Response &response() const { return m_response; }

private:
    enum class Phase
    {
        Idle,
        Connecting,
        WaitingHead,
        Body,
    };

    void socketConnected() override;
    void socketReadyRead() override;
    bool socketReadable() override;
    void socketClosed() override;
    void sendRequest();
    void onReadyRead();
    void onSocketError();
    void process();
    // Parses the answer's head at the front of `data` (everything read and not used yet), skipping 1xx heads.
    // Complete: the final head is in m_response and `consumed` bytes were heads; Incomplete: `consumed` bytes of 1xx
    // heads can go, the rest waits for more; Error: failed here.
    http::ParseOutcome parseHeads(QByteArrayView data);
    // The final head is in m_response: handed on, and the body follows. False when the exchange ended here (closed by
    // the owner, or a bodiless answer completed).
    bool headDone();
    bool bodiless() const; // the final head's answer has no body
    void body(QByteArrayView in); // the answer's body bytes, all there is (m_in is empty)
    void deliver(QByteArrayView data);
    void complete();
    void fail(UpstreamFailure::Kind kind, int status, const QString &message);
    void dropSocket();
    void touch(int timeoutMs);
    // Runs `work` from the event loop of the pool's thread, unless this client is gone by then.
    template<typename Work>
    void later(Work work);

    std::shared_ptr<char> m_alive; // made by the first later(): its weak copies tell a queued call the client lives
    UpstreamHandler *m_handler;
    UpstreamPool *m_pool;
    UpstreamRequest m_request;
    const UpstreamSettings *m_target = nullptr; // open()'s, kept alive by the caller (no copy an attempt)
    QByteArray m_keySecret;
    QByteArray m_relaySecret;

    UpstreamPool::Lease *m_lease = nullptr;
    QTcpSocket *m_socket = nullptr; // m_lease's, while there is one
    quint64 m_attempt = 0; // counts open(): a deferred close belongs to the attempt it happened in
    QByteArray m_in;
    http::Response m_response;
    http::ChunkedDecoder m_chunked { std::numeric_limits<qint64>::max() };
    qint64 m_remaining = 0;
    QByteArray m_held;
    qint64 m_deadline = 0; // 0 = none
    int m_deadlineTimeoutMs = 0;
    // Together, not each padded to 8 bytes: a held stream carries this object.
    Phase m_phase = Phase::Idle;
    bool m_isHead = false;
    bool m_reused = false;
    bool m_flushing = false; // see sendRequest()
    bool m_closedWhileFlushing = false;
    bool m_holding = false;
    bool m_paused = false;
};

} // namespace ga::proxy
