// SPDX-License-Identifier: GPL-3.0-or-later
#include "routing/router.h"

#include "logging/logging.h"
#include "logging/usertext.h"
#include "text/permanent.h"

namespace ga::routing {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kTheRelayInstanceThisKey(
    "ga::routing", QT_TRANSLATE_NOOP("ga::routing", "the relay instance '%1' this key is bound to is unavailable"));
const logging::UserText kNoRelayInstanceIsConfigured("ga::routing",
    QT_TRANSLATE_NOOP("ga::routing",
        "No relay instance is configured, and routing.mode is serverless; add one with 'gemini-aggregatord instances "
        "add' or switch to hybrid or local."));
const logging::UserText kNoRelayInstanceIsHealthy("ga::routing",
    QT_TRANSLATE_NOOP("ga::routing",
        "No relay instance is healthy right now (%1 configured); routing.mode is serverless, so nothing was sent."));

} // namespace

QString relayHealthName(RelayHealth health)
{
    switch (health) {
    case RelayHealth::Unknown:
        return QStringLiteral("unknown");
    case RelayHealth::Healthy:
        return QStringLiteral("healthy");
    case RelayHealth::Unhealthy:
        return QStringLiteral("unhealthy");
    }
    return QString();
}

Router::Router(const time::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{ }

void Router::configure(
    config::RoutingMode mode, bool fallbackToLocal, std::vector<Relay> relays, QHash<QString, QString> keyBindings)
{
    QMutexLocker lock(&m_mutex);
    std::vector<State> state(relays.size());
    for (size_t i = 0; i < relays.size(); ++i) {
        for (size_t j = 0; j < m_relays.size(); ++j) {
            if (m_relays[j].id == relays[i].id && m_relays[j].upstream.hostHeader == relays[i].upstream.hostHeader) {
                state[i] = m_state[j]; // keep what we learned about a relay that stays
                if (relays[i].secret.isEmpty()) {
                    // Its secret is being re-read: keep using the one we have, so a config change never opens
                    // a window in which the relay looks absent (serverless would 503, hybrid would go direct).
                    relays[i].secret = m_relays[j].secret;
                }
            }
        }
    }
    m_mode = mode;
    m_fallback = fallbackToLocal;
    for (Relay &relay : relays) {
        relay.id = text::intern(relay.id); // copied into every request's record (text/permanent.h)
    }
    m_relays = std::move(relays);
    m_state = std::move(state);
    m_bindings = std::move(keyBindings);
}

config::RoutingMode Router::mode() const
{
    return m_mode.load(std::memory_order_relaxed);
}

bool Router::usable(size_t i, qint64 now, bool claimTrial)
{
    if (!m_relays[i].enabled || m_relays[i].secret.isEmpty()) {
        return false;
    }
    State &s = m_state[i];
    if (s.health != RelayHealth::Unhealthy) {
        return true;
    }
    if (now < s.unhealthyUntil || s.trialInFlight) {
        return false;
    }
    if (claimTrial) {
        s.trialInFlight = true; // half-open: one trial request decides
    }
    return true;
}

int Router::nextHealthy(qint64 now, const std::vector<int> &exclude)
{
    const size_t n = m_relays.size();
    for (size_t step = 0; step < n; ++step) {
        const size_t i = (m_cursor + step) % n;
        if (std::find(exclude.begin(), exclude.end(), int(i)) != exclude.end()) {
            continue;
        }
        if (usable(i, now, true)) {
            m_cursor = i + 1;
            return int(i);
        }
    }
    return -1;
}

bool Router::firstRoute(const QString &keyId, Route *out, QString *reason)
{
    *out = Route();
    if (mode() == config::RoutingMode::Local) {
        return true; // direct: nothing else to read, no lock
    }
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock.nowMs();
    const QString bound = m_bindings.value(keyId);
    if (!bound.isEmpty()) {
        for (size_t i = 0; i < m_relays.size(); ++i) {
            if (m_relays[i].id == bound) {
                if (usable(i, now, true)) {
                    out->relay = int(i);
                    return true;
                }
                break;
            }
        }
        // The bound relay is down: hybrid goes direct (if allowed); serverless must use another key.
        if (m_mode == config::RoutingMode::Hybrid && m_fallback) {
            return true;
        }
        *reason = kTheRelayInstanceThisKey.text().arg(bound);
        return false;
    }
    const int i = nextHealthy(now, {});
    if (i >= 0) {
        out->relay = i;
        return true;
    }
    if (m_mode == config::RoutingMode::Hybrid && m_fallback) {
        return true;
    }
    *reason = m_relays.empty() ? kNoRelayInstanceIsConfigured.text()
                               : kNoRelayInstanceIsHealthy.text().arg(m_relays.size());
    return false;
}

bool Router::fallbackRoute(const QString &keyId, const Route &failed, std::vector<int> &triedRelays, Route *out)
{
    QMutexLocker lock(&m_mutex);
    *out = Route();
    if (failed.isDirect()) {
        return false;
    }
    triedRelays.push_back(failed.relay);
    if (m_mode == config::RoutingMode::Hybrid && m_fallback) {
        return true; // direct
    }
    if (m_mode == config::RoutingMode::Serverless && !m_bindings.contains(keyId)) {
        const int i = nextHealthy(m_clock.nowMs(), triedRelays);
        if (i >= 0) {
            out->relay = i;
            return true;
        }
    }
    return false;
}

bool Router::relay(int index, Relay *out) const
{
    QMutexLocker lock(&m_mutex);
    if (index < 0 || size_t(index) >= m_relays.size()) {
        return false;
    }
    *out = m_relays[size_t(index)];
    return true;
}

void Router::reportRelayFailure(int index, const QString &reason)
{
    QString id;
    qint64 until = 0;
    {
        QMutexLocker lock(&m_mutex);
        if (index < 0 || size_t(index) >= m_relays.size()) {
            return;
        }
        State &s = m_state[size_t(index)];
        s.trialInFlight = false;
        ++s.failures;
        const qint64 cooldown = std::min(kUnhealthyMaxMs, kUnhealthyStartMs << std::min(s.failures - 1, 10));
        s.health = RelayHealth::Unhealthy;
        s.unhealthyUntil = m_clock.nowMs() + cooldown;
        s.lastError = reason;
        id = m_relays[size_t(index)].id;
        until = s.unhealthyUntil;
    }
    qCWarning(lcRouting).noquote() << "relay" << id << "is unhealthy until"
                                   << QDateTime::fromMSecsSinceEpoch(until).toString(Qt::ISODate) << "-" << reason;
    Q_EMIT relayHealthChanged(id, RelayHealth::Unhealthy, reason);
    Q_EMIT relayHealthLearned(id, false, until, reason);
}

void Router::reportRelaySuccess(int index, qint64 latencyMs)
{
    QString id;
    bool changed = false;
    {
        QMutexLocker lock(&m_mutex);
        if (index < 0 || size_t(index) >= m_relays.size()) {
            return;
        }
        State &s = m_state[size_t(index)];
        changed = s.health != RelayHealth::Healthy;
        s.health = RelayHealth::Healthy;
        s.failures = 0;
        s.trialInFlight = false;
        s.lastLatencyMs = latencyMs;
        id = m_relays[size_t(index)].id;
    }
    if (changed) {
        qCInfo(lcRouting).noquote() << "relay" << id << "is healthy";
        Q_EMIT relayHealthChanged(id, RelayHealth::Healthy, QString());
        Q_EMIT relayHealthLearned(id, true, 0, QString());
    }
}

void Router::applySharedHealth(const QString &id, bool healthy, qint64 untilMs, const QString &reason)
{
    bool changed = false;
    {
        QMutexLocker lock(&m_mutex);
        for (size_t i = 0; i < m_relays.size(); ++i) {
            if (m_relays[i].id != id) {
                continue;
            }
            State &s = m_state[i];
            if (healthy) {
                changed = s.health == RelayHealth::Unhealthy;
                if (changed) {
                    s.health = RelayHealth::Healthy;
                    s.failures = 0;
                    s.unhealthyUntil = 0;
                }
            } else if (untilMs > m_clock.nowMs() && untilMs > s.unhealthyUntil) {
                changed = s.health != RelayHealth::Unhealthy;
                s.health = RelayHealth::Unhealthy;
                s.unhealthyUntil = untilMs;
                s.lastError = reason;
            }
        }
    }
    if (changed) {
        qCInfo(lcRouting).noquote() << "relay" << id << "is" << (healthy ? "healthy" : "unhealthy")
                                    << "(learned from the cluster)";
        Q_EMIT relayHealthChanged(id, healthy ? RelayHealth::Healthy : RelayHealth::Unhealthy, reason);
    }
}

bool Router::reportRelayCheck(const QString &id, bool ok, qint64 latencyMs, const QString &reason)
{
    int index = -1;
    {
        QMutexLocker lock(&m_mutex);
        for (size_t i = 0; i < m_relays.size() && index < 0; ++i) {
            if (m_relays[i].id == id) {
                index = int(i);
            }
        }
    }
    if (index < 0) {
        return false;
    }
    if (ok) {
        reportRelaySuccess(index, latencyMs);
    } else {
        reportRelayFailure(index, reason);
    }
    return true;
}

std::vector<RelayReport> Router::report() const
{
    QMutexLocker lock(&m_mutex);
    std::vector<RelayReport> out;
    for (size_t i = 0; i < m_relays.size(); ++i) {
        RelayReport r;
        r.id = m_relays[i].id;
        r.name = m_relays[i].name;
        r.health = m_state[i].health;
        r.unhealthyUntilMs = m_state[i].health == RelayHealth::Unhealthy ? m_state[i].unhealthyUntil : -1;
        r.lastLatencyMs = m_state[i].lastLatencyMs;
        r.lastError = m_state[i].lastError;
        r.usable = m_relays[i].enabled && !m_relays[i].secret.isEmpty()
            && !(m_state[i].health == RelayHealth::Unhealthy && m_state[i].unhealthyUntil > m_clock.nowMs());
        out.push_back(r);
    }
    return out;
}

} // namespace ga::routing
