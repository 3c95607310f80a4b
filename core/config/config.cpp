// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/config.h"

#include "logging/usertext.h"

#include <QHostAddress>

namespace ga::config {
namespace {
// Why a start is refused (logging/usertext.h): English here, translated where the window shows it.
const logging::UserText kRemoteNeedsAllow("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "listen.host %1 would let other machines use your API keys; use 127.0.0.1, or set listen.allowRemote to "
        "true and give each client an access token (gemini-aggregatord token add NAME)"));
const logging::UserText kRemoteNeedsToken("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "listen.allowRemote is on but there is no access token, so anyone who can reach %1 could use your API keys; "
        "create one with: gemini-aggregatord token add NAME"));
} // namespace

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

bool isLoopbackHost(const QString &host)
{
    if (host.compare(u"localhost", Qt::CaseInsensitive) == 0) {
        return true;
    }
    const QHostAddress a(host);
    return !a.isNull() && a.isLoopback();
}

bool listenPolicyAllows(const Config &cfg, QString *error)
{
    if (isLoopbackHost(cfg.listenHost)) {
        return true;
    }
    // Other machines (and anything on the LAN) could spend the user's keys: only with tokens.
    if (!cfg.allowRemote) {
        *error = kRemoteNeedsAllow.text().arg(cfg.listenHost);
        return false;
    }
    if (cfg.tokens.isEmpty() && !cfg.jwt.enabled()) {
        *error = kRemoteNeedsToken.text().arg(cfg.listenHost);
        return false;
    }
    return true;
}

} // namespace ga::config
