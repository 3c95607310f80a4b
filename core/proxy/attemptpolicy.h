// SPDX-License-Identifier: GPL-3.0-or-later
// The attempt policy of one forwarded request: what an upstream answer or failure means for the next step (another
// key, the same key over the router's fallback route, pass the answer on, give up with 502/504), what the key pool
// and the router are told, and how many attempts and how much time a request gets. The KeyPool picks which key and
// the Router which route; the policy says when to ask them again. Pure: no sockets, no pool, no router, no clock of
// its own (the caller passes the time), so every rule is testable from a table (tests/tst_attemptpolicy.cpp).
// This is the one place that decides whether an attempt is retried (it alone asks keys::Failure::retryable()).
#pragma once

#include "keys/failure.h"
#include "keys/keypool.h"

#include <QString>
#include <QVarLengthArray>

#include <algorithm>
#include <vector>

namespace ga::proxy {

// What happened to the current attempt.
struct AttemptEvent
{
    enum class What
    {
        Head, // a response head arrived: stream it, or hold the body back until it can be judged
        Answer, // a held-back answer was read whole: `failure` classifies it (keys::classifyResponse)
        Complete, // a streamed answer ended cleanly
        NetworkError, // connect/TLS error, reset, close or malformed answer, connect or idle timeout
        StaleConnection, // a reused keep-alive socket turned out closed before any byte: not the key's fault
        FirstByteTimeout, // no response head within upstream.firstByteTimeoutMs
        NoRoute, // the router has no route for the key (serverless, no usable relay)
    };
    What what = What::NetworkError;
    int status = 0; // Head: the response status
    keys::Failure failure; // Answer: what the answer says about the key
    bool relayError = false; // Head/Answer: a relay answered with its own error (x-relay-error), not Google's
    // The router had no other route after a relay failed: decide as if the relay step were not there.
    bool noOtherRoute = false;
};

// What to do next. Reports (key, relay) come first, then `next`.
struct AttemptStep
{
    enum class Next
    {
        Stream, // pass the head and body on as they arrive; never retried from here on
        HoldBack, // read the body whole (≤ 1 MiB) before anything reaches the client: it may still be retried
        Finish, // the answer is complete
        NextKey, // pick another key; this one stays tried
        Retry, // pick again; this try does not count, so the pool may hand out the same key
        Fallback, // the same key over the router's next route (hybrid: direct); none left: decide again
        Forward, // pass this answer on to the client as it is
        GiveUp, // no further attempt: `stop` says why
        BreakStream, // the head is out: cut the client connection so the answer looks broken
    };
    enum class Stop
    {
        None,
        Deadline, // upstream.requestTimeoutMs passed before the head reached the client: 504
        FirstByteTimeouts, // kMaxFirstByteTimeouts reached: 504
        NoKeyLeft, // keys.maxAttempts (or kMaxQuotaSkips) used up: pass the last answer or failure on
    };
    enum class KeyReport
    {
        None, // nothing: the key is not to blame, or the client made the mistake
        Success,
        Failure, // the answer's classification
        NetworkFailure, // keys::networkFailure(message)
    };
    enum class RelayReport
    {
        None,
        Worked,
        Failed,
    };
    Next next = Next::GiveUp;
    Stop stop = Stop::None;
    KeyReport key = KeyReport::None;
    RelayReport relay = RelayReport::None;
    bool quotaSkip = false; // a quota 429: moving on costs no attempt
    bool keepAnswer = false; // remember the answer: it is passed on when no key is left
    bool forgetResource = false; // the owner itself says the resource it was asked for is gone
};

class AttemptPolicy
{
public:
    // A quota 429 moves on to another key without using up keys.maxAttempts, up to this many keys per request.
    static constexpr int kMaxQuotaSkips = 10;
    // The second first-byte timeout of a request ends it with 504: a prompt that hangs one key tends to hang the
    // next, and each wait is upstream.firstByteTimeoutMs (5 min by default).
    static constexpr int kMaxFirstByteTimeouts = 2;

    struct State
    {
        int maxAttempts = 1; // keys.maxAttempts (at least 1)
        qint64 deadlineMs = 0; // until the head reaches the client (nowMs(), proxy/clock.h); 0: none
        // Keys picked for this request (counted attempts, quota skips included). The first in place: a list allocated
        // for each request's one key was a malloc and a free a request; a retry's keys go to the heap.
        QVarLengthArray<QString, 1> tried;
        int quotaSkips = 0;
        int firstByteTimeouts = 0;
        bool viaRelay = false; // the current attempt goes through a relay
        bool headSent = false; // the answer's head reached the client: nothing is retried any more
        bool answerKept = false; // an error answer was kept to pass on when no key is left
    };

    AttemptPolicy() = default;
    explicit AttemptPolicy(State state)
        : m_state(std::move(state))
    { }

    // The one retry classifier: given the state and what happened, the next step. Pure (const, no I/O).
    AttemptStep decide(const AttemptEvent &e, qint64 nowMs) const;
    // Records the step taken for `e` (a tried key given back, a quota skip, a first-byte timeout). Once per event:
    // after a Fallback with no other route, commit only the second decision.
    void commit(const AttemptEvent &e, const AttemptStep &step);

    // The request's time ran out before its answer started (checked by the sweeper, whatever the attempt is doing).
    bool deadlinePassed(qint64 nowMs) const
    {
        return !m_state.headSent && m_state.deadlineMs > 0 && nowMs >= m_state.deadlineMs;
    }
    // Whether another attempt may start now (before every pick).
    AttemptStep::Stop stopBeforeAttempt(qint64 nowMs) const;
    // What to answer when no key could be picked. `mayPick`: stopBeforeAttempt said None (the pool had none to give);
    // `ownerScoped`: the request may only use keys of one project (a resource's owner).
    enum class NoKey
    {
        OwnerUnavailable, // no key of the owner's project can take it: name the resource
        NoneUsable, // 503: no key configured, or none comes back by itself (invalid, disabled)
        AllCooling, // 429 with the time until the first key is back
        LastAnswer, // pass the last error answer on as Google sent it
        LastFailure, // the last failure's status (or 502) and message
    };
    NoKey whenNoKey(bool mayPick, bool ownerScoped, const keys::NoKeyReason &why) const;

    void setDeadline(qint64 deadlineMs) { m_state.deadlineMs = deadlineMs; }
    void setMaxAttempts(int maxAttempts) { m_state.maxAttempts = std::max(1, maxAttempts); }
    void keyPicked(const QString &keyId) { m_state.tried.push_back(keyId); }
    void setViaRelay(bool viaRelay) { m_state.viaRelay = viaRelay; }
    void headSent() { m_state.headSent = true; }

    const State &state() const { return m_state; }
    keys::TriedKeys tried() const { return { m_state.tried.constData(), size_t(m_state.tried.size()) }; }
    bool isHeadSent() const { return m_state.headSent; }

private:
    // The gate before another attempt, on the counts the step would leave behind.
    AttemptStep::Stop stop(qint64 nowMs, int tried, int quotaSkips, int firstByteTimeouts, bool newKey) const;
    AttemptStep answer(const AttemptEvent &e, qint64 nowMs) const;
    AttemptStep failure(const AttemptEvent &e, qint64 nowMs) const;
    // `step` moves on (NextKey/Retry/Fallback) unless the gate says stop: then GiveUp with the reason.
    AttemptStep gated(AttemptStep step, const AttemptEvent &e, qint64 nowMs) const;

    State m_state;
};

} // namespace ga::proxy
