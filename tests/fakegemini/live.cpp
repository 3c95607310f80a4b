// SPDX-License-Identifier: GPL-3.0-or-later
// The Live API (BidiGenerateContent over WebSocket) of the fake Gemini upstream: one LiveConnection per session.
// Wire facts: /work/shared/gemini-api.md §5, §9, §10. The upgrade request itself is routed in responses.cpp.
#include "fakegemini_p.h"
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <functional>
#include <limits>
#include <utility>

namespace ga::test::fake {
namespace {

constexpr int kCloseNormal = 1000;
constexpr int kCloseGoingAway = 1001;
constexpr int kCloseAbnormal = 1006; // recorded when the TCP connection ended without a close frame
constexpr int kCloseInvalidPayload = 1007;
constexpr int kClosePolicy = 1008;
constexpr int kCloseInternal = 1011;
constexpr qsizetype kMaxCloseReason = 123; // a close frame's payload is at most 125 bytes, 2 of them the code
constexpr int kGoAwayGraceMs = 1000;
constexpr int kAudioBytesPerToken = 1000; // [fake's own] 16 kHz 16-bit PCM ≈ 32 tokens per second

constexpr QByteArrayView kKeyInvalid = "API key not valid. Please pass a valid API key.";
constexpr QByteArrayView kQuota = "You exceeded your current quota, please check your plan and billing details. For "
                                  "more information on this error, head to: "
                                  "https://ai.google.dev/gemini-api/docs/rate-limits.";
constexpr QByteArrayView kInvalidJson = "Invalid JSON payload received.";
constexpr QByteArrayView kForbidden = "The caller does not have permission";
constexpr QByteArrayView kRegionBlocked = "User location is not supported for the API use.";
// [inference] wordings: Google's exact reasons for these are not captured.
constexpr QByteArrayView kSetupFirst = "Invalid request: the first message must be a setup message.";
constexpr QByteArrayView kTokenRefused = "Unauthorized: the ephemeral token is invalid, expired or used up.";
constexpr QByteArrayView kSessionNotFound = "Session not found: the resumption handle is unknown or has expired.";
constexpr QByteArrayView kUnknownCallId = "Invalid function response: unknown function call id.";
constexpr QByteArrayView kMidStreamError = "Internal error encountered.";

// A server message: pretty JSON + "\n", like Google's ({"setupComplete": {}} arrives as b'{\n  "setupComplete":
// {}\n}\n'), sent as a binary frame.
QByteArray message(const std::function<void(JsonWriter &)> &write)
{
    QByteArray out;
    JsonWriter w(out, JsonWriter::Style::Pretty);
    w.beginObject();
    write(w);
    w.endObject();
    out += '\n';
    return out;
}

QByteArray modelTurnText(QByteArrayView text)
{
    return message([&](JsonWriter &w) {
        w.key("serverContent").beginObject().key("modelTurn").beginObject();
        w.key("parts").beginArray().beginObject().field("text", text).endObject().endArray();
        w.endObject().endObject();
    });
}

QByteArray goAway(QByteArrayView timeLeft)
{
    return message([&](JsonWriter &w) { w.key("goAway").beginObject().field("timeLeft", timeLeft).endObject(); });
}

} // namespace

LiveConnection::LiveConnection(std::shared_ptr<Shared> shared, QTcpSocket *socket, const Request &request,
    std::shared_ptr<LiveStart> start, quint64 requestId, QObject *parent)
    : QObject(parent)
    , m_shared(std::move(shared))
    , m_start(std::move(start))
    , m_socket(socket)
{
    socket->setParent(this);
    m_rec.requestId = requestId;
    m_rec.connectionId = request.connectionId;
    m_rec.path = request.path.toByteArray();
    m_rec.query = request.query.toByteArray();
    for (const HeaderRef &h : request.headers) {
        m_rec.headers.append({ request.headerName(h).toByteArray(), request.headerValue(h).toByteArray() });
    }
    m_rec.key = QString::fromUtf8(m_start->key);
    m_rec.keySource = m_start->source;
    m_rec.project = m_start->project;

    m_pumpTimer = new QTimer(this);
    m_pumpTimer->setSingleShot(true);
    connect(m_pumpTimer, &QTimer::timeout, this, [this] { pump(); });
    m_maxTimer = new QTimer(this);
    m_maxTimer->setSingleShot(true);
    connect(m_maxTimer, &QTimer::timeout, this, [this] { onMaxSessionTimer(); });

    // The server reads the still-unread handshake from the socket, answers 101 and emits newConnection. If the
    // client goes away first, it deletes the socket.
    m_server = new QWebSocketServer(QString(), QWebSocketServer::NonSecureMode, this);
    connect(m_server, &QWebSocketServer::newConnection, this, [this] { onUpgraded(); });
    connect(socket, &QObject::destroyed, this, [this] {
        m_socket = nullptr;
        if (!m_ws) {
            end(true);
        }
    });
    m_server->handleConnection(socket);
}

LiveConnection::~LiveConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
    }
    if (m_ws) {
        m_ws->disconnect(this);
        if (!m_ended && m_rec.closeCode == 0 && m_ws->state() == QAbstractSocket::ConnectedState) {
            m_rec.closeCode = kCloseGoingAway; // ~QWebSocket sends it (the fake is shutting down)
            m_rec.closeReason = QStringLiteral("Connection closed");
        }
    }
    if (!m_ended) {
        end(false);
    }
    delete m_ws;
}

void LiveConnection::onUpgraded()
{
    if (m_ws || !m_server->hasPendingConnections()) {
        return;
    }
    m_ws = m_server->nextPendingConnection();
    m_ws->setParent(this);
    connect(m_ws, &QWebSocket::textMessageReceived, this, [this](const QString &m) { onMessage(m.toUtf8()); });
    connect(m_ws, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &m) { onMessage(m); });
    connect(m_ws, &QWebSocket::aboutToClose, this, [this] { m_closeSeen = true; });
    connect(m_ws, &QWebSocket::disconnected, this, [this] { onDisconnected(); });
    m_state = State::AwaitSetup;
    m_rec.id = ++m_shared->liveSeq;
    ++m_shared->liveOpen;
    qint64 maxMs = 0;
    {
        QMutexLocker lock(&m_shared->mutex);
        maxMs = m_shared->liveMaxSessionMs;
        if (m_shared->recording.load(std::memory_order_relaxed)) {
            m_shared->liveSessions.append(m_rec);
            m_listed = true;
        }
    }
    if (maxMs > 0) {
        m_maxTimer->start(int(std::min<qint64>(maxMs, std::numeric_limits<int>::max())));
    }
}

void LiveConnection::onMessage(const QByteArray &data)
{
    ++m_rec.framesIn;
    m_rec.bytesIn += data.size();
    if (m_state != State::AwaitSetup && m_state != State::Ready) { // hanging or closing: ignored
        publish();
        return;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        closeWith(kCloseInvalidPayload, kInvalidJson);
        return;
    }
    const QJsonObject o = doc.object();
    if (m_state == State::AwaitSetup) {
        if (!o.value(QLatin1String("setup")).isObject()) {
            closeWith(kCloseInvalidPayload, kSetupFirst);
            return;
        }
        handleSetup(o.value(QLatin1String("setup")).toObject());
    } else if (o.value(QLatin1String("clientContent")).isObject()) {
        handleClientContent(o.value(QLatin1String("clientContent")).toObject());
    } else if (o.value(QLatin1String("realtimeInput")).isObject()) {
        handleRealtimeInput(o.value(QLatin1String("realtimeInput")).toObject());
    } else if (o.value(QLatin1String("toolResponse")).isObject()) {
        handleToolResponse(o.value(QLatin1String("toolResponse")).toObject());
    }
    publish();
}

void LiveConnection::onDisconnected()
{
    if (m_ended) {
        return;
    }
    if (m_rec.closeCode == 0) {
        if (m_closeSeen) { // the client's close frame, which QWebSocket has answered
            m_rec.closeCode = int(m_ws->closeCode());
            m_rec.closeReason = m_ws->closeReason();
            m_rec.closedByClient = true;
        } else {
            m_rec.closeCode = kCloseAbnormal;
        }
    }
    end(true);
}

void LiveConnection::onMaxSessionTimer()
{
    if (m_state == State::Closing) {
        return;
    }
    if (!m_goAwaySent) {
        m_goAwaySent = true;
        send(goAway("1s"));
        m_maxTimer->start(kGoAwayGraceMs);
        return;
    }
    closeWith(kCloseNormal, {});
}

void LiveConnection::handleSetup(const QJsonObject &setup)
{
    m_rec.model = setup.value(QLatin1String("model")).toString();
    const QJsonValue resumption = setup.value(QLatin1String("sessionResumption"));
    m_rec.resumedHandle = resumption.toObject().value(QLatin1String("handle")).toString();
    if (!admit()) {
        return;
    }
    m_resumable = resumption.isObject();
    const QJsonArray tools = setup.value(QLatin1String("tools")).toArray();
    for (qsizetype i = 0; i < tools.size() && m_function.isEmpty(); ++i) {
        const QJsonArray declarations = tools.at(i).toObject().value(QLatin1String("functionDeclarations")).toArray();
        if (!declarations.isEmpty()) {
            m_function = declarations.first().toObject().value(QLatin1String("name")).toString().toUtf8();
        }
    }
    m_state = State::Ready;
    const int latency = m_start->resolved.script.latencyMs;
    if (latency > 0) {
        m_queue.append({ Out::Kind::Delay, {}, latency });
    }
    m_queue.append({ Out::Kind::Message,
        message([](JsonWriter &w) { w.key("setupComplete").beginObject().endObject(); }), 0, true });
    pump();
    if (m_resumable) {
        offerResumption();
    }
}

// The checks Google makes once the setup arrives (the upgrade already succeeded): credentials, quota, model,
// resumption handle. A refusal queues the close and returns false.
bool LiveConnection::admit()
{
    if (!m_start->known) {
        if (m_start->token) {
            closeWith(kClosePolicy, kTokenRefused);
        } else {
            closeWith(kCloseInvalidPayload, kKeyInvalid);
        }
        return false;
    }
    const Behaviour behaviour = m_start->resolved.script.behaviour;
    switch (behaviour) {
    case Behaviour::Invalid:
        closeWith(kCloseInvalidPayload, kKeyInvalid);
        return false;
    case Behaviour::Suspended:
        closeWith(
            kCloseInvalidPayload, "Permission denied: Consumer 'api_key:" + m_start->key + "' has been suspended.");
        return false;
    case Behaviour::Forbidden:
        closeWith(kClosePolicy, kForbidden);
        return false;
    case Behaviour::RegionBlocked:
        closeWith(kCloseInvalidPayload, kRegionBlocked);
        return false;
    case Behaviour::Hang:
        m_state = State::Hanging;
        return false;
    case Behaviour::CloseBeforeResponse:
        m_state = State::Closing;
        m_queue.append({ Out::Kind::Abort, {}, 0 });
        pump();
        return false;
    default:
        break;
    }

    const QByteArray handle = m_rec.resumedHandle.toUtf8();
    const QString owner = ownerOfKey(m_start->key, m_start->project);
    bool handleOk = true;
    bool tokenOk = true;
    bool quotaHit = false;
    {
        QMutexLocker lock(&m_shared->mutex);
        const qint64 now = nowUs(*m_shared);
        if (!handle.isEmpty()) {
            const auto h = m_shared->liveHandles.constFind(handle);
            handleOk = h != m_shared->liveHandles.cend() && h->owner == owner && h->expireUs > now;
        }
        if (m_start->token) {
            // A resumed session is no new use, and may start after newSessionExpireTime (AuthToken docs).
            const auto t = m_shared->authTokens.find(m_start->key);
            const bool resuming = !handle.isEmpty() && handleOk;
            tokenOk = t != m_shared->authTokens.end() && t->expireUs > now
                && (resuming || (t->newSessionExpireUs > now && (t->uses == 0 || t->used < t->uses)));
            if (tokenOk && !resuming) {
                ++t->used;
            }
        }
        const auto q = m_shared->quota.constFind(m_start->project);
        if (tokenOk && !m_start->project.isEmpty() && q != m_shared->quota.cend()) {
            quotaHit = ++m_shared->usage[m_start->project] > q.value(); // a session is one model call
        }
    }
    if (!tokenOk) {
        closeWith(kClosePolicy, kTokenRefused);
        return false;
    }
    if (quotaHit || behaviour == Behaviour::RateLimited || behaviour == Behaviour::RateLimitedNoQuota) {
        closeWith(kCloseInternal, kQuota);
        return false;
    }
    if (m_rec.model.contains(QLatin1String("no-live"))) {
        QString model = m_rec.model;
        if (model.startsWith(QLatin1String("models/"))) {
            model = model.mid(7);
        }
        closeWith(kClosePolicy,
            "models/" + model.toUtf8() + " is not found for API version " + m_start->version
                + ", or is not supported for bidiGenerateContent. Call ListModels to see the list of available "
                  "models and their supported methods.");
        return false;
    }
    if (!handleOk) {
        closeWith(kClosePolicy, kSessionNotFound);
        return false;
    }
    return true;
}

void LiveConnection::handleClientContent(const QJsonObject &content)
{
    const QJsonArray turns = content.value(QLatin1String("turns")).toArray();
    for (const QJsonValue &turn : turns) {
        const QJsonObject t = turn.toObject();
        if (t.value(QLatin1String("role")).toString(QStringLiteral("user")) != QLatin1String("user")) {
            continue;
        }
        for (const QJsonValue &part : t.value(QLatin1String("parts")).toArray()) {
            m_turnText += part.toObject().value(QLatin1String("text")).toString().toUtf8();
        }
    }
    if (content.value(QLatin1String("turnComplete")).toBool()) {
        const QByteArray text = std::exchange(m_turnText, QByteArray());
        answerTurn(text, textTokens(text.size()));
    }
}

void LiveConnection::handleRealtimeInput(const QJsonObject &input)
{
    if (input.value(QLatin1String("text")).isString()) {
        const QByteArray text = input.value(QLatin1String("text")).toString().toUtf8();
        answerTurn(text, textTokens(text.size()));
        return;
    }
    QJsonArray blobs = input.value(QLatin1String("mediaChunks")).toArray(); // legacy form
    if (input.value(QLatin1String("audio")).isObject()) {
        blobs.prepend(input.value(QLatin1String("audio")));
    }
    for (const QJsonValue &blob : std::as_const(blobs)) {
        const QJsonObject b = blob.toObject();
        if (!b.value(QLatin1String("mimeType")).toString().startsWith(QLatin1String("audio/"))) {
            continue; // video frames and the like: no echo
        }
        const QByteArray data = b.value(QLatin1String("data")).toString().toLatin1();
        m_audioBytes += QByteArray::fromBase64(data).size();
        send(message([&](JsonWriter &w) {
            w.key("serverContent").beginObject().key("modelTurn").beginObject();
            w.key("parts").beginArray().beginObject().key("inlineData").beginObject();
            w.field("mimeType", "audio/pcm;rate=24000").field("data", data);
            w.endObject().endObject().endArray();
            w.endObject().endObject();
        }));
    }
    if (input.value(QLatin1String("audioStreamEnd")).toBool()) {
        const int tokens = int(std::max<qint64>(1, (std::exchange(m_audioBytes, 0) + 999) / kAudioBytesPerToken));
        completeTurn(tokens, tokens);
    }
}

void LiveConnection::handleToolResponse(const QJsonObject &response)
{
    const QJsonArray responses = response.value(QLatin1String("functionResponses")).toArray();
    for (const QJsonValue &r : responses) {
        if (!m_pendingCalls.contains(r.toObject().value(QLatin1String("id")).toString().toUtf8())) {
            closeWith(kCloseInvalidPayload, kUnknownCallId);
            return;
        }
    }
    qsizetype promptBytes = 0;
    qsizetype answerBytes = 0;
    for (const QJsonValue &r : responses) {
        const QJsonObject o = r.toObject();
        const QByteArray name = m_pendingCalls.take(o.value(QLatin1String("id")).toString().toUtf8());
        const QByteArray json
            = QJsonDocument(o.value(QLatin1String("response")).toObject()).toJson(QJsonDocument::Compact);
        const QByteArray text = "tool " + name + " answered " + json;
        promptBytes += json.size();
        answerBytes += text.size();
        send(modelTurnText(text));
    }
    if (!responses.isEmpty()) {
        completeTurn(textTokens(promptBytes), textTokens(answerBytes));
    }
}

// A complete user turn: a function call when the setup declared functions, else the script's text in two
// messages. "goaway" in the text announces the end of the connection first.
void LiveConnection::answerTurn(const QByteArray &text, int promptTokens)
{
    if (text.contains("goaway")) {
        send(goAway("5s"));
    }
    if (!m_function.isEmpty()) {
        const QByteArray id = "call-" + QByteArray::number(++m_callSeq);
        m_pendingCalls.insert(id, m_function);
        send(message([&](JsonWriter &w) {
            w.key("toolCall").beginObject().key("functionCalls").beginArray().beginObject();
            w.field("id", id).field("name", m_function);
            w.key("args").beginObject().field("q", text).endObject();
            w.endObject().endArray().endObject();
        }));
        return;
    }
    const Resolved &r = m_start->resolved;
    for (const QByteArrayView half : splitText(r.text, 2)) {
        if (half.isEmpty()) {
            continue;
        }
        send(modelTurnText(half));
        if (r.script.behaviour == Behaviour::MidStreamError) {
            closeWith(kCloseInternal, kMidStreamError);
            return;
        }
    }
    completeTurn(promptTokens, textTokens(r.text.size()));
}

void LiveConnection::completeTurn(int promptTokens, int responseTokens)
{
    send(message([&](JsonWriter &w) {
        w.key("serverContent").beginObject().fieldBool("turnComplete", true).endObject();
        w.key("usageMetadata").beginObject();
        w.field("promptTokenCount", promptTokens).field("responseTokenCount", responseTokens);
        w.field("totalTokenCount", promptTokens + responseTokens);
        w.endObject();
    }));
    if (m_resumable) {
        offerResumption();
    }
}

// A new handle, owned by the session's project and valid for 2 h on the fake's clock.
void LiveConnection::offerResumption()
{
    QByteArray handle;
    {
        QMutexLocker lock(&m_shared->mutex);
        const qint64 now = nowUs(*m_shared);
        do {
            handle = randomId(48);
        } while (m_shared->liveHandles.contains(handle));
        m_shared->liveHandles.insert(handle,
            LiveHandleRes { ownerOfKey(m_start->key, m_start->project), now, now + kLiveHandleLifetimeUs,
                ++m_shared->resourceSeq });
    }
    send(message([&](JsonWriter &w) {
        w.key("sessionResumptionUpdate").beginObject();
        w.field("newHandle", handle).fieldBool("resumable", true);
        w.endObject();
    }));
}

void LiveConnection::send(const QByteArray &json)
{
    m_queue.append({ Out::Kind::Message, json, 0 });
    pump();
}

void LiveConnection::closeWith(int code, QByteArrayView reason)
{
    m_state = State::Closing;
    m_queue.append({ Out::Kind::Close, reason.toByteArray(), code });
    pump();
}

// Sends what is queued, Script.intervalMs apart (and after a Delay).
void LiveConnection::pump()
{
    while (m_ws && !m_queue.isEmpty() && !m_pumpTimer->isActive()) {
        const Out out = m_queue.takeFirst();
        switch (out.kind) {
        case Out::Kind::Delay:
            m_pumpTimer->start(out.code);
            return;
        case Out::Kind::Message: {
            m_ws->sendBinaryMessage(out.data);
            ++m_rec.framesOut;
            m_rec.bytesOut += out.data.size();
            m_rec.setupCompleted = m_rec.setupCompleted || out.setupComplete;
            const int interval = m_start->resolved.script.intervalMs;
            if (interval > 0) { // the next message, whenever it is queued, waits that long
                m_pumpTimer->start(interval);
            }
            break;
        }
        case Out::Kind::Close:
            m_queue.clear();
            if (m_rec.closeCode == 0) {
                m_rec.closeCode = out.code;
                m_rec.closeReason = QString::fromUtf8(out.data.left(kMaxCloseReason));
            }
            m_ws->close(QWebSocketProtocol::CloseCode(out.code), QString::fromUtf8(out.data));
            break;
        case Out::Kind::Abort:
            m_queue.clear();
            if (m_rec.closeCode == 0) {
                m_rec.closeCode = kCloseAbnormal;
            }
            m_ws->abort();
            break;
        }
    }
    publish();
}

void LiveConnection::publish()
{
    if (!m_listed) {
        return;
    }
    QMutexLocker lock(&m_shared->mutex);
    QList<LiveSession> &all = m_shared->liveSessions;
    for (qsizetype i = all.size() - 1; i >= 0; --i) {
        if (all.at(i).id == m_rec.id) {
            all[i] = m_rec;
            return;
        }
    }
}

void LiveConnection::end(bool notify)
{
    m_ended = true;
    m_pumpTimer->stop();
    m_maxTimer->stop();
    m_rec.open = false;
    --m_shared->open;
    if (m_rec.id != 0) {
        --m_shared->liveOpen;
        publish();
    }
    if (notify) {
        if (m_rec.id != 0) {
            m_shared->owner->notifyLiveEnded(m_rec);
        }
        m_shared->owner->notifyClosed();
        deleteLater();
    }
}

} // namespace ga::test::fake
