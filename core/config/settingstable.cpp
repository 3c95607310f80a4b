// SPDX-License-Identifier: GPL-3.0-or-later
// The settings table: every setting's path, type, default, range or choices and extra rule, and the helpers
// that describe values and suggest paths.
#include "config/jsonlocator.h"
#include "config/redisurl.h"
#include "config/settingstable_p.h"
#include "logging/redact.h"
#include "logging/usertext.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <functional>

namespace ga::config::schema::detail {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kIsNotAnIpAddress("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "'%1' is not an IP address to listen on (use 127.0.0.1, ::1 or 0.0.0.0)"));
const logging::UserText kIsNotAnHttpOr("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "'%1' is not an http:// or https:// URL (for example https://generativelanguage.googleapis.com)"));
const logging::UserText kMustNotContainAQuery(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "'%1' must not contain a query or fragment"));
const logging::UserText kIsNotAProxySetting("ga::config",
    QT_TRANSLATE_NOOP(
        "ga::config", "'%1' is not a proxy setting (use none, system, http://host:port or socks5://host:port)"));
const logging::UserText kProxyPasswordInUrl("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "a password does not belong in the config file: give the user name only (%1) and store the password with: "
        "printf %s \"$PROXY_PASSWORD\" | gemini-aggregatord proxy password"));
const logging::UserText kCaBundleDoesNotExist("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "CA bundle '%1' does not exist (give a PEM file, or an empty string for none)"));
const logging::UserText kTlsFileDoesNotExist("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "TLS file '%1' does not exist (give a PEM file, or an empty string for none)"));
const logging::UserText kIsNotAnAcmeDirectory("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "'%1' is not an ACME directory URL (https://…, for example https://acme-v02.api.letsencrypt.org/directory)"));
const logging::UserText kIsNotAnAddressOr("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "'%1' is not an address or CIDR block (e.g. 192.168.1.0/24, fd00::/8)"));
const logging::UserText kIsNotCategoryLevelCategories(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "'%1' is not CATEGORY=LEVEL (categories: %2; levels: %3)"));
const logging::UserText kIsNotModelRequestsPer(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "'%1' is not MODEL=REQUESTS_PER_DAY, e.g. gemini-2.5-pro=100"));
const logging::UserText kPublicKeyFileDoesNot("ga::config",
    QT_TRANSLATE_NOOP(
        "ga::config", "public key file '%1' does not exist (give a PEM file, or an empty string for none)"));
const logging::UserText kContainsAControlCharacterU("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "contains a control character (U+%1); text may not hold control characters, line breaks or direction "
        "overrides"));
const logging::UserText kIsCharactersLongAtMost(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "is %1 characters long; at most %2 are allowed"));
const logging::UserText kANumber("ga::config", QT_TRANSLATE_NOOP("ga::config", "a number"));
const logging::UserText kAString("ga::config", QT_TRANSLATE_NOOP("ga::config", "a string"));
const logging::UserText kAList("ga::config", QT_TRANSLATE_NOOP("ga::config", "a list"));
const logging::UserText kAnObject("ga::config", QT_TRANSLATE_NOOP("ga::config", "an object"));
const logging::UserText kDidYouMean("ga::config", QT_TRANSLATE_NOOP("ga::config", " (did you mean '%1'?)"));

} // namespace

QString checkListenHost(const QString &v)
{
    if (v == u"localhost" || !QHostAddress(v).isNull()) {
        return {};
    }
    return kIsNotAnIpAddress.text().arg(v);
}

QString checkRedisUrl(const QString &v)
{
    QString error;
    return v.isEmpty() || parseRedisUrl(v, nullptr, &error) ? QString() : error;
}

QString checkHttpUrl(const QString &v)
{
    const QUrl url(v, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http" && scheme != u"https") || url.host().isEmpty()) {
        return kIsNotAnHttpOr.text().arg(v);
    }
    if (url.hasQuery() || url.hasFragment()) {
        return kMustNotContainAQuery.text().arg(v);
    }
    return {};
}

QString checkProxy(const QString &v)
{
    if (v == u"none" || v == u"system") {
        return {};
    }
    const QUrl url(v, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (url.isValid() && (scheme == u"http" || scheme == u"socks5") && !url.host().isEmpty() && url.port() > 0) {
        if (!url.password().isEmpty()) {
            // Shown without the password (the message goes to the terminal, the log and the GUI).
            QUrl withUser = url;
            withUser.setPassword(QString());
            return kProxyPasswordInUrl.text().arg(withUser.toString(QUrl::RemovePassword));
        }
        return {};
    }
    // Not echoed with a password: a URL refused for another reason may still hold one.
    const QString shown = url.isValid() ? url.toString(QUrl::RemovePassword)
        : v.contains(u'@')              ? QStringLiteral("…")
                                        : v;
    return kIsNotAProxySetting.text().arg(shown);
}

QString checkCaBundle(const QString &v)
{
    if (v.isEmpty() || QFileInfo(v).isFile()) {
        return {};
    }
    return kCaBundleDoesNotExist.text().arg(v);
}

QString checkTlsFile(const QString &v)
{
    if (v.isEmpty() || QFileInfo(v).isFile()) {
        return {};
    }
    return kTlsFileDoesNotExist.text().arg(v);
}

QString checkAcmeDirectory(const QString &v)
{
    if (v.isEmpty()) {
        return {};
    }
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"https" || url.host().isEmpty()) {
        return kIsNotAnAcmeDirectory.text().arg(v);
    }
    return {};
}

QString checkCidrList(const QString &v)
{
    for (const QString &part : v.split(u',', Qt::SkipEmptyParts)) {
        const QString block = part.trimmed();
        if (block.isEmpty()) {
            continue;
        }
        const auto subnet = QHostAddress::parseSubnet(block.contains(u'/')
                ? block
                : block + (block.contains(u':') ? QStringLiteral("/128") : QStringLiteral("/32")));
        if (subnet.first.isNull()) {
            return kIsNotAnAddressOr.text().arg(block);
        }
    }
    return {};
}

QString checkLogCategories(const QString &v)
{
    for (const QString &item : v.split(u',', Qt::SkipEmptyParts)) {
        static const QStringList known = { QStringLiteral("config"), QStringLiteral("secrets"), QStringLiteral("keys"),
            QStringLiteral("daemon"), QStringLiteral("cli"), QStringLiteral("proxy"), QStringLiteral("http"),
            QStringLiteral("routing"), QStringLiteral("security"), QStringLiteral("ui"), QStringLiteral("access"),
            QStringLiteral("cluster") };
        static const QStringList levels
            = { QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error") };
        const QString name = item.section(u'=', 0, 0).trimmed();
        const QString level = item.section(u'=', 1).trimmed();
        if (!item.contains(u'=') || !known.contains(name) || !levels.contains(level)) {
            return kIsNotCategoryLevelCategories.text().arg(
                item.trimmed(), known.join(QStringLiteral(", ")), levels.join(QStringLiteral(", ")));
        }
    }
    return {};
}

QString checkModelLimits(const QString &v)
{
    for (const QString &item : v.split(u',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int limit = item.section(u'=', 1).trimmed().toInt(&ok);
        if (!item.contains(u'=') || item.section(u'=', 0, 0).trimmed().isEmpty() || !ok || limit < 0) {
            return kIsNotModelRequestsPer.text().arg(item.trimmed());
        }
    }
    return {};
}

QString checkPemFile(const QString &v)
{
    if (v.isEmpty() || QFileInfo(v).isFile()) {
        return {};
    }
    return kPublicKeyFileDoesNot.text().arg(v);
}

// Why `value` cannot be saved as text of at most `max` characters (0: no length rule here); empty when it can.
// Never quotes the value: it may be megabytes long, or hold the very characters a terminal would act on.
QString textProblem(const QString &value, qsizetype max)
{
    for (const QChar c : value) {
        if (isControlCharacter(c)) {
            return kContainsAControlCharacterU.text().arg(
                QString::number(c.unicode(), 16).toUpper().rightJustified(4, u'0'));
        }
    }
    if (max > 0 && value.size() > max) {
        return kIsCharactersLongAtMost.text().arg(value.size()).arg(max);
    }
    return {};
}

RoutingMode modeFrom(const QString &s)
{
    return s == u"serverless" ? RoutingMode::Serverless : s == u"hybrid" ? RoutingMode::Hybrid : RoutingMode::Local;
}

KeyStrategy strategyFrom(const QString &s)
{
    if (s == u"weighted") {
        return KeyStrategy::Weighted;
    }
    if (s == u"least_used") {
        return KeyStrategy::LeastUsed;
    }
    if (s == u"random") {
        return KeyStrategy::Random;
    }
    return KeyStrategy::RoundRobin;
}

const QList<Setting> &settings()
{
    // clang-format off
    static const QList<Setting> table = {
        {"listen.host", Kind::String, QStringLiteral("127.0.0.1"), 0, 0, {}, checkListenHost,
         [](Config &c, const QJsonValue &v) { c.listenHost = v.toString(); },
         "address the proxy listens on"},
        {"listen.port", Kind::Int, 3145, 1, 65535, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.listenPort = v.toInt(); }, "TCP port of the proxy"},
        {"listen.allowRemote", Kind::Bool, false, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.allowRemote = v.toBool(); },
         "allow listen.host to be an address other machines can reach"},
        {"listen.tls.port", Kind::Int, 0, 0, 65535, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.tlsPort = v.toInt(); },
         "HTTPS port on listen.host, beside the HTTP port (0: no HTTPS)"},
        {"listen.tls.certFile", Kind::String, QString(), 0, 0, {}, checkTlsFile,
         [](Config &c, const QJsonValue &v) { c.tlsCertFile = v.toString(); },
         "PEM certificate chain for HTTPS, leaf first; replaced files are used for new connections at once"},
        {"listen.tls.keyFile", Kind::String, QString(), 0, 0, {}, checkTlsFile,
         [](Config &c, const QJsonValue &v) { c.tlsKeyFile = v.toString(); },
         "PEM private key of listen.tls.certFile, readable by this user only (chmod 600)"},
        {"listen.tls.selfSigned", Kind::Bool, false, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.tlsSelfSigned = v.toBool(); },
         "without certificate files: a certificate from a local CA made once in the data folder "
         "('gemini-aggregatord tls trust' shows how to trust it)"},
        {"listen.tls.acme.directoryUrl", Kind::String, QString(), 0, 0, {}, checkAcmeDirectory,
         [](Config &c, const QJsonValue &v) { c.acmeDirectoryUrl = v.toString(); },
         "ACME directory for automatic certificates, e.g. https://acme-v02.api.letsencrypt.org/directory "
         "(staging: https://acme-staging-v02.api.letsencrypt.org/directory); empty: off"},
        {"listen.tls.acme.domains", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.acmeDomains = v.toString(); },
         "comma-separated names of this machine the ACME certificate is for; port 80 of each must reach listen.port "
         "(HTTP-01)"},
        {"listen.tls.acme.email", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.acmeEmail = v.toString(); },
         "contact address the CA may write to about the certificates (optional)"},
        {"listen.tls.acme.caBundle", Kind::String, QString(), 0, 0, {}, checkTlsFile,
         [](Config &c, const QJsonValue &v) { c.acmeCaBundle = v.toString(); },
         "extra PEM CA trusted for the ACME directory's own HTTPS (a private CA); empty: the system's"},
        {"security.allowedHosts", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.allowedHosts = v.toString(); },
         "comma-separated host names clients may use besides localhost and IP addresses (DNS-rebinding guard)"},
        {"security.allowedOrigins", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.allowedOrigins = v.toString(); },
         "comma-separated browser origins allowed to call the proxy (CORS), e.g. https://app.example"},
        {"security.allowCidrs", Kind::String, QString(), 0, 0, {}, checkCidrList,
         [](Config &c, const QJsonValue &v) { c.allowCidrs = v.toString(); },
         "comma-separated addresses/CIDR blocks that may connect (empty: any not denied)"},
        {"security.denyCidrs", Kind::String, QString(), 0, 0, {}, checkCidrList,
         [](Config &c, const QJsonValue &v) { c.denyCidrs = v.toString(); },
         "comma-separated addresses/CIDR blocks whose connections are closed unread"},
        {"auth.allowAnonymousLoopback", Kind::Bool, false, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.allowAnonymousLoopback = v.toBool(); },
         "serve clients on this machine without an access token (not recommended)"},
        {"auth.adminTokenSetAt", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.adminTokenSetAt = v.toString(); },
         "when 'token rotate --admin' last replaced the admin token (a change makes running daemons re-read it)"},
        {"auth.jwt.hs256", Kind::Bool, false, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.jwt.hs256 = v.toBool(); },
         "accept HS256 JWTs signed with the secret set by 'token jwt-secret'"},
        {"auth.jwt.publicKeyFile", Kind::String, QString(), 0, 0, {}, checkPemFile,
         [](Config &c, const QJsonValue &v) { c.jwt.publicKeyFile = v.toString(); },
         "PEM public key for RS256 (RSA) or ES256 (P-256) JWTs"},
        {"auth.jwt.audience", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.jwt.audience = v.toString(); }, "required JWT 'aud' (empty: not checked)"},
        {"auth.jwt.issuer", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.jwt.issuer = v.toString(); }, "required JWT 'iss' (empty: not checked)"},
        {"auth.jwt.secretSetAt", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.jwt.secretSetAt = v.toString(); },
         "when 'token jwt-secret' last set the HS256 secret (a change makes running daemons re-read it)"},
        {"auth.jwt.leewaySeconds", Kind::Int, 30, 0, 600, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.jwt.leewaySeconds = v.toInt(); },
         "clock skew allowed on JWT exp/nbf/iat", "s"},
        {"limits.perToken.requestsPerMinute", Kind::Int, 0, 0, 1000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perTokenLimits.requestsPerMinute = v.toInt(); },
         "requests per minute per access token (0 = no limit)"},
        {"limits.perToken.requestsPerDay", Kind::Int, 0, 0, 100000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perTokenLimits.requestsPerDay = v.toInt(); },
         "requests per 24 hours per access token (0 = no limit)"},
        {"limits.perToken.concurrentStreams", Kind::Int, 0, 0, 100000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perTokenLimits.concurrentStreams = v.toInt(); },
         "streams open at once per access token (0 = no limit)"},
        {"limits.perToken.liveSessions", Kind::Int, 0, 0, 100000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perTokenLimits.liveSessions = v.toInt(); },
         "Live API sessions open at once per access token (0 = no limit)"},
        {"limits.perAddress.requestsPerMinute", Kind::Int, 0, 0, 1000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perAddressLimits.requestsPerMinute = v.toInt(); },
         "requests per minute per client address (0 = no limit)"},
        {"limits.perAddress.requestsPerDay", Kind::Int, 0, 0, 100000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perAddressLimits.requestsPerDay = v.toInt(); },
         "requests per 24 hours per client address (0 = no limit)"},
        {"limits.perAddress.concurrentStreams", Kind::Int, 0, 0, 100000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.perAddressLimits.concurrentStreams = v.toInt(); },
         "streams open at once per client address (0 = no limit)"},
        {"listen.maxConnections", Kind::Int, 1024, 1, 100000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.maxConnections = v.toInt(); }, "open client connections at most"},
        {"listen.workers", Kind::Int, 0, 0, 256, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.workers = v.toInt(); },
         "proxy worker threads (0 = half the CPU cores, at least one); read when the daemon starts"},
        {"listen.headerTimeoutMs", Kind::Int, 10000, 100, 600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.headerTimeoutMs = v.toInt(); },
         "time a client has to send its request headers", "ms"},
        {"listen.keepAliveTimeoutMs", Kind::Int, 60000, 100, 3600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.keepAliveTimeoutMs = v.toInt(); },
         "idle time before a keep-alive connection is closed", "ms"},
        {"upstream.baseUrl", Kind::String, QStringLiteral("https://generativelanguage.googleapis.com"), 0, 0, {},
         checkHttpUrl, [](Config &c, const QJsonValue &v) { c.upstreamBaseUrl = v.toString(); },
         "where requests go in local mode"},
        {"upstream.proxy", Kind::String, QStringLiteral("none"), 0, 0, {}, checkProxy,
         [](Config &c, const QJsonValue &v) { c.upstreamProxy = v.toString(); },
         "outgoing proxy: none, system, http://host:port or socks5://host:port (a login: http://user@host:port, "
         "password: proxy password)"},
        {"upstream.proxyPasswordSetAt", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.upstreamProxyPasswordSetAt = v.toString(); },
         "set by `proxy password`: running daemons read the proxy's password again"},
        {"upstream.caBundle", Kind::String, QString(), 0, 0, {}, checkCaBundle,
         [](Config &c, const QJsonValue &v) { c.upstreamCaBundle = v.toString(); },
         "extra PEM CA bundle trusted for upstream TLS"},
        {"upstream.connectTimeoutMs", Kind::Int, 10000, 100, 600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.connectTimeoutMs = v.toInt(); }, "upstream connect timeout", "ms"},
        {"upstream.firstByteTimeoutMs", Kind::Int, 300000, 1000, 3600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.firstByteTimeoutMs = v.toInt(); },
         "time to wait for the first response byte", "ms"},
        {"upstream.streamIdleTimeoutMs", Kind::Int, 120000, 1000, 3600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.streamIdleTimeoutMs = v.toInt(); },
         "longest silence allowed between stream chunks", "ms"},
        {"upstream.requestTimeoutMs", Kind::Int, 600000, 1000, 3600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.requestTimeoutMs = v.toInt(); },
         "longest wait for an answer to start, over every retry (then 504; a started stream is not cut)", "ms"},
        {"upstream.idleTimeoutMs", Kind::Int, 60000, 1000, 3600000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.upstreamIdleTimeoutMs = v.toInt(); },
         "how long an unused upstream connection is kept open for the next request", "ms"},
        {"routing.mode", Kind::Enum, QStringLiteral("local"), 0, 0,
         {QStringLiteral("local"), QStringLiteral("serverless"), QStringLiteral("hybrid")}, nullptr,
         [](Config &c, const QJsonValue &v) { c.routingMode = modeFrom(v.toString()); },
         "local (direct), serverless (relays only) or hybrid (relay first, then direct)"},
        {"routing.fallbackToLocal", Kind::Bool, true, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.fallbackToLocal = v.toBool(); },
         "in hybrid mode, go direct when a relay fails"},
        {"routing.relayConnectTimeoutMs", Kind::Int, 1000, 100, 60'000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.relayConnectTimeoutMs = v.toInt(); },
         "time to connect to a relay before falling back", "ms"},
        {"keys.strategy", Kind::Enum, QStringLiteral("round_robin"), 0, 0,
         {QStringLiteral("round_robin"), QStringLiteral("weighted"), QStringLiteral("least_used"),
          QStringLiteral("random")}, nullptr,
         [](Config &c, const QJsonValue &v) { c.keyStrategy = strategyFrom(v.toString()); }, "key rotation strategy"},
        {"keys.maxAttempts", Kind::Int, 3, 1, 20, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.maxAttempts = v.toInt(); },
         "distinct keys tried before giving up on a request"},
        {"keys.healthCheckInterval", Kind::Int, 0, 0, 86400, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.healthCheckIntervalS = v.toInt(); },
         "re-test invalid and cooling keys every N seconds (0 = off)", "s"},
        {"secrets.store", Kind::Enum, QStringLiteral("keychain"), 0, 0,
         {QStringLiteral("keychain"), QStringLiteral("file")}, nullptr,
         [](Config &c, const QJsonValue &v) {
             c.secretStore = v.toString() == u"file" ? SecretStoreKind::File : SecretStoreKind::Keychain;
         },
         "keychain (OS keychain) or file (encrypted file, passphrase needed)"},
        {"secrets.file", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.secretFile = v.toString(); },
         "path of the encrypted secret file (empty: in the data folder)"},
        {"log.level", Kind::Enum, QStringLiteral("info"), 0, 0,
         {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error")},
         nullptr, [](Config &c, const QJsonValue &v) { c.logLevel = v.toString(); }, "log threshold"},
        {"log.categories", Kind::String, QString(), 0, 0, {}, checkLogCategories,
         [](Config &c, const QJsonValue &v) { c.logCategories = v.toString(); },
         "per-category levels, e.g. proxy=debug, access=warning"},
        {"log.format", Kind::Enum, QStringLiteral("text"), 0, 0, {QStringLiteral("text"), QStringLiteral("json")},
         nullptr, [](Config &c, const QJsonValue &v) { c.logFormat = v.toString(); },
         "text, or json (one JSON object per line)"},
        {"log.file", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.logFile = v.toString(); },
         "log file (empty: in the data folder, logs/gemini-aggregator.log; none: no file)"},
        {"log.maxFileBytes", Kind::Int, 10485760, 4096, 1073741824, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.logMaxFileBytes = v.toInt(); },
         "size at which the log file is rotated", "bytes"},
        {"log.maxFiles", Kind::Int, 5, 0, 100, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.logMaxFiles = v.toInt(); }, "rotated log files kept"},
        {"metrics.loopback", Kind::Bool, true, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.metricsOnLoopback = v.toBool(); },
         "serve /metrics to clients on this machine"},
        {"metrics.historySize", Kind::Int, 1000, 0, 100000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.historySize = v.toInt(); },
         "requests kept in the in-memory request history"},
        {"metrics.historyRetentionDays", Kind::Int, 30, 0, 3650, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.historyRetentionDays = v.toInt(); },
         "days the request history is kept on disk (history.sqlite beside the config; 0 = not kept on disk)", "days"},
        {"metrics.historyMaxRecords", Kind::Int, 1000000, 1000, 100000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.historyMaxRecords = v.toInt(); },
         "requests kept in the request history on disk at most (the oldest go first)"},
        {"quota.dailyRequests", Kind::Int, 250, 0, 10000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.quotaDailyRequests = v.toInt(); },
         "requests per day one project (a key, or a key group) may make per model, for the quota outlook (0 = not shown)"},
        {"quota.modelLimits", Kind::String, QString(), 0, 0, {}, checkModelLimits,
         [](Config &c, const QJsonValue &v) { c.quotaModelLimits = v.toString(); },
         "per-model daily limits overriding quota.dailyRequests, e.g. gemini-2.5-pro=100, gemini-2.5-flash=250"},
        {"cluster.redis", Kind::String, QString(), 0, 0, {}, checkRedisUrl,
         [](Config &c, const QJsonValue &v) { c.clusterRedis = v.toString(); },
         "Redis shared by several daemons (redis://host:6379/0 or unix:///path?db=0; password: cluster password); "
         "empty: this daemon alone"},
        {"cluster.passwordSetAt", Kind::String, QString(), 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.clusterPasswordSetAt = v.toString(); },
         "set by `cluster password`: running daemons read the Redis password again"},
        {"ui.language", Kind::Enum, QStringLiteral("system"), 0, 0,
         {QStringLiteral("system"), QStringLiteral("en"), QStringLiteral("zh_CN")}, nullptr,
         [](Config &c, const QJsonValue &v) { c.uiLanguage = v.toString(); },
         "language of the desktop app: system, en or zh_CN"},
        {"ui.notifications", Kind::Bool, true, 0, 0, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.uiNotifications = v.toBool(); },
         "tray notifications when a key turns invalid, every key is cooling, or a relay goes down or up"},
    };
    // clang-format on
    return table;
}

const Setting *findSetting(const QString &path)
{
    for (const Setting &s : settings()) {
        if (QLatin1String(s.path) == path) {
            return &s;
        }
    }
    return nullptr;
}

// The longest value a text setting may hold.
qsizetype maxCharsOf(const QString &path)
{
    static const QHash<QString, qsizetype> limits = {
        { QStringLiteral("upstream.baseUrl"), kMaxUrlChars },
        { QStringLiteral("upstream.proxy"), kMaxUrlChars },
        { QStringLiteral("auth.jwt.audience"), kMaxUrlChars },
        { QStringLiteral("auth.jwt.issuer"), kMaxUrlChars },
        { QStringLiteral("security.allowedHosts"), kMaxListChars },
        { QStringLiteral("security.allowedOrigins"), kMaxListChars },
        { QStringLiteral("security.allowCidrs"), kMaxListChars },
        { QStringLiteral("security.denyCidrs"), kMaxListChars },
        { QStringLiteral("log.categories"), kMaxListChars },
        { QStringLiteral("quota.modelLimits"), kMaxListChars },
    };
    return limits.value(path, kMaxTextChars);
}

// Members that hold more than a plain setting.
const QSet<QString> &structuralPaths()
{
    static const QSet<QString> paths = { QStringLiteral("version"), QStringLiteral("listen"),
        QStringLiteral("listen.tls"), QStringLiteral("listen.tls.acme"), QStringLiteral("upstream"),
        QStringLiteral("routing"), QStringLiteral("keys"), QStringLiteral("keys.items"), QStringLiteral("instances"),
        QStringLiteral("instances.items"), QStringLiteral("secrets"), QStringLiteral("log"), QStringLiteral("security"),
        QStringLiteral("auth"), QStringLiteral("auth.jwt"), QStringLiteral("auth.tokens"),
        QStringLiteral("auth.tokens.items"), QStringLiteral("limits"), QStringLiteral("limits.perToken"),
        QStringLiteral("limits.perAddress"), QStringLiteral("metrics"), QStringLiteral("quota"), QStringLiteral("ui"),
        QStringLiteral("cluster") };
    return paths;
}

QString jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("true/false");
    case QJsonValue::Double:
        return kANumber.text();
    case QJsonValue::String:
        return kAString.text();
    case QJsonValue::Array:
        return kAList.text();
    case QJsonValue::Object:
        return kAnObject.text();
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QString shown(const QJsonValue &v)
{
    const QByteArray text = QJsonDocument(QJsonArray { v }).toJson(QJsonDocument::Compact);
    return logging::Redactor::redact(QString::fromUtf8(text.mid(1, text.size() - 2)));
}

int editDistance(const QString &a, const QString &b)
{
    QList<int> prev(b.size() + 1);
    QList<int> cur(b.size() + 1);
    for (int j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (int i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (int j = 1; j <= b.size(); ++j) {
            const int cost = a.at(i - 1).toLower() == b.at(j - 1).toLower() ? 0 : 1;
            cur[j] = std::min({ prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost });
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

QString suggestion(const QString &path, const QStringList &candidates)
{
    QString best;
    int bestDistance = 3;
    for (const QString &c : candidates) {
        const int d = editDistance(path, c);
        if (d < bestDistance) {
            bestDistance = d;
            best = c;
        }
    }
    return best.isEmpty() ? QString() : kDidYouMean.text().arg(best);
}

} // namespace ga::config::schema::detail
