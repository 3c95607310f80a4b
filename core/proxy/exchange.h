// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourcemap.h"
#include "http/requestparser.h"
#include "keys/keypool.h"
#include "metrics/accessrecord.h"
#include "proxy/proxysettings.h"
#include "proxy/usagesniffer.h"
#include "routing/router.h"

#include <QObject>
#include <QTcpSocket>

#include <limits>

namespace ga::proxy {

class UpstreamPool;

// What the client side receives from an Exchange. Calls come in this order: head, data*, then end or
// failed (failed may also come without a head).
class ExchangeSink
{
public:
    virtual ~ExchangeSink() = default;
    // contentLength -1 = unknown (the client side picks chunked or close-delimited framing).
    virtual void exchangeHead(
        int status, const QByteArray &reason, const http::HeaderList &headers, qint64 contentLength, bool hasBody)
        = 0;
    virtual void exchangeData(QByteArrayView data) = 0;
    virtual void exchangeEnd() = 0;
    // Before the head: answer with `status` and `message`. After it: the response is broken; the client
    // must see an error (the connection is cut without a clean end).
    // retryAfterSeconds >= 0 adds a Retry-After header.
    virtual void exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds = -1) = 0;
};

// What goes upstream, prepared by the client side: credentials already removed.
struct ForwardRequest
{
    QByteArray method;
    QByteArray target; // path and query as the upstream should see them (before the base-URL prefix)
    http::HeaderList headers; // end-to-end headers only
    QByteArray body;
    bool bearerAuth = false; // OpenAI-compatible paths take the key as "Authorization: Bearer"
    QString model; // for per-model cooling and accounting; empty when the request names none
    affinity::RequestResources resources; // project-owned resources it addresses or references
    keys::KeyScope scope; // set: only keys of this scope may serve it (a list fanned out per project)
    QString scopeLabel; // what the scope stands for, in messages ("the files of project X")
    // When the answer must have started (QDeadlineTimer::current() clock); 0: upstream.requestTimeoutMs from
    // start(). A list fanned out over projects gives every part the deadline of the client's request.
    qint64 deadlineMs = 0;
};

// What the client side drives: one Exchange, or a list fanned out over projects (ListFanOut).
class Forwarder : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Forwarder)

public:
    using QObject::QObject;
    ~Forwarder() override = default;
    virtual void start() = 0;
    // The client went away: drop the upstream request at once.
    virtual void abort() = 0;
    // Backpressure from the client socket.
    virtual void setPaused(bool paused) = 0;
    virtual bool isPaused() const = 0;
    // Called by the worker's sweeper; fails the attempt or the stream when a deadline passed.
    virtual void checkTimeouts(qint64 nowMs) = 0;
    virtual QString keyId() const = 0;
    // Every try so far (key, route, outcome), for the access log and the request history.
    virtual std::vector<metrics::Attempt> attemptLog() const = 0;
    virtual QString routeName() const = 0;
    virtual int fallbacks() const = 0;
    virtual keys::Usage usage() const = 0;
};

// One client request forwarded upstream: picks a key, sends, and relays the response as it arrives.
// Failures before the first response byte reaches the client (connect error, timeout, 429, 5xx, a bad
// key) are retried with another key, up to keys.maxAttempts; after it, never. Every attempt together must
// bring the response head within upstream.requestTimeoutMs, and a first-byte timeout is retried only once:
// otherwise the client gets 504. A response that has started is bounded by the stream idle timeout only.
//
// A request that uses a project-owned resource (a file, cached content, batch, upload session) goes only to keys
// of the owner's project (affinity::ResourceMap); the answers that create or list resources teach the map.
class Exchange final : public Forwarder
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Exchange)

public:
    // A quota 429 moves on to another key without using up keys.maxAttempts, up to this many keys per request.
    static constexpr int kMaxQuotaSkips = 10;
    // The second first-byte timeout of a request ends it with 504: a prompt that hangs one key tends to hang the
    // next, and each wait is upstream.firstByteTimeoutMs (5 min by default).
    static constexpr int kMaxFirstByteTimeouts = 2;

    Exchange(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
        affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request, QObject *parent = nullptr);
    ~Exchange() override;

    void start() override;
    void abort() override;
    void setPaused(bool paused) override;
    bool isPaused() const override { return m_paused; }
    void checkTimeouts(qint64 nowMs) override;

    QString keyId() const override { return m_key.id; }
    QString keyGroup() const { return m_key.group; }
    int attempts() const { return int(m_tried.size()); }
    std::vector<metrics::Attempt> attemptLog() const override { return m_attemptLog; }
    QString routeName() const override { return m_routeName; }
    int fallbacks() const override { return m_fallbacks; }
    keys::Usage usage() const override { return m_usage.result(); }

private:
    enum class Phase
    {
        Idle,
        Connecting,
        WaitingHead,
        Body,
        Done
    };

    void nextAttempt();
    void startRoute(const routing::Route &route);
    // The relay of this attempt failed: reports it and moves to the fallback route; false when there is none.
    bool relayFailed(const QString &reason);
    void attach(QTcpSocket *socket, bool reused);
    void sendRequest();
    void onReadyRead();
    void onSocketError();
    void process();
    void deliverBody(QByteArrayView data);
    void bodyComplete();
    void attemptFailed(int status, const QString &message, bool countsAsAttempt = true);
    // Before another attempt: when the request's deadline has passed or the upstream already timed out
    // kMaxFirstByteTimeouts times, answers 504 and returns true.
    bool outOfTime();
    void failMidStream(const QString &message);
    void dropSocket();
    void touch(int timeoutMs);
    void logAttempt(int status, const QString &outcome);
    // No key of the owner's project can take the request: say which resource, and why, in Gemini's error shape.
    void ownerUnavailable(const keys::NoKeyReason &why);
    // A 2xx answer: what it created, listed or ended goes into the resource map.
    void learnResources();

    ExchangeSink *m_sink;
    UpstreamPool *m_pool;
    keys::KeyPool *m_keys;
    routing::Router *m_router;
    affinity::ResourceMap *m_resources;
    keys::KeyScope m_owner; // set: only keys of this scope may serve the request
    QString m_ownerResource; // the resource that decided it, for messages
    bool m_capture = false; // reading the answer for resources it creates or lists
    QByteArray m_captured;
    int m_quotaSkips = 0;
    qint64 m_lastRetryDelayMs = -1;
    routing::Route m_route;
    std::vector<int> m_triedRelays;
    UpstreamSettings m_target; // where this attempt goes: the upstream, or a relay
    QByteArray m_relaySecret;
    bool m_relayError = false;
    qint64 m_attemptStart = 0;
    SettingsPtr m_settings;
    ForwardRequest m_request;
    bool m_isHead = false;

    QTcpSocket *m_socket = nullptr;
    bool m_reused = false;
    bool m_sent = false;
    Phase m_phase = Phase::Idle;
    QByteArray m_in;
    http::Response m_response;
    http::ChunkedDecoder m_chunked { std::numeric_limits<qint64>::max() };
    qint64 m_remaining = 0;
    bool m_bufferingError = false;
    QByteArray m_errorBody;
    bool m_headDelivered = false;
    bool m_paused = false;

    keys::Pick m_key;
    QString m_routeName; // "direct" or the relay's instance id
    std::vector<metrics::Attempt> m_attemptLog;
    int m_fallbacks = 0;
    UsageSniffer m_usage;
    std::vector<QString> m_tried;
    int m_lastStatus = 0;
    QString m_lastMessage;
    QByteArray m_lastErrorBody;
    http::Response m_lastErrorResponse;
    bool m_haveLastError = false;

    qint64 m_deadline = 0; // 0 = none
    int m_deadlineTimeoutMs = 0;
    qint64 m_requestDeadline = 0; // the whole request, until the head reaches the client; 0 = none
    int m_firstByteTimeouts = 0;
};

} // namespace ga::proxy
