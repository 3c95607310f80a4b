// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/clientconnection.h"

#include "http/buffer.h"
#include "http/httperror.h"
#include "http/search.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/adminport.h"
#include "proxy/clientconnection_p.h"
#include "proxy/forwarding.h"
#include "proxy/listfanout.h"
#include "proxy/observability.h"
#include "proxy/proxyworker.h"
#include "proxy/socketio.h"
#include "proxy/usagesniffer.h"
#include "security/authenticator.h"
#include "security/browserguard.h"
#include "version.h"

#include <QDateTime>
#include <QPointer>
#include <QSslSocket>
#include <QTimer>

#include <utility>

namespace ga::proxy {

ClientConnection::ClientConnection(qintptr descriptor, ProxyWorker *worker, const QSslConfiguration *tls)
    : QObject(worker)
    , m_worker(worker)
    , m_counters(worker->counters())
    , m_own(worker->ownCounters())
    , m_settings(worker->settings())
    , m_chunked(m_settings->limits.maxBodyBytes)
{
    QSslSocket *ssl = tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = ssl ? ssl : new QTcpSocket(this);
    if (ssl) {
        ssl->setSslConfiguration(*tls);
    }
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcHttp) << "could not adopt a client socket:" << socket->errorString();
        delete socket;
        return;
    }
    if (ssl) {
        // The handshake runs in the event loop; a client that never finishes it is cut at the head deadline.
        connect(ssl, &QSslSocket::handshakeInterruptedOnError, ssl,
            [](const QSslError &e) { qCDebug(lcHttp).noquote() << "TLS handshake failed:" << e.errorString(); });
        ssl->startServerEncryption();
    }
    m_socket = socket;
    m_peer = socket->peerAddress();
    m_peerText = worker->peerText(m_peer);
    m_peerLoopback = m_peer.isLoopback();
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QIODevice::readyRead, this, &ClientConnection::onReadyRead);
    connect(m_socket, &QIODevice::bytesWritten, this, &ClientConnection::onBytesWritten);
    connect(m_socket, &QAbstractSocket::disconnected, this, &ClientConnection::onDisconnected);
    attachDirectReads(m_socket, this); // plain HTTP: read with recv() (TLS: through QSslSocket)
    m_waitingSince = nowMs();
    m_waitingOrder = m_worker->nextWaitingOrder();
    m_deadline = m_waitingSince + m_settings->headerTimeoutMs;
}

ClientConnection::~ClientConnection()
{
    setInFlight(false);
    if (m_exchange) {
        m_exchange->abort();
    }
}

void ClientConnection::abortUnread()
{
    if (m_socket) {
        m_socket->abort();
    }
}

void ClientConnection::refuse(const QString &message)
{
    if (!m_socket) {
        return;
    }
    m_keepAlive = false;
    writeAndClose(http::errorResponse(503, message, true, "Retry-After: 1\r\n"));
}

void ClientConnection::evict()
{
    if (!isEvictable()) {
        return;
    }
    m_keepAlive = false;
    if (m_in.isEmpty() && !m_sawFirstLine) {
        // Idle: closed as a keep-alive timeout would close it; clients open a new connection.
        writeAndClose(QByteArray());
        return;
    }
    writeAndClose(http::errorResponse(503,
        QStringLiteral("The proxy is at its connection limit and closed this connection, which had not sent a "
                       "complete request; retry shortly."),
        true, "Retry-After: 1\r\n"));
}

void ClientConnection::writeAndClose(const QByteArray &response)
{
    m_state = State::Closing;
    m_deadline = 0;
    // Unread request bytes, also those the kernel holds that Qt has not read yet, would turn the close into a reset
    // that can destroy the answer on its way: read and drop them first (a bounded number of reads: the client may
    // keep sending, and the slot must be free now).
    m_readPaused = false;
    m_socket->setReadBufferSize(0);
    m_socket->readAll();
    for (int i = 0; i < 16 && m_socket->state() == QAbstractSocket::ConnectedState && m_socket->waitForReadyRead(0);
         ++i) {
        m_socket->readAll(); // onReadyRead() drops them too while Closing
    }
    m_in.clear();
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        onDisconnected(); // the client closed meanwhile (signalled once)
        return;
    }
    if (!response.isEmpty()) {
        put(response); // a small answer goes to the kernel's send buffer now
    }
    if (m_socket->bytesToWrite() > 0) {
        closeAfterWrite(); // the kernel's buffer is full: the usual 5 s grace
        return;
    }
    m_socket->abort();
    onDisconnected();
}

void ClientConnection::checkTimeouts(qint64 now)
{
    if (m_live) {
        m_live->checkTimeouts(now);
        if (m_state != State::Closing) {
            return;
        }
    }
    if (m_exchange) {
        m_exchange->checkTimeouts(now);
        return;
    }
    if (m_deadline == 0 || now < m_deadline || !m_socket) {
        return;
    }
    m_deadline = 0;
    if (m_state == State::ReadingHead && m_in.isEmpty()) {
        m_socket->disconnectFromHost(); // idle keep-alive connection: close quietly
        return;
    }
    if (m_state == State::ReadingHead || m_state == State::ReadingBody) {
        sendError(408, QStringLiteral("The request was not received in time."), true);
        m_linger = false; // too slow to be owed more time: closed once the answer is out
    } else if (m_state == State::Closing) {
        m_socket->abort();
    }
}

void ClientConnection::onReadyRead()
{
    if (!m_socket) {
        return;
    }
    if (m_readPaused) {
        return; // the byte Qt read stays in its buffer, which stops further reads until resumeReading()
    }
    if (m_state == State::Closing) {
        m_socket->readAll(); // the rest of a refused request (lingering close): read and dropped, never kept
        return;
    }
    if (m_state == State::Live) {
        if (m_livePaused) {
            return; // Qt's buffer (bounded for Live) fills, then TCP pushes back on the client
        }
        http::appendAvailable(m_socket, m_in);
        m_live->clientData(m_in);
        return;
    }
    if (m_in.isEmpty() && m_state == State::ReadingHead) {
        m_worker->wakeSweeper(); // a request begins: its deadlines are finer than the idle sweep
    }
    requestBytesRead(http::appendAvailable(m_socket, m_in));
}

bool ClientConnection::readable()
{
    // Only the states onReadyRead() reads requests in; the rest (a paused slow head, a lingering close, Live) as
    // Qt reads them.
    if (!m_socket || m_readPaused
        || !(m_state == State::ReadingHead || m_state == State::ReadingBody || m_state == State::Forwarding)) {
        return false;
    }
    const bool begins = m_in.isEmpty() && m_state == State::ReadingHead;
    const qint64 got = readDirect(m_socket, m_in);
    if (got < 0) {
        return false; // the end of the stream or an error: Qt reads it too and reports the close
    }
    if (got > 0) {
        if (begins) {
            m_worker->wakeSweeper();
        }
        requestBytesRead(got);
    }
    return true;
}

void ClientConnection::requestBytesRead(qint64 got)
{
    WorkerCounters::add<quint64>(m_own->clientReads, 1);
    if (m_state == State::ReadingHead || m_state == State::ReadingBody) {
        process();
        if (m_readPauseMs > 0 && got >= kFastRead) {
            m_readPauseMs = 0; // a pause gathered plenty: not a trickle after all
            m_smallReads = 0;
        }
        if (m_socket && m_state == State::ReadingHead && !m_in.isEmpty()
            && (m_readPauseMs > 0 || (got < kSmallRead && ++m_smallReads >= kSmallReadsBeforePause))) {
            pauseReading(got < kFastRead);
        }
    } else if (m_state == State::Forwarding
        && m_in.size() > m_settings->limits.maxHeaderBytes + m_settings->limits.maxBodyBytes) {
        m_socket->abort(); // a client flooding pipelined requests faster than we answer
    }
}

void ClientConnection::process()
{
    const http::Limits &limits = m_settings->limits;
    while (m_socket && (m_state == State::ReadingHead || m_state == State::ReadingBody)) {
        if (m_state == State::ReadingHead) {
            if (m_in.isEmpty() || !headWorthParsing()) {
                return;
            }
            const http::ParseOutcome o = http::parseRequestHead(m_in, limits, &m_request);
            if (o.state == http::ParseOutcome::Incomplete) {
                return;
            }
            if (o.state == http::ParseOutcome::Error) {
                sendError(o.status, QString::fromLatin1(o.reason), true);
                return;
            }
            http::consumeFront(m_in, o.consumed);
            m_headScanned = 0;
            m_sawFirstLine = false;
            m_keepAlive = m_request.keepAlive;
            m_sentContinue = false;
            // The admin API takes small bodies only: a larger one is refused from its head, never read or parsed.
            const qint64 maxBody = isConsolePath(m_request.path) ? kMaxAdminBodyBytes : limits.maxBodyBytes;
            if (m_request.bodyKind == http::BodyKind::Length && m_request.contentLength > maxBody) {
                sendError(413, QStringLiteral("The request body is larger than the server accepts."), true);
                return;
            }
            m_chunked = http::ChunkedDecoder(maxBody);
            if (m_request.bodyKind == http::BodyKind::None) {
                dispatch();
                continue;
            }
            m_state = State::ReadingBody;
            m_deadline = nowMs() + m_settings->headerTimeoutMs;
        }
        // ReadingBody
        if (m_request.expectContinue && !m_sentContinue && m_in.isEmpty()) {
            m_sentContinue = true;
            put("HTTP/1.1 100 Continue\r\n\r\n");
            return;
        }
        if (m_request.bodyKind == http::BodyKind::Length) {
            if (m_in.size() < m_request.contentLength) {
                return;
            }
            m_request.body = http::takeFront(m_in, m_request.contentLength);
            if (m_request.body.capacity() - m_request.body.size() > http::kKeptBufferCapacity) {
                m_request.body.squeeze(); // kept for retries while the request runs: not in a whole read block
            }
            dispatch();
            continue;
        }
        const http::ChunkedDecoder::Step step = m_chunked.feed(m_in, &m_request.body);
        http::consumeFront(m_in, step.consumed);
        if (step.errorStatus) {
            sendError(step.errorStatus, QString::fromLatin1(step.reason), true);
            return;
        }
        if (!step.done) {
            return;
        }
        dispatch();
    }
}

// A head that keeps arriving in tiny pieces (a byte per segment, as a slowloris client sends it) would cost a
// wake-up, a read and a scan per piece. After a few such reads the socket is left alone for a moment and the
// kernel gathers what arrives meanwhile into one read: the cost per head no longer grows with the number of
// writes. Heads of real clients come in one or two reads and never get here; the header deadline is unchanged.
void ClientConnection::pauseReading(bool longer)
{
    m_readPaused = true;
    // Qt stops reading from the kernel once its buffer holds this many unread bytes.
    m_socket->setReadBufferSize(1);
    // Slow for the rest of this head: while a pause still gathers only a little, the next one is twice as long,
    // up to a limit. One that gathers a lot ends the slow mode (above).
    m_readPauseMs = m_readPauseMs == 0 ? kReadPauseMs
        : longer                       ? std::min(2 * m_readPauseMs, kMaxReadPauseMs)
                                       : m_readPauseMs;
    QTimer::singleShot(m_readPauseMs, this, &ClientConnection::resumeReading);
}

void ClientConnection::resumeReading()
{
    if (!m_readPaused || !m_socket) {
        return;
    }
    m_readPaused = false;
    m_socket->setReadBufferSize(0);
    attachDirectReads(m_socket, this); // the pause may have turned Qt's notifiers off, and the route with them
    // Everything the kernel gathered meanwhile, in one read (a poll that does not wait; readyRead follows it),
    // together with the byte held back.
    if (!m_socket->waitForReadyRead(0) && m_socket && m_socket->bytesAvailable() > 0) {
        onReadyRead();
    }
}

bool ClientConnection::headWorthParsing()
{
    // The parser reads the whole buffered head; calling it on every readyRead made a head sent a byte at a time
    // cost O(n²). It runs only when the request line is complete (so a bad one is refused at once), when a line
    // end is followed by an empty line (the head is complete, or a bare-LF head the parser refuses), and when the
    // head outgrows its limit. Only bytes not looked at before are scanned.
    const qsizetype size = m_in.size();
    const qsizetype from = std::max<qsizetype>(0, m_headScanned - 2);
    m_headScanned = size;
    if (size > m_settings->limits.maxHeaderBytes) {
        return true;
    }
    const char *data = m_in.constData();
    for (qsizetype i = m_in.indexOf('\n', from); i >= 0; i = m_in.indexOf('\n', i + 1)) {
        if (!m_sawFirstLine) {
            m_sawFirstLine = true;
            return true;
        }
        if ((i + 1 < size && data[i + 1] == '\n') || (i + 2 < size && data[i + 1] == '\r' && data[i + 2] == '\n')) {
            return true;
        }
    }
    return false;
}

void ClientConnection::answerLocally(
    int status, const QByteArray &contentType, const QByteArray &body, const QByteArray &extraHeaders)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + http::reasonPhrase(status) + "\r\n";
    if (status != 204) { // 204 carries neither (RFC 9110 §8.6)
        out += "Content-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    out += extraHeaders;
    if (!m_keepAlive) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    if (!http::equals(m_request.method, "HEAD")) {
        out += body;
        m_record.bytesOut += body.size();
    }
    noteHead(status);
    put(out);
    finishResponse();
}

void ClientConnection::sendError(int status, const QString &message, bool close, qint64 retryAfterSeconds)
{
    if (!m_socket) {
        return;
    }
    if (close) {
        m_keepAlive = false;
        // Answered before the request was read to its end (413, 431, a bad head, a timeout): the client may still
        // be sending. Closing with its bytes unread would reset the connection, and a reset can destroy this
        // answer before the client reads it; so the close lingers (see finishClose()).
        // A head refused for its announced body (413) counts too: the body may not have arrived at all yet.
        m_linger = m_state == State::ReadingBody
            || (m_state == State::ReadingHead && (!m_in.isEmpty() || m_request.bodyKind != http::BodyKind::None));
    }
    qCDebug(lcHttp).noquote() << "answering" << status << message;
    const QByteArray extra
        = retryAfterSeconds >= 0 ? "Retry-After: " + QByteArray::number(retryAfterSeconds) + "\r\n" : QByteArray();
    const QByteArray response = http::errorResponse(status, message, !m_keepAlive, extra);
    noteHead(status);
    m_record.bytesOut += response.size() - response.indexOf("\r\n\r\n") - 4;
    put(response);
    finishResponse();
}

void ClientConnection::onBytesWritten()
{
    if (m_live && m_state == State::Live) {
        m_live->clientDrained();
    }
    if (m_exchange && m_exchange->isPaused() && m_socket->bytesToWrite() < m_settings->clientLowWaterBytes) {
        m_exchange->setPaused(false);
    }
    if (m_state == State::Closing && m_socket->bytesToWrite() == 0) {
        finishClose();
    }
}

void ClientConnection::finishClose()
{
    // TLS ends with its close_notify (disconnectFromHost), never a bare shutdown of the descriptor under it.
    if (!m_linger || m_lingering || isTls()) {
        m_socket->disconnectFromHost();
        return;
    }
    // Lingering close, as nginx does it: end our direction (the client reads the answer, then end-of-file), keep
    // reading and dropping what the client still sends, and close when it closes or after kLingerMs.
    m_lingering = true;
    m_in.clear();
    m_readPaused = false;
    m_socket->setReadBufferSize(0);
    if (!shutdownSending(m_socket->socketDescriptor())) {
        m_socket->disconnectFromHost();
        return;
    }
    m_deadline = nowMs() + kLingerMs;
    m_socket->readAll();
}

void ClientConnection::finishResponse()
{
    completeRecord(false);
    m_ticket.release();
    m_worker->retire(std::move(m_exchange));
    m_request = http::Request();
    m_headSent = false;
    if (!m_keepAlive) {
        closeAfterWrite();
        return;
    }
    m_state = State::ReadingHead;
    ++m_served;
    m_waitingSince = nowMs();
    m_waitingOrder = m_worker->nextWaitingOrder();
    m_deadline = m_waitingSince + (m_in.isEmpty() ? m_settings->keepAliveTimeoutMs : m_settings->headerTimeoutMs);
    if (!m_in.isEmpty()) {
        // Pipelined requests: answer them in order, but from the event loop (no deep recursion).
        QMetaObject::invokeMethod(this, &ClientConnection::process, Qt::QueuedConnection);
    }
}

void ClientConnection::closeAfterWrite()
{
    put({}); // what is held (a head, the end of a body) is delivered before the close
    m_state = State::Closing;
    m_deadline = nowMs() + 5000; // a client that never reads its response is cut after this
    if (m_socket->bytesToWrite() == 0) {
        finishClose();
    }
}

void ClientConnection::put(QByteArrayView bytes)
{
    if (m_held.isEmpty()) {
        writeThrough(m_socket, bytes);
        return;
    }
    m_held.append(bytes);
    writeThrough(m_socket, m_held);
    keepSpareBytes(std::exchange(m_held, QByteArray()));
}

void ClientConnection::flushNow()
{
    put({});
    m_flushing = true;
    m_socket->flush();
    m_flushing = false;
    if (std::exchange(m_disconnectedWhileFlushing, false)) {
        QMetaObject::invokeMethod(this, &ClientConnection::onDisconnected, Qt::QueuedConnection);
    }
}

void ClientConnection::onDisconnected()
{
    if (m_flushing) {
        m_disconnectedWhileFlushing = true; // see flushNow()
        return;
    }
    if (m_live && !m_live->isOver()) {
        m_live->clientGone(); // the upstream side ends too (and the record is completed through liveEnded())
    }
    if (m_exchange) {
        m_exchange->abort(); // the client went away: the upstream request goes too, now (logged as its attempt)
    }
    completeRecord(true); // the client went away before its response was complete
    m_worker->retire(std::move(m_exchange));
    m_state = State::Closing;
    if (!m_closedSignalled) {
        m_closedSignalled = true;
        m_worker->onClosed(this); // a call, not a signal: a connection's own signal table costs each stream ~250 B
    }
}

} // namespace ga::proxy
