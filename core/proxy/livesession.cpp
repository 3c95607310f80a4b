// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/livesession.h"

#include "affinity/resourcemap.h"
#include "http/buffer.h"
#include "http/requestparser.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "logging/usertext.h"
#include "metrics/recorder.h"
#include "proxy/clock.h"
#include "proxy/outcomes.h"
#include "proxy/proxyworker.h"
#include "proxy/upstreampool.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTimer>

namespace ga::proxy {

namespace ws = http::ws;

namespace {
// What a Live session says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kLiveClose("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "Live close %1: %2"));
const logging::UserText kRelayRefusedUpgrade(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the relay refused the upgrade (%1)"));
const logging::UserText kHandshakeRefused(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "handshake refused with HTTP %1"));
const logging::UserText kHandshakeNotHttp(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the upstream's handshake answer is not HTTP"));
const logging::UserText kHandshakeInvalid(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the upstream's WebSocket handshake is invalid"));
const logging::UserText kBrokeProtocol(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the upstream broke the WebSocket protocol"));
const logging::UserText kCouldNotOpen(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "could not open the WebSocket upstream: %1"));
const logging::UserText kClosedBeforeSetup(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the upstream closed before setupComplete"));
const logging::UserText kHandshakeTimeout(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the upstream did not answer the WebSocket handshake in time"));
const logging::UserText kNoSetupInTime("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "no setupComplete in time"));
} // namespace

namespace {

// Inspected messages are copied up to this size: setup, setupComplete, usage and resumption updates are small;
// audio is not looked at.
constexpr qsizetype kMaxInspectedBytes = 1024 * 1024;
// Client bytes kept for a replay until setupComplete (the setup and anything sent before Google confirmed it).
constexpr qsizetype kMaxReplayBytes = 2 * 16 * 1024 * 1024;
// A refused handshake's body is read up to this size for classification.
constexpr qsizetype kMaxRefusalBody = 64 * 1024;
constexpr qint64 kCloseGraceMs = 5000;

bool containsIgnoreCase(QByteArrayView haystack, QByteArrayView needle)
{
    return QLatin1StringView(haystack).contains(QLatin1StringView(needle), Qt::CaseInsensitive);
}

} // namespace

std::optional<keys::Failure> classifyLiveClose(quint16 code, QByteArrayView reason)
{
    keys::Failure f;
    f.reason = kLiveClose.text().arg(code).arg(QString::fromUtf8(reason));
    if (code == ws::InvalidPayload) {
        // 1007 is also what a malformed message gets: only the key-level texts blame the key.
        if (containsIgnoreCase(reason, "API key") || containsIgnoreCase(reason, "suspended")
            || containsIgnoreCase(reason, "API_KEY_INVALID")) {
            f.kind = keys::FailureKind::InvalidKey;
            return f;
        }
        return std::nullopt;
    }
    if (code == ws::InternalError || code == ws::TryAgainLater) {
        if (containsIgnoreCase(reason, "quota") || containsIgnoreCase(reason, "exhausted")
            || containsIgnoreCase(reason, "rate limit")) {
            f.kind = containsIgnoreCase(reason, "per day") ? keys::FailureKind::QuotaPerDay
                                                           : keys::FailureKind::QuotaPerMinute;
            static const QRegularExpression retryIn(
                QStringLiteral("retry in ([0-9.]+)s"), QRegularExpression::CaseInsensitiveOption);
            const QRegularExpressionMatch m = retryIn.match(QString::fromUtf8(reason));
            if (m.hasMatch()) {
                f.retryDelayMs = keys::parseDurationMs(QString(m.captured(1) + u's'));
            }
            return f;
        }
        f.kind = keys::FailureKind::ServerError;
        return f;
    }
    return std::nullopt;
}

LiveSession::LiveSession(LiveClient *client, ProxyWorker *worker, LiveTarget target, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_worker(worker)
    , m_settings(worker->settings())
    , m_target(std::move(target))
{
    m_deadline = nowMs() + m_settings->headerTimeoutMs; // the setup must come within the header timeout
    m_worker->recorder()->liveStarted();
}

LiveSession::~LiveSession()
{
    if (m_upstream) {
        m_upstream->disconnect(this);
        m_upstream->abort();
        m_upstream->deleteLater();
        m_upstream = nullptr;
    }
    if (m_phase != Phase::Over) {
        m_worker->recorder()->liveEnded(m_figures.closeCode ? m_figures.closeCode : ws::Abnormal);
    }
}

// ---- client → upstream ----

void LiveSession::clientData(QByteArray &in)
{
    if (m_phase == Phase::Over) {
        in.clear();
        return;
    }
    pumpClient(in);
    if (m_upstream && m_handshakeDone && m_upstream->bytesToWrite() > 0) {
        m_upstream->flush(); // everything one read brought, in one send
    }
    m_client->liveFlush(); // a pong or a close answered here
}

void LiveSession::pumpClient(QByteArray &in)
{
    Direction &d = m_fromClient;
    qsizetype pos = 0;
    while (pos < in.size() && m_phase != Phase::Over && !m_clientPaused) {
        const QByteArrayView rest = QByteArrayView(in).sliced(pos);
        if (d.remaining == 0) {
            ws::FrameHeader h;
            const std::optional<ws::FrameChecker::Verdict> checked = d.readHeader(rest, &h);
            if (!checked) {
                break;
            }
            const ws::FrameChecker::Verdict verdict = *checked;
            if (verdict != ws::FrameChecker::Verdict::Ok) {
                const bool tooBig = verdict == ws::FrameChecker::Verdict::TooBig;
                qCDebug(lcHttp).noquote() << "Live: client frame refused:" << d.checker.lastError();
                in.clear();
                if (m_upstream && m_handshakeDone) {
                    toUpstream(ws::buildFrame(
                        ws::Close, ws::closePayload(ws::GoingAway, "client error"), true, quint32(0x5a5a5a5a)));
                    m_upstreamCloseSent = true;
                }
                closeClient(tooBig ? ws::MessageTooBig : ws::ProtocolError,
                    tooBig ? QByteArrayView("Message too big: the proxy accepts up to 16 MiB.")
                           : QByteArrayView(d.checker.lastError()));
                return;
            }
            if (h.isControl()) {
                if (rest.size() < qsizetype(h.size + h.length)) {
                    break; // control frames are handled whole (≤ 125 bytes)
                }
                QByteArray payload = rest.sliced(h.size, qsizetype(h.length)).toByteArray();
                ws::applyMask(payload.data(), payload.size(), h.maskKey, 0);
                const QByteArrayView raw = rest.first(h.size + qsizetype(h.length));
                ++d.frames;
                ++m_figures.framesIn;
                if (h.opcode == ws::Close) {
                    m_clientClosedReceived = true;
                    quint16 code = ws::NoStatus;
                    QByteArray reason;
                    ws::parseClosePayload(payload, &code, &reason);
                    if (!m_figures.closeCode) {
                        m_figures.closeCode = code;
                        m_figures.closeReason = QString::fromUtf8(reason);
                    }
                    if (m_phase == Phase::Open || m_phase == Phase::Closing) {
                        toUpstream(raw); // Google answers it; its close comes back to the client
                        m_upstreamCloseSent = true;
                        if (m_upstreamClosedReceived) {
                            pos += raw.size();
                            in.remove(0, pos);
                            finish();
                            return;
                        }
                        m_phase = Phase::Closing;
                        m_deadline = nowMs() + kCloseGraceMs;
                    } else {
                        // Before the session started: nothing upstream to tell; the close is answered here.
                        pos += raw.size();
                        in.remove(0, pos);
                        closeClient(code == ws::NoStatus ? quint16(ws::NormalClosure) : code, reason);
                        return;
                    }
                } else if (m_phase == Phase::Open || m_phase == Phase::Closing) {
                    toUpstream(raw); // ping and pong pass through
                } else if (h.opcode == ws::Ping) {
                    m_client->liveSend(ws::buildFrame(ws::Pong, payload)); // no upstream yet: answered here
                    ++m_figures.framesOut;
                }
                pos += raw.size();
                continue;
            }
            // A data frame: its header goes as it is (the client's mask stays valid upstream).
            ++d.frames;
            ++m_figures.framesIn;
            d.remaining = h.length;
            d.offset = 0;
            d.mask = h.maskKey;
            d.fin = h.fin;
            if (h.opcode != ws::Continuation) {
                d.message.clear();
                d.inspect = m_phase == Phase::AwaitSetup; // only the setup is read
            }
            toUpstream(rest.first(h.size));
            pos += h.size;
            if (h.length == 0 && h.fin) {
                if (d.inspect) {
                    clientMessage(std::exchange(d.message, QByteArray()));
                }
                continue;
            }
            continue;
        }
        // Payload of the current data frame.
        const qsizetype n = qsizetype(std::min<quint64>(d.remaining, quint64(rest.size())));
        const QByteArrayView chunk = rest.first(n);
        toUpstream(chunk);
        m_figures.bytesIn += n;
        if (d.inspect && d.message.size() + n <= kMaxInspectedBytes) {
            const qsizetype at = d.message.size();
            d.message.append(chunk);
            ws::applyMask(d.message.data() + at, n, d.mask, d.offset);
        } else {
            d.inspect = false;
        }
        d.remaining -= quint64(n);
        d.offset += quint64(n);
        pos += n;
        if (d.remaining == 0 && d.fin && m_phase == Phase::AwaitSetup) {
            // The setup is complete: the bytes are consumed before it is acted on.
            in.remove(0, pos);
            pos = 0;
            clientMessage(std::exchange(d.message, QByteArray()));
            if (m_phase == Phase::Over) {
                return;
            }
        }
    }
    if (m_phase == Phase::Over) {
        return;
    }
    in.remove(0, pos);
}

void LiveSession::toUpstream(QByteArrayView bytes)
{
    if (bytes.isEmpty()) {
        return;
    }
    if (m_phase != Phase::Open && m_phase != Phase::Closing) {
        if (m_replay.size() + bytes.size() > kMaxReplayBytes) {
            closeClient(ws::MessageTooBig, "Too much sent before the session started.");
            return;
        }
        m_replay.append(bytes);
    }
    if (m_upstream && m_handshakeDone) {
        m_upstream->write(bytes.data(), bytes.size()); // flushed once per read (flushUpstream)
        if (!m_clientPaused && m_upstream && m_upstream->bytesToWrite() > m_settings->clientHighWaterBytes) {
            m_clientPaused = true;
            m_client->liveReadClient(false);
        }
    }
}

void LiveSession::onUpstreamDrained()
{
    if (m_clientPaused && m_upstream && m_upstream->bytesToWrite() < m_settings->clientLowWaterBytes) {
        m_clientPaused = false;
        m_client->liveReadClient(true);
    }
}

void LiveSession::clientMessage(const QByteArray &message)
{
    if (m_phase != Phase::AwaitSetup) {
        return;
    }
    const QJsonObject root = QJsonDocument::fromJson(message).object();
    const QJsonValue setupValue = root.value(u"setup");
    if (!setupValue.isObject()) {
        closeClient(ws::InvalidPayload, "The first message of a Live session must be a setup message.");
        return;
    }
    const QJsonObject setup = setupValue.toObject();
    QString model = setup.value(u"model").toString();
    if (model.startsWith(u"models/")) {
        model = model.sliced(7);
    }
    m_model = logging::Redactor::redact(model.left(200));
    if (!m_target.ephemeralToken.isEmpty()) {
        m_scope = m_target.tokenOwner;
    }
    const QString handle = setup.value(u"sessionResumption").toObject().value(u"handle").toString();
    if (!handle.isEmpty()) {
        m_resumeHandle = affinity::hashedResourceName(affinity::Kind::LiveHandle, handle.toUtf8());
        if (const std::optional<affinity::Resource> owner = m_worker->resources()->find(m_resumeHandle)) {
            // The same key, not only its project: a resumed session continues where it was.
            m_scope = keys::KeyScope { owner->keyId, QString() };
        }
    }
    m_phase = Phase::Connecting;
    nextAttempt();
}

// ---- attempts ----

void LiveSession::nextAttempt()
{
    closeUpstream();
    const int maxAttempts = std::max(1, m_settings->upstream.maxAttempts);
    if (m_countedAttempts >= maxAttempts || m_quotaSkips > 10) {
        closeClient(m_failCode ? m_failCode : quint16(ws::InternalError),
            m_failReason.isEmpty() ? QByteArray("No key could start the Live session.") : m_failReason);
        return;
    }
    keys::NoKeyReason why;
    if (!m_worker->keys()->pick(m_model, m_tried, &m_key, &why, m_scope.isNull() ? nullptr : &m_scope)) {
        const QByteArray text = why.describe(m_model).toUtf8();
        if (m_failCode == ws::InvalidPayload || m_failCode == ws::InternalError) {
            closeClient(m_failCode, m_failReason); // what Google said about the last key tried
        } else {
            closeClient(why.retryAfterMs >= 0 ? ws::TryAgainLater : ws::InternalError, text);
        }
        return;
    }
    m_tried.push_back(m_key.id);
    QString reason;
    routing::Route route;
    if (!m_worker->router()->firstRoute(m_key.id, &route, &reason)) {
        m_attemptStart = nowMs();
        m_routeName.clear();
        logAttempt(0, outcome::kNoRoute.text().arg(reason));
        m_failCode = ws::TryAgainLater;
        m_failReason = reason.toUtf8();
        ++m_countedAttempts;
        nextAttempt();
        return;
    }
    m_triedRelays.clear();
    startRoute(route);
}

void LiveSession::startRoute(const routing::Route &route)
{
    closeUpstream();
    m_route = route;
    m_relay = routing::Relay();
    m_viaRelay = !route.isDirect() && m_worker->router()->relay(route.relay, &m_relay);
    if (m_viaRelay) {
        m_triedRelays.push_back(route.relay);
    }
    m_routeName = m_viaRelay ? m_relay.id : QStringLiteral("direct");
    m_attemptStart = nowMs();
    const upstream::UpstreamSettings &target = m_viaRelay ? m_relay.upstream : m_settings->upstream;
    m_phase = Phase::Connecting;
    m_handshakeDone = false;
    m_upstreamIn.clear();
    m_fromUpstream = Direction(false);
    m_upstream = m_worker->pool()->newResumingSocket(target); // a TLS session of the worker's resumed
    m_upstream->setParent(this);
    connect(m_upstream, &QIODevice::readyRead, this, &LiveSession::onUpstreamRead);
    connect(m_upstream, &QIODevice::bytesWritten, this, &LiveSession::onUpstreamDrained);
    connect(m_upstream, &QAbstractSocket::disconnected, this, &LiveSession::onUpstreamGone);
    connect(m_upstream, &QAbstractSocket::errorOccurred, this, &LiveSession::onUpstreamGone);
    m_deadline = nowMs() + target.connectTimeoutMs;
    if (auto *ssl = qobject_cast<QSslSocket *>(m_upstream)) {
        connect(ssl, &QSslSocket::encrypted, this, &LiveSession::onConnected);
        ssl->connectToHostEncrypted(target.host, target.port);
    } else {
        connect(m_upstream, &QAbstractSocket::connected, this, &LiveSession::onConnected);
        m_upstream->connectToHost(target.host, target.port);
    }
}

void LiveSession::onConnected()
{
    if (!m_upstream) {
        return;
    }
    // Only now does the option reach the socket (Qt ignores it before the connection exists): without it Nagle
    // holds a frame's payload behind its header until the peer's delayed ACK (~40 ms per client message).
    m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const upstream::UpstreamSettings &target = m_viaRelay ? m_relay.upstream : m_settings->upstream;
    m_handshakeKey = ws::newClientKey();
    QByteArray head;
    head.reserve(512);
    head += "GET ";
    head += target.pathPrefix;
    head += m_target.path;
    if (!m_target.query.isEmpty()) {
        head += '?';
        head += m_target.query;
    }
    head += " HTTP/1.1\r\nHost: ";
    head += target.hostHeader;
    head += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ";
    head += m_handshakeKey;
    head += "\r\n";
    // The credential goes in a header, never in the URL (which servers and relays may log).
    if (!m_target.ephemeralToken.isEmpty()) {
        head += "Authorization: Token " + m_target.ephemeralToken + "\r\n";
    } else {
        head += "x-goog-api-key: " + m_key.secret + "\r\n";
    }
    if (m_viaRelay && !m_relay.secret.isEmpty()) {
        head += "x-relay-secret: " + m_relay.secret + "\r\n";
    }
    http::appendHeaders(head, m_target.headers);
    head += "\r\n";
    m_upstream->write(head);
    m_upstream->flush();
}

void LiveSession::onUpstreamRead()
{
    if (!m_upstream || m_phase == Phase::Over) {
        return;
    }
    if (m_upstreamPaused) {
        return; // bytes wait in the socket (its buffer is bounded: TCP pushes back)
    }
    http::appendAvailable(m_upstream, m_upstreamIn);
    if (!m_handshakeDone && readHandshake() != Handshake::Upgraded) {
        return;
    }
    pumpUpstream();
    m_client->liveFlush(); // everything one read brought, in one send
}

LiveSession::Handshake LiveSession::readHandshake()
{
    http::Response response;
    const http::ParseOutcome o = http::parseResponseHead(m_upstreamIn, false, 64 * 1024, &response);
    if (o.state == http::ParseOutcome::Incomplete) {
        return Handshake::NeedMore;
    }
    if (o.state == http::ParseOutcome::Error) {
        attemptFailed(
            keys::networkFailure(kHandshakeNotHttp.text()), m_viaRelay, 502, QStringLiteral("bad handshake answer"));
        return Handshake::Failed;
    }
    const QByteArray *relayError = http::findHeader(response.headers, "x-relay-error");
    if (response.status == 101) {
        const QByteArray *accept = http::findHeader(response.headers, "sec-websocket-accept");
        const QByteArray *upgrade = http::findHeader(response.headers, "upgrade");
        if (!accept || accept->trimmed() != ws::acceptValue(m_handshakeKey) || !upgrade
            || !http::equalsIgnoreCase(upgrade->trimmed(), "websocket")) {
            attemptFailed(
                keys::networkFailure(kHandshakeInvalid.text()), m_viaRelay, 502, QStringLiteral("bad handshake"));
            return Handshake::Failed;
        }
        http::consumeFront(m_upstreamIn, o.consumed);
        m_handshakeDone = true;
        m_phase = Phase::AwaitSetupComplete;
        m_deadline = nowMs() + std::min(m_settings->upstream.firstByteTimeoutMs, 60'000);
        // Everything the client sent so far (the setup, and what followed it) goes to this upstream.
        m_upstream->write(m_replay);
        m_upstream->flush();
        return Handshake::Upgraded;
    }
    // Refused: the answer says why (Google's error body, or the relay's own).
    if (response.bodyKind == http::BodyKind::Length && response.contentLength <= kMaxRefusalBody
        && m_upstreamIn.size() - o.consumed < response.contentLength
        && m_upstream->state() == QAbstractSocket::ConnectedState) {
        return Handshake::NeedMore; // the rest of the body is coming
    }
    const QByteArray body = m_upstreamIn.mid(o.consumed, kMaxRefusalBody);
    const bool relayFault = m_viaRelay && relayError && relayError->trimmed() != "upstream-refused";
    keys::Failure failure = relayFault
        ? keys::networkFailure(kRelayRefusedUpgrade.text().arg(QString::fromLatin1(relayError->left(60))))
        : keys::classifyResponse(response.status, body);
    if (failure.reason.isEmpty()) {
        failure.reason = kHandshakeRefused.text().arg(response.status);
    }
    if (!relayFault && !failure.retryable()) {
        // The client's own problem (a model or request Google refuses): it hears it as a policy close.
        const QJsonObject error = QJsonDocument::fromJson(body).object().value(u"error").toObject();
        const QString message = error.value(u"message").toString();
        m_failCode = ws::PolicyViolation;
        m_failReason = (message.isEmpty() ? failure.reason : message).toUtf8();
    } else {
        m_failCode = failure.isQuota() ? ws::InternalError : ws::TryAgainLater;
        m_failReason = failure.reason.toUtf8();
    }
    attemptFailed(failure, relayFault, response.status, QStringLiteral("handshake refused"));
    return Handshake::Failed;
}

void LiveSession::attemptFailed(const keys::Failure &failure, bool relayFault, int logStatus, const QString &outcome)
{
    logAttempt(logStatus, outcome + QStringLiteral(": ") + failure.reason);
    closeUpstream();
    routing::Router *router = m_worker->router();
    if (relayFault || (m_viaRelay && failure.kind == keys::FailureKind::NetworkError)) {
        router->reportRelayFailure(m_route.relay, failure.reason);
        routing::Route next;
        if (router->fallbackRoute(m_key.id, m_route, m_triedRelays, &next)) {
            ++m_fallbacks;
            qCInfo(lcRouting).noquote() << "Live: relay failed (" << failure.reason << ") - going"
                                        << (next.isDirect() ? QStringLiteral("direct")
                                                            : QStringLiteral("via another relay"));
            startRoute(next); // hybrid: direct; serverless: another relay
            return;
        }
    } else if (failure.kind != keys::FailureKind::None && m_target.ephemeralToken.isEmpty()) {
        m_worker->keys()->reportFailure(m_key.id, m_model, failure);
    }
    const bool retry = failure.retryable() && m_target.ephemeralToken.isEmpty();
    if (!retry) {
        closeClient(m_failCode ? m_failCode : quint16(ws::InternalError),
            m_failReason.isEmpty() ? failure.reason.toUtf8() : m_failReason);
        return;
    }
    if (failure.isQuota()) {
        ++m_quotaSkips;
    } else {
        ++m_countedAttempts;
    }
    m_phase = Phase::Connecting;
    nextAttempt();
}

// ---- upstream → client ----

void LiveSession::pumpUpstream()
{
    Direction &d = m_fromUpstream;
    qsizetype pos = 0;
    QByteArray &in = m_upstreamIn;
    while (pos < in.size() && m_phase != Phase::Over) {
        if (m_client->liveClientPending() > m_settings->clientHighWaterBytes) {
            m_upstreamPaused = true;
            break;
        }
        const QByteArrayView rest = QByteArrayView(in).sliced(pos);
        if (d.remaining == 0) {
            ws::FrameHeader h;
            const std::optional<ws::FrameChecker::Verdict> checked = d.readHeader(rest, &h);
            if (!checked) {
                break;
            }
            const ws::FrameChecker::Verdict verdict = *checked;
            if (verdict != ws::FrameChecker::Verdict::Ok) {
                qCWarning(lcHttp).noquote() << "Live: upstream frame refused:" << d.checker.lastError();
                in.clear();
                if (m_phase != Phase::Open && m_phase != Phase::Closing) {
                    attemptFailed(
                        keys::networkFailure(kBrokeProtocol.text()), m_viaRelay, 502, QStringLiteral("protocol error"));
                    return;
                }
                closeUpstream();
                closeClient(verdict == ws::FrameChecker::Verdict::TooBig ? ws::MessageTooBig : ws::InternalError,
                    "The upstream broke the WebSocket protocol.");
                return;
            }
            if (h.isControl()) {
                if (rest.size() < qsizetype(h.size + h.length)) {
                    break;
                }
                const QByteArrayView raw = rest.first(h.size + qsizetype(h.length));
                const QByteArrayView payload = raw.sliced(h.size);
                pos += raw.size();
                if (h.opcode == ws::Close) {
                    m_upstreamClosedReceived = true;
                    quint16 code = ws::NoStatus;
                    QByteArray reason;
                    ws::parseClosePayload(payload, &code, &reason);
                    if (m_phase == Phase::AwaitSetupComplete) {
                        // Before setupComplete: a bad key or quota is retried on the next key; anything else is
                        // the client's (an unsupported model, a malformed setup) and passes through.
                        if (const std::optional<keys::Failure> f = classifyLiveClose(code, reason)) {
                            m_failCode = code;
                            m_failReason = reason;
                            in.remove(0, pos);
                            attemptFailed(*f, false, 0, QStringLiteral("closed before setupComplete"));
                            return;
                        }
                        m_phase = Phase::Open; // passes through as it is
                    }
                    if (!m_figures.closeCode || !m_clientClosedReceived) {
                        m_figures.closeCode = code;
                        m_figures.closeReason = QString::fromUtf8(reason);
                    }
                    ++m_figures.framesOut;
                    m_client->liveSend(raw);
                    m_clientClosedSent = true;
                    if (m_upstreamCloseSent) {
                        in.remove(0, pos);
                        finish();
                        return;
                    }
                    m_phase = Phase::Closing;
                    m_deadline = nowMs() + kCloseGraceMs;
                    continue;
                }
                ++m_figures.framesOut;
                m_client->liveSend(raw); // ping and pong pass through
                continue;
            }
            ++m_figures.framesOut;
            d.remaining = h.length;
            d.offset = 0;
            d.fin = h.fin;
            if (h.opcode != ws::Continuation) {
                d.message.clear();
                d.inspect = true;
            }
            m_client->liveSend(rest.first(h.size));
            pos += h.size;
            if (h.length == 0 && h.fin && d.inspect) {
                upstreamMessage(std::exchange(d.message, QByteArray()));
            }
            continue;
        }
        const qsizetype n = qsizetype(std::min<quint64>(d.remaining, quint64(rest.size())));
        const QByteArrayView chunk = rest.first(n);
        m_client->liveSend(chunk);
        m_figures.bytesOut += n;
        if (d.inspect && d.message.size() + n <= kMaxInspectedBytes) {
            d.message.append(chunk);
        } else {
            d.inspect = false;
            d.message.clear();
        }
        d.remaining -= quint64(n);
        pos += n;
        if (d.remaining == 0 && d.fin && d.inspect) {
            upstreamMessage(std::exchange(d.message, QByteArray()));
        }
    }
    if (m_phase != Phase::Over) {
        http::consumeFront(in, pos);
    }
}

void LiveSession::upstreamMessage(const QByteArray &message)
{
    if (m_phase == Phase::AwaitSetupComplete) {
        // The first message: setupComplete starts the session (anything else also ends the retry window).
        m_phase = Phase::Open;
        m_deadline = 0;
        m_replay = QByteArray();
        m_figures.started = message.contains("setupComplete");
        if (m_viaRelay) {
            m_worker->router()->reportRelaySuccess(m_route.relay, nowMs() - m_attemptStart);
        }
        logAttempt(101, m_figures.started ? keys::failureKindName(keys::FailureKind::None) : outcome::kStarted.text());
    }
    const bool usage = message.contains("usageMetadata");
    const bool resumption = message.contains("sessionResumptionUpdate");
    if (!usage && !resumption) {
        return;
    }
    const QJsonObject root = QJsonDocument::fromJson(message).object();
    if (usage) {
        noteUsage(root.value(u"usageMetadata").toObject());
    }
    if (resumption) {
        const QJsonObject update = root.value(u"sessionResumptionUpdate").toObject();
        const QString handle = update.value(u"newHandle").toString();
        if (!handle.isEmpty() && update.value(u"resumable").toBool(true) && !m_key.id.isEmpty()) {
            affinity::Resource r;
            r.name = affinity::hashedResourceName(affinity::Kind::LiveHandle, handle.toUtf8());
            r.kind = affinity::Kind::LiveHandle;
            r.keyId = m_key.id;
            r.group = m_key.group;
            r.model = m_model;
            r.expiresMs = QDateTime::currentMSecsSinceEpoch() + kHandleLifetimeMs;
            m_worker->resources()->remember(std::move(r));
        }
    }
}

void LiveSession::noteUsage(const QJsonObject &usage)
{
    // Live sends usage per turn: the session's usage is their sum.
    const qint64 prompt = usage.value(u"promptTokenCount").toInteger();
    const qint64 output
        = usage.value(u"responseTokenCount").toInteger(usage.value(u"candidatesTokenCount").toInteger());
    const qint64 total = usage.value(u"totalTokenCount").toInteger(prompt + output);
    m_usage.promptTokens += prompt;
    m_usage.outputTokens += output;
    m_usage.totalTokens += total;
    m_usage.known = true;
}

void LiveSession::clientDrained()
{
    if (m_upstreamPaused && m_client->liveClientPending() < m_settings->clientLowWaterBytes) {
        m_upstreamPaused = false;
        onUpstreamRead();
    }
}

void LiveSession::onUpstreamGone()
{
    if (!m_upstream || m_phase == Phase::Over) {
        return;
    }
    const QString error = m_upstream->errorString();
    // Bytes that arrived with the close (a close frame and the FIN together) are relayed first.
    if (m_handshakeDone && m_upstream->bytesAvailable() > 0) {
        http::appendAvailable(m_upstream, m_upstreamIn);
        m_upstreamPaused = false;
        pumpUpstream();
        m_client->liveFlush();
        if (m_phase == Phase::Over || !m_upstream) {
            return;
        }
    } else if (!m_handshakeDone && m_upstream->bytesAvailable() > 0) {
        http::appendAvailable(m_upstream, m_upstreamIn);
    }
    if (!m_handshakeDone) {
        // A refusal whose body ended with the connection is judged with what arrived; an upgrade that came with
        // the close is relayed, then ends as a lost connection below.
        const Handshake h = m_upstreamIn.isEmpty() ? Handshake::NeedMore : readHandshake();
        if (h == Handshake::Failed || m_phase == Phase::Over) {
            return;
        }
        if (h == Handshake::NeedMore) {
            attemptFailed(
                keys::networkFailure(kCouldNotOpen.text().arg(error)), m_viaRelay, 0, QStringLiteral("network"));
            return;
        }
        pumpUpstream();
        m_client->liveFlush();
        if (m_phase == Phase::Over || !m_upstream) {
            return;
        }
    }
    if (m_phase == Phase::AwaitSetupComplete) {
        attemptFailed(keys::networkFailure(kClosedBeforeSetup.text()), m_viaRelay, 0, QStringLiteral("network"));
        return;
    }
    closeUpstream();
    if (m_phase == Phase::Closing && m_clientClosedSent) {
        finish();
        return;
    }
    if (!m_figures.closeCode) {
        m_figures.closeCode = ws::Abnormal;
        m_figures.closeReason = QStringLiteral("The upstream connection was lost.");
    }
    closeClient(ws::InternalError, "The upstream connection was lost.");
}

// ---- ending ----

void LiveSession::checkTimeouts(qint64 now)
{
    if (m_deadline == 0 || now < m_deadline || m_phase == Phase::Over) {
        return;
    }
    m_deadline = 0;
    switch (m_phase) {
    case Phase::AwaitSetup:
        closeClient(ws::PolicyViolation, "No setup message arrived in time.");
        return;
    case Phase::Connecting:
        attemptFailed(keys::networkFailure(kHandshakeTimeout.text()), m_viaRelay, 0, QStringLiteral("timeout"));
        return;
    case Phase::AwaitSetupComplete:
        attemptFailed(keys::networkFailure(kNoSetupInTime.text()), m_viaRelay, 0, QStringLiteral("timeout"));
        return;
    case Phase::Open:
        return;
    case Phase::Closing:
    case Phase::Over:
        finish();
        return;
    }
}

void LiveSession::clientGone()
{
    if (m_phase == Phase::Over) {
        return;
    }
    if (!m_figures.closeCode) {
        m_figures.closeCode = ws::Abnormal;
    }
    if (m_upstream && m_handshakeDone && !m_upstreamCloseSent) {
        const QByteArray close
            = ws::buildFrame(ws::Close, ws::closePayload(ws::GoingAway, "client gone"), true, quint32(0x1234abcd));
        m_upstream->write(close);
        m_upstream->flush();
    }
    finish();
}

void LiveSession::closeClient(quint16 code, QByteArrayView reason)
{
    if (m_phase == Phase::Over) {
        return;
    }
    if (!m_clientClosedSent) {
        m_clientClosedSent = true;
        if (!m_figures.closeCode) {
            m_figures.closeCode = code;
            m_figures.closeReason = QString::fromUtf8(reason.first(std::min(reason.size(), ws::kMaxCloseReason)));
        }
        m_client->liveSend(ws::buildFrame(ws::Close, ws::closePayload(code, reason)));
        m_client->liveFlush();
        ++m_figures.framesOut;
    }
    finish();
}

void LiveSession::closeUpstream()
{
    if (!m_upstream) {
        return;
    }
    m_upstream->disconnect(this);
    m_upstream->abort();
    m_upstream->deleteLater();
    m_upstream = nullptr;
    m_handshakeDone = false;
    m_upstreamPaused = false;
    if (m_clientPaused) {
        m_clientPaused = false;
        m_client->liveReadClient(true);
    }
}

void LiveSession::finish()
{
    if (m_phase == Phase::Over) {
        return;
    }
    const bool started = m_phase == Phase::Open || m_phase == Phase::Closing;
    m_client->liveFlush();
    if (m_upstream) {
        // A close frame written just before stays in flight: the socket closes after writing it.
        m_upstream->disconnect(this);
        m_upstream->disconnectFromHost();
        QTcpSocket *s = std::exchange(m_upstream, nullptr);
        QObject::connect(s, &QAbstractSocket::disconnected, s, &QObject::deleteLater);
        QTimer::singleShot(kCloseGraceMs, s, [s] {
            s->abort();
            s->deleteLater();
        });
        s->setParent(m_worker->pool()); // outlives this session, goes with the worker
    }
    m_phase = Phase::Over;
    if (started && !m_reported && !m_key.id.isEmpty()) {
        m_reported = true;
        m_worker->keys()->reportSuccess(m_key.id, m_model, m_usage);
    }
    m_worker->recorder()->liveEnded(m_figures.closeCode ? m_figures.closeCode : ws::Abnormal);
    m_client->liveEnded();
}

void LiveSession::logAttempt(int status, const QString &outcome)
{
    metrics::Attempt a;
    a.keyId = m_key.id;
    a.route = m_routeName;
    a.status = status;
    a.outcome = outcome;
    a.ms = nowMs() - m_attemptStart;
    m_attempts.push_back(std::move(a));
}

} // namespace ga::proxy
