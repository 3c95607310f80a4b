// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QUrl>

namespace ga::config {

inline constexpr int kConfigVersion = 1;

enum class RoutingMode
{
    Local,
    Serverless,
    Hybrid
};
enum class KeyStrategy
{
    RoundRobin,
    Weighted,
    LeastUsed,
    Random
};
enum class SecretStoreKind
{
    Keychain,
    File
};

// Metadata of one Gemini API key. The secret itself lives in the secret store under "key/<id>".
struct KeyEntry
{
    QString id;
    QString label;
    QString group; // Google Cloud project the key belongs to (quota is per project)
    QString instance; // bound relay instance id, empty = unbound
    QString fingerprint; // SHA-256 prefix of the secret, for de-duplication without reading secrets
    QString hint; // last four characters, for the masked form "AIza…x9Q2"
    int weight = 1;
    bool enabled = true;
    QDateTime added;
    QDateTime resetAt; // set by `keys enable` / a passing `keys test`: the daemon forgets what it learned

    QString masked() const;
    bool operator==(const KeyEntry &) const = default;
};

// Metadata of a serverless relay instance. Its relay secret lives in the secret store.
struct InstanceEntry
{
    QString id;
    QString name;
    QUrl url;
    bool enabled = true;

    bool operator==(const InstanceEntry &) const = default;
};

struct Config
{
    int version = kConfigVersion;

    QString listenHost = QStringLiteral("127.0.0.1");
    int listenPort = 3145;
    bool allowRemote = false;
    QString allowedHosts; // comma-separated
    QString allowedOrigins; // comma-separated
    int maxConnections = 1024;
    int headerTimeoutMs = 10'000;
    int keepAliveTimeoutMs = 60'000;

    QString upstreamBaseUrl = QStringLiteral("https://generativelanguage.googleapis.com");
    QString upstreamProxy = QStringLiteral("none"); // none | system | http://host:port | socks5://host:port
    QString upstreamCaBundle;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 300'000;
    int streamIdleTimeoutMs = 120'000;

    RoutingMode routingMode = RoutingMode::Local;
    bool fallbackToLocal = true;
    int relayConnectTimeoutMs = 1000;

    KeyStrategy keyStrategy = KeyStrategy::RoundRobin;
    int maxAttempts = 3;
    int healthCheckIntervalS = 0;

    SecretStoreKind secretStore = SecretStoreKind::Keychain;
    QString secretFile; // empty = <data location>/secrets.enc

    QString logLevel = QStringLiteral("info");

    QList<KeyEntry> keys;
    QList<InstanceEntry> instances;

    const KeyEntry *findKey(const QString &id) const;
    const InstanceEntry *findInstance(const QString &id) const;
    bool operator==(const Config &) const = default;
};

QString routingModeName(RoutingMode mode);
QString keyStrategyName(KeyStrategy strategy);
QString secretStoreKindName(SecretStoreKind kind);

} // namespace ga::config

Q_DECLARE_METATYPE(ga::config::Config)
