// SPDX-License-Identifier: GPL-3.0-or-later
// The Exchange as coordinator: starts each attempt (key from the pool, route from the router, HTTP/1.1 through the
// UpstreamClient), asks the AttemptPolicy what each answer or failure means, and carries the step out: reports to the
// key pool and the router, the next attempt, or the answer for the client. The resource owners are in
// exchangeresources.cpp.
#include "proxy/exchange.h"

#include "http/search.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/clock.h"
#include "proxy/outcomes.h"

namespace ga::proxy {
namespace {

constexpr qint64 kDefaultRetryAfterMs = 30'000; // a 429 that says nothing else
constexpr qsizetype kMaxCapturedBytes = 8 * 1024 * 1024; // a resource answer read for the map (lists are small)

} // namespace

using Next = AttemptStep::Next;
using Stop = AttemptStep::Stop;

Exchange::Exchange(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
    affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request)
    : m_sink(sink)
    , m_keys(keys)
    , m_router(router)
    , m_resources(resources)
    , m_settings(std::move(settings))
    , m_request(std::move(request))
    , m_client(
          this, pool, { m_request.method, m_request.target, m_request.headers, m_request.body, m_request.bearerAuth })
    , m_usage(!m_request.stream)
{ }

Exchange::~Exchange() = default; // the client closes its socket

void Exchange::start()
{
    qint64 deadline = m_request.deadlineMs;
    if (const int budgetMs = m_settings->upstream.requestTimeoutMs; deadline == 0 && budgetMs > 0) {
        deadline = nowMs() + budgetMs;
    }
    m_policy.setDeadline(deadline);
    m_policy.setMaxAttempts(m_settings->upstream.maxAttempts);
    if (findOwner()) {
        nextAttempt();
    }
}

void Exchange::abort()
{
    if (!m_done && m_client.isOpen() && !m_key.id.isEmpty()) {
        // The attempt under way ends with the client (it cancelled, or stopped reading a stream): it was tried.
        logAttempt(m_client.response().status, outcome::kClientAborted.text());
    }
    m_done = true;
    m_client.close();
}

void Exchange::setPaused(bool paused)
{
    m_client.setPaused(paused);
}

void Exchange::checkTimeouts(qint64 now)
{
    if (m_done) {
        return;
    }
    if (m_policy.deadlinePassed(now)) {
        // The request's time is up before its answer started, whatever this attempt is doing: not the key's fault.
        if (m_client.isOpen()) {
            logAttempt(0, outcome::kDeadlinePassed.text());
        }
        giveUp(Stop::Deadline);
        return;
    }
    m_client.checkTimeouts(now);
}

void Exchange::nextAttempt()
{
    m_client.close();
    const Stop stop = m_policy.stopBeforeAttempt(nowMs());
    if (stop == Stop::Deadline || stop == Stop::FirstByteTimeouts) {
        giveUp(stop);
        return;
    }
    const bool mayPick = stop == Stop::None;
    keys::NoKeyReason why;
    if (!mayPick || !m_keys->pick(m_request.model, m_policy.tried(), &m_key, &why, owner())) {
        noKey(mayPick, why);
        return;
    }
    m_policy.keyPicked(m_key.id);
    routing::Route route;
    QString reason;
    if (!m_router->firstRoute(m_key.id, &route, &reason)) {
        m_routeName.clear();
        m_attemptStart = nowMs();
        logAttempt(0, outcome::kNoRoute.text().arg(reason));
        // Serverless with no usable relay for this key: try another key (a bound key's relay may be down),
        // and when none is left, say why.
        lastFailure().status = 503;
        lastFailure().message = reason;
        AttemptEvent e;
        e.what = AttemptEvent::What::NoRoute;
        const AttemptStep step = m_policy.decide(e, nowMs());
        m_policy.commit(e, step);
        if (step.next == Next::GiveUp) {
            giveUp(step.stop);
        } else {
            nextAttempt();
        }
        return;
    }
    m_triedRelays.clear();
    startRoute(route);
}

void Exchange::startRoute(const routing::Route &route)
{
    m_client.close();
    m_route = route;
    // A relay that vanished since the router chose it: this attempt goes direct, and fails over like a relay.
    m_policy.setViaRelay(!route.isDirect());
    m_attemptStart = nowMs();
    if (!route.isDirect()) {
        // A Relay is made only here: its settings hold a QNetworkProxy, an allocation a direct attempt has no use for.
        routing::Relay relay;
        if (m_router->relay(route.relay, &relay)) {
            m_routeName = relay.id;
            m_relayTarget = std::make_unique<upstream::UpstreamSettings>(std::move(relay.upstream)); // client closed
            m_client.open(*m_relayTarget, m_key.secret, relay.secret);
            return;
        }
    }
    m_routeName = QStringLiteral("direct");
    m_client.open(m_settings->upstream, m_key.secret, QByteArray());
}

bool Exchange::upstreamHead(const http::Response &head)
{
    m_relayError = !m_route.isDirect() && http::findHeader(head.headers, "x-relay-error") != nullptr;
    // What learnResources() needs of the headers at the end (the client lets them go once the head is out).
    const QByteArray *uploadStatus = http::findHeader(head.headers, "x-goog-upload-status");
    m_uploadEnded = uploadStatus && (uploadStatus->contains("final") || uploadStatus->contains("cancelled"));
    AttemptEvent e;
    e.what = AttemptEvent::What::Head;
    e.status = head.status;
    e.relayError = m_relayError;
    const AttemptStep step = m_policy.decide(e, nowMs());
    if (step.next == Next::HoldBack) {
        return true;
    }
    if (step.relay == AttemptStep::RelayReport::Worked) {
        m_router->reportRelaySuccess(m_route.relay, nowMs() - m_attemptStart);
    }
    m_policy.headSent();
    // No attempt follows once the head is out: what only another attempt would send again is let go (a long prompt
    // is not held for as long as its stream runs).
    m_request.headers = http::HeaderList();
    m_request.body = QByteArray();
    learnFromHead(head);
    const qint64 length = head.bodyKind == http::BodyKind::Length ? head.contentLength : -1;
    m_sink->exchangeHead(head.status, head.reason, head.headers, length, head.hasBody);
    return false;
}

void Exchange::upstreamData(QByteArrayView data)
{
    m_usage.feed(data);
    if (m_res && m_res->capture) {
        if (m_res->captured.size() + data.size() <= kMaxCapturedBytes) {
            m_res->captured.append(data);
        } else {
            m_res->capture = false; // too large to be a resource answer worth reading
            m_res->captured.clear();
        }
    }
    m_sink->exchangeData(data);
}

void Exchange::upstreamEnd(const QByteArray &held)
{
    if (!m_policy.isHeadSent()) {
        judgeAnswer(held);
        return;
    }
    AttemptEvent e;
    e.what = AttemptEvent::What::Complete;
    const AttemptStep step = m_policy.decide(e, nowMs());
    m_done = true;
    if (step.key == AttemptStep::KeyReport::Success) {
        m_keys->reportSuccess(m_key.id, m_request.model, m_usage.result());
    }
    logAttempt(m_client.response().status, QStringLiteral("ok")); // failureKindName(None), without a copy per request
    learnResources();
    m_sink->exchangeEnd();
}

void Exchange::judgeAnswer(const QByteArray &body)
{
    const http::Response &r = m_client.response();
    AttemptEvent e;
    e.what = AttemptEvent::What::Answer;
    e.status = r.status;
    e.failure = keys::classifyResponse(r.status, body, m_request.resources.touchesResource());
    e.relayError = m_relayError;
    AttemptStep step = m_policy.decide(e, nowMs());
    if (step.relay == AttemptStep::RelayReport::Failed) {
        const QString why = e.relayError ? QStringLiteral("relay answered %1 (%2)")
                                               .arg(r.status)
                                               .arg(QString::fromLatin1(*http::findHeader(r.headers, "x-relay-error")))
                                         : QStringLiteral("Google refuses the relay's region");
        if (relayFailed(e, step, why, r.status)) {
            return;
        }
        e.noOtherRoute = true;
        step = m_policy.decide(e, nowMs());
    }
    if (step.relay == AttemptStep::RelayReport::Worked) {
        m_router->reportRelaySuccess(m_route.relay, nowMs() - m_attemptStart);
    }
    if (!e.noOtherRoute) {
        logAttempt(r.status, keys::failureKindName(e.failure.kind)); // a relay fault was logged as one
    }
    if (step.key == AttemptStep::KeyReport::Failure) {
        m_keys->reportFailure(m_key.id, m_request.model, e.failure);
    }
    if (step.forgetResource && m_resources && m_res && !m_res->ownerResource.isEmpty()
        && m_request.resources.names.size() == 1) {
        // The owner itself says the resource is gone (expired, deleted elsewhere): forget it.
        m_resources->forget(m_request.resources.names.first());
    }
    m_policy.commit(e, step);
    if (step.next == Next::Forward) {
        forwardAnswer(body);
        return;
    }
    qCInfo(lcProxy).noquote() << "key" << m_key.id << "got" << keys::failureKindName(e.failure.kind)
                              << "- trying another key";
    LastFailure &last = lastFailure();
    last.retryDelayMs = e.failure.retryDelayMs;
    last.errorResponse = r;
    last.errorBody = logging::Redactor::redact(body); // Google sometimes names the key ("api_key:AIza…")
    last.status = r.status;
    if (step.next == Next::GiveUp) {
        giveUp(step.stop);
    } else {
        nextAttempt();
    }
}

Exchange::LastFailure &Exchange::lastFailure()
{
    if (!m_last) {
        m_last = std::make_unique<LastFailure>();
    }
    return *m_last;
}

void Exchange::upstreamFailed(const UpstreamFailure &f)
{
    AttemptEvent e;
    e.what = f.kind == UpstreamFailure::Kind::Stale         ? AttemptEvent::What::StaleConnection
        : f.kind == UpstreamFailure::Kind::FirstByteTimeout ? AttemptEvent::What::FirstByteTimeout
                                                            : AttemptEvent::What::NetworkError;
    AttemptStep step = m_policy.decide(e, nowMs());
    if (step.next == Next::BreakStream) {
        failMidStream(f.message);
        return;
    }
    qCInfo(lcProxy).noquote() << "attempt with key" << m_key.id << "failed:" << f.message;
    if (step.relay == AttemptStep::RelayReport::Failed) {
        if (relayFailed(e, step, f.message, f.headStatus)) {
            return;
        }
        e.noOtherRoute = true;
        step = m_policy.decide(e, nowMs());
    }
    if (step.key == AttemptStep::KeyReport::NetworkFailure) {
        if (!m_key.id.isEmpty()) {
            m_keys->reportFailure(m_key.id, m_request.model, keys::networkFailure(f.message));
        }
        logAttempt(0, f.message);
    }
    lastFailure().status = f.status;
    lastFailure().message = f.message;
    m_policy.commit(e, step);
    if (step.next == Next::GiveUp) {
        giveUp(step.stop);
    } else {
        nextAttempt();
    }
}

bool Exchange::relayFailed(const AttemptEvent &e, const AttemptStep &step, const QString &reason, int logStatus)
{
    logAttempt(logStatus, outcome::kRelayFailed.text().arg(reason));
    m_router->reportRelayFailure(m_route.relay, reason);
    if (step.next == Next::GiveUp) {
        m_policy.commit(e, step);
        giveUp(step.stop); // out of time: no fallback
        return true;
    }
    routing::Route next;
    if (!m_router->fallbackRoute(m_key.id, m_route, m_triedRelays, &next)) {
        return false;
    }
    m_policy.commit(e, step);
    ++m_fallbacks;
    qCInfo(lcRouting).noquote() << "relay failed (" << reason << ") - going"
                                << (next.isDirect() ? QStringLiteral("direct") : QStringLiteral("via another relay"));
    startRoute(next);
    return true;
}

void Exchange::giveUp(Stop why)
{
    if (why == Stop::NoKeyLeft) {
        noKey(false, keys::NoKeyReason());
        return;
    }
    if (why == Stop::None || m_done) {
        return;
    }
    const QString message = why == Stop::Deadline
        ? QStringLiteral("The upstream did not answer within %1 ms (upstream.requestTimeoutMs), over %2 attempt(s).")
              .arg(m_settings->upstream.requestTimeoutMs)
              .arg(std::max<size_t>(1, m_attemptLog.size()))
        : QStringLiteral("The upstream timed out %1 times before answering (%2 ms each, upstream.firstByteTimeoutMs); "
                         "not trying again.")
              .arg(m_policy.state().firstByteTimeouts)
              .arg(m_client.target().firstByteTimeoutMs);
    qCInfo(lcProxy).noquote() << "giving up:" << message;
    m_done = true;
    m_client.close();
    m_sink->exchangeFailed(504, message);
}

void Exchange::noKey(bool mayPick, const keys::NoKeyReason &why)
{
    m_done = true;
    m_client.close();
    switch (m_policy.whenNoKey(mayPick, owner() != nullptr, why)) {
    case AttemptPolicy::NoKey::OwnerUnavailable:
        ownerUnavailable(why);
        return;
    case AttemptPolicy::NoKey::NoneUsable:
        m_sink->exchangeFailed(503, why.describe(m_request.model));
        return;
    case AttemptPolicy::NoKey::AllCooling:
        // Every key is cooling for this model: Gemini's own 429 shape, with the time until the first key is back.
        m_sink->exchangeFailed(429, why.describe(m_request.model), (why.retryAfterMs + 999) / 1000);
        return;
    case AttemptPolicy::NoKey::LastAnswer: {
        // Every attempt got an error answer: pass the last one on as Google sent it.
        const LastFailure &last = lastFailure();
        http::Response r = last.errorResponse;
        if (r.status == 429 && !http::findHeader(r.headers, "retry-after")) {
            // Generic clients (the OpenAI SDKs) read only this header: when a key is back, or what Google said.
            const qint64 ms = why.retryAfterMs >= 0 ? why.retryAfterMs
                : last.retryDelayMs >= 0            ? last.retryDelayMs
                                                    : kDefaultRetryAfterMs;
            r.headers.push_back({ QByteArrayLiteral("Retry-After"), QByteArray::number((ms + 999) / 1000) });
        }
        const bool isHead = http::equals(m_request.method, "HEAD");
        m_sink->exchangeHead(r.status, r.reason, r.headers, last.errorBody.size(), !isHead);
        if (!isHead) {
            m_sink->exchangeData(last.errorBody);
        }
        m_sink->exchangeEnd();
        return;
    }
    case AttemptPolicy::NoKey::LastFailure: {
        const LastFailure &last = lastFailure();
        m_sink->exchangeFailed(last.status ? last.status : 502, last.message);
        return;
    }
    }
}

void Exchange::forwardAnswer(const QByteArray &body)
{
    m_done = true;
    m_client.close();
    m_policy.headSent();
    const http::Response &r = m_client.response();
    // Google sometimes names the key in an error ("api_key:AIza…"): a key never reaches the client.
    const QByteArray shown = logging::Redactor::redact(body);
    m_sink->exchangeHead(r.status, r.reason, r.headers, r.hasBody ? shown.size() : -1, r.hasBody);
    if (!shown.isEmpty()) {
        m_sink->exchangeData(shown);
    }
    m_sink->exchangeEnd();
}

void Exchange::failMidStream(const QString &message)
{
    qCWarning(lcProxy).noquote() << "stream broken:" << message;
    logAttempt(m_client.response().status, outcome::kStreamBroken.text().arg(message));
    m_done = true;
    m_client.close();
    m_keys->reportFailure(m_key.id, m_request.model, keys::networkFailure(message));
    m_sink->exchangeFailed(502, message);
}

void Exchange::logAttempt(int status, const QString &outcome)
{
    m_attemptLog.push_back({ m_key.id, m_routeName, status, outcome, nowMs() - m_attemptStart });
}

} // namespace ga::proxy
