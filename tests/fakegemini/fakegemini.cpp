// SPDX-License-Identifier: GPL-3.0-or-later
#include "fakegemini.h"

#include "fakegemini_p.h"

#include <QDateTime>
#include <QMetaMethod>
#include <QMutexLocker>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <utility>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace ga::test {

using namespace ga::test::fake;

namespace {

constexpr qsizetype kMaxHead = 64 * 1024;
constexpr qint64 kMaxBody = 512LL * 1024 * 1024;

struct BehaviourNameEntry
{
    Behaviour behaviour;
    const char *name;
};
const BehaviourNameEntry kBehaviourNames[] = {
    { Behaviour::Normal, "normal" },
    { Behaviour::RateLimited, "rateLimited" },
    { Behaviour::Invalid, "invalid" },
    { Behaviour::Overloaded, "overloaded" },
    { Behaviour::Internal, "internal" },
    { Behaviour::RegionBlocked, "regionBlocked" },
    { Behaviour::MidStreamError, "midStreamError" },
    { Behaviour::Hang, "hang" },
    { Behaviour::CloseBeforeResponse, "closeBeforeResponse" },
    { Behaviour::Suspended, "suspended" },
    { Behaviour::RateLimitedNoQuota, "rateLimitedNoQuota" },
    { Behaviour::NoContent, "noContent" },
    { Behaviour::Forbidden, "forbidden" },
};

bool containsToken(QByteArrayView value, QByteArrayView token)
{
    return value.toByteArray().toLower().contains(token);
}

} // namespace

QString behaviourName(Behaviour b)
{
    for (const auto &e : kBehaviourNames) {
        if (e.behaviour == b) {
            return QString::fromLatin1(e.name);
        }
    }
    return {};
}

bool behaviourFromName(QStringView name, Behaviour *out)
{
    for (const auto &e : kBehaviourNames) {
        if (name.compare(QLatin1String(e.name), Qt::CaseInsensitive) == 0) {
            *out = e.behaviour;
            return true;
        }
    }
    return false;
}

QString keySourceName(KeySource s)
{
    switch (s) {
    case KeySource::None:
        return QStringLiteral("none");
    case KeySource::Header:
        return QStringLiteral("header");
    case KeySource::Query:
        return QStringLiteral("query");
    case KeySource::Bearer:
        return QStringLiteral("bearer");
    case KeySource::AccessToken:
        return QStringLiteral("accessToken");
    case KeySource::Token:
        return QStringLiteral("token");
    }
    return {};
}

QByteArray RecordedRequest::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0) {
            return h.second;
        }
    }
    return {};
}

QList<QByteArray> RecordedRequest::headerValues(QByteArrayView name) const
{
    QList<QByteArray> values;
    for (const auto &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0) {
            values.append(h.second);
        }
    }
    return values;
}

bool RecordedRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

// ===============================================================================================================
// HttpConnection

namespace fake {

HttpConnection::HttpConnection(std::shared_ptr<Shared> shared, qintptr descriptor, QObject *parent)
    : QObject(parent)
    , m_shared(std::move(shared))
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
#ifdef Q_OS_UNIX
        ::close(int(descriptor));
#endif
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket = socket;
    m_id = ++m_shared->connectionSeq;
    ++m_shared->open;
    ++m_shared->total;
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, [this] { onTimer(); });
    connect(socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
    connect(socket, &QTcpSocket::disconnected, this, [this] { onDisconnected(); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            onDisconnected();
        }
    });
    m_in.reserve(8192);
    m_out.reserve(8192);
    if (socket->bytesAvailable() > 0) {
        onReadyRead();
    }
}

HttpConnection::~HttpConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        --m_shared->open;
    }
}

void HttpConnection::onReadyRead()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0) {
        return;
    }
    if (m_phase == Phase::Closed) {
        m_socket->skip(available);
        return;
    }
    if (m_phase == Phase::Head && !m_busy && m_pos == m_in.size() && peekUpgrade()) {
        return;
    }
    const qsizetype old = m_in.size();
    m_in.resize(old + available);
    const qint64 got = m_socket->read(m_in.data() + old, available);
    m_in.resize(old + std::max<qint64>(got, 0));
    process();
}

void HttpConnection::onDisconnected()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    m_timer->stop();
    const bool aborted = m_busy;
    m_busy = false;
    m_phase = Phase::Closed;
    if (aborted) {
        ++m_shared->aborted;
        m_shared->owner->notifyAborted();
    }
    m_shared->owner->notifyClosed();
    deleteLater();
}

void HttpConnection::onTimer()
{
    const Wait wait = m_wait;
    m_wait = Wait::None;
    if (wait == Wait::Latency) {
        startPlan();
    } else if (wait == Wait::Interval) {
        sendPieces();
    }
}

void HttpConnection::process()
{
    if (m_processing) {
        return;
    }
    m_processing = true;
    while (!m_busy && m_phase != Phase::Closed && step()) { }
    m_processing = false;
    if (m_pos > 0) {
        if (m_pos >= m_in.size()) {
            m_in.resize(0);
        } else {
            m_in.remove(0, m_pos);
        }
        m_scan = std::max<qsizetype>(0, m_scan - m_pos);
        m_pos = 0;
    }
}

// One parsing step; false when more input is needed (or the connection is done).
bool HttpConnection::step()
{
    switch (m_phase) {
    case Phase::Head: {
        const qsizetype from = std::max(m_pos, m_scan - 3);
        const qsizetype end = QByteArrayView(m_in).indexOf("\r\n\r\n", from);
        if (end < 0) {
            m_scan = m_in.size();
            if (m_in.size() - m_pos > kMaxHead) {
                failAndClose(431, "Request header fields too large.");
            }
            return false;
        }
        if (end == m_pos) { // stray CRLFs between requests
            m_pos += 2;
            return true;
        }
        if (!parseHead(end)) {
            return false;
        }
        m_pos = end + 4;
        m_scan = m_pos;
        if (m_phase == Phase::Head) {
            dispatch();
        } else {
            const QByteArrayView expect = m_request.header("expect");
            const bool complete = m_phase == Phase::FixedBody && m_in.size() - m_pos >= m_remaining;
            if (!expect.isNull() && !complete && expect.trimmed().compare("100-continue", Qt::CaseInsensitive) == 0) {
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                m_socket->flush();
            }
        }
        return true;
    }
    case Phase::FixedBody:
        if (!takeBody()) {
            return false;
        }
        m_phase = Phase::Head;
        dispatch();
        return true;
    case Phase::ChunkSize: {
        const qsizetype eol = QByteArrayView(m_in).indexOf("\r\n", m_pos);
        if (eol < 0) {
            if (m_in.size() - m_pos > 1024) {
                failAndClose(400, "Bad chunk size line.");
            }
            return false;
        }
        QByteArrayView line = QByteArrayView(m_in).sliced(m_pos, eol - m_pos);
        const qsizetype semicolon = line.indexOf(';');
        if (semicolon >= 0) {
            line = line.first(semicolon);
        }
        bool ok = false;
        const qint64 size = line.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0) {
            failAndClose(400, "Bad chunk size.");
            return false;
        }
        if (m_request.body.size() + size > kMaxBody) {
            failAndClose(413, "Request body too large.");
            return false;
        }
        m_pos = eol + 2;
        if (size == 0) {
            m_phase = Phase::Trailers;
        } else {
            m_remaining = size;
            m_phase = Phase::ChunkData;
        }
        return true;
    }
    case Phase::ChunkData:
        if (!takeBody()) {
            return false;
        }
        m_phase = Phase::ChunkDataEnd;
        return true;
    case Phase::ChunkDataEnd:
        if (m_in.size() - m_pos < 2) {
            return false;
        }
        if (m_in.at(m_pos) != '\r' || m_in.at(m_pos + 1) != '\n') {
            failAndClose(400, "Bad chunk terminator.");
            return false;
        }
        m_pos += 2;
        m_phase = Phase::ChunkSize;
        return true;
    case Phase::Trailers: {
        const qsizetype eol = QByteArrayView(m_in).indexOf("\r\n", m_pos);
        if (eol < 0) {
            return false;
        }
        const bool last = eol == m_pos;
        m_pos = eol + 2;
        if (last) {
            m_phase = Phase::Head;
            dispatch();
        }
        return true;
    }
    case Phase::Closed:
        return false;
    }
    return false;
}

// Moves up to m_remaining body bytes from the input; true once all of them arrived.
bool HttpConnection::takeBody()
{
    const qsizetype available = m_in.size() - m_pos;
    const qsizetype take = qsizetype(std::min<qint64>(available, m_remaining));
    if (take > 0) {
        m_request.body.append(m_in.constData() + m_pos, take);
        m_pos += take;
        m_remaining -= take;
    }
    return m_remaining == 0;
}

bool HttpConnection::parseHead(qsizetype end)
{
    Request &rq = m_request;
    m_clock.start();
    rq.head = QByteArray(m_in.constData() + m_pos, end - m_pos);
    rq.headers.clear();
    rq.body = QByteArray();
    rq.chunked = false;
    rq.decodedPath = QByteArray();
    rq.connectionId = m_id;

    const QByteArrayView head(rq.head);
    qsizetype lineEnd = head.indexOf("\r\n");
    if (lineEnd < 0) {
        lineEnd = head.size();
    }
    const QByteArrayView line = head.first(lineEnd);
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0) {
        failAndClose(400, "Malformed request line.");
        return false;
    }
    rq.method = line.first(sp1);
    rq.target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    rq.version = line.sliced(sp2 + 1);
    if (!rq.version.startsWith("HTTP/1.") || rq.target.isEmpty()) {
        failAndClose(400, "Unsupported protocol.");
        return false;
    }
    QByteArrayView origin = rq.target;
    if (origin.startsWith("http://") || origin.startsWith("https://")) { // absolute-form
        const qsizetype slash = origin.indexOf('/', origin.indexOf("//") + 2);
        origin = slash < 0 ? QByteArrayView("/") : origin.sliced(slash);
    }
    const qsizetype question = origin.indexOf('?');
    rq.path = question < 0 ? origin : origin.first(question);
    rq.query = question < 0 ? QByteArrayView() : origin.sliced(question + 1);
    if (rq.path.contains('%')) {
        rq.decodedPath = QByteArray::fromPercentEncoding(rq.path.toByteArray());
        rq.path = rq.decodedPath;
    }

    qsizetype pos = lineEnd + 2;
    while (pos < head.size()) {
        qsizetype eol = head.indexOf("\r\n", pos);
        if (eol < 0) {
            eol = head.size();
        }
        const QByteArrayView h = head.sliced(pos, eol - pos);
        const qsizetype colon = h.indexOf(':');
        if (colon > 0) {
            qsizetype vb = colon + 1;
            qsizetype ve = h.size();
            while (vb < ve && (h[vb] == ' ' || h[vb] == '\t')) {
                ++vb;
            }
            while (ve > vb && (h[ve - 1] == ' ' || h[ve - 1] == '\t')) {
                --ve;
            }
            qsizetype ne = colon;
            while (ne > 0 && (h[ne - 1] == ' ' || h[ne - 1] == '\t')) {
                --ne;
            }
            rq.headers.append(HeaderRef { int(pos), int(ne), int(pos + vb), int(ve - vb) });
        }
        pos = eol + 2;
    }

    const QByteArrayView connection = rq.header("connection");
    m_http10 = rq.version == "HTTP/1.0";
    if (m_http10) {
        m_keepAlive = !connection.isNull() && containsToken(connection, "keep-alive");
    } else {
        m_keepAlive = connection.isNull() || !containsToken(connection, "close");
    }

    const QByteArrayView te = rq.header("transfer-encoding");
    if (!te.isNull() && containsToken(te, "chunked")) {
        rq.chunked = true;
        m_phase = Phase::ChunkSize;
        return true;
    }
    const QByteArrayView cl = rq.header("content-length");
    if (!cl.isNull()) {
        bool ok = false;
        const qint64 length = cl.trimmed().toLongLong(&ok);
        if (!ok || length < 0) {
            failAndClose(400, "Bad Content-Length.");
            return false;
        }
        if (length > kMaxBody) {
            failAndClose(413, "Request body too large.");
            return false;
        }
        if (length > 0) {
            m_remaining = length;
            rq.body.reserve(qsizetype(length));
            m_phase = Phase::FixedBody;
        }
    }
    return true;
}

void HttpConnection::failAndClose(int status, QByteArrayView message)
{
    Plan plan;
    plan.status = status;
    plan.body = "{\n  \"error\": {\n    \"code\": " + QByteArray::number(status) + ",\n    \"message\": \""
        + message.toByteArray() + "\",\n    \"status\": \"INVALID_ARGUMENT\"\n  }\n}\n";
    m_out.resize(0);
    appendResponseHead(m_out, plan, Framing::Length, plan.body.size(), 0, true);
    m_out += plan.body;
    flushOut();
    m_busy = false;
    closeGracefully();
}

// A Live API upgrade must stay unread in the socket: QWebSocketServer::handleConnection() reads the handshake
// itself. So a GET whose request line has "/ws/" is parsed from peeked bytes, and only what is not handed over is
// read. True when those bytes were dealt with (or more are needed), false to read them as usual.
bool HttpConnection::peekUpgrade()
{
    if (m_socket->peek(4) != "GET ") {
        return false;
    }
    const QByteArray peeked = m_socket->peek(kMaxHead + 4);
    const qsizetype lineEnd = peeked.indexOf("\r\n");
    if (lineEnd < 0) {
        return peeked.size() <= kMaxHead; // wait for the whole request line
    }
    if (!QByteArrayView(peeked).first(lineEnd).contains("/ws/")) {
        return false;
    }
    const qsizetype end = peeked.indexOf("\r\n\r\n");
    if (end < 0) {
        return peeked.size() <= kMaxHead; // wait for the whole head
    }
    m_in = peeked;
    m_pos = 0;
    const bool parsed = parseHead(end); // views point into m_request.head, not m_in
    m_in.resize(0);
    m_scan = 0;
    if (!parsed) {
        return true; // answered and closing
    }
    if (m_phase != Phase::Head || !m_request.hasHeader("upgrade")) { // not an upgrade: read as usual
        m_phase = Phase::Head;
        return false;
    }
    m_peekedHead = end + 4;
    dispatch();
    return true;
}

void HttpConnection::dispatch()
{
    m_busy = true;
    Plan plan;
    Outcome outcome;
    // HEAD: answered like GET, with the same head and no body (RFC 9110 §9.3.2).
    m_headRequest = m_request.method == "HEAD";
    if (m_headRequest) {
        m_request.method = "GET";
    }
    handleRequest(*m_shared, m_request, plan, outcome);
    if (m_headRequest) {
        m_request.method = "HEAD";
        if (plan.kind == Plan::Kind::Stream) {
            plan.kind = Plan::Kind::Respond; // no stream to send
            plan.pieces.clear();
        }
    }
    const qsizetype peeked = std::exchange(m_peekedHead, 0);
    if (plan.kind == Plan::Kind::Upgrade && peeked == 0) {
        // Read already (pipelined behind another request): the socket cannot be handed over any more.
        failAndClose(400, "A WebSocket upgrade must be the first request of its connection.");
        return;
    }
    if (peeked > 0 && plan.kind != Plan::Kind::Upgrade) { // a refused upgrade: consume it, answer, close
        m_socket->skip(peeked);
        m_keepAlive = false;
    }
    quint64 recordId = 0;
    if (plan.record) {
        ++m_shared->handled;
        if (m_shared->recording.load(std::memory_order_relaxed)) {
            recordId = record(plan, outcome);
        }
    }
    if (plan.kind == Plan::Kind::Upgrade) {
        handOver(std::move(plan.live), recordId);
        return;
    }
    m_plan = std::move(plan);
    m_nextPiece = 0;
    if (m_plan.latencyMs > 0) {
        m_wait = Wait::Latency;
        m_timer->start(m_plan.latencyMs);
        return;
    }
    startPlan();
}

// The socket, its upgrade request still unread, goes to a LiveConnection in this thread; this object is done.
void HttpConnection::handOver(std::shared_ptr<LiveStart> start, quint64 requestId)
{
    QTcpSocket *socket = std::exchange(m_socket, nullptr); // counted as open by the LiveConnection from now on
    socket->disconnect(this);
    m_timer->stop();
    m_phase = Phase::Closed;
    m_finished = true;
    m_busy = false;
    new LiveConnection(m_shared, socket, m_request, std::move(start), requestId, parent());
    deleteLater();
}

quint64 HttpConnection::record(const Plan &plan, const Outcome &outcome)
{
    const Request &rq = m_request;
    RecordedRequest r;
    r.id = ++m_shared->requestSeq;
    r.connectionId = m_id;
    r.method = rq.method.toByteArray();
    r.target = rq.target.toByteArray();
    r.path = rq.path.toByteArray();
    r.query = rq.query.toByteArray();
    r.httpVersion = rq.version.toByteArray();
    r.headers.reserve(rq.headers.size());
    for (const HeaderRef &h : rq.headers) {
        r.headers.append({ rq.headerName(h).toByteArray(), rq.headerValue(h).toByteArray() });
    }
    r.body = rq.body;
    r.key = QString::fromUtf8(outcome.key);
    r.keySource = outcome.source;
    r.project = outcome.project;
    r.status = (plan.kind == Plan::Kind::Respond || plan.kind == Plan::Kind::Stream || plan.kind == Plan::Kind::Upgrade)
        ? plan.status
        : 0;
    r.chunkedBody = rq.chunked;
    r.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->records.append(r);
    }
    m_shared->owner->notifyRequest(r);
    return r.id;
}

void HttpConnection::startPlan()
{
    switch (m_plan.kind) {
    case Plan::Kind::Hang:
    case Plan::Kind::Upgrade: // handed over in dispatch(), never gets here
        return; // stays busy until the client goes away
    case Plan::Kind::Close:
        m_busy = false;
        closeGracefully();
        return;
    case Plan::Kind::Respond:
        m_out.resize(0);
        appendResponseHead(m_out, m_plan, m_plan.status == 204 ? Framing::Close : Framing::Length, m_plan.body.size(),
            m_clock.elapsed(), !m_keepAlive && m_plan.status != 204);
        if (m_plan.status == 204 && !m_keepAlive) {
            m_out.insert(m_out.size() - 2, "Connection: close\r\n");
        }
        if (!m_headRequest && m_plan.status != 204) {
            m_out += m_plan.body;
        }
        flushOut();
        finishResponse();
        return;
    case Plan::Kind::Stream:
        m_framing = (m_plan.closeDelimited || m_http10) ? Framing::Close : Framing::Chunked;
        m_out.resize(0);
        appendResponseHead(m_out, m_plan, m_framing, 0, m_clock.elapsed(), !m_keepAlive);
        sendPieces();
        return;
    }
}

void HttpConnection::sendPieces()
{
    for (;;) {
        if (m_nextPiece < m_plan.pieces.size()) {
            appendPiece(m_plan.pieces.at(m_nextPiece++));
            const bool more = m_nextPiece < m_plan.pieces.size() || !m_plan.errorPiece.isEmpty();
            if (!more) {
                if (m_framing == Framing::Chunked) {
                    m_out += "0\r\n\r\n";
                }
                flushOut();
                if (m_framing == Framing::Close) {
                    m_busy = false;
                    closeGracefully();
                } else {
                    finishResponse();
                }
                return;
            }
            if (m_plan.intervalMs > 0) {
                flushOut();
                m_wait = Wait::Interval;
                m_timer->start(m_plan.intervalMs);
                return;
            }
            continue;
        }
        // Mid-stream error: the raw error, then an abrupt end (no terminating zero-size chunk).
        if (!m_plan.errorPiece.isEmpty()) {
            appendPiece(m_plan.errorPiece);
        }
        flushOut();
        m_busy = false;
        closeGracefully();
        return;
    }
}

void HttpConnection::appendPiece(QByteArrayView data)
{
    if (m_framing == Framing::Chunked) {
        m_out += QByteArray::number(data.size(), 16);
        m_out += "\r\n";
        m_out += data;
        m_out += "\r\n";
    } else {
        m_out += data;
    }
}

void HttpConnection::flushOut()
{
    if (!m_out.isEmpty()) {
        m_socket->write(m_out.constData(), m_out.size());
        m_out.resize(0);
    }
    m_socket->flush();
}

void HttpConnection::finishResponse()
{
    m_busy = false;
    m_plan = Plan();
    if (!m_keepAlive) {
        closeGracefully();
        return;
    }
    if (!m_processing) {
        process();
    }
}

void HttpConnection::closeGracefully()
{
    if (m_phase == Phase::Closed && m_finished) {
        return;
    }
    m_phase = Phase::Closed;
    m_timer->stop();
    m_socket->disconnectFromHost(); // flushes what is queued, then FIN
}

// ===============================================================================================================
// Host

void Host::adopt(qintptr descriptor)
{
    auto *connection = new HttpConnection(m_shared, descriptor, this);
    if (!connection->isValid()) {
        delete connection;
    }
}

} // namespace fake

// ===============================================================================================================
// FakeGemini

FakeGemini::FakeGemini(QObject *parent)
    : QObject(parent)
    , m_shared(std::make_shared<Shared>())
{
    m_shared->owner = this;
}

FakeGemini::~FakeGemini()
{
    close();
}

void FakeGemini::setThreads(int n)
{
    m_threads = std::max(0, n);
}

int FakeGemini::threads() const
{
    return m_threads;
}

bool FakeGemini::listen(const QHostAddress &address, quint16 port)
{
    close();
    m_acceptor = new Acceptor(this);
    m_acceptor->setListenBacklogSize(1024);
    if (!m_acceptor->listen(address, port)) {
        m_error = m_acceptor->errorString();
        delete m_acceptor;
        m_acceptor = nullptr;
        return false;
    }
    QString host;
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4 || address == QHostAddress::LocalHost) {
        host = QStringLiteral("127.0.0.1");
    } else if (address == QHostAddress::AnyIPv6 || address == QHostAddress::LocalHostIPv6) {
        host = QStringLiteral("[::1]");
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        host = QLatin1Char('[') + address.toString() + QLatin1Char(']');
    } else {
        host = address.toString();
    }
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->baseUrl = QStringLiteral("http://%1:%2").arg(host).arg(m_acceptor->serverPort()).toUtf8();
    }
    if (m_threads > 1) {
        for (int i = 0; i < m_threads; ++i) {
            auto *thread = new QThread;
            thread->setObjectName(QStringLiteral("fakegemini-%1").arg(i));
            auto *worker = new Host(m_shared);
            worker->moveToThread(thread);
            thread->start();
            m_workers.append({ thread, worker });
        }
    } else {
        m_localHost = new Host(m_shared);
        m_localHost->setParent(this);
    }
    return true;
}

void FakeGemini::close()
{
    if (m_acceptor) {
        m_acceptor->close();
        delete m_acceptor;
        m_acceptor = nullptr;
    }
    for (const auto &[thread, host] : std::as_const(m_workers)) {
        Host *h = host;
        QMetaObject::invokeMethod(
            h, [h] { delete h; }, Qt::BlockingQueuedConnection);
        thread->quit();
        thread->wait();
        delete thread;
    }
    m_workers.clear();
    delete m_localHost;
    m_localHost = nullptr;
}

bool FakeGemini::isListening() const
{
    return m_acceptor && m_acceptor->isListening();
}

quint16 FakeGemini::port() const
{
    return m_acceptor ? m_acceptor->serverPort() : 0;
}

QString FakeGemini::baseUrl() const
{
    QMutexLocker lock(&m_shared->mutex);
    return QString::fromUtf8(m_shared->baseUrl);
}

QString FakeGemini::errorString() const
{
    return m_error;
}

void FakeGemini::addKey(const QString &key, const QString &project)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->keys[key.toUtf8()].project = project;
}

void FakeGemini::removeKey(const QString &key)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->keys.remove(key.toUtf8());
}

bool FakeGemini::hasKey(const QString &key) const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->keys.contains(key.toUtf8());
}

QStringList FakeGemini::keys() const
{
    QMutexLocker lock(&m_shared->mutex);
    QStringList all;
    for (auto it = m_shared->keys.cbegin(); it != m_shared->keys.cend(); ++it) {
        all.append(QString::fromUtf8(it.key()));
    }
    return all;
}

void FakeGemini::setAcceptAnyKey(bool accept)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->acceptAny = accept;
}

bool FakeGemini::acceptAnyKey() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->acceptAny;
}

void FakeGemini::setDefaultScript(const Script &script)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->defaults = Resolved::from(script);
}

Script FakeGemini::defaultScript() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->defaults.script;
}

void FakeGemini::setScript(const QString &key, const Script &script)
{
    QMutexLocker lock(&m_shared->mutex);
    KeyEntry &e = m_shared->keys[key.toUtf8()];
    e.hasScript = true;
    e.resolved = Resolved::from(script);
}

void FakeGemini::clearScript(const QString &key)
{
    QMutexLocker lock(&m_shared->mutex);
    const auto it = m_shared->keys.find(key.toUtf8());
    if (it != m_shared->keys.end()) {
        it->hasScript = false;
        it->resolved = Resolved();
    }
}

Script FakeGemini::script(const QString &key) const
{
    QMutexLocker lock(&m_shared->mutex);
    const auto it = m_shared->keys.constFind(key.toUtf8());
    return it != m_shared->keys.cend() && it->hasScript ? it->resolved.script : m_shared->defaults.script;
}

void FakeGemini::setBehaviour(const QString &key, Behaviour behaviour)
{
    QMutexLocker lock(&m_shared->mutex);
    KeyEntry &e = m_shared->keys[key.toUtf8()];
    if (!e.hasScript) {
        e.hasScript = true;
        e.resolved = m_shared->defaults;
    }
    e.resolved.script.behaviour = behaviour;
}

void FakeGemini::setProjectQuota(const QString &project, int requests)
{
    QMutexLocker lock(&m_shared->mutex);
    if (requests < 0) {
        m_shared->quota.remove(project);
    } else {
        m_shared->quota.insert(project, requests);
    }
}

int FakeGemini::projectUsage(const QString &project) const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->usage.value(project);
}

void FakeGemini::resetProjectUsage(const QString &project)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->usage.remove(project);
}

void FakeGemini::setUploadUrlIncludesKey(bool include)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->uploadUrlIncludesKey = include;
}

QList<Resource> FakeGemini::resources() const
{
    QMutexLocker lock(&m_shared->mutex);
    return listResources(*m_shared);
}

void FakeGemini::clearResources()
{
    QMutexLocker lock(&m_shared->mutex);
    fake::clearResources(*m_shared);
}

QString FakeGemini::addFile(
    const QString &project, const QByteArray &data, const QString &mimeType, const QString &displayName)
{
    FileRes f;
    f.owner = project;
    f.version = "v1beta";
    f.displayName = displayName.toUtf8();
    f.mimeType = mimeType.toUtf8();
    f.size = data.size();
    f.sha256Hex = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
    f.data = data;
    f.hasData = true;
    QMutexLocker lock(&m_shared->mutex);
    f.createUs = nowUs(*m_shared);
    f.expireUs = f.createUs + kFileLifetimeUs;
    return QStringLiteral("files/") + QString::fromLatin1(insertFile(*m_shared, std::move(f)));
}

void FakeGemini::setTimeOffsetMs(qint64 ms)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->offsetMs = ms;
}

qint64 FakeGemini::timeOffsetMs() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->offsetMs;
}

QDateTime FakeGemini::now() const
{
    QMutexLocker lock(&m_shared->mutex);
    return QDateTime::fromMSecsSinceEpoch(nowUs(*m_shared) / 1000, Qt::UTC);
}

void FakeGemini::setBatchCompletion(int pollsUntilDone, qint64 doneAfterMs)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->batchPollsUntilDone = pollsUntilDone;
    m_shared->batchDoneAfterMs = doneAfterMs;
}

void FakeGemini::setRecording(bool on)
{
    m_shared->recording = on;
}

bool FakeGemini::isRecording() const
{
    return m_shared->recording;
}

QList<RecordedRequest> FakeGemini::requests() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->records;
}

void FakeGemini::clearRequests()
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->records.clear();
}

QList<LiveSession> FakeGemini::liveSessions() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->liveSessions;
}

void FakeGemini::clearLiveSessions()
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->liveSessions.clear();
}

int FakeGemini::openLiveSessions() const
{
    return m_shared->liveOpen;
}

void FakeGemini::setLiveMaxSessionMs(qint64 ms)
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->liveMaxSessionMs = std::max<qint64>(0, ms);
}

qint64 FakeGemini::liveMaxSessionMs() const
{
    QMutexLocker lock(&m_shared->mutex);
    return m_shared->liveMaxSessionMs;
}

int FakeGemini::requestCount() const
{
    return m_shared->handled;
}

int FakeGemini::openConnections() const
{
    return m_shared->open;
}

int FakeGemini::totalConnections() const
{
    return m_shared->total;
}

int FakeGemini::abortedStreams() const
{
    return m_shared->aborted;
}

void FakeGemini::adoptSocket(qintptr descriptor)
{
    if (m_workers.isEmpty()) {
        if (m_localHost) {
            m_localHost->adopt(descriptor);
        }
        return;
    }
    Host *host = m_workers.at(m_nextWorker++ % m_workers.size()).second;
    QMetaObject::invokeMethod(
        host, [host, descriptor] { host->adopt(descriptor); }, Qt::QueuedConnection);
}

// Signals are always delivered in this object's thread, after the triggering I/O has been handled.
void FakeGemini::notifyRequest(const RecordedRequest &request)
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&FakeGemini::requestReceived);
    if (isSignalConnected(signal)) {
        QMetaObject::invokeMethod(
            this, [this, request] { Q_EMIT requestReceived(request); }, Qt::QueuedConnection);
    }
}

void FakeGemini::notifyAborted()
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&FakeGemini::streamAborted);
    if (isSignalConnected(signal)) {
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT streamAborted(); }, Qt::QueuedConnection);
    }
}

void FakeGemini::notifyLiveEnded(const LiveSession &session)
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&FakeGemini::liveSessionEnded);
    if (isSignalConnected(signal)) {
        QMetaObject::invokeMethod(
            this, [this, session] { Q_EMIT liveSessionEnded(session); }, Qt::QueuedConnection);
    }
}

void FakeGemini::notifyClosed()
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&FakeGemini::connectionClosed);
    if (isSignalConnected(signal)) {
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT connectionClosed(); }, Qt::QueuedConnection);
    }
}

} // namespace ga::test
