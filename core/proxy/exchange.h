// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourcemap.h"
#include "http/requestparser.h"
#include "keys/keypool.h"
#include "memory/recycler.h"
#include "metrics/accessrecord.h"
#include "proxy/attemptpolicy.h"
#include "proxy/proxysettings.h"
#include "proxy/upstreamclient.h"
#include "proxy/usagesniffer.h"
#include "routing/router.h"

#include <QObject>

#include <memory>
#include <utility>

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
    bool stream = false; // the answer is a stream of objects (SSE, a streamed JSON array), not one (usage sniffing)
    QString model; // for per-model cooling and accounting; empty when the request names none
    affinity::RequestResources resources; // project-owned resources it addresses or references
    // Set: only keys of this scope may serve it (a list fanned out per project). On the heap: few requests have one,
    // and an Exchange without its room is ~60 bytes smaller.
    struct Scope
    {
        keys::KeyScope keys;
        QString label; // what the scope stands for, in messages ("the files of project X")
    };
    metrics::HeapOptional<Scope> scope;
    // When the answer must have started (nowMs(), proxy/clock.h); 0: upstream.requestTimeoutMs from
    // start(). A list fanned out over projects gives every part the deadline of the client's request.
    qint64 deadlineMs = 0;
};

// What the client side drives: one Exchange, a list fanned out over projects (ListFanOut), or the history's tail.
// Not a QObject itself: an Exchange lives for one request, and a QObject's making, parenting and deferred delete
// were ~2,500 instructions of each (profile.sh); one that needs signals or timers derives from QObject too.
class Forwarder
{
    Q_DISABLE_COPY_MOVE(Forwarder)

public:
    Forwarder() = default;
    virtual ~Forwarder() = default;
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
    // The same, for the finished request's record: moved out where the forwarder can (no copy per request).
    virtual std::vector<metrics::Attempt> takeAttemptLog() { return attemptLog(); }
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
//
// The Exchange coordinates: the UpstreamClient does the HTTP/1.1 of each attempt, the AttemptPolicy says what each
// answer or failure means for the next step, and the Exchange carries it out (key pool, router, resource map, the
// client side). exchange.cpp holds the attempts, exchangeresources.cpp the resource owners.
class Exchange final : public Forwarder, private UpstreamHandler
{
    Q_DISABLE_COPY_MOVE(Exchange)

public:
    // The policy's limits (attemptpolicy.h), under the names the README and callers know.
    static constexpr int kMaxQuotaSkips = AttemptPolicy::kMaxQuotaSkips;
    static constexpr int kMaxFirstByteTimeouts = AttemptPolicy::kMaxFirstByteTimeouts;

    Exchange(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
        affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request);
    ~Exchange() override;

    // One a request, made and freed by the worker: its block is kept by the worker for the next (memory/recycler.h).
    static void *operator new(std::size_t bytes) { return memory::takeBlock(bytes); }
    static void operator delete(void *block, std::size_t bytes) noexcept { memory::giveBlock(block, bytes); }

    void start() override;
    void abort() override;
    void setPaused(bool paused) override;
    bool isPaused() const override { return m_client.isPaused(); }
    void checkTimeouts(qint64 nowMs) override;

    QString keyId() const override { return m_key.id; }
    QString keyGroup() const { return m_key.group; }
    int attempts() const { return int(m_policy.tried().size()); }
    std::vector<metrics::Attempt> attemptLog() const override { return m_attemptLog; }
    std::vector<metrics::Attempt> takeAttemptLog() override { return std::exchange(m_attemptLog, {}); }
    QString routeName() const override { return m_routeName; }
    int fallbacks() const override { return m_fallbacks; }
    keys::Usage usage() const override { return m_usage.result(); }

private:
    // UpstreamHandler: what the current attempt's client saw.
    bool upstreamHead(const http::Response &head) override;
    void upstreamData(QByteArrayView data) override;
    void upstreamEnd(const QByteArray &held) override;
    void upstreamFailed(const UpstreamFailure &failure) override;

    void nextAttempt();
    void startRoute(const routing::Route &route);
    // A held-back answer, read whole: retry, fall back or pass it on, as the policy says.
    void judgeAnswer(const QByteArray &body);
    // The relay of this attempt failed (step.relay == Failed): reports it, then gives up or takes the router's
    // fallback route. False when the router has none: the caller decides again with noOtherRoute.
    bool relayFailed(const AttemptEvent &e, const AttemptStep &step, const QString &reason, int logStatus);
    // No further attempt (AttemptStep::GiveUp): 504 when out of time, else what whenNoKey says.
    void giveUp(AttemptStep::Stop why);
    // No key could be picked: answer as the policy says.
    void noKey(bool mayPick, const keys::NoKeyReason &why);
    void forwardAnswer(const QByteArray &body);
    void failMidStream(const QString &message);
    void logAttempt(int status, const QString &outcome);
    // The owner of every resource the request uses, before the first attempt. False: they belong to different
    // projects, and the client has its 400.
    bool findOwner();
    // No key of the owner's project can take the request: say which resource, and why, in Gemini's error shape.
    void ownerUnavailable(const keys::NoKeyReason &why);
    // A streamed 2xx head: an upload session is known before the client can send its first chunk to it.
    void learnFromHead(const http::Response &head);
    // A 2xx answer: what it created, listed or ended goes into the resource map.
    void learnResources();

    ExchangeSink *m_sink;
    keys::KeyPool *m_keys;
    routing::Router *m_router;
    affinity::ResourceMap *m_resources;
    SettingsPtr m_settings;
    ForwardRequest m_request; // before m_client, which refers to it
    // The relay of the current attempt, when it goes through one (m_settings->upstream otherwise): before m_client,
    // which refers to it.
    std::unique_ptr<upstream::UpstreamSettings> m_relayTarget;
    UpstreamClient m_client;
    AttemptPolicy m_policy;

    // Which project's keys may serve the request, and the answer read for the resources it creates or lists: made
    // only for a request that uses or creates project-owned resources (a held stream need not carry it).
    struct Resources
    {
        keys::KeyScope owner; // set: only keys of this scope may serve the request
        QString ownerResource; // the resource that decided it, for messages
        bool capture = false; // reading the answer for resources it creates or lists
        QByteArray captured;
    };
    Resources &resources();
    const keys::KeyScope *owner() const { return m_res && !m_res->owner.isNull() ? &m_res->owner : nullptr; }
    std::unique_ptr<Resources> m_res;

    keys::Pick m_key;
    std::vector<int> m_triedRelays;
    QString m_routeName; // "direct" or the relay's instance id
    qint64 m_attemptStart = 0;
    std::vector<metrics::Attempt> m_attemptLog;
    UsageSniffer m_usage;
    // Together, not each padded to 8 bytes.
    routing::Route m_route;
    int m_fallbacks = 0;
    bool m_done = false; // answered (or aborted): nothing more happens
    bool m_relayError = false; // the relay answered with its own error (x-relay-error)
    bool m_uploadEnded = false; // the answer said the upload it addressed is final or cancelled (x-goog-upload-status)

    // The last failure, for the client when no key is left: an error answer as Google sent it (redacted), or a
    // status and message. Made at the first failure: most requests have none, and a held stream need not carry it.
    struct LastFailure
    {
        int status = 0;
        QString message;
        QByteArray errorBody;
        http::Response errorResponse;
        qint64 retryDelayMs = -1;
    };
    LastFailure &lastFailure();
    std::unique_ptr<LastFailure> m_last;
};

} // namespace ga::proxy
