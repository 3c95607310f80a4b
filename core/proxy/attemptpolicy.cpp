// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/attemptpolicy.h"

namespace ga::proxy {

using Next = AttemptStep::Next;
using Stop = AttemptStep::Stop;
using What = AttemptEvent::What;

AttemptStep AttemptPolicy::decide(const AttemptEvent &e, qint64 nowMs) const
{
    AttemptStep s;
    switch (e.what) {
    case What::Head: {
        // Only answers that may still be retried are held back: 429/402 (quota), 400/401/403 (a bad key, forbidden,
        // the relay's region refused), 5xx (the server's trouble), and a relay's own errors. 404s are held back too,
        // though never retried: they echo the path, and a held-back answer is redacted before the client sees it.
        const bool mayRetry = e.status == 429 || e.status >= 500 || e.status == 400 || e.status == 401
            || e.status == 402 || e.status == 403;
        if (mayRetry || (m_state.viaRelay && e.relayError) || e.status == 404) {
            s.next = Next::HoldBack;
            return s;
        }
        s.next = Next::Stream; // a success (or an answer no other key would change) streams at once
        s.relay = m_state.viaRelay ? AttemptStep::RelayReport::Worked : AttemptStep::RelayReport::None;
        return s;
    }
    case What::Complete:
        s.next = Next::Finish;
        s.key = AttemptStep::KeyReport::Success;
        return s;
    case What::Answer:
        return answer(e, nowMs);
    case What::NetworkError:
    case What::StaleConnection:
    case What::FirstByteTimeout:
    case What::NoRoute:
        return failure(e, nowMs);
    }
    return s;
}

AttemptStep AttemptPolicy::answer(const AttemptEvent &e, qint64 nowMs) const
{
    const keys::Failure &f = e.failure;
    // The relay's own error, or Google refusing the relay's region: the route's fault, never the key's.
    const bool relayFault = m_state.viaRelay && (e.relayError || f.kind == keys::FailureKind::RegionBlocked);
    AttemptStep s;
    if (relayFault && !e.noOtherRoute) {
        s.next = Next::Fallback;
        s.relay = AttemptStep::RelayReport::Failed;
        return gated(s, e, nowMs);
    }
    if (!relayFault) {
        s.relay = m_state.viaRelay ? AttemptStep::RelayReport::Worked : AttemptStep::RelayReport::None;
        // A client's own mistake costs no key.
        s.key
            = f.kind == keys::FailureKind::ClientError ? AttemptStep::KeyReport::None : AttemptStep::KeyReport::Failure;
    }
    s.forgetResource = f.kind == keys::FailureKind::ResourceDenied;
    if (f.retryable()) {
        s.next = Next::NextKey;
        s.quotaSkip = f.isQuota();
        s.keepAnswer = true; // when no key is left, the client gets Google's last answer (and its RetryInfo)
        return gated(s, e, nowMs);
    }
    s.next = Next::Forward;
    return s;
}

AttemptStep AttemptPolicy::failure(const AttemptEvent &e, qint64 nowMs) const
{
    AttemptStep s;
    if (m_state.headSent) {
        // Part of the answer is with the client already: a retry would splice two answers together.
        s.next = Next::BreakStream;
        s.key = AttemptStep::KeyReport::NetworkFailure;
        return s;
    }
    if (e.what == What::NoRoute) {
        s.next = Next::NextKey; // another key may be bound to a relay that is up
        return gated(s, e, nowMs);
    }
    const bool counts = e.what != What::StaleConnection;
    if (counts && m_state.viaRelay) {
        // Could not reach the relay, or it timed out: the relay's fault, never the key's.
        if (!e.noOtherRoute) {
            s.next = Next::Fallback;
            s.relay = AttemptStep::RelayReport::Failed;
        } else {
            s.next = Next::Retry; // the key was not really tried
        }
        return gated(s, e, nowMs);
    }
    s.key = counts ? AttemptStep::KeyReport::NetworkFailure : AttemptStep::KeyReport::None;
    s.next = counts ? Next::NextKey : Next::Retry;
    return gated(s, e, nowMs);
}

AttemptStep AttemptPolicy::gated(AttemptStep s, const AttemptEvent &e, qint64 nowMs) const
{
    const int tried = int(m_state.tried.size()) - (s.next == Next::Retry && !m_state.tried.empty() ? 1 : 0);
    const int quotaSkips = m_state.quotaSkips + (s.quotaSkip ? 1 : 0);
    const int firstByteTimeouts = m_state.firstByteTimeouts + (e.what == What::FirstByteTimeout ? 1 : 0);
    // A fallback keeps its key: only time limits it.
    const Stop why = stop(nowMs, tried, quotaSkips, firstByteTimeouts, s.next != Next::Fallback);
    if (why != Stop::None) {
        s.next = Next::GiveUp;
        s.stop = why;
    }
    return s;
}

Stop AttemptPolicy::stop(qint64 nowMs, int tried, int quotaSkips, int firstByteTimeouts, bool newKey) const
{
    if (m_state.headSent) {
        return Stop::None; // not before an attempt: the answer is streaming
    }
    if (m_state.deadlineMs > 0 && nowMs >= m_state.deadlineMs) {
        return Stop::Deadline;
    }
    if (firstByteTimeouts >= kMaxFirstByteTimeouts) {
        return Stop::FirstByteTimeouts;
    }
    // Quota 429s only move on to another key: they do not use up the attempts that real errors get.
    if (newKey && (tried - quotaSkips >= m_state.maxAttempts || quotaSkips > kMaxQuotaSkips)) {
        return Stop::NoKeyLeft;
    }
    return Stop::None;
}

Stop AttemptPolicy::stopBeforeAttempt(qint64 nowMs) const
{
    return stop(nowMs, int(m_state.tried.size()), m_state.quotaSkips, m_state.firstByteTimeouts, true);
}

void AttemptPolicy::commit(const AttemptEvent &e, const AttemptStep &step)
{
    if (e.what == What::FirstByteTimeout) {
        ++m_state.firstByteTimeouts;
    }
    if (step.quotaSkip) {
        ++m_state.quotaSkips;
    }
    if (step.keepAnswer) {
        m_state.answerKept = true;
    }
    if (step.next == Next::Retry && !m_state.tried.empty()) {
        m_state.tried.pop_back();
    }
}

AttemptPolicy::NoKey AttemptPolicy::whenNoKey(bool mayPick, bool ownerScoped, const keys::NoKeyReason &why) const
{
    if (ownerScoped && mayPick && why.tried == 0) {
        // The owner's project has no key left that is not cooling, invalid, disabled or gone: a key of another
        // project would only get Google's 403.
        return NoKey::OwnerUnavailable;
    }
    if (m_state.tried.empty()) {
        // No key configured, or none will come back by itself (invalid, disabled): not a rate limit.
        return why.total == 0 || why.retryAfterMs < 0 ? NoKey::NoneUsable : NoKey::AllCooling;
    }
    return m_state.answerKept ? NoKey::LastAnswer : NoKey::LastFailure;
}

} // namespace ga::proxy
