// SPDX-License-Identifier: GPL-3.0-or-later
// ClientConnection, the request side: admission (tokens, limits), dispatch to the exchange, the local answers and
// the admin API, the access record, and the response as the exchange streams it back.
#include "acme/challengestore.h"
#include "affinity/resourceref.h"
#include "http/buffer.h"
#include "http/httperror.h"
#include "http/query.h"
#include "http/search.h"
#include "http/websocket.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/adminport.h"
#include "proxy/clientconnection.h"
#include "proxy/clientconnection_p.h"
#include "proxy/console.h"
#include "proxy/forwarding.h"
#include "proxy/historytail.h"
#include "proxy/listfanout.h"
#include "proxy/observability.h"
#include "proxy/proxyworker.h"
#include "proxy/socketio.h"
#include "proxy/usagesniffer.h"
#include "security/authenticator.h"
#include "security/browserguard.h"
#include "time/clock.h"
#include "version.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <QVarLengthArray>

#include <algorithm>
#include <charconv>

namespace ga::proxy {

bool ClientConnection::admit(bool live, const QString &ephemeralClient, const QByteArray &credential)
{
    const http::Request &r = m_request;
    ProxyCounters *counters = m_worker->counters();
    security::Authenticator::Result who;
    if (!ephemeralClient.isEmpty()) {
        // An ephemeral token this proxy's client created: at Google it is the credential of a Live session, and
        // browsers hold it instead of the API key (or our access token). Limited like an anonymous client.
        who.kind = security::Authenticator::Kind::EphemeralToken;
        who.client = ephemeralClient;
    } else if (http::startsWith(r.path, "/upload/")
        && m_worker->resources()->isOpenUpload(affinity::uploadIdOf(r.query))) {
        // The bytes of an upload an authenticated client started here: at Google the upload id is the
        // credential, and some SDKs (@ai-sdk/google) send none. Only open sessions started through this proxy.
        who.kind = security::Authenticator::Kind::UploadSession;
        who.client = QStringLiteral("upload");
    } else {
        who = m_worker->authenticator()->authenticate(
            credential.isEmpty() ? clientCredential(r.headers, r.query) : credential, m_peerLoopback,
            time::wallMs() / 1000, &m_authMemo);
    }
    if (!who.ok()) {
        counters->unauthenticated.fetch_add(1, std::memory_order_relaxed);
        qCDebug(lcSecurity).noquote() << "401 for" << m_peerText << "-" << who.reason;
        // One message whatever was wrong (missing, unknown, expired, bad signature): no hint for guessing.
        sendError(401,
            QStringLiteral("This proxy needs a local access token: set your client's API key to it. Print it with "
                           "'gemini-aggregatord token show' (or copy it from the app's tray menu)."),
            !m_keepAlive);
        return false;
    }
    const bool named = who.kind == security::Authenticator::Kind::Token;
    const std::vector<security::RateLimiter::Subject> &shared
        = m_worker->limitSubjects(m_settings, who.client, named, m_peerText);
    std::vector<security::RateLimiter::Subject> withLive; // a Live session's: its own copy, with one subject more
    if (live) {
        const int cap = shared.front().limits.liveSessions; // the token's own, or the per-token one
        if (cap > 0) {
            withLive = shared;
            withLive.push_back({ QStringLiteral("live:") + who.client,
                QStringLiteral("the Live sessions of ") + shared.front().label, config::RateLimits { 0, 0, cap, 0 } });
        }
    }
    const std::vector<security::RateLimiter::Subject> &subjects = withLive.empty() ? shared : withLive;
    m_record.stream = live || isStreamingRequest(r.path, r.query, r.body);
    m_record.client = who.client;
    security::RateLimiter::Decision d = m_worker->rateLimiter()->admit(subjects, m_record.stream, time::wallMs());
    if (!d.allowed) {
        counters->rateLimited.fetch_add(1, std::memory_order_relaxed);
        qCDebug(lcSecurity).noquote() << "429 for" << who.client << "from" << m_peerText << "-" << d.message;
        sendError(429, d.message, !m_keepAlive, (d.retryAfterMs + 999) / 1000);
        return false;
    }
    m_ticket = std::move(d.ticket);
    return true;
}

void ClientConnection::dispatch()
{
    m_smallReads = 0;
    m_readPauseMs = 0;
    m_state = State::Forwarding;
    m_deadline = 0;
    const http::Request &r = m_request;
    beginRecord();
    // ACME HTTP-01: the CA asks under the certificate's name, which the Host guard below would refuse. The answer
    // is public (the key authorization of a pending challenge) and nothing else is served here.
    if ((http::equals(r.method, "GET") || http::equals(r.method, "HEAD"))
        && http::startsWith(r.path, "/.well-known/acme-challenge/")) {
        const acme::ChallengeStore *challenges = m_worker->acmeChallenges();
        const std::optional<QByteArray> answer
            = challenges ? challenges->lookup(QByteArrayView(r.path).sliced(28)) : std::nullopt;
        if (!answer) {
            sendError(404, QStringLiteral("No ACME challenge is pending under that token."), !m_keepAlive);
            return;
        }
        answerLocally(200, "application/octet-stream", *answer);
        return;
    }
    // Browser guards before anything else: a web page must not reach the keys (DNS rebinding, CSRF).
    const QByteArray *host = http::findHeader(r.headers, "host");
    if (host && !m_worker->hostAllowed(*host, m_settings)) {
        sendError(421,
            QStringLiteral("The Host '%1' is not this proxy. Use 127.0.0.1 or localhost, or add the name to "
                           "security.allowedHosts.")
                .arg(QString::fromLatin1(host->left(100))),
            true);
        return;
    }
    m_corsOrigin.clear();
    if (const QByteArray *origin = http::findHeader(r.headers, "origin")) {
        // The console's own pages call /admin/… from the origin they were served from.
        const bool console = isConsolePath(r.path) && host && isSameOrigin(*origin, *host, isTls());
        if (!console && !security::originAllowed(*origin, m_settings->allowedOrigins)) {
            sendError(403,
                QStringLiteral("Requests from web pages are refused unless their origin is listed in "
                               "security.allowedOrigins."),
                !m_keepAlive);
            return;
        }
        m_corsOrigin = *origin;
        if (http::equals(r.method, "OPTIONS")) {
            QByteArray out = "HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: " + m_corsOrigin
                + "\r\nAccess-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE, OPTIONS\r\n";
            if (const QByteArray *asked = http::findHeader(r.headers, "access-control-request-headers")) {
                out += "Access-Control-Allow-Headers: " + *asked + "\r\n";
            }
            out += "Access-Control-Max-Age: 600\r\nVary: Origin\r\nContent-Length: 0\r\n";
            if (!m_keepAlive) {
                out += "Connection: close\r\n";
            }
            out += "\r\n";
            noteHead(204);
            put(out);
            finishResponse();
            return;
        }
    }
    const bool probe = (http::equals(r.method, "GET") || http::equals(r.method, "HEAD"))
        && (http::equals(r.path, "/") || http::equals(r.path, "/healthz") || http::equals(r.path, "/readyz"));
    const bool starting = m_counters->starting.load(std::memory_order_acquire);
    if (starting && !probe) {
        // Keys, access tokens and relays are still being read from the secret store: a valid token would be
        // refused, a key not found. Nothing answers wrong; the client comes back in a second.
        sendError(503,
            QStringLiteral("The proxy is starting and still reading its keys and access tokens; retry in a second."),
            !m_keepAlive, 1);
        return;
    }
    if (isAdminPath(r.path)) {
        serveAdmin();
        return;
    }
    if (isConsolePath(r.path)) {
        serveConsole();
        return;
    }
    if (const QByteArray live = livePathOf(r.path); !live.isEmpty()) {
        serveLive(live);
        return;
    }
    if (!isForwardedPath(r.path)) {
        if ((http::equals(r.method, "GET") || http::equals(r.method, "HEAD"))
            && (http::equals(r.path, "/") || http::equals(r.path, "/healthz") || http::equals(r.path, "/readyz")
                || http::equals(r.path, "/metrics"))) {
            m_recordOpen = false; // probes and scrapes stay out of the access log and the request counters
        }
        if ((http::equals(r.method, "GET") || http::equals(r.method, "HEAD"))
            && (http::equals(r.path, "/") || http::equals(r.path, "/healthz"))) {
            answerLocally(200, "application/json; charset=UTF-8",
                QByteArray("{\"status\": \"ok\", \"name\": \"") + kAppName + "\", \"version\": \"" + kVersion
                    + "\"}\n");
            return;
        }
        if ((http::equals(r.method, "GET") || http::equals(r.method, "HEAD")) && http::equals(r.path, "/readyz")) {
            Readiness ready = readiness(*m_worker->keys(), *m_worker->router(), m_worker->counters());
            if (starting) {
                ready.ready = false;
                ready.missing.prepend(QStringLiteral("starting: keys, access tokens and relays are still being read"));
            }
            answerLocally(ready.ready ? 200 : 503, "application/json; charset=UTF-8", readinessJson(ready));
            return;
        }
        if ((http::equals(r.method, "GET") || http::equals(r.method, "HEAD")) && http::equals(r.path, "/metrics")) {
            // The admin token always opens them; clients on this machine need none when metrics.loopback is on.
            const bool local = m_peerLoopback && m_settings->metricsOnLoopback;
            if (!local && !m_worker->authenticator()->isAdmin(clientCredential(r.headers, r.query))) {
                sendError(403,
                    QStringLiteral("The metrics need the admin token (Authorization: Bearer …), or a client on this "
                                   "machine with metrics.loopback on."),
                    !m_keepAlive);
                return;
            }
            answerLocally(200, "text/plain; version=0.0.4; charset=utf-8",
                metricsText(*m_worker->recorder(), *m_worker->keys(), *m_worker->router(), *m_worker->counters()));
            return;
        }
        sendError(404,
            QStringLiteral("%1 is not a Gemini API path; use /v1beta/…, /v1/…, /v1alpha/… or /upload/…")
                .arg(logging::Redactor::redact(QString::fromLatin1(r.path.left(200)))),
            !m_keepAlive);
        return;
    }
    if (!admit()) {
        return;
    }
    if (m_record.stream) {
        m_worker->recorder()->streamStarted();
        m_streamCounted = true;
    }
    ForwardRequest f;
    f.method = r.method;
    f.target = r.path;
    if (!r.query.isEmpty()) {
        const QByteArray query = stripKeyParameter(r.query);
        if (!query.isEmpty()) {
            f.target += '?';
            f.target += query;
        }
    }
    f.headers = upstreamRequestHeaders(r.headers);
    f.resources = affinity::requestResources(r.method, r.path, r.query, m_request.body);
    f.body = std::move(m_request.body);
    m_request.body.clear();
    f.bearerAuth = usesBearerAuth(r.path);
    f.stream = m_record.stream;
    f.model = m_worker->modelText(modelBytesOf(r.path, f.body)); // kept in stats, logs, metrics: never a key
    thread_local logging::RepeatedTextRedactor models;
    models.redact(f.model);
    m_record.model = f.model;
    m_chunkedOut = false;
    if (f.resources.listed) {
        m_exchange = std::make_unique<ListFanOut>(this, m_worker->pool(), m_worker->keys(), m_worker->router(),
            m_worker->resources(), m_settings, std::move(f));
    } else {
        m_exchange = std::make_unique<Exchange>(this, m_worker->pool(), m_worker->keys(), m_worker->router(),
            m_worker->resources(), m_settings, std::move(f));
    }
    m_exchange->start();
}

void ClientConnection::exchangeHead(
    int status, const QByteArray &reason, const http::HeaderList &headers, qint64 contentLength, bool hasBody)
{
    // The origin the client reached us at (upload session URLs are rewritten to it), made on the stack: a string
    // concatenation per answer for the rare upload.
    const QByteArray *host = http::findHeader(m_request.headers, "host");
    const QByteArrayView hostText = host ? QByteArrayView(*host) : QByteArrayView("127.0.0.1");
    QVarLengthArray<char, 128> origin;
    origin.append("http://", 7);
    origin.append(hostText.data(), hostText.size());
    const QByteArrayView reasonText = reason.isEmpty() ? QByteArrayView(http::reasonPhrase(status)) : reason;
    QByteArray head = takeSpareBytes(); // kept again by put() once written
    // Sized for the upstream's headers (those left out make room for a rewritten upload URL; the writer grows if not).
    http::ByteWriter w(head, 256 + reasonText.size() + m_corsOrigin.size() + http::headersSize(headers));
    w.put("HTTP/1.1 ");
    w.number(status);
    w.put(" ");
    w.put(reasonText);
    w.put("\r\n");
    writeClientResponseHeaders(w, headers, QByteArrayView(origin.data(), origin.size()));
    m_request.headers = http::HeaderList(); // not needed past the head, which may begin a long stream
    if (!m_corsOrigin.isEmpty()) {
        w.put("Access-Control-Allow-Origin: ");
        w.put(m_corsOrigin);
        w.put("\r\nVary: Origin\r\n");
    }
    m_chunkedOut = false;
    if (!hasBody) {
        if (const QByteArray *cl = http::findHeader(headers, "content-length")) {
            w.put("Content-Length: "); // HEAD: the length the GET would have
            w.put(*cl);
            w.put("\r\n");
        }
    } else if (contentLength >= 0) {
        w.put("Content-Length: ");
        w.number(contentLength);
        w.put("\r\n");
    } else if (m_request.versionMinor >= 1) {
        w.put("Transfer-Encoding: chunked\r\n");
        m_chunkedOut = true;
    } else {
        m_keepAlive = false; // HTTP/1.0 client, unknown length: the close ends the body
    }
    if (!m_keepAlive) {
        w.put("Connection: close\r\n");
    }
    w.put("\r\n");
    w.finish();
    noteHead(status);
    // Held until the first body bytes (or the end), so that both leave in one send.
    m_held = std::move(head);
    m_bodyLeft = hasBody ? contentLength : 0;
    m_headSent = true;
}

void ClientConnection::exchangeData(QByteArrayView data)
{
    if (!m_socket) {
        return;
    }
    m_record.bytesOut += data.size();
    // A chunked answer (every stream) is sent now, not on the next turn of the event loop (a write notifier, a
    // poll and a wake-up more, and that delay on every event): the client cannot take it for complete before the
    // last chunk, which exchangeEnd() writes after the exchange has recorded what the answer created. An answer
    // with a Content-Length is complete with its last byte, so that byte is held until exchangeEnd() (the bytes
    // before it leave at once): a client must not be able to use a new file before its owner is known.
    if (m_chunkedOut) {
        // Framed behind the head when this is the first piece (one send), else sent as its three pieces with one
        // sendmsg() (a frame put together per event was a resize and a copy of the event). The size in hex and its
        // CRLF from the stack.
        char sizeLine[20];
        const auto [sizeEnd, ec] = std::to_chars(sizeLine, sizeLine + 16, data.size(), 16);
        Q_UNUSED(ec) // 16 hex digits hold any qsizetype
        std::copy_n("\r\n", 2, sizeEnd);
        const QByteArrayView size(sizeLine, sizeEnd + 2 - sizeLine);
        if (!m_held.isEmpty()) {
            m_held.append(size).append(data).append("\r\n");
            put({});
        } else {
            writeThrough(
                m_socket, { size, data, QByteArrayView("\r\n") }); // what the kernel does not take: Qt's buffer
        }
    } else if (m_bodyLeft >= 0 && (m_bodyLeft -= data.size()) <= 0) {
        m_held += data;
    } else {
        put(data);
    }
    if (m_exchange && !m_exchange->isPaused()
        && m_socket->bytesToWrite() + m_held.size() > m_settings->clientHighWaterBytes) {
        m_exchange->setPaused(true);
        m_worker->counters()->backpressurePauses.fetch_add(1, std::memory_order_relaxed);
    }
}

void ClientConnection::exchangeEnd()
{
    if (m_chunkedOut) {
        put("0\r\n\r\n");
    }
    flushNow(); // the end (or a bodiless head) goes out before the bookkeeping of finishResponse()
    finishResponse();
}

void ClientConnection::exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds)
{
    if (!m_socket) {
        return;
    }
    if (m_headSent) {
        // Part of the response is out: deliver what arrived, then close without the terminating zero-size
        // chunk (or short of Content-Length), so the client sees a broken response, not a truncated success.
        qCWarning(lcHttp).noquote() << "cutting the client response short:" << message;
        completeRecord(true);
        m_worker->retire(std::move(m_exchange));
        m_keepAlive = false;
        m_in.clear();
        closeAfterWrite();
        return;
    }
    sendError(status, message, !m_keepAlive, retryAfterSeconds);
}

void ClientConnection::serveAdmin()
{
    const http::Request &r = m_request;
    m_record.kind = QStringLiteral("admin");
    // The admin token or a console session: an access token (or anonymous loopback) never reaches the admin API.
    const AdminAccess access = adminAccess();
    if (access == AdminAccess::NoCredential) {
        m_worker->counters()->unauthenticated.fetch_add(1, std::memory_order_relaxed);
        sendError(401,
            QStringLiteral("The admin API needs the admin token (Authorization: Bearer …) or a signed-in console "
                           "session. Print the token with 'gemini-aggregatord token show --admin'."),
            !m_keepAlive);
        return;
    }
    if (access == AdminAccess::BadCsrf) {
        m_worker->counters()->unauthenticated.fetch_add(1, std::memory_order_relaxed);
        sendError(403,
            QStringLiteral("A change through a console session needs the session's CSRF token (X-CSRF-Token)."),
            !m_keepAlive);
        return;
    }
    m_record.client = QStringLiteral("admin");
    if (http::equals(r.method, "GET") && http::equals(r.path, "/admin/api/v1/history/tail")) {
        m_recordOpen = false; // a tail ends only when the client leaves: not a request to count or keep
        setInFlight(false); // nor one a quit waits for
        m_exchange = std::make_unique<HistoryTail>(
            this, m_worker->recorder(), http::queryParameter(r.query, "admin") == "1", nullptr);
        m_exchange->start();
        return;
    }
    AdminHandler *handler = m_worker->adminHandler();
    if (!handler) {
        sendError(503, QStringLiteral("The admin API is not available in this process."), !m_keepAlive);
        return;
    }
    AdminRequest request;
    request.method = r.method;
    request.path = r.path.mid(int(qstrlen("/admin/api/v1")));
    if (request.path.isEmpty()) {
        request.path = "/";
    }
    request.query = stripKeyParameter(r.query);
    request.body = r.body;
    QPointer<ClientConnection> self(this);
    ProxyWorker *worker = m_worker;
    handler->handle(std::move(request), [self, worker](AdminResponse response) {
        // Back on this connection's thread; the QPointer is only read there.
        QMetaObject::invokeMethod(
            worker,
            [self, response = std::move(response)] {
                if (self && self->m_socket && self->m_state == State::Forwarding) {
                    self->answerLocally(response.status, "application/json; charset=UTF-8", response.body);
                }
            },
            Qt::QueuedConnection);
    });
}

void ClientConnection::serveLive(const QByteArray &livePath)
{
    const http::Request &r = m_request;
    m_record.kind = QStringLiteral("live");
    m_record.path = QString::fromLatin1(livePath);
    const QByteArray *upgrade = http::findHeader(r.headers, "upgrade");
    const QByteArray *connection = http::findHeader(r.headers, "connection");
    if (r.method != "GET" || !upgrade || !http::equalsIgnoreCase(upgrade->trimmed(), "websocket") || !connection
        || !QLatin1StringView(*connection).contains(QLatin1StringView("upgrade"), Qt::CaseInsensitive)) {
        sendError(426,
            QStringLiteral("This is the Live API's WebSocket endpoint: connect with a WebSocket client (GET with "
                           "Upgrade: websocket)."),
            true);
        return;
    }
    const QByteArray *version = http::findHeader(r.headers, "sec-websocket-version");
    if (!version || version->trimmed() != "13") {
        sendError(426, QStringLiteral("Only WebSocket version 13 is supported (Sec-WebSocket-Version: 13)."), true);
        return;
    }
    const QByteArray *key = http::findHeader(r.headers, "sec-websocket-key");
    if (!key || !http::ws::isValidClientKey(key->trimmed())) {
        sendError(400, QStringLiteral("The WebSocket handshake has no valid Sec-WebSocket-Key."), true);
        return;
    }
    LiveTarget target;
    target.path = livePath;
    target.query = stripKeyParameter(r.query);
    // An ephemeral token (…Constrained?access_token=auth_tokens/… or Authorization: Token auth_tokens/…) created
    // through this proxy opens the session on its own: it goes up as the credential, to its creator's project.
    QByteArray token = http::queryParameter(r.query, "access_token").value_or(QByteArray());
    if (const QByteArray *auth = http::findHeader(r.headers, "authorization");
        token.isEmpty() && auth && auth->size() > 6 && http::equalsIgnoreCase(auth->first(6), "token ")) {
        token = auth->sliced(6).trimmed();
    }
    QString ephemeralClient;
    if (livePath.endsWith("Constrained") && token.startsWith("auth_tokens/")) {
        target.ephemeralToken = token;
        const QString name = affinity::hashedResourceName(affinity::Kind::AuthToken, token);
        if (const std::optional<affinity::Resource> owner = m_worker->resources()->find(name)) {
            target.tokenOwner = keys::KeyScope { owner->keyId, owner->group };
            ephemeralClient = QStringLiteral("ephemeral");
        }
    }
    // The access token may also come as "Authorization: Token …" or ?access_token= (how Live clients send tokens).
    const QByteArray credential
        = clientCredential(r.headers, r.query).isEmpty() && !token.startsWith("auth_tokens/") ? token : QByteArray();
    if (!admit(true, ephemeralClient, credential)) {
        return;
    }
    m_worker->recorder()->streamStarted();
    m_streamCounted = true;
    http::HeaderList headers = upstreamRequestHeaders(r.headers);
    std::erase_if(headers, [](const http::Header &h) {
        return h.name.size() > 14 && http::equalsIgnoreCase(QByteArrayView(h.name).first(14), "sec-websocket-")
            ? true
            : http::equalsIgnoreCase(h.name, "origin") || http::equalsIgnoreCase(h.name, "cookie")
                || http::equalsIgnoreCase(h.name, "upgrade");
    });
    target.headers = std::move(headers);
    const QByteArray answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: "
        + http::ws::acceptValue(key->trimmed()) + "\r\n\r\n";
    noteHead(101);
    m_keepAlive = false;
    m_state = State::Live;
    m_deadline = 0;
    // What the client sends while the upstream is slow waits in a bounded buffer: then TCP pushes back.
    m_socket->setReadBufferSize(256 * 1024);
    put(answer);
    m_live = new LiveSession(this, m_worker, std::move(target), this);
    flushNow();
    if (m_live && !m_in.isEmpty()) {
        m_live->clientData(m_in);
    }
}

void ClientConnection::liveSend(QByteArrayView bytes)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    m_socket->write(bytes.data(), bytes.size());
}

void ClientConnection::liveFlush()
{
    if (m_socket && m_socket->bytesToWrite() > 0) {
        flushNow();
    }
}

qint64 ClientConnection::liveClientPending() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void ClientConnection::liveReadClient(bool on)
{
    if (m_livePaused == !on) {
        return;
    }
    m_livePaused = !on;
    if (on && m_socket && m_state == State::Live) {
        QMetaObject::invokeMethod(this, &ClientConnection::onReadyRead, Qt::QueuedConnection);
    }
}

void ClientConnection::liveEnded()
{
    completeRecord(false);
    m_ticket.release();
    if (m_socket && m_state == State::Live) {
        m_in.clear();
        closeAfterWrite();
    }
}

void ClientConnection::beginRecord()
{
    const http::Request &r = m_request;
    m_record = metrics::AccessRecord(); // its id is given as it is recorded (Recorder::record)
    m_record.startedMs = time::wallMs();
    m_recordStart = nowMs();
    m_record.peer = m_peerText;
    m_record.method = ProxyWorker::methodText(r.method);
    m_record.path = m_worker->pathText(QByteArrayView(r.path).first(std::min<qsizetype>(r.path.size(), 512)));
    m_record.kind = isForwardedPath(r.path) ? metrics::routeKindOf(r.path) : QStringLiteral("local");
    m_record.mode = config::routingModeName(m_worker->router()->mode());
    m_record.bytesIn = r.body.size();
    m_recordOpen = true;
    setInFlight(true);
}

void ClientConnection::setInFlight(bool on)
{
    if (on != m_inFlight) {
        m_inFlight = on;
        WorkerCounters::add(m_own->requestsInFlight, on ? 1 : -1);
    }
}

void ClientConnection::noteHead(int status)
{
    m_record.status = status;
    if (m_record.ttfbMs < 0 && m_recordOpen) {
        m_record.ttfbMs = nowMs() - m_recordStart;
    }
}

void ClientConnection::completeRecord(bool broken)
{
    setInFlight(false);
    if (m_streamCounted) {
        m_streamCounted = false;
        m_worker->recorder()->streamEnded();
    }
    if (!m_recordOpen) {
        return;
    }
    m_recordOpen = false;
    m_record.totalMs = nowMs() - m_recordStart;
    m_record.broken = broken;
    if (m_live) {
        m_record.attempts = m_live->attemptLog();
        m_record.keyId = m_live->keyId();
        m_record.route = m_live->routeName();
        m_record.fallbacks = m_live->fallbacks();
        m_record.model = m_live->model();
        m_record.live = m_live->figures();
        m_record.bytesIn = m_record.live->bytesIn;
        m_record.bytesOut = m_record.live->bytesOut;
        m_record.broken = broken && !m_record.live->closeCode;
        const keys::Usage usage = m_live->usage();
        m_record.tokensIn = usage.promptTokens;
        m_record.tokensOut = usage.outputTokens;
    } else if (m_exchange) {
        m_record.attempts = m_exchange->takeAttemptLog();
        m_record.keyId = m_exchange->keyId();
        m_record.route = m_exchange->routeName();
        m_record.fallbacks = m_exchange->fallbacks();
        const keys::Usage usage = m_exchange->usage();
        m_record.tokensIn = usage.promptTokens;
        m_record.tokensOut = usage.outputTokens;
    }
    m_worker->recorder()->record(std::exchange(m_record, metrics::AccessRecord()));
}

} // namespace ga::proxy
