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

// Request limits for one client (0 = no limit).
struct RateLimits
{
    int requestsPerMinute = 0;
    int requestsPerDay = 0;
    int concurrentStreams = 0;
    int liveSessions = 0; // Live API sessions open at once (limits.perToken only)

    bool operator==(const RateLimits &) const = default;
};

// Metadata of one named local access token (one per tool). The token lives in the secret store under
// "token/<name>". A limit of -1 means "the global limits.perToken value".
struct TokenEntry
{
    QString name;
    QDateTime created;
    QDateTime rotated; // set by `token rotate`: running daemons re-read the secret
    RateLimits limits { -1, -1, -1 };

    bool operator==(const TokenEntry &) const = default;
};

// JWTs as a second kind of access credential.
struct JwtSettings
{
    bool hs256 = false; // accept HS256 signed with the secret stored as "jwt/hs256"
    QString publicKeyFile; // PEM public key: RS256 (RSA) or ES256 (P-256); empty = none
    QString audience;
    QString issuer;
    int leewaySeconds = 30;
    QString secretSetAt; // set by `token jwt-secret`: running daemons re-read the HS256 secret

    bool enabled() const { return hs256 || !publicKeyFile.isEmpty(); }
    bool operator==(const JwtSettings &) const = default;
};

struct Config
{
    int version = kConfigVersion;

    QString listenHost = QStringLiteral("127.0.0.1");
    int listenPort = 3145;
    bool allowRemote = false;
    int tlsPort = 0; // HTTPS listener on listenHost; 0: none
    QString tlsCertFile; // PEM chain (leaf first), reloaded when it changes
    QString tlsKeyFile; // PEM key of tlsCertFile, 0600
    bool tlsSelfSigned = false; // without files: a certificate from a local CA kept in the data folder
    QString acmeDirectoryUrl; // ACME (RFC 8555) directory; empty: no automatic certificates
    QString acmeDomains; // comma-separated names the certificate is for
    QString acmeEmail; // contact for the CA's expiry notices (optional)
    QString acmeCaBundle; // extra PEM CA trusted for the directory's TLS (a private CA, pebble)
    QString allowedHosts; // comma-separated
    QString allowedOrigins; // comma-separated
    QString allowCidrs; // comma-separated CIDR blocks; empty = everyone not denied
    QString denyCidrs; // comma-separated CIDR blocks
    bool allowAnonymousLoopback = false;
    QString adminTokenSetAt; // set by `token rotate --admin`: running daemons re-read the admin token
    JwtSettings jwt;
    RateLimits perTokenLimits;
    RateLimits perAddressLimits;
    int maxConnections = 1024;
    int workers = 0; // proxy worker threads; 0: ProxyServer::defaultWorkerCount(). Read at start
    int headerTimeoutMs = 10'000;
    int keepAliveTimeoutMs = 60'000;

    QString upstreamBaseUrl = QStringLiteral("https://generativelanguage.googleapis.com");
    QString upstreamProxy
        = QStringLiteral("none"); // none | system | http://[user@]host:port | socks5://[user@]host:port
    QString upstreamProxyPasswordSetAt; // set by `proxy password` (the secret store has it): running daemons re-read it
    QString upstreamCaBundle;
    int connectTimeoutMs = 10'000;
    int firstByteTimeoutMs = 300'000;
    int streamIdleTimeoutMs = 120'000;
    int requestTimeoutMs = 600'000; // all attempts of one request, until the response head reaches the client
    int upstreamIdleTimeoutMs = 60'000; // an unused pooled upstream connection is closed after this

    RoutingMode routingMode = RoutingMode::Local;
    bool fallbackToLocal = true;
    int relayConnectTimeoutMs = 1000;

    KeyStrategy keyStrategy = KeyStrategy::RoundRobin;
    int maxAttempts = 3;
    int healthCheckIntervalS = 0;

    SecretStoreKind secretStore = SecretStoreKind::Keychain;
    QString secretFile; // empty = <data location>/secrets.enc

    QString logLevel = QStringLiteral("info");
    QString logCategories; // "proxy=debug, access=warning"
    QString logFormat = QStringLiteral("text"); // text | json
    QString logFile; // empty: <data location>/logs/gemini-aggregator.log; "none": no file
    int logMaxFileBytes = 10 * 1024 * 1024;
    int logMaxFiles = 5;

    bool metricsOnLoopback = true;
    int historySize = 1000;
    int historyRetentionDays = 30; // the request history on disk (history.sqlite); 0: not kept on disk
    int historyMaxRecords = 1'000'000;

    int quotaDailyRequests = 250; // per project (key or group) and model; 0 = no outlook
    QString quotaModelLimits; // "gemini-2.5-pro=100, …"
    QString clusterPasswordSetAt; // set by `cluster password`: running daemons re-read it
    QString clusterRedis; // cluster mode: Redis shared by several daemons (config/redisurl.h); empty: this node alone
    QString uiLanguage = QStringLiteral("system"); // system | en | zh_CN
    bool uiNotifications = true;

    QList<KeyEntry> keys;
    QList<InstanceEntry> instances;
    QList<TokenEntry> tokens;

    const KeyEntry *findKey(const QString &id) const;
    const InstanceEntry *findInstance(const QString &id) const;
    const TokenEntry *findToken(const QString &name) const;
    // Limits for `token` (its own where set, else the global per-token ones).
    RateLimits limitsFor(const TokenEntry *token) const;
    bool operator==(const Config &) const = default;
};

QString routingModeName(RoutingMode mode);
QString keyStrategyName(KeyStrategy strategy);
QString secretStoreKindName(SecretStoreKind kind);

// True for "localhost" and loopback addresses (127.0.0.0/8, ::1).
bool isLoopbackHost(const QString &host);
// Listening beyond loopback needs listen.allowRemote and at least one access token (or JWTs); false with the
// sentence to show otherwise. Part of config validation (every save, `config check`, every load), and asked
// again by the daemon before it listens.
bool listenPolicyAllows(const Config &cfg, QString *error);

} // namespace ga::config

Q_DECLARE_METATYPE(ga::config::Config)
