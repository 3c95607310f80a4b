// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/config.h"

namespace ga::config {

QString KeyEntry::masked() const
{
    return QStringLiteral("AIza") + QChar(0x2026) + hint;
}

const KeyEntry *Config::findKey(const QString &id) const
{
    for (const KeyEntry &k : keys) {
        if (k.id == id) {
            return &k;
        }
    }
    return nullptr;
}

const InstanceEntry *Config::findInstance(const QString &id) const
{
    for (const InstanceEntry &i : instances) {
        if (i.id == id) {
            return &i;
        }
    }
    return nullptr;
}

const TokenEntry *Config::findToken(const QString &name) const
{
    for (const TokenEntry &t : tokens) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

RateLimits Config::limitsFor(const TokenEntry *token) const
{
    RateLimits r = perTokenLimits;
    if (token) {
        r.requestsPerMinute
            = token->limits.requestsPerMinute >= 0 ? token->limits.requestsPerMinute : r.requestsPerMinute;
        r.requestsPerDay = token->limits.requestsPerDay >= 0 ? token->limits.requestsPerDay : r.requestsPerDay;
        r.concurrentStreams
            = token->limits.concurrentStreams >= 0 ? token->limits.concurrentStreams : r.concurrentStreams;
    }
    return r;
}

QString routingModeName(RoutingMode mode)
{
    switch (mode) {
    case RoutingMode::Local:
        return QStringLiteral("local");
    case RoutingMode::Serverless:
        return QStringLiteral("serverless");
    case RoutingMode::Hybrid:
        return QStringLiteral("hybrid");
    }
    return {};
}

QString keyStrategyName(KeyStrategy strategy)
{
    switch (strategy) {
    case KeyStrategy::RoundRobin:
        return QStringLiteral("round_robin");
    case KeyStrategy::Weighted:
        return QStringLiteral("weighted");
    case KeyStrategy::LeastUsed:
        return QStringLiteral("least_used");
    case KeyStrategy::Random:
        return QStringLiteral("random");
    }
    return {};
}

QString secretStoreKindName(SecretStoreKind kind)
{
    return kind == SecretStoreKind::File ? QStringLiteral("file") : QStringLiteral("keychain");
}

} // namespace ga::config
