// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/upstreamclient.h"

#include "http/buffer.h"
#include "http/search.h"
#include "logging/usertext.h"
#include "proxy/clock.h"
#include "proxy/socketio.h"
#include "proxy/upstreampool.h"

#include <utility>

namespace ga::proxy {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kConnectingToTheUpstream(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "connecting to the upstream"));
const logging::UserText kWaitingForTheUpstreamTo(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "waiting for the upstream to answer"));
const logging::UserText kWaitingForTheNextPart(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "waiting for the next part of the stream"));
const logging::UserText kTimedOutAfterMs("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "Timed out after %1 ms %2."));
const logging::UserText kClosedInErrorResponse("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy", "The upstream closed the connection in the middle of an error response."));
const logging::UserText kClosedInResponse(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "The upstream closed the connection in the middle of the response."));
const logging::UserText kTlsVerificationFailed(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "TLS verification failed: %1"));
const logging::UserText kCouldNotReachTheUpstream(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "Could not reach the upstream %1: %2"));
const logging::UserText kTheUpstreamSentAMalformed(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "The upstream sent a malformed chunked body."));
const logging::UserText kTheUpstreamErrorResponseIs(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "The upstream error response is too large."));

} // namespace

namespace {

constexpr qsizetype kMaxUpstreamHeadBytes = 64 * 1024;

} // namespace

UpstreamClient::UpstreamClient(UpstreamHandler *handler, UpstreamPool *pool, UpstreamRequest request)
    : m_handler(handler)
    , m_pool(pool)
    , m_request(request)
    , m_isHead(http::equals(request.method, "HEAD"))
{ }

UpstreamClient::~UpstreamClient()
{
    dropSocket();
}

template<typename Work>
void UpstreamClient::later(Work work)
{
    if (!m_alive) {
        m_alive = std::make_shared<char>(0);
    }
    QMetaObject::invokeMethod(
        m_pool,
        [alive = std::weak_ptr<char>(m_alive), work = std::move(work)]() mutable {
            if (!alive.expired()) {
                work();
            }
        },
        Qt::QueuedConnection);
}

void UpstreamClient::open(const UpstreamSettings &target, const QByteArray &keySecret, const QByteArray &relaySecret)
{
    dropSocket();
    m_target = &target;
    m_keySecret = keySecret;
    m_relaySecret = relaySecret;
    bool reused = false;
    ++m_attempt;
    m_lease = m_pool->acquire(*m_target, this, &reused);
    m_socket = m_lease->socket();
    m_reused = reused;
    m_in.clear();
    m_holding = false;
    m_held.clear();
    m_chunked.reset();
    if (reused) {
        sendRequest();
        return;
    }
    m_phase = Phase::Connecting;
    touch(m_target->connectTimeoutMs);
}

void UpstreamClient::socketConnected()
{
    if (m_phase == Phase::Connecting) {
        sendRequest();
    }
}

void UpstreamClient::socketReadyRead()
{
    onReadyRead();
}

bool UpstreamClient::socketReadable()
{
    // Read here unless onReadyRead() would leave the bytes alone (paused: Qt's bounded buffer fills, then TCP pushes
    // back on the upstream) or there is no answer to read.
    if (!m_socket || m_paused || m_phase == Phase::Idle || m_phase == Phase::Connecting) {
        return false;
    }
    // A body's bytes are used where they landed when there is nothing before them (DirectRead).
    UpstreamPool::Lease::Read read(m_lease, m_in);
    if (read.got() < 0) {
        if (m_lease->failed()) {
            onSocketError(); // the connection's TLS failed: Qt knows nothing of it
            return true;
        }
        return false; // the end of the stream or an error: Qt reads it too and reports the close
    }
    if (!read.lent().isEmpty() && m_phase == Phase::Body) {
        body(read.lent());
    } else if (!read.lent().isEmpty()) {
        // A head, parsed where it landed (copying the answer out first was a seventh of the worker's writes that
        // missed the cache, callgrind's simulation): only what waits for more bytes is kept, in m_in.
        const QByteArrayView data = read.lent();
        const http::ParseOutcome o = parseHeads(data);
        if (o.state == http::ParseOutcome::Incomplete) {
            m_in = data.sliced(o.consumed).toByteArray();
        } else if (o.state == http::ParseOutcome::Complete) {
            const QByteArrayView rest = data.sliced(o.consumed);
            if (!rest.isEmpty() && bodiless()) {
                m_in = rest.toByteArray(); // bytes after an answer without a body: not reused (complete())
            }
            if (headDone() && !rest.isEmpty()) {
                body(rest);
            }
        }
    } else if (read.got() > 0) {
        process();
    }
    return true;
}

void UpstreamClient::socketClosed()
{
    if (m_flushing) {
        m_closedWhileFlushing = true; // see sendRequest()
        return;
    }
    onSocketError();
}

void UpstreamClient::close()
{
    m_phase = Phase::Idle;
    m_deadline = 0;
    dropSocket();
}

void UpstreamClient::setPaused(bool paused)
{
    if (m_paused == paused) {
        return;
    }
    m_paused = paused;
    if (!paused && m_socket && m_phase == Phase::Body) {
        touch(m_target->streamIdleTimeoutMs);
        // Data that arrived while paused sits in the socket buffer; no new readyRead will announce it. Once Qt's
        // buffer is drained its notifier is on again, and the direct reads resume (the pause may have ended them).
        later([this] {
            onReadyRead();
            if (m_lease) {
                UpstreamPool::readDirectly(m_lease);
            }
        });
    }
}

void UpstreamClient::touch(int timeoutMs)
{
    m_deadlineTimeoutMs = timeoutMs;
    m_deadline = timeoutMs > 0 ? nowMs() + timeoutMs : 0;
}

void UpstreamClient::checkTimeouts(qint64 now)
{
    if (m_deadline == 0 || now < m_deadline) {
        return;
    }
    if (m_phase == Phase::Body && m_paused) {
        touch(m_target->streamIdleTimeoutMs); // the client is slow, not the upstream
        return;
    }
    using Kind = UpstreamFailure::Kind;
    const Kind kind = m_phase == Phase::Connecting ? Kind::ConnectTimeout
        : m_phase == Phase::WaitingHead            ? Kind::FirstByteTimeout
                                                   : Kind::IdleTimeout;
    const QString what = kind == Kind::ConnectTimeout ? kConnectingToTheUpstream.text()
        : kind == Kind::FirstByteTimeout              ? kWaitingForTheUpstreamTo.text()
                                                      : kWaitingForTheNextPart.text();
    fail(kind, 504, kTimedOutAfterMs.text().arg(m_deadlineTimeoutMs).arg(what));
}

void UpstreamClient::sendRequest()
{
    const UpstreamSettings &u = *m_target;
    const bool sendsLength = !m_request.body.isEmpty() || http::equals(m_request.method, "POST")
        || http::equals(m_request.method, "PUT") || http::equals(m_request.method, "PATCH");
    const bool bodyInHead = m_request.body.size() < 16 * 1024;
    QByteArray head = takeSpareBytes();
    {
        http::ByteWriter w(head,
            160 + m_request.method.size() + u.pathPrefix.size() + m_request.target.size() + u.hostHeader.size()
                + http::headersSize(m_request.headers) + m_relaySecret.size() + m_keySecret.size()
                + (bodyInHead ? m_request.body.size() : 0));
        w.put(m_request.method);
        w.put(" ");
        w.put(u.pathPrefix);
        w.put(m_request.target);
        w.put(" HTTP/1.1\r\nHost: ");
        w.put(u.hostHeader);
        w.put("\r\n");
        w.headers(m_request.headers);
        if (!m_relaySecret.isEmpty()) {
            w.put("x-relay-secret: ");
            w.put(m_relaySecret);
            w.put("\r\n");
        }
        w.put(m_request.bearerAuth ? QByteArrayView("Authorization: Bearer ") : "x-goog-api-key: ");
        w.put(m_keySecret);
        w.put("\r\n");
        if (sendsLength) {
            w.put("Content-Length: ");
            w.number(m_request.body.size());
            w.put("\r\n");
        }
        w.put("\r\n");
        if (bodyInHead) {
            w.put(m_request.body);
        }
    }
    if (bodyInHead) {
        m_lease->write(head); // not into a 16 KiB block that Qt would keep for the socket's life
        keepSpareBytes(std::move(head));
    } else { // shared with Qt's buffer, not copied (plain sockets)
        m_lease->writeShared(head);
        m_lease->writeShared(m_request.body);
    }
    m_phase = Phase::WaitingHead;
    touch(u.firstByteTimeoutMs);
    // Sent now, not from a write notifier on the next turn of the event loop. A write that fails (a reused
    // connection the server reset) makes Qt report the close from inside flush(): it is handled from the event loop,
    // as it was when Qt wrote later, so the attempt fails (or is retried as stale) outside open()'s caller.
    m_flushing = true;
    m_socket->flush();
    m_flushing = false;
    if (std::exchange(m_closedWhileFlushing, false)) {
        later([this, attempt = m_attempt] {
            if (attempt == m_attempt) {
                onSocketError();
            }
        });
    }
}

void UpstreamClient::onReadyRead()
{
    if (!m_socket || m_phase == Phase::Idle || m_phase == Phase::Connecting) {
        return;
    }
    if (m_paused) {
        return; // leave it in the (bounded) socket buffer: TCP pushes back on the upstream
    }
    if (m_lease->appendAvailable(m_in) < 0 && m_lease->failed()) {
        onSocketError();
        return;
    }
    process();
}

void UpstreamClient::onSocketError()
{
    if (!m_socket || m_phase == Phase::Idle) {
        return;
    }
    QTcpSocket *socket = m_socket;
    UpstreamPool::Lease *lease = m_lease;
    // Bytes may still be buffered when the server closes right after sending them.
    if (lease->hasBuffered() && !m_paused && !lease->failed()) {
        lease->appendAvailable(m_in);
        process();
        if (m_socket != socket || m_phase == Phase::Idle) {
            return; // the attempt ended (or the next one began) while processing them
        }
    }
    const bool closed = lease->failed() || socket->state() != QAbstractSocket::ConnectedState
        || socket->error() == QAbstractSocket::RemoteHostClosedError;
    if (!closed) {
        return; // a non-fatal error; the disconnect follows
    }
    if (m_phase == Phase::Body) {
        if (m_paused && lease->hasBuffered() && !lease->failed()) {
            return; // finish when the client catches up
        }
        if (m_response.bodyKind == http::BodyKind::None && m_response.contentLength < 0 && !lease->failed()) {
            complete(); // close-delimited body: the close is the end (not a TLS failure)
            return;
        }
        fail(UpstreamFailure::Kind::Broken, 502, m_holding ? kClosedInErrorResponse.text() : kClosedInResponse.text());
        return;
    }
    // Before any response byte: a reused keep-alive connection the server had already closed is not the
    // key's fault; the owner tries again on a fresh one without counting an attempt. So with a proxy's 407 that a
    // new connection answers (UpstreamPool::Lease::againOnNewConnection()).
    const bool staleReuse = (m_reused && m_in.isEmpty()) || lease->againOnNewConnection();
    QString reason = lease->errorString();
    if (lease->certificateRejected()) {
        reason = kTlsVerificationFailed.text().arg(reason);
    } else if (auto *ssl = qobject_cast<QSslSocket *>(socket); ssl && !ssl->sslHandshakeErrors().isEmpty()) {
        reason = kTlsVerificationFailed.text().arg(ssl->sslHandshakeErrors().first().errorString());
    }
    fail(staleReuse ? UpstreamFailure::Kind::Stale : UpstreamFailure::Kind::Unreachable, 502,
        kCouldNotReachTheUpstream.text().arg(QString::fromLatin1(m_target->hostHeader), reason));
}

http::ParseOutcome UpstreamClient::parseHeads(QByteArrayView data)
{
    qsizetype consumed = 0;
    for (;;) {
        http::ParseOutcome o
            = http::parseResponseHead(data.sliced(consumed), m_isHead, kMaxUpstreamHeadBytes, &m_response);
        if (o.state == http::ParseOutcome::Error) {
            fail(UpstreamFailure::Kind::Broken, 502, QString::fromLatin1(o.reason));
            return o;
        }
        if (o.state == http::ParseOutcome::Complete) {
            consumed += o.consumed;
            if (m_response.status >= 100 && m_response.status < 200) {
                continue; // 100 Continue and friends: the real head follows
            }
        }
        o.consumed = consumed;
        return o;
    }
}

bool UpstreamClient::headDone()
{
    m_phase = Phase::Body;
    touch(m_target->streamIdleTimeoutMs);
    m_remaining = m_response.contentLength;
    m_holding = m_handler->upstreamHead(m_response);
    if (m_phase != Phase::Body) {
        return false; // the owner closed us (the client went away)
    }
    if (!m_holding) {
        m_response.headers = http::HeaderList(); // passed on: not held for as long as a stream runs
    }
    // Bodiless answers end here: no byte will follow to finish them, and the client's next request on the
    // connection waits for this one.
    if (bodiless()) {
        complete();
        return false;
    }
    return true;
}

bool UpstreamClient::bodiless() const
{
    // HEAD, 204, 304, Content-Length: 0 (the resumable-upload start)
    return !m_response.hasBody || (m_response.bodyKind == http::BodyKind::Length && m_response.contentLength == 0);
}

void UpstreamClient::process()
{
    if (m_phase == Phase::WaitingHead) {
        const http::ParseOutcome o = parseHeads(m_in);
        if (o.state == http::ParseOutcome::Error) {
            return;
        }
        http::consumeFront(m_in, o.consumed);
        if (o.state == http::ParseOutcome::Incomplete || !headDone()) {
            return;
        }
    }
    if (m_phase != Phase::Body || m_in.isEmpty()) {
        return;
    }
    // Taken out of m_in, which is kept alive here while the bytes are delivered (what the delivery sets off may
    // change m_in).
    const QByteArray in = std::exchange(m_in, QByteArray());
    body(in);
}

void UpstreamClient::body(QByteArrayView in)
{
    // Everything read so far is `in` (m_in is empty): what is not used now goes to m_in for the next read.
    touch(m_target->streamIdleTimeoutMs);
    switch (m_response.bodyKind) {
    case http::BodyKind::Length: {
        const qsizetype take = qsizetype(std::min<qint64>(m_remaining, in.size()));
        if (take < in.size()) {
            m_in = in.sliced(take).toByteArray(); // bytes after the body: the connection is not reused (complete())
        }
        m_remaining -= take;
        deliver(in.first(take));
        if (m_phase == Phase::Body && m_remaining == 0) {
            complete();
        }
        break;
    }
    case http::BodyKind::Chunked: {
        // Decoded without a copy when a read holds one chunk (a stream's event): the data is then a view of `in`.
        QByteArray joined;
        const http::ChunkedDecoder::Step step = m_chunked.decode(in, &joined);
        if (step.consumed < in.size()) {
            m_in = in.sliced(step.consumed).toByteArray(); // a chunk's size line or CRLF cut by the read: a few bytes
        }
        if (!step.data.isEmpty()) {
            deliver(step.data);
        }
        if (m_phase != Phase::Body) {
            return;
        }
        if (step.errorStatus) {
            fail(UpstreamFailure::Kind::Broken, 502, kTheUpstreamSentAMalformed.text());
        } else if (step.done) {
            complete();
        }
        break;
    }
    case http::BodyKind::None:
        deliver(in);
        break;
    }
}

void UpstreamClient::deliver(QByteArrayView data)
{
    if (data.isEmpty()) {
        return;
    }
    if (m_holding) {
        if (m_held.size() + data.size() > kMaxHeldBytes) {
            fail(UpstreamFailure::Kind::Broken, 502, kTheUpstreamErrorResponseIs.text());
            return;
        }
        m_held.append(data);
        return;
    }
    m_handler->upstreamData(data);
}

void UpstreamClient::complete()
{
    const bool reusable = m_response.keepAlive && m_in.isEmpty()
        && !(m_response.bodyKind == http::BodyKind::None && m_response.contentLength < 0);
    if (reusable && m_socket) {
        m_socket = nullptr;
        m_pool->release(std::exchange(m_lease, nullptr), *m_target); // we hear nothing more from it
    } else {
        dropSocket();
    }
    m_phase = Phase::Idle;
    m_deadline = 0;
    const QByteArray held = std::exchange(m_held, QByteArray());
    m_handler->upstreamEnd(held);
}

void UpstreamClient::fail(UpstreamFailure::Kind kind, int status, const QString &message)
{
    const int headStatus = m_phase == Phase::Body ? m_response.status : 0;
    dropSocket();
    m_phase = Phase::Idle;
    m_deadline = 0;
    m_handler->upstreamFailed({ kind, status, headStatus, message });
}

void UpstreamClient::dropSocket()
{
    if (!m_socket) {
        return;
    }
    m_socket = nullptr;
    UpstreamPool::discard(std::exchange(m_lease, nullptr));
}

} // namespace ga::proxy
