// SPDX-License-Identifier: GPL-3.0-or-later
// The attempt policy (core/proxy/attemptpolicy.h) without sockets: for each answer or failure, in each state, the
// exact next step and what the key pool and the router are told. Answers are classified by the real
// keys::classifyResponse; a relay fallback is resolved by a real routing::Router in hybrid and serverless mode,
// the way the Exchange does it (decide, ask the router, decide again when it has no other route).
#include "keys/failure.h"
#include "keys/keypool.h"
#include "proxy/attemptpolicy.h"
#include "routing/router.h"

#include <QObject>
#include <QTest>

using ga::keys::NoKeyReason;
using ga::proxy::AttemptEvent;
using ga::proxy::AttemptPolicy;
using ga::proxy::AttemptStep;
using What = ga::proxy::AttemptEvent::What;

namespace {

constexpr qint64 kNow = 1'000'000;

// Where the attempt that failed went, and what the router offers after a relay failure.
enum class Routing
{
    Direct, // routing.mode local
    Hybrid, // via relay r1; the fallback is direct
    ServerlessBound, // via r1, the key is bound to it: no other route
    ServerlessTwoRelays, // via r1, key not bound: the fallback is r2
};

struct Given
{
    Routing routing = Routing::Direct;
    int tried = 1; // keys picked so far, this attempt's included
    int quotaSkips = 0;
    int firstByteTimeouts = 0;
    bool headSent = false;
    bool pastDeadline = false;
};

QByteArray googleError(int code, const char *status, const char *message, const char *details = "")
{
    return QStringLiteral(R"({"error":{"code":%1,"message":"%2","status":"%3","details":[%4]}})")
        .arg(code)
        .arg(QLatin1String(message), QLatin1String(status), QLatin1String(details))
        .toUtf8();
}

const char *const kQuotaFailurePerMinute
    = R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":)"
      R"("GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},)"
      R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"})";
const char *const kQuotaFailurePerDay
    = R"({"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":)"
      R"("GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]})";
const char *const kKeyInvalidInfo
    = R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"})";

const QByteArray kQuotaMinute
    = googleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", kQuotaFailurePerMinute);
const QByteArray kQuotaDay
    = googleError(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", kQuotaFailurePerDay);
const QByteArray kQuotaPlain
    = googleError(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
const QByteArray kKeyInvalid
    = googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", kKeyInvalidInfo);
const QByteArray kBadRequest = googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
const QByteArray kRegion = googleError(400, "FAILED_PRECONDITION", "User location is not supported for the API use.");
const QByteArray kFileDenied = googleError(
    403, "PERMISSION_DENIED", "You do not have permission to access the File abc123 or it may not exist.");
const QByteArray kForbidden = googleError(403, "PERMISSION_DENIED", "The caller does not have permission");
const QByteArray kInternal = googleError(500, "INTERNAL", "An internal error has occurred.");
const QByteArray kOverloaded = googleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
const QByteArray kNotFound = googleError(404, "NOT_FOUND", "models/gemini-pro is not found for API version v1beta.");
const QByteArray kRelayRefused = R"({"error":{"code":502,"message":"relay: upstream unreachable"}})";

// What whenNoKey is given.
struct NoKeyCase
{
    int tried;
    bool answerKept;
    bool mayPick;
    bool ownerScoped;
    int total;
    int whyTried;
    qint64 retryAfterMs;
};

AttemptEvent happened(What what, int status = 0, bool relayError = false)
{
    AttemptEvent e;
    e.what = what;
    e.status = status;
    e.relayError = relayError; // the answer carries x-relay-error
    return e;
}

AttemptEvent head(int status, bool relayError = false)
{
    return happened(What::Head, status, relayError);
}

// A held-back answer, classified by keys::classifyResponse as the Exchange does.
AttemptEvent answer(int status, const QByteArray &body, bool touchesResource = false, bool relayError = false)
{
    AttemptEvent e = happened(What::Answer, status, relayError);
    e.failure = ga::keys::classifyResponse(status, body, touchesResource);
    return e;
}

// Every field of a step, in a fixed order, so that a row states the whole step. The names follow the order of the
// enums in attemptpolicy.h.
QString describe(const AttemptStep &s)
{
    static const char *const next[]
        = { "stream", "hold-back", "finish", "next-key", "retry", "fallback", "forward", "give-up", "break-stream" };
    static const char *const stop[] = { "", "(deadline)", "(first-byte-timeouts)", "(no-key-left)" };
    static const char *const key[] = { "", " key:success", " key:failure", " key:network" };
    static const char *const relay[] = { "", " relay:worked", " relay:failed" };
    return QString::fromLatin1(next[int(s.next)]) + stop[int(s.stop)] + key[int(s.key)] + relay[int(s.relay)]
        + (s.quotaSkip ? " +quota-skip" : "") + (s.keepAnswer ? " +keep-answer" : "")
        + (s.forgetResource ? " +forget" : "");
}

void row(const char *name, const Given &given, const AttemptEvent &happens, const char *kind, const char *step)
{
    QTest::newRow(name) << given << happens << QString::fromLatin1(kind) << QString::fromLatin1(step);
}

void configure(ga::routing::Router &router, Routing routing)
{
    using ga::config::RoutingMode;
    std::vector<ga::routing::Relay> relays(routing == Routing::Direct ? 0 : 2);
    for (size_t i = 0; i < relays.size(); ++i) {
        relays[i].id = relays[i].name = QStringLiteral("r%1").arg(i + 1);
        relays[i].secret = "relay-secret";
    }
    QHash<QString, QString> bindings;
    if (routing == Routing::ServerlessBound) {
        bindings.insert(QStringLiteral("k1"), QStringLiteral("r1"));
    }
    const RoutingMode mode = routing == Routing::Direct ? RoutingMode::Local
        : routing == Routing::Hybrid                    ? RoutingMode::Hybrid
                                                        : RoutingMode::Serverless;
    router.configure(mode, routing == Routing::Hybrid, std::move(relays), std::move(bindings));
}

AttemptPolicy policyFor(const Given &g)
{
    AttemptPolicy::State s;
    s.maxAttempts = 3;
    s.deadlineMs = g.pastDeadline ? kNow : kNow + 60'000;
    for (int i = 0; i < g.tried; ++i) {
        s.tried.push_back(QStringLiteral("k%1").arg(g.tried - i)); // the current key, k1, is the last one
    }
    s.quotaSkips = g.quotaSkips;
    s.firstByteTimeouts = g.firstByteTimeouts;
    s.viaRelay = g.routing != Routing::Direct;
    s.headSent = g.headSent;
    return AttemptPolicy(std::move(s));
}

} // namespace

Q_DECLARE_METATYPE(Given)
Q_DECLARE_METATYPE(AttemptEvent)
Q_DECLARE_METATYPE(NoKeyCase)
Q_DECLARE_METATYPE(ga::proxy::AttemptPolicy::NoKey)

class TestAttemptPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nextStep_data()
    {
        QTest::addColumn<Given>("given");
        QTest::addColumn<AttemptEvent>("happens");
        QTest::addColumn<QString>("kind"); // keys::classifyResponse's verdict on the answer ("" for other events)
        QTest::addColumn<QString>("step");

        const Given direct;
        const Given streaming { .headSent = true };
        const Given hybrid { .routing = Routing::Hybrid };
        const Given bound { .routing = Routing::ServerlessBound };
        const Given twoRelays { .routing = Routing::ServerlessTwoRelays };
        const Given last { .tried = 3 }; // keys.maxAttempts 3
        const Given late { .pastDeadline = true };
        const Given timedOutOnce { .tried = 2, .firstByteTimeouts = 1 };
        const Given quotaSkipsUsedUp { .tried = 11, .quotaSkips = AttemptPolicy::kMaxQuotaSkips };
        const AttemptEvent network = happened(What::NetworkError);

        // Heads: what may be retried is held back; anything else streams at once and is never retried.
        row("200 head streams", direct, head(200), "", "stream");
        row("200 head via relay: relay worked", hybrid, head(200), "", "stream relay:worked");
        row("200 complete", streaming, happened(What::Complete), "", "finish key:success");
        row("201 head streams", direct, head(201), "", "stream");
        row("304 head streams", direct, head(304), "", "stream");
        row("409 head streams", direct, head(409), "", "stream");
        for (const int status : { 400, 401, 402, 403, 404, 429, 500, 501, 502, 503, 504 }) {
            QTest::addRow("%d head held back", status)
                << direct << head(status) << QString() << QStringLiteral("hold-back");
        }
        row("200 with x-relay-error via relay held back", hybrid, head(200, true), "", "hold-back");
        row("x-relay-error ignored direct", direct, head(200, true), "", "stream");

        // Quota: another key, without using up an attempt; the answer is kept for when none is left.
        const char *const quotaNext = "next-key key:failure +quota-skip +keep-answer";
        row("429 per-minute quota with RetryInfo", direct, answer(429, kQuotaMinute), "quota-minute", quotaNext);
        row("429 per-day quota", direct, answer(429, kQuotaDay), "quota-day", quotaNext);
        row("429 without quota or RetryInfo", direct, answer(429, kQuotaPlain), "quota-minute", quotaNext);
        row("429 empty body", direct, answer(429, {}), "quota-minute", quotaNext);
        row("429 on the last attempt still moves on", last, answer(429, kQuotaMinute), "quota-minute", quotaNext);
        row("429 with kMaxQuotaSkips used up", quotaSkipsUsedUp, answer(429, kQuotaMinute), "quota-minute",
            "give-up(no-key-left) key:failure +quota-skip +keep-answer");
        row("429 via relay: relay worked", hybrid, answer(429, kQuotaPlain), "quota-minute",
            "next-key key:failure relay:worked +quota-skip +keep-answer");
        row("402 prepaid credit used up", direct, answer(402, {}), "quota-day", quotaNext);

        // Keys and permissions.
        row("400 API_KEY_INVALID", direct, answer(400, kKeyInvalid), "invalid", "next-key key:failure +keep-answer");
        row("401", direct, answer(401, {}), "invalid", "next-key key:failure +keep-answer");
        row("400 INVALID_ARGUMENT: the client's, no key blamed", direct, answer(400, kBadRequest), "client-error",
            "forward");
        row("403 resource denied: passed on, forgotten", direct, answer(403, kFileDenied, true), "resource-denied",
            "forward key:failure +forget");
        row("403 forbidden: another key", direct, answer(403, kForbidden), "forbidden",
            "next-key key:failure +keep-answer");
        row("404 plain: passed on", direct, answer(404, kNotFound), "client-error", "forward");
        row("404 of a resource: passed on, forgotten", direct, answer(404, kNotFound, true), "resource-denied",
            "forward key:failure +forget");

        // Server errors.
        row("500", direct, answer(500, kInternal), "server-error", "next-key key:failure +keep-answer");
        row("503", direct, answer(503, kOverloaded), "server-error", "next-key key:failure +keep-answer");
        row("501: not a server error, passed on", direct, answer(501, {}), "client-error", "forward");
        row("503 on the last attempt", last, answer(503, kOverloaded), "server-error",
            "give-up(no-key-left) key:failure +keep-answer");
        row("503 after the deadline", late, answer(503, kOverloaded), "server-error",
            "give-up(deadline) key:failure +keep-answer");

        // Network errors and timeouts before the head.
        row("network error before the head", direct, network, "", "next-key key:network");
        row("network error on the last attempt", last, network, "", "give-up(no-key-left) key:network");
        row("network error after the deadline", late, network, "", "give-up(deadline) key:network");
        row("stale keep-alive socket: again, not counted", direct, happened(What::StaleConnection), "", "retry");
        row("stale keep-alive socket on the last attempt", last, happened(What::StaleConnection), "", "retry");
        row("first first-byte timeout: another key", direct, happened(What::FirstByteTimeout), "",
            "next-key key:network");
        row("second first-byte timeout: 504", timedOutOnce, happened(What::FirstByteTimeout), "",
            "give-up(first-byte-timeouts) key:network");
        row("second first-byte timeout via relay: 504, no fallback",
            { .routing = Routing::Hybrid, .tried = 2, .firstByteTimeouts = 1 }, happened(What::FirstByteTimeout), "",
            "give-up(first-byte-timeouts) relay:failed");
        row("no route for the key", direct, happened(What::NoRoute), "", "next-key");
        row("no route on the last attempt", last, happened(What::NoRoute), "", "give-up(no-key-left)");

        // The answer has started: never retried.
        row("network error after the head: stream broken", streaming, network, "", "break-stream key:network");
        row("relay dies mid-stream: no fallback", { .routing = Routing::Hybrid, .headSent = true }, network, "",
            "break-stream key:network");
        row("stream broken on the last attempt", { .tried = 3, .headSent = true }, network, "",
            "break-stream key:network");

        // Relays: their failures never cost the key; hybrid falls back direct, serverless moves on.
        const AttemptEvent refused = answer(502, kRelayRefused, false, true);
        row("relay refused, hybrid: direct", hybrid, refused, "server-error", "fallback->direct relay:failed");
        row("relay refused, serverless bound: next key, no key blamed", bound, refused, "server-error",
            "fallback->none relay:failed, then next-key +keep-answer");
        row("relay refused, serverless unbound: another relay", twoRelays, refused, "server-error",
            "fallback->r2 relay:failed");
        row("relay refused with a 400, serverless bound: passed on", bound, answer(400, kBadRequest, false, true),
            "client-error", "fallback->none relay:failed, then forward");
        row("relay refused, hybrid, after the deadline", { .routing = Routing::Hybrid, .pastDeadline = true }, refused,
            "server-error", "give-up(deadline) relay:failed");
        row("relay unreachable, hybrid: direct", hybrid, network, "", "fallback->direct relay:failed");
        row("relay unreachable, serverless bound: again, key not counted", bound, network, "",
            "fallback->none relay:failed, then retry");
        row("relay unreachable, serverless unbound: another relay", twoRelays, network, "",
            "fallback->r2 relay:failed");
        row("relay times out before the head, hybrid: direct", hybrid, happened(What::FirstByteTimeout), "",
            "fallback->direct relay:failed");
        row("stale socket to a relay: again, relay not blamed", hybrid, happened(What::StaleConnection), "", "retry");
        row("region refused via relay, hybrid: direct", hybrid, answer(400, kRegion), "region-blocked",
            "fallback->direct relay:failed");
        row("region refused via relay, serverless bound: passed on", bound, answer(400, kRegion), "region-blocked",
            "fallback->none relay:failed, then forward");
        row("region refused direct: passed on, key blamed", direct, answer(400, kRegion), "region-blocked",
            "forward key:failure");
        row("503 from Google via relay: relay worked, another key", bound, answer(503, kOverloaded), "server-error",
            "next-key key:failure relay:worked +keep-answer");
    }

    void nextStep()
    {
        QFETCH(Given, given);
        QFETCH(AttemptEvent, happens);
        QFETCH(QString, kind);
        QFETCH(QString, step);

        const AttemptPolicy policy = policyFor(given);
        AttemptEvent e = happens;
        QCOMPARE(e.what == What::Answer ? ga::keys::failureKindName(e.failure.kind) : QString(), kind);
        AttemptStep s = policy.decide(e, kNow);
        QString got = describe(s);
        if (s.next == AttemptStep::Next::Fallback) {
            // What the Exchange does: ask the router; with no other route, decide again without the relay step.
            ga::routing::Router router;
            configure(router, given.routing);
            std::vector<int> triedRelays;
            ga::routing::Route next;
            if (router.fallbackRoute(QStringLiteral("k1"), ga::routing::Route { 0 }, triedRelays, &next)) {
                ga::routing::Relay relay;
                const QString to = next.isDirect()     ? QStringLiteral("direct")
                    : router.relay(next.relay, &relay) ? relay.id
                                                       : QStringLiteral("?");
                got.replace(QStringLiteral("fallback"), QStringLiteral("fallback->") + to);
            } else {
                e.noOtherRoute = true;
                s = policy.decide(e, kNow);
                QVERIFY(s.next != AttemptStep::Next::Fallback);
                got.replace(QStringLiteral("fallback"), QStringLiteral("fallback->none"));
                got += QStringLiteral(", then ") + describe(s);
            }
        }
        QCOMPARE(got, step);
    }

    // commit() keeps the counts the next decisions read: once per event.
    void bookkeeping()
    {
        AttemptPolicy policy;
        policy.setMaxAttempts(5);
        policy.setDeadline(kNow + 600'000);
        const AttemptEvent timeout = happened(What::FirstByteTimeout);
        const AttemptEvent stale = happened(What::StaleConnection);

        // A stale keep-alive socket gives its key back: it may be picked again.
        policy.keyPicked(QStringLiteral("k1"));
        AttemptStep s = policy.decide(stale, kNow);
        policy.commit(stale, s);
        QCOMPARE(describe(s), QStringLiteral("retry"));
        QVERIFY(policy.tried().empty());

        // The first first-byte timeout moves on; the second ends the request, with keys left.
        policy.keyPicked(QStringLiteral("k1"));
        s = policy.decide(timeout, kNow);
        policy.commit(timeout, s);
        QCOMPARE(describe(s), QStringLiteral("next-key key:network"));
        QCOMPARE(policy.stopBeforeAttempt(kNow), AttemptStep::Stop::None);
        policy.keyPicked(QStringLiteral("k2"));
        s = policy.decide(timeout, kNow);
        policy.commit(timeout, s);
        QCOMPARE(describe(s), QStringLiteral("give-up(first-byte-timeouts) key:network"));
        QCOMPARE(policy.state().firstByteTimeouts, 2);
        QCOMPARE(policy.stopBeforeAttempt(kNow), AttemptStep::Stop::FirstByteTimeouts);

        // The request deadline stops every new attempt until the head is out; then it no longer applies.
        QVERIFY(!policy.deadlinePassed(kNow + 599'999));
        QVERIFY(policy.deadlinePassed(kNow + 600'000));
        policy.headSent();
        QVERIFY(!policy.deadlinePassed(kNow + 600'000));
        QVERIFY(!AttemptPolicy().deadlinePassed(kNow)); // upstream.requestTimeoutMs 0: none
    }

    // keys.maxAttempts = 1: quota 429s move on, up to kMaxQuotaSkips keys; then the last answer is passed on.
    void quotaSkipsDoNotUseUpAttempts()
    {
        AttemptPolicy policy;
        policy.setMaxAttempts(1);
        const AttemptEvent quota = answer(429, kQuotaMinute);
        int picked = 0;
        AttemptStep s;
        do {
            QCOMPARE(policy.stopBeforeAttempt(kNow), AttemptStep::Stop::None);
            policy.keyPicked(QStringLiteral("k%1").arg(++picked));
            s = policy.decide(quota, kNow);
            policy.commit(quota, s);
        } while (s.next == AttemptStep::Next::NextKey && picked < 100);
        QCOMPARE(describe(s), QStringLiteral("give-up(no-key-left) key:failure +quota-skip +keep-answer"));
        QCOMPARE(picked, AttemptPolicy::kMaxQuotaSkips + 1);
        QCOMPARE(policy.stopBeforeAttempt(kNow), AttemptStep::Stop::NoKeyLeft);
        QCOMPARE(policy.whenNoKey(false, false, NoKeyReason()), AttemptPolicy::NoKey::LastAnswer);
    }

    void whenNoKey_data()
    {
        QTest::addColumn<NoKeyCase>("c");
        QTest::addColumn<AttemptPolicy::NoKey>("answer");
        using NoKey = AttemptPolicy::NoKey;
        // tried, answerKept, mayPick, ownerScoped, why.total, why.tried, why.retryAfterMs
        QTest::newRow("no key configured") << NoKeyCase { 0, false, true, false, 0, 0, -1 } << NoKey::NoneUsable;
        QTest::newRow("all invalid or disabled") << NoKeyCase { 0, false, true, false, 3, 0, -1 } << NoKey::NoneUsable;
        QTest::newRow("all cooling") << NoKeyCase { 0, false, true, false, 3, 0, 20'000 } << NoKey::AllCooling;
        QTest::newRow("owner's keys all cooling")
            << NoKeyCase { 0, false, true, true, 1, 0, 20'000 } << NoKey::OwnerUnavailable;
        QTest::newRow("owner's keys all tried") << NoKeyCase { 2, true, true, true, 2, 2, -1 } << NoKey::LastAnswer;
        QTest::newRow("attempts used up, an answer kept")
            << NoKeyCase { 3, true, false, false, 0, 0, -1 } << NoKey::LastAnswer;
        QTest::newRow("attempts used up, network errors only")
            << NoKeyCase { 3, false, false, false, 0, 0, -1 } << NoKey::LastFailure;
        QTest::newRow("pool empty after tries") << NoKeyCase { 2, false, true, false, 2, 2, -1 } << NoKey::LastFailure;
    }

    void whenNoKey()
    {
        QFETCH(NoKeyCase, c);
        QFETCH(AttemptPolicy::NoKey, answer);
        AttemptPolicy::State s;
        for (int i = 0; i < c.tried; ++i) {
            s.tried.push_back(QStringLiteral("k%1").arg(i + 1));
        }
        s.answerKept = c.answerKept;
        NoKeyReason why;
        why.total = c.total;
        why.tried = c.whyTried;
        why.retryAfterMs = c.retryAfterMs;
        QCOMPARE(AttemptPolicy(std::move(s)).whenNoKey(c.mayPick, c.ownerScoped, why), answer);
    }
};

QTEST_GUILESS_MAIN(TestAttemptPolicy)
#include "tst_attemptpolicy.moc"
