// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/exchange.h"

#include "http/httperror.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/upstreampool.h"

#include <QDeadlineTimer>
#include <QSslSocket>

namespace ga::proxy {
namespace {

constexpr qsizetype kMaxUpstreamHeadBytes = 64 * 1024;
constexpr qsizetype kMaxBufferedErrorBytes = 1024 * 1024;
constexpr qsizetype kMaxCapturedBytes = 8 * 1024 * 1024; // a resource answer read for the map (lists are small)
constexpr qint64 kDefaultRetryAfterMs = 30'000; // a 429 that says nothing else

qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}

} // namespace

Exchange::Exchange(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
    affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request, QObject *parent)
    : Forwarder(parent)
    , m_sink(sink)
    , m_pool(pool)
    , m_keys(keys)
    , m_router(router)
    , m_resources(resources)
    , m_settings(std::move(settings))
    , m_request(std::move(request))
{
    m_isHead = m_request.method == "HEAD";
}

Exchange::~Exchange()
{
    dropSocket();
}

void Exchange::start()
{
    m_requestDeadline = m_request.deadlineMs;
    if (const int budgetMs = m_settings->upstream.requestTimeoutMs; m_requestDeadline == 0 && budgetMs > 0) {
        m_requestDeadline = nowMs() + budgetMs;
    }
    m_owner = m_request.scope;
    m_ownerResource = m_request.scopeLabel;
    if (m_resources && m_owner.isNull()) {
        // The owner of every resource the request uses: they must all be of one project.
        for (const QString &name : std::as_const(m_request.resources.names)) {
            const std::optional<affinity::Resource> r = m_resources->find(name);
            if (!r) {
                continue; // not created through this proxy: any key may try (a 403 then blames no key)
            }
            const keys::KeyScope scope { r->keyId, r->group };
            if (m_owner.isNull()) {
                m_owner = scope;
                m_ownerResource = name;
            } else if (!(m_owner == scope)) {
                m_phase = Phase::Done;
                m_sink->exchangeFailed(400,
                    QStringLiteral("This request uses %1 and %2, which belong to different Google projects (%3 and "
                                   "%4). Files, cached contents and batches can only be used by keys of the project "
                                   "that created them, so one request can only use resources of one project.")
                        .arg(m_ownerResource, name,
                            m_owner.group.isEmpty() ? QStringLiteral("key ") + m_owner.keyId : m_owner.group,
                            scope.group.isEmpty() ? QStringLiteral("key ") + scope.keyId : scope.group));
                return;
            }
        }
    }
    nextAttempt();
}

void Exchange::ownerUnavailable(const keys::NoKeyReason &why)
{
    const QString project = m_owner.group.isEmpty()
        ? QStringLiteral("the Google project of key %1").arg(m_owner.keyId)
        : QStringLiteral("the Google project of group '%1'").arg(m_owner.group);
    const QString rule = QStringLiteral(
        "Files, cached contents, batches and uploads can only be used by keys of the project that created them.");
    if (why.total == 0) {
        m_sink->exchangeFailed(404,
            QStringLiteral("%1 belongs to %2, and no key of that project is configured any more. %3 Add the key "
                           "again, or create the resource again.")
                .arg(m_ownerResource, project, rule));
        return;
    }
    if (why.cooling > 0) {
        const qint64 seconds = (std::max<qint64>(why.retryAfterMs, 0) + 999) / 1000;
        m_sink->exchangeFailed(429,
            QStringLiteral("%1 belongs to %2, whose keys are all cooling down%3; retry in %4 s. %5")
                .arg(m_ownerResource, project,
                    m_request.model.isEmpty() ? QString() : QStringLiteral(" for ") + m_request.model)
                .arg(seconds)
                .arg(rule),
            seconds);
        return;
    }
    QStringList states;
    if (why.invalid) {
        states << QStringLiteral("%1 invalid").arg(why.invalid);
    }
    if (why.disabled) {
        states << QStringLiteral("%1 disabled").arg(why.disabled);
    }
    if (why.tried) {
        states << QStringLiteral("%1 already tried for this request").arg(why.tried);
    }
    m_sink->exchangeFailed(why.tried ? 502 : 400,
        QStringLiteral("%1 belongs to %2, and none of its keys can be used (%3). %4 Enable or fix that key "
                       "('gemini-aggregatord keys enable ID'), or create the resource again with another key.")
            .arg(m_ownerResource, project, states.join(QStringLiteral(", ")), rule));
}

void Exchange::abort()
{
    m_phase = Phase::Done;
    m_deadline = 0;
    dropSocket();
}

void Exchange::setPaused(bool paused)
{
    if (m_paused == paused) {
        return;
    }
    m_paused = paused;
    if (!paused && m_socket && m_phase == Phase::Body) {
        touch(m_target.streamIdleTimeoutMs);
        // Data that arrived while paused sits in the socket buffer; no new readyRead will announce it.
        QMetaObject::invokeMethod(this, &Exchange::onReadyRead, Qt::QueuedConnection);
    }
}

void Exchange::touch(int timeoutMs)
{
    m_deadlineTimeoutMs = timeoutMs;
    m_deadline = timeoutMs > 0 ? nowMs() + timeoutMs : 0;
}

void Exchange::checkTimeouts(qint64 now)
{
    if (m_phase == Phase::Done) {
        return;
    }
    if (!m_headDelivered && m_requestDeadline > 0 && now >= m_requestDeadline) {
        // The request's time is up before its answer started, whatever this attempt is doing: not the key's fault.
        if (m_socket) {
            logAttempt(0, QStringLiteral("request deadline passed"));
        }
        outOfTime();
        return;
    }
    if (m_deadline == 0 || now < m_deadline) {
        return;
    }
    if (m_phase == Phase::Body && m_paused) {
        touch(m_target.streamIdleTimeoutMs); // the client is slow, not the upstream
        return;
    }
    const QString what = m_phase == Phase::Connecting ? QStringLiteral("connecting to the upstream")
        : m_phase == Phase::WaitingHead               ? QStringLiteral("waiting for the upstream to answer")
                                                      : QStringLiteral("waiting for the next part of the stream");
    const QString message = QStringLiteral("Timed out after %1 ms %2.").arg(m_deadlineTimeoutMs).arg(what);
    if (m_phase == Phase::WaitingHead) {
        ++m_firstByteTimeouts; // counted before attemptFailed: the retry it starts checks it (outOfTime)
    }
    if (m_phase == Phase::Body && m_headDelivered) {
        failMidStream(message);
    } else {
        attemptFailed(504, message);
    }
}

bool Exchange::outOfTime()
{
    if (m_headDelivered || m_phase == Phase::Done) {
        return false;
    }
    QString message;
    if (m_requestDeadline > 0 && nowMs() >= m_requestDeadline) {
        message = QStringLiteral("The upstream did not answer within %1 ms (upstream.requestTimeoutMs), over %2 "
                                 "attempt(s).")
                      .arg(m_settings->upstream.requestTimeoutMs)
                      .arg(std::max<size_t>(1, m_attemptLog.size()));
    } else if (m_firstByteTimeouts >= kMaxFirstByteTimeouts) {
        message = QStringLiteral("The upstream timed out %1 times before answering (%2 ms each, "
                                 "upstream.firstByteTimeoutMs); not trying again.")
                      .arg(m_firstByteTimeouts)
                      .arg(m_target.firstByteTimeoutMs);
    } else {
        return false;
    }
    qCInfo(lcProxy).noquote() << "giving up:" << message;
    m_phase = Phase::Done;
    m_deadline = 0;
    dropSocket();
    m_sink->exchangeFailed(504, message);
    return true;
}

void Exchange::nextAttempt()
{
    dropSocket();
    if (outOfTime()) {
        return;
    }
    const int maxAttempts = std::max(1, m_settings->upstream.maxAttempts);
    // Quota 429s only move on to another key: they do not use up the attempts that real errors get.
    const int counted = int(m_tried.size()) - m_quotaSkips;
    keys::NoKeyReason why;
    const bool mayPick = counted < maxAttempts && m_quotaSkips <= kMaxQuotaSkips;
    const bool picked
        = mayPick && m_keys->pick(m_request.model, m_tried, &m_key, &why, m_owner.isNull() ? nullptr : &m_owner);
    if (!picked) {
        m_phase = Phase::Done;
        m_deadline = 0;
        if (!m_owner.isNull() && mayPick && why.tried == 0) {
            // The owner's project has no key left that is not cooling, invalid, disabled or gone: say so, naming
            // the resource (a key of another project would only get Google's 403).
            ownerUnavailable(why);
            return;
        }
        if (m_tried.empty()) {
            if (why.total == 0 || why.retryAfterMs < 0) {
                // No key configured, or none will come back by itself (invalid, disabled): not a rate limit.
                m_sink->exchangeFailed(503, why.describe(m_request.model));
            } else {
                // Every key is cooling for this model: Gemini's own 429 shape, with the time until the first
                // key is back.
                m_sink->exchangeFailed(429, why.describe(m_request.model), (why.retryAfterMs + 999) / 1000);
            }
            return;
        }
        if (m_haveLastError) {
            // Every attempt got an error answer: pass the last one on as Google sent it.
            http::Response r = m_lastErrorResponse;
            const QByteArray body = m_lastErrorBody;
            if (r.status == 429 && !http::findHeader(r.headers, "retry-after")) {
                // Generic clients (the OpenAI SDKs) read only this header: when a key is back, or what Google said.
                const qint64 ms = why.retryAfterMs >= 0 ? why.retryAfterMs
                    : m_lastRetryDelayMs >= 0           ? m_lastRetryDelayMs
                                                        : kDefaultRetryAfterMs;
                r.headers.push_back({ QByteArrayLiteral("Retry-After"), QByteArray::number((ms + 999) / 1000) });
            }
            m_sink->exchangeHead(r.status, r.reason, r.headers, body.size(), !m_isHead);
            if (!m_isHead) {
                m_sink->exchangeData(body);
            }
            m_sink->exchangeEnd();
            return;
        }
        m_sink->exchangeFailed(m_lastStatus ? m_lastStatus : 502, m_lastMessage);
        return;
    }
    m_tried.push_back(m_key.id);
    routing::Route route;
    QString reason;
    if (!m_router->firstRoute(m_key.id, &route, &reason)) {
        m_routeName.clear();
        m_attemptStart = nowMs();
        logAttempt(0, QStringLiteral("no route: ") + reason);
        // Serverless with no usable relay for this key: try another key (a bound key's relay may be down),
        // and when none is left, say why.
        m_lastStatus = 503;
        m_lastMessage = reason;
        nextAttempt();
        return;
    }
    m_triedRelays.clear();
    startRoute(route);
}

void Exchange::startRoute(const routing::Route &route)
{
    dropSocket();
    m_route = route;
    m_relaySecret.clear();
    m_target = m_settings->upstream;
    m_routeName = QStringLiteral("direct");
    if (!route.isDirect()) {
        routing::Relay relay;
        if (m_router->relay(route.relay, &relay)) {
            m_target = relay.upstream;
            m_relaySecret = relay.secret;
            m_routeName = relay.id;
        }
    }
    m_attemptStart = QDeadlineTimer::current().deadline();
    bool reused = false;
    QTcpSocket *socket = m_pool->acquire(m_target, &reused);
    attach(socket, reused);
}

bool Exchange::relayFailed(const QString &reason)
{
    if (m_route.isDirect()) {
        return false;
    }
    logAttempt(m_phase == Phase::Body ? m_response.status : 0, QStringLiteral("relay failed: ") + reason);
    m_router->reportRelayFailure(m_route.relay, reason);
    if (outOfTime()) {
        return true; // answered 504: no fallback
    }
    routing::Route next;
    if (m_router->fallbackRoute(m_key.id, m_route, m_triedRelays, &next)) {
        ++m_fallbacks;
        qCInfo(lcRouting).noquote() << "relay failed (" << reason << ") - going"
                                    << (next.isDirect() ? QStringLiteral("direct")
                                                        : QStringLiteral("via another relay"));
        startRoute(next);
        return true;
    }
    return false;
}

void Exchange::attach(QTcpSocket *socket, bool reused)
{
    m_socket = socket;
    m_reused = reused;
    m_sent = false;
    m_in.clear();
    m_bufferingError = false;
    m_errorBody.clear();
    m_chunked.reset();
    connect(socket, &QIODevice::readyRead, this, &Exchange::onReadyRead);
    connect(socket, &QAbstractSocket::disconnected, this, &Exchange::onSocketError);
    connect(socket, &QAbstractSocket::errorOccurred, this, &Exchange::onSocketError);
    if (reused) {
        sendRequest();
        return;
    }
    m_phase = Phase::Connecting;
    touch(m_target.connectTimeoutMs);
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        connect(ssl, &QSslSocket::encrypted, this, &Exchange::sendRequest);
    } else {
        connect(socket, &QAbstractSocket::connected, this, &Exchange::sendRequest);
    }
}

void Exchange::sendRequest()
{
    const UpstreamSettings &u = m_target;
    QByteArray head;
    head.reserve(512 + m_request.target.size());
    head += m_request.method;
    head += ' ';
    head += u.pathPrefix;
    head += m_request.target;
    head += " HTTP/1.1\r\nHost: ";
    head += u.hostHeader;
    head += "\r\n";
    http::appendHeaders(head, m_request.headers);
    if (!m_relaySecret.isEmpty()) {
        head += "x-relay-secret: ";
        head += m_relaySecret;
        head += "\r\n";
    }
    if (m_request.bearerAuth) {
        head += "Authorization: Bearer ";
    } else {
        head += "x-goog-api-key: ";
    }
    head += m_key.secret;
    head += "\r\n";
    if (!m_request.body.isEmpty() || m_request.method == "POST" || m_request.method == "PUT"
        || m_request.method == "PATCH") {
        head += "Content-Length: ";
        head += QByteArray::number(m_request.body.size());
        head += "\r\n";
    }
    head += "\r\n";
    if (m_request.body.size() < 16 * 1024) {
        head += m_request.body;
        m_socket->write(head);
    } else {
        m_socket->write(head);
        m_socket->write(m_request.body);
    }
    m_sent = true;
    m_phase = Phase::WaitingHead;
    touch(u.firstByteTimeoutMs);
}

void Exchange::onReadyRead()
{
    if (!m_socket || m_phase == Phase::Done || m_phase == Phase::Connecting) {
        return;
    }
    if (m_paused) {
        return; // leave it in the (bounded) socket buffer: TCP pushes back on the upstream
    }
    if (m_socket->bytesAvailable() > 0) {
        m_in += m_socket->readAll();
    }
    process();
}

void Exchange::onSocketError()
{
    if (!m_socket || m_phase == Phase::Done) {
        return;
    }
    QTcpSocket *socket = m_socket;
    // Bytes may still be buffered when the server closes right after sending them.
    if (socket->bytesAvailable() > 0 && !m_paused) {
        m_in += socket->readAll();
        process();
        if (m_socket != socket || m_phase == Phase::Done) {
            return;
        }
    }
    const bool closed = socket->state() != QAbstractSocket::ConnectedState
        || socket->error() == QAbstractSocket::RemoteHostClosedError;
    if (!closed) {
        return; // a non-fatal error; the disconnect follows
    }
    if (m_phase == Phase::Body) {
        if (m_paused && socket->bytesAvailable() > 0) {
            return; // finish when the client catches up
        }
        if (m_response.bodyKind == http::BodyKind::None && m_response.contentLength < 0) {
            bodyComplete(); // close-delimited body: the close is the end
            return;
        }
        if (m_headDelivered) {
            failMidStream(QStringLiteral("The upstream closed the connection in the middle of the response."));
        } else {
            attemptFailed(
                502, QStringLiteral("The upstream closed the connection in the middle of an error response."));
        }
        return;
    }
    // Before any response byte: a reused keep-alive connection the server had already closed is not the
    // key's fault; try again on a fresh one without counting an attempt.
    const bool staleReuse = m_reused && m_in.isEmpty();
    QString reason = socket->errorString();
    if (auto *ssl = qobject_cast<QSslSocket *>(socket); ssl && !ssl->sslHandshakeErrors().isEmpty()) {
        reason = QStringLiteral("TLS verification failed: %1").arg(ssl->sslHandshakeErrors().first().errorString());
    }
    attemptFailed(502,
        QStringLiteral("Could not reach the upstream %1: %2").arg(QString::fromLatin1(m_target.hostHeader), reason),
        !staleReuse);
}

void Exchange::process()
{
    if (m_phase == Phase::WaitingHead) {
        for (;;) {
            const http::ParseOutcome o = http::parseResponseHead(m_in, m_isHead, kMaxUpstreamHeadBytes, &m_response);
            if (o.state == http::ParseOutcome::Incomplete) {
                return;
            }
            if (o.state == http::ParseOutcome::Error) {
                attemptFailed(502, QString::fromLatin1(o.reason));
                return;
            }
            m_in.remove(0, o.consumed);
            if (m_response.status >= 100 && m_response.status < 200) {
                continue; // 100 Continue and friends: the real head follows
            }
            break;
        }
        m_phase = Phase::Body;
        touch(m_target.streamIdleTimeoutMs);
        m_remaining = m_response.contentLength;
        const bool retryable = m_response.status == 429 || m_response.status >= 500 || m_response.status == 400
            || m_response.status == 401 || m_response.status == 402 || m_response.status == 403;
        m_relayError = !m_route.isDirect() && http::findHeader(m_response.headers, "x-relay-error") != nullptr;
        m_bufferingError = retryable || m_relayError || m_response.status == 404; // 404s echo the path: redacted
        if (!m_bufferingError) {
            if (!m_route.isDirect()) {
                m_router->reportRelaySuccess(m_route.relay, QDeadlineTimer::current().deadline() - m_attemptStart);
            }
            m_headDelivered = true;
            m_capture = m_resources && m_request.resources.captureAnswer && m_response.status >= 200
                && m_response.status < 300;
            if (m_capture) {
                // An upload session is known before the client can send its first chunk to it.
                if (const QByteArray *url = http::findHeader(m_response.headers, "x-goog-upload-url")) {
                    if (const QByteArray id = affinity::uploadIdOf(*url); !id.isEmpty()) {
                        affinity::Resource r;
                        r.name = QStringLiteral("uploads/") + QString::fromLatin1(id);
                        r.kind = affinity::Kind::Upload;
                        r.keyId = m_key.id;
                        r.group = m_key.group;
                        m_resources->remember(std::move(r));
                    }
                }
            }
            const qint64 length = m_response.bodyKind == http::BodyKind::Length ? m_response.contentLength : -1;
            m_sink->exchangeHead(m_response.status, m_response.reason, m_response.headers, length, m_response.hasBody);
            if (m_phase != Phase::Body) {
                return; // the sink aborted us
            }
        }
        // Bodiless answers (HEAD, 204, 304, Content-Length: 0 — the resumable-upload start) end here: no byte
        // will follow to finish them, and the client's next request on the connection waits for this one.
        if (!m_response.hasBody || (m_response.bodyKind == http::BodyKind::Length && m_response.contentLength == 0)) {
            bodyComplete();
            return;
        }
    }
    if (m_phase != Phase::Body || m_in.isEmpty()) {
        return;
    }
    touch(m_target.streamIdleTimeoutMs);
    switch (m_response.bodyKind) {
    case http::BodyKind::Length: {
        const qsizetype take = qsizetype(std::min<qint64>(m_remaining, m_in.size()));
        const QByteArray data = m_in.first(take);
        m_in.remove(0, take);
        m_remaining -= take;
        deliverBody(data);
        if (m_phase == Phase::Body && m_remaining == 0) {
            bodyComplete();
        }
        break;
    }
    case http::BodyKind::Chunked: {
        QByteArray decoded;
        const http::ChunkedDecoder::Step step = m_chunked.feed(m_in, &decoded);
        m_in.remove(0, step.consumed);
        if (!decoded.isEmpty()) {
            deliverBody(decoded);
        }
        if (m_phase != Phase::Body) {
            return;
        }
        if (step.errorStatus) {
            if (m_headDelivered) {
                failMidStream(QStringLiteral("The upstream sent a malformed chunked body."));
            } else {
                attemptFailed(502, QStringLiteral("The upstream sent a malformed chunked body."));
            }
        } else if (step.done) {
            bodyComplete();
        }
        break;
    }
    case http::BodyKind::None: {
        const QByteArray data = std::exchange(m_in, QByteArray());
        deliverBody(data);
        break;
    }
    }
}

void Exchange::deliverBody(QByteArrayView data)
{
    if (data.isEmpty()) {
        return;
    }
    if (m_bufferingError) {
        if (m_errorBody.size() + data.size() > kMaxBufferedErrorBytes) {
            attemptFailed(502, QStringLiteral("The upstream error response is too large."));
            return;
        }
        m_errorBody.append(data);
        return;
    }
    m_usage.feed(data);
    if (m_capture) {
        if (m_captured.size() + data.size() <= kMaxCapturedBytes) {
            m_captured.append(data);
        } else {
            m_capture = false; // too large to be a resource answer worth reading
            m_captured.clear();
        }
    }
    m_sink->exchangeData(data);
}

void Exchange::bodyComplete()
{
    const bool reusable = m_response.keepAlive && m_in.isEmpty()
        && !(m_response.bodyKind == http::BodyKind::None && m_response.contentLength < 0);
    if (m_bufferingError) {
        const int status = m_response.status;
        const QByteArray body = m_errorBody;
        if (reusable) {
            m_pool->release(std::exchange(m_socket, nullptr), m_target);
        }
        const keys::Failure failure = keys::classifyResponse(status, body, m_request.resources.touchesResource());
        const bool relayFault
            = m_relayError || (!m_route.isDirect() && failure.kind == keys::FailureKind::RegionBlocked);
        if (relayFault) {
            // The relay's own error (or Google refusing the relay's region): not the key's fault.
            const QString why = m_relayError
                ? QStringLiteral("relay answered %1 (%2)")
                      .arg(status)
                      .arg(QString::fromLatin1(*http::findHeader(m_response.headers, "x-relay-error")))
                : QStringLiteral("Google refuses the relay's region");
            if (relayFailed(why)) {
                return;
            }
        }
        if (!m_route.isDirect() && !relayFault) {
            m_router->reportRelaySuccess(m_route.relay, QDeadlineTimer::current().deadline() - m_attemptStart);
        }
        if (!relayFault) {
            logAttempt(status, keys::failureKindName(failure.kind));
        }
        if (!relayFault && failure.kind != keys::FailureKind::ClientError) {
            m_keys->reportFailure(m_key.id, m_request.model, failure); // a client's own mistake costs no key
        }
        if (failure.kind == keys::FailureKind::ResourceDenied && m_resources && !m_ownerResource.isEmpty()
            && m_request.resources.names.size() == 1) {
            // The owner itself says the resource is gone (expired, deleted elsewhere): forget it.
            m_resources->forget(m_request.resources.names.first());
        }
        if (failure.retryable()) {
            qCInfo(lcProxy).noquote() << "key" << m_key.id << "got" << keys::failureKindName(failure.kind)
                                      << "- trying another key";
            if (failure.isQuota()) {
                ++m_quotaSkips;
            }
            m_lastRetryDelayMs = failure.retryDelayMs;
            m_haveLastError = true;
            m_lastErrorResponse = m_response;
            m_lastErrorBody = logging::Redactor::redact(body); // Google sometimes names the key ("api_key:AIza…")
            m_lastStatus = status;
            nextAttempt();
            return;
        }
        m_phase = Phase::Done;
        m_deadline = 0;
        dropSocket();
        m_headDelivered = true;
        // Google sometimes names the key in an error ("api_key:AIza…"): a key never reaches the client.
        const QByteArray shown = logging::Redactor::redact(body);
        m_sink->exchangeHead(
            status, m_response.reason, m_response.headers, m_response.hasBody ? shown.size() : -1, m_response.hasBody);
        if (!shown.isEmpty()) {
            m_sink->exchangeData(shown);
        }
        m_sink->exchangeEnd();
        return;
    }
    m_phase = Phase::Done;
    m_deadline = 0;
    if (reusable && m_socket) {
        m_pool->release(std::exchange(m_socket, nullptr), m_target);
    } else {
        dropSocket();
    }
    m_keys->reportSuccess(m_key.id, m_request.model, m_usage.result());
    logAttempt(m_response.status, QStringLiteral("ok"));
    learnResources();
    m_sink->exchangeEnd();
}

void Exchange::learnResources()
{
    if (!m_resources || m_response.status < 200 || m_response.status >= 300) {
        return;
    }
    const affinity::RequestResources &rr = m_request.resources;
    if (!rr.addressed.isEmpty()) {
        const QByteArray *status = http::findHeader(m_response.headers, "x-goog-upload-status");
        const bool uploadEnded = status && (status->contains("final") || status->contains("cancelled"));
        if (m_request.method == "DELETE" || (uploadEnded && rr.addressed.startsWith(u"uploads/"))) {
            m_resources->forget(rr.addressed); // a finished upload's URL no longer opens anything
        }
        if (m_request.method == "DELETE") {
            return;
        }
    }
    if (!m_capture) {
        return;
    }
    for (affinity::Learned &l : affinity::learnFromAnswer(m_captured)) {
        affinity::Resource r;
        r.name = std::move(l.name);
        r.kind = l.kind;
        r.keyId = m_key.id;
        r.group = m_key.group;
        r.expiresMs = l.expiresMs;
        r.sizeBytes = l.sizeBytes;
        r.displayName = std::move(l.displayName);
        r.mimeType = std::move(l.mimeType);
        r.model = std::move(l.model);
        m_resources->remember(std::move(r));
    }
    m_captured.clear();
}

void Exchange::attemptFailed(int status, const QString &message, bool countsAsAttempt)
{
    qCInfo(lcProxy).noquote() << "attempt with key" << m_key.id << "failed:" << message;
    if (!m_headDelivered && countsAsAttempt && !m_route.isDirect()) {
        // Could not reach the relay, or it timed out: the relay's fault, never the key's.
        if (relayFailed(message)) {
            return;
        }
        m_tried.pop_back(); // the key was not really tried
        m_lastStatus = status;
        m_lastMessage = message;
        nextAttempt();
        return;
    }
    if (countsAsAttempt && !m_key.id.isEmpty()) {
        m_keys->reportFailure(m_key.id, m_request.model, keys::networkFailure(message));
    }
    if (countsAsAttempt && !m_headDelivered) {
        logAttempt(0, message);
    }
    m_lastStatus = status;
    m_lastMessage = message;
    if (!countsAsAttempt && !m_tried.empty()) {
        m_tried.pop_back();
    }
    if (m_headDelivered) {
        failMidStream(message);
        return;
    }
    nextAttempt();
}

void Exchange::failMidStream(const QString &message)
{
    qCWarning(lcProxy).noquote() << "stream broken:" << message;
    logAttempt(m_response.status, QStringLiteral("stream broken: ") + message);
    m_phase = Phase::Done;
    m_deadline = 0;
    dropSocket();
    m_keys->reportFailure(m_key.id, m_request.model, keys::networkFailure(message));
    m_sink->exchangeFailed(502, message);
}

void Exchange::logAttempt(int status, const QString &outcome)
{
    m_attemptLog.push_back({ m_key.id, m_routeName, status, outcome, nowMs() - m_attemptStart });
}

void Exchange::dropSocket()
{
    if (!m_socket) {
        return;
    }
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

} // namespace ga::proxy
