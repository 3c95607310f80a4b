// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configschema.h"

#include "config/jsonlocator.h"
#include "logging/redact.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <functional>

namespace ga::config {

QString Problem::toString(const QString &fileName) const
{
    QString where = fileName;
    if (line > 0) {
        where += (where.isEmpty() ? QString() : QStringLiteral(":")) + QString::number(line);
    }
    QString out;
    if (!where.isEmpty()) {
        out += where + QStringLiteral(": ");
    }
    if (severity == Severity::Warning) {
        out += QStringLiteral("warning: ");
    }
    if (!path.isEmpty()) {
        out += path + QStringLiteral(": ");
    }
    return out + message;
}

bool ParseResult::hasErrors() const
{
    return std::any_of(problems.begin(), problems.end(), [](const Problem &p) { return p.isError(); });
}

QList<Problem> ParseResult::errors() const
{
    QList<Problem> out;
    std::copy_if(
        problems.begin(), problems.end(), std::back_inserter(out), [](const Problem &p) { return p.isError(); });
    return out;
}

QList<Problem> ParseResult::warnings() const
{
    QList<Problem> out;
    std::copy_if(
        problems.begin(), problems.end(), std::back_inserter(out), [](const Problem &p) { return !p.isError(); });
    return out;
}

namespace schema {
namespace {

enum class Kind
{
    String,
    Int,
    Bool,
    Enum
};

using Check = QString (*)(const QString &);
using Apply = void (*)(Config &, const QJsonValue &);

struct Setting
{
    const char *path;
    Kind kind;
    QJsonValue defaultValue;
    int min = 0;
    int max = 0;
    QStringList choices;
    Check check = nullptr; // extra rule for strings; returns the reason, or empty when fine
    Apply apply = nullptr;
    const char *help = "";
    const char *unit = ""; // shown with ranges: "(100–600000 ms)"
};

QString checkListenHost(const QString &v)
{
    if (v == u"localhost" || !QHostAddress(v).isNull()) {
        return {};
    }
    return QStringLiteral("'%1' is not an IP address to listen on (use 127.0.0.1, ::1 or 0.0.0.0)").arg(v);
}

QString checkHttpUrl(const QString &v)
{
    const QUrl url(v, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http" && scheme != u"https") || url.host().isEmpty()) {
        return QStringLiteral("'%1' is not an http:// or https:// URL (for example "
                              "https://generativelanguage.googleapis.com)")
            .arg(v);
    }
    if (url.hasQuery() || url.hasFragment()) {
        return QStringLiteral("'%1' must not contain a query or fragment").arg(v);
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
        return {};
    }
    return QStringLiteral("'%1' is not a proxy setting (use none, system, http://host:port or socks5://host:port)")
        .arg(v);
}

QString checkCaBundle(const QString &v)
{
    if (v.isEmpty() || QFileInfo(v).isFile()) {
        return {};
    }
    return QStringLiteral("CA bundle '%1' does not exist (give a PEM file, or an empty string for none)").arg(v);
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
            return QStringLiteral("'%1' is not an address or CIDR block (e.g. 192.168.1.0/24, fd00::/8)").arg(block);
        }
    }
    return {};
}

QString checkLogCategories(const QString &v)
{
    for (const QString &item : v.split(u',', Qt::SkipEmptyParts)) {
        static const QStringList known = { QStringLiteral("config"), QStringLiteral("secrets"), QStringLiteral("keys"),
            QStringLiteral("daemon"), QStringLiteral("cli"), QStringLiteral("proxy"), QStringLiteral("http"),
            QStringLiteral("routing"), QStringLiteral("security"), QStringLiteral("ui"), QStringLiteral("access") };
        static const QStringList levels
            = { QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error") };
        const QString name = item.section(u'=', 0, 0).trimmed();
        const QString level = item.section(u'=', 1).trimmed();
        if (!item.contains(u'=') || !known.contains(name) || !levels.contains(level)) {
            return QStringLiteral("'%1' is not CATEGORY=LEVEL (categories: %2; levels: %3)")
                .arg(item.trimmed(), known.join(QStringLiteral(", ")), levels.join(QStringLiteral(", ")));
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
            return QStringLiteral("'%1' is not MODEL=REQUESTS_PER_DAY, e.g. gemini-2.5-pro=100").arg(item.trimmed());
        }
    }
    return {};
}

QString checkPemFile(const QString &v)
{
    if (v.isEmpty() || QFileInfo(v).isFile()) {
        return {};
    }
    return QStringLiteral("public key file '%1' does not exist (give a PEM file, or an empty string for none)").arg(v);
}

// Why `value` cannot be saved as text of at most `max` characters (0: no length rule here); empty when it can.
// Never quotes the value: it may be megabytes long, or hold the very characters a terminal would act on.
QString textProblem(const QString &value, qsizetype max)
{
    for (const QChar c : value) {
        if (isControlCharacter(c)) {
            return QStringLiteral("contains a control character (U+%1); text may not hold control characters, line "
                                  "breaks or direction overrides")
                .arg(QString::number(c.unicode(), 16).toUpper().rightJustified(4, u'0'));
        }
    }
    if (max > 0 && value.size() > max) {
        return QStringLiteral("is %1 characters long; at most %2 are allowed").arg(value.size()).arg(max);
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
         "outgoing proxy: none, system, http://host:port or socks5://host:port"},
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
        {"quota.dailyRequests", Kind::Int, 250, 0, 10000000, {}, nullptr,
         [](Config &c, const QJsonValue &v) { c.quotaDailyRequests = v.toInt(); },
         "requests per day one project (a key, or a key group) may make per model, for the quota outlook (0 = not shown)"},
        {"quota.modelLimits", Kind::String, QString(), 0, 0, {}, checkModelLimits,
         [](Config &c, const QJsonValue &v) { c.quotaModelLimits = v.toString(); },
         "per-model daily limits overriding quota.dailyRequests, e.g. gemini-2.5-pro=100, gemini-2.5-flash=250"},
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
        QStringLiteral("upstream"), QStringLiteral("routing"), QStringLiteral("keys"), QStringLiteral("keys.items"),
        QStringLiteral("instances"), QStringLiteral("instances.items"), QStringLiteral("secrets"),
        QStringLiteral("log"), QStringLiteral("security"), QStringLiteral("auth"), QStringLiteral("auth.jwt"),
        QStringLiteral("auth.tokens"), QStringLiteral("auth.tokens.items"), QStringLiteral("limits"),
        QStringLiteral("limits.perToken"), QStringLiteral("limits.perAddress"), QStringLiteral("metrics"),
        QStringLiteral("quota"), QStringLiteral("ui") };
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
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("a list");
    case QJsonValue::Object:
        return QStringLiteral("an object");
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
    return best.isEmpty() ? QString() : QStringLiteral(" (did you mean '%1'?)").arg(best);
}

// A read only warns about text that breaks the rules (an older file keeps loading); a save refuses it.
enum class Mode
{
    Read,
    Save
};

class Validator
{
public:
    explicit Validator(const QHash<QString, int> &lines, Mode mode = Mode::Read, const QJsonObject &previous = {})
        : m_lines(lines)
        , m_mode(mode)
        , m_previous(previous)
    { }

    void error(const QString &path, const QString &message) { add(Problem::Severity::Error, path, message); }
    void warning(const QString &path, const QString &message) { add(Problem::Severity::Warning, path, message); }

    ParseResult run(const QJsonObject &doc)
    {
        m_result.document = doc;
        checkVersion(doc);
        checkUnknown(doc, QString());
        for (const Setting &s : settings()) {
            checkSetting(doc, s);
        }
        checkInstances(doc);
        checkKeys(doc);
        checkTokens(doc);
        checkListenPolicy();
        scanForSecrets(doc, QString());
        return m_result;
    }

private:
    void add(Problem::Severity severity, const QString &path, const QString &message)
    {
        // Messages quote values (ids, URLs, member names); none of them may carry a secret out of the file.
        Problem p { severity, logging::Redactor::redact(path), logging::Redactor::redact(message), lineOf(path) };
        m_result.problems.append(p);
    }

    int lineOf(QString path) const
    {
        while (!path.isEmpty()) {
            if (const auto it = m_lines.constFind(path); it != m_lines.constEnd()) {
                return *it;
            }
            const qsizetype cut = std::max(path.lastIndexOf(u'.'), path.lastIndexOf(u'['));
            path = cut > 0 ? path.left(cut) : QString();
        }
        return 0;
    }

    // The rules for text. `held` tells whether the file being replaced holds this very value at this place; on a
    // save, only such a value is let through (with a warning). Returns false when the value is refused.
    bool checkText(const QString &path, const QString &value, qsizetype max, const std::function<bool()> &held)
    {
        const QString reason = textProblem(value, max);
        if (reason.isEmpty()) {
            return true;
        }
        if (m_mode == Mode::Save && !held()) {
            error(path, reason);
            return false;
        }
        warning(path, reason + QStringLiteral(" (kept as it was written; change it)"));
        return true;
    }

    // Whether the previous file's list that `itemPath` ("keys.items[3]") is in has an item whose `field` is `value`
    // (by value, not index: removing an earlier item moves the later ones up).
    bool heldInList(const QString &itemPath, const QString &field, const QString &value) const
    {
        const QString list = itemPath.left(itemPath.lastIndexOf(u'['));
        const QJsonArray items = valueAt(m_previous, list).toArray();
        return std::any_of(items.begin(), items.end(),
            [&](const QJsonValue &item) { return item.toObject().value(field) == QJsonValue(value); });
    }

    // Listening beyond loopback without remote access and a token is refused by `run`, so by every reader and save.
    void checkListenPolicy()
    {
        for (const Problem &p : std::as_const(m_result.problems)) {
            if (p.isError()
                && (p.path == u"listen.host" || p.path == u"listen.allowRemote" || p.path.startsWith(u"auth."))) {
                return; // what it depends on is broken, and reported on its own
            }
        }
        if (QString why; !listenPolicyAllows(m_result.config, &why)) {
            error(QStringLiteral("listen.host"), why);
        }
    }

    void checkVersion(const QJsonObject &doc)
    {
        const QJsonValue v = doc.value(u"version");
        if (v.isUndefined()) {
            return;
        }
        if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble())) {
            error(QStringLiteral("version"), QStringLiteral("expected a whole number, got %1").arg(jsonTypeName(v)));
            return;
        }
        const int version = v.toInt();
        if (version > kConfigVersion) {
            error(QStringLiteral("version"),
                QStringLiteral("the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2)"
                               " — update the program")
                    .arg(version)
                    .arg(kConfigVersion));
        } else if (version < 1) {
            error(QStringLiteral("version"), QStringLiteral("%1 is not a config format version (1)").arg(version));
        }
    }

    void checkUnknown(const QJsonObject &obj, const QString &prefix)
    {
        QStringList known = settingPaths();
        known += QStringList(structuralPaths().begin(), structuralPaths().end());
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            const QString path = prefix.isEmpty() ? it.key() : prefix + u'.' + it.key();
            if (structuralPaths().contains(path)) {
                if (it.value().isObject() && path != u"version") {
                    checkUnknown(it.value().toObject(), path);
                } else if (!it.value().isObject() && !path.endsWith(u".items") && path != u"version") {
                    error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(it.value())));
                }
                continue;
            }
            if (!findSetting(path)) {
                warning(path, QStringLiteral("unknown setting, ignored%1").arg(suggestion(path, known)));
            }
        }
    }

    void checkSetting(const QJsonObject &doc, const Setting &s)
    {
        const QString path = QLatin1String(s.path);
        QJsonValue v = valueAt(doc, path);
        if (v.isUndefined()) {
            v = s.defaultValue;
        } else if (!checkValue(path, s, v)) {
            return;
        }
        s.apply(m_result.config, v);
    }

    bool checkValue(const QString &path, const Setting &s, const QJsonValue &v)
    {
        switch (s.kind) {
        case Kind::Int: {
            if (!v.isDouble()) {
                error(path, QStringLiteral("expected a whole number, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            const double d = v.toDouble();
            if (d != std::floor(d)) {
                error(path, QStringLiteral("%1 is not a whole number").arg(d));
                return false;
            }
            if (d < s.min || d > s.max) {
                const QString unit = *s.unit ? QStringLiteral(" ") + QLatin1String(s.unit) : QString();
                const QString what
                    = path == u"listen.port" ? QStringLiteral("is not a port") : QStringLiteral("is out of range");
                error(path, QStringLiteral("%1 %2 (%3–%4%5)").arg(shown(v), what).arg(s.min).arg(s.max).arg(unit));
                return false;
            }
            return true;
        }
        case Kind::Bool:
            if (!v.isBool()) {
                error(path, QStringLiteral("expected true or false, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            return true;
        case Kind::Enum:
            if (!v.isString() || !s.choices.contains(v.toString())) {
                error(path, QStringLiteral("%1 is not one of %2").arg(shown(v), s.choices.join(QStringLiteral(", "))));
                return false;
            }
            return true;
        case Kind::String:
            if (!v.isString()) {
                error(path, QStringLiteral("expected a string, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            if (!checkText(path, v.toString(), maxCharsOf(path), [&] { return valueAt(m_previous, path) == v; })) {
                return false;
            }
            if (s.check) {
                if (const QString reason = s.check(v.toString()); !reason.isEmpty()) {
                    error(path, logging::Redactor::redact(reason));
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    // Reads "<section>.items" as a list of objects; returns false when absent or broken.
    bool itemsOf(const QJsonObject &doc, const QString &section, QJsonArray *out)
    {
        const QString path = section + QStringLiteral(".items");
        const QJsonValue v = valueAt(doc, path);
        if (v.isUndefined()) {
            return false;
        }
        if (!v.isArray()) {
            error(path, QStringLiteral("expected a list, got %1").arg(jsonTypeName(v)));
            return false;
        }
        *out = v.toArray();
        return true;
    }

    // `max`: the longest text allowed; 0 when the field has a stricter rule of its own (ids, names).
    bool stringField(
        const QJsonObject &o, const QString &path, const QString &name, bool required, QString *out, qsizetype max)
    {
        const QJsonValue v = o.value(name);
        if (v.isUndefined()) {
            if (required) {
                error(path, QStringLiteral("'%1' is missing").arg(name));
                return false;
            }
            return true;
        }
        if (!v.isString()) {
            error(path + u'.' + name, QStringLiteral("expected a string, got %1").arg(jsonTypeName(v)));
            return false;
        }
        *out = v.toString();
        return max == 0 || checkText(path + u'.' + name, *out, max, [&] { return heldInList(path, name, *out); });
    }

    bool checkEntryId(const QJsonObject &o, const QString &path, QSet<QString> &seen, QString *id)
    {
        if (!stringField(o, path, QStringLiteral("id"), true, id, 0)) {
            return false;
        }
        if (!isValidId(*id)) {
            error(path + QStringLiteral(".id"),
                QStringLiteral("'%1' is not a valid id (lowercase letters, digits, - and _; at most 32)").arg(*id));
            return false;
        }
        if (seen.contains(*id)) {
            error(path + QStringLiteral(".id"), QStringLiteral("id '%1' is used twice").arg(*id));
            return false;
        }
        seen.insert(*id);
        return true;
    }

    void warnUnknownFields(const QJsonObject &o, const QString &path, const QStringList &known)
    {
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!known.contains(it.key())) {
                warning(path + u'.' + it.key(),
                    QStringLiteral("unknown field, ignored%1").arg(suggestion(it.key(), known)));
            }
        }
    }

    void checkInstances(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("instances"), &items)) {
            return;
        }
        static const QStringList known
            = { QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("enabled") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("instances.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            InstanceEntry e;
            QString url;
            bool ok = checkEntryId(o, path, seen, &e.id);
            ok = stringField(o, path, QStringLiteral("name"), true, &e.name, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("url"), true, &url, kMaxUrlChars) && ok;
            if (ok && !url.isEmpty()) {
                if (const QString reason = checkHttpUrl(url); !reason.isEmpty()) {
                    error(path + QStringLiteral(".url"), reason);
                    ok = false;
                }
            }
            const QJsonValue enabled = o.value(u"enabled");
            if (!enabled.isUndefined() && !enabled.isBool()) {
                error(path + QStringLiteral(".enabled"), QStringLiteral("expected true or false"));
                ok = false;
            }
            if (ok) {
                e.url = QUrl(url);
                e.enabled = enabled.toBool(true);
                m_result.config.instances.append(e);
            }
        }
    }

    void checkKeys(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("keys"), &items)) {
            return;
        }
        static const QStringList known = { QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("group"),
            QStringLiteral("instance"), QStringLiteral("fingerprint"), QStringLiteral("hint"), QStringLiteral("weight"),
            QStringLiteral("enabled"), QStringLiteral("added"), QStringLiteral("resetAt") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("keys.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            KeyEntry e;
            QString added;
            QString resetAt;
            bool ok = checkEntryId(o, path, seen, &e.id);
            ok = stringField(o, path, QStringLiteral("label"), false, &e.label, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("group"), false, &e.group, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("instance"), false, &e.instance, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("fingerprint"), false, &e.fingerprint, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("hint"), false, &e.hint, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("added"), false, &added, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("resetAt"), false, &resetAt, kMaxTextChars) && ok;
            if (!e.instance.isEmpty() && !m_result.config.findInstance(e.instance)) {
                error(path + QStringLiteral(".instance"),
                    QStringLiteral("bound to instance '%1', which does not exist (run: gemini-aggregatord unbind %2)")
                        .arg(e.instance, e.id));
                ok = false;
            }
            if (e.hint.size() > 4) {
                error(path + QStringLiteral(".hint"), QStringLiteral("holds at most the last 4 characters of the key"));
                ok = false;
            }
            const QJsonValue weight = o.value(u"weight");
            if (!weight.isUndefined()) {
                if (!weight.isDouble() || weight.toDouble() != std::floor(weight.toDouble()) || weight.toInt() < 1
                    || weight.toInt() > 1000) {
                    error(path + QStringLiteral(".weight"),
                        QStringLiteral("%1 is not a weight (whole number 1–1000)").arg(shown(weight)));
                    ok = false;
                }
            }
            const QJsonValue enabled = o.value(u"enabled");
            if (!enabled.isUndefined() && !enabled.isBool()) {
                error(path + QStringLiteral(".enabled"), QStringLiteral("expected true or false"));
                ok = false;
            }
            if (ok) {
                e.weight = weight.toInt(1);
                e.enabled = enabled.toBool(true);
                e.added = QDateTime::fromString(added, Qt::ISODate);
                e.resetAt = QDateTime::fromString(resetAt, Qt::ISODateWithMs);
                m_result.config.keys.append(e);
            }
        }
    }

    void checkTokens(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("auth.tokens"), &items)) {
            return;
        }
        static const QStringList known = { QStringLiteral("name"), QStringLiteral("created"), QStringLiteral("rotated"),
            QStringLiteral("requestsPerMinute"), QStringLiteral("requestsPerDay"),
            QStringLiteral("concurrentStreams") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("auth.tokens.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            TokenEntry e;
            QString created;
            bool ok = stringField(o, path, QStringLiteral("name"), true, &e.name, 0);
            if (ok && !isValidId(e.name)) {
                error(path + QStringLiteral(".name"),
                    QStringLiteral("'%1' is not a valid token name (lowercase letters, digits, - and _; at most 32)")
                        .arg(e.name));
                ok = false;
            } else if (ok && seen.contains(e.name)) {
                error(path + QStringLiteral(".name"), QStringLiteral("name '%1' is used twice").arg(e.name));
                ok = false;
            }
            seen.insert(e.name);
            QString rotated;
            ok = stringField(o, path, QStringLiteral("created"), false, &created, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("rotated"), false, &rotated, kMaxTextChars) && ok;
            e.rotated = QDateTime::fromString(rotated, Qt::ISODateWithMs);
            int *limits[] = { &e.limits.requestsPerMinute, &e.limits.requestsPerDay, &e.limits.concurrentStreams };
            const char *names[] = { "requestsPerMinute", "requestsPerDay", "concurrentStreams" };
            for (int f = 0; f < 3; ++f) {
                const QJsonValue v = o.value(QLatin1String(names[f]));
                if (v.isUndefined()) {
                    continue;
                }
                if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < 0
                    || v.toDouble() > 100000000) {
                    error(path + u'.' + QLatin1String(names[f]),
                        QStringLiteral("%1 is not a limit (whole number ≥ 0; 0 = no limit)").arg(shown(v)));
                    ok = false;
                    continue;
                }
                *limits[f] = v.toInt();
            }
            if (ok) {
                e.created = QDateTime::fromString(created, Qt::ISODate);
                m_result.config.tokens.append(e);
            }
        }
    }

    // The config file must never hold a secret: a key or token pasted by hand is an error.
    void scanForSecrets(const QJsonValue &v, const QString &path)
    {
        static const QRegularExpression secretShape(QStringLiteral(
            R"(AIza[0-9A-Za-z_\-]{35}|gat_[0-9A-Za-z_\-]{20,}|eyJ[0-9A-Za-z_\-]{8,}\.eyJ[0-9A-Za-z_\-]{8,}\.)"));
        if (v.isString()) {
            if (secretShape.match(v.toString()).hasMatch()) {
                error(path,
                    QStringLiteral("holds what looks like an API key or access token; secrets belong in the "
                                   "secret store — remove it here and use 'gemini-aggregatord keys add'"));
            }
        } else if (v.isObject()) {
            const QJsonObject o = v.toObject();
            for (auto it = o.begin(); it != o.end(); ++it) {
                const QString member = path.isEmpty() ? it.key() : path + u'.' + it.key();
                if (secretShape.match(it.key()).hasMatch()) {
                    error(member,
                        QStringLiteral("this member name looks like an API key or access token; secrets "
                                       "belong in the secret store — remove it here and use "
                                       "'gemini-aggregatord keys add'"));
                }
                scanForSecrets(it.value(), member);
            }
        } else if (v.isArray()) {
            const QJsonArray a = v.toArray();
            for (qsizetype i = 0; i < a.size(); ++i) {
                scanForSecrets(a.at(i), path + QStringLiteral("[%1]").arg(i));
            }
        }
    }

    const QHash<QString, int> &m_lines;
    const Mode m_mode;
    const QJsonObject m_previous;
    ParseResult m_result;
};

ParseResult parseText(const QByteArray &text, Mode mode, const QJsonObject &previous)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError) {
        // QJsonParseError::offset points just past the character that broke the parse (at it only for garbage
        // after the document). Past it can be the next line when that character ends a line ("tru\n").
        qsizetype at = err.offset;
        if (err.error != QJsonParseError::GarbageAtEnd && at > 0) {
            --at;
        }
        int line = 0;
        int column = 0;
        lineColumnAt(text, at, &line, &column);
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("column %1: not valid JSON (%2)").arg(column).arg(err.errorString()), line });
        return r;
    }
    if (!doc.isObject()) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("the file must hold a JSON object ({ … }), not a list or value"), 1 });
        return r;
    }
    const QHash<QString, int> lines = locateJsonPaths(text);
    return Validator(lines, mode, previous).run(doc.object());
}

} // namespace

ParseResult parse(const QByteArray &text)
{
    return parseText(text, Mode::Read, QJsonObject());
}

ParseResult parseForSave(const QByteArray &text, const QJsonObject &previous)
{
    // The reader's limit, checked first: a result that large is not parsed, let alone written.
    if (text.size() > kMaxConfigBytes) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("the config would be %1 MiB, more than the %2 MiB a config file may be; nothing was saved")
                .arg(QString::number(double(text.size()) / (1024 * 1024), 'f', 1))
                .arg(kMaxConfigBytes / (1024 * 1024)),
            0 });
        return r;
    }
    return parseText(text, Mode::Save, previous);
}

ParseResult validate(const QJsonObject &document)
{
    const QHash<QString, int> noLines;
    return Validator(noLines).run(document);
}

QJsonObject defaultDocument()
{
    QJsonObject doc { { QStringLiteral("version"), kConfigVersion } };
    for (const Setting &s : settings()) {
        setValueAt(doc, QLatin1String(s.path), s.defaultValue);
    }
    setValueAt(doc, QStringLiteral("keys.items"), QJsonArray());
    setValueAt(doc, QStringLiteral("instances.items"), QJsonArray());
    setValueAt(doc, QStringLiteral("auth.tokens.items"), QJsonArray());
    return doc;
}

QJsonObject effectiveDocument(const QJsonObject &document)
{
    QJsonObject doc = document;
    doc.insert(QStringLiteral("version"), document.value(u"version").toInt(kConfigVersion));
    for (const Setting &s : settings()) {
        if (valueAt(doc, QLatin1String(s.path)).isUndefined()) {
            setValueAt(doc, QLatin1String(s.path), s.defaultValue);
        }
    }
    for (const char *list : { "keys.items", "instances.items", "auth.tokens.items" }) {
        if (valueAt(doc, QLatin1String(list)).isUndefined()) {
            setValueAt(doc, QLatin1String(list), QJsonArray());
        }
    }
    return doc;
}

QByteArray serialize(const QJsonObject &document)
{
    return QJsonDocument(document).toJson(QJsonDocument::Indented);
}

QStringList settingPaths()
{
    QStringList out;
    for (const Setting &s : settings()) {
        out.append(QLatin1String(s.path));
    }
    return out;
}

bool isSetting(const QString &path)
{
    return findSetting(path) != nullptr;
}

QString settingHelp(const QString &path)
{
    const Setting *s = findSetting(path);
    return s ? QString::fromUtf8(s->help) : QString();
}

SettingInfo settingInfo(const QString &path)
{
    const Setting *s = findSetting(path);
    if (!s) {
        return {};
    }
    static const QHash<Kind, QString> kinds
        = { { Kind::Bool, QStringLiteral("bool") }, { Kind::Int, QStringLiteral("int") },
              { Kind::String, QStringLiteral("string") }, { Kind::Enum, QStringLiteral("enum") } };
    return SettingInfo { kinds.value(s->kind), s->defaultValue, s->min, s->max, s->choices, QString::fromUtf8(s->help),
        QString::fromUtf8(s->unit) };
}

std::optional<QJsonValue> valueFromText(const QString &path, const QString &text, QString *error)
{
    const Setting *s = findSetting(path);
    if (!s) {
        *error = QStringLiteral("'%1' is not a setting%2").arg(path, suggestion(path, settingPaths()));
        return std::nullopt;
    }
    switch (s->kind) {
    case Kind::Int: {
        bool ok = false;
        const qlonglong n = text.trimmed().toLongLong(&ok);
        if (!ok) {
            *error = QStringLiteral("%1: '%2' is not a whole number").arg(path, text);
            return std::nullopt;
        }
        return QJsonValue(double(n));
    }
    case Kind::Bool: {
        const QString t = text.trimmed().toLower();
        if (t == u"true" || t == u"yes" || t == u"on" || t == u"1") {
            return QJsonValue(true);
        }
        if (t == u"false" || t == u"no" || t == u"off" || t == u"0") {
            return QJsonValue(false);
        }
        *error = QStringLiteral("%1: '%2' is not true or false").arg(path, text);
        return std::nullopt;
    }
    case Kind::Enum:
    case Kind::String:
        return QJsonValue(text);
    }
    return std::nullopt;
}

QJsonValue valueAt(const QJsonObject &document, const QString &path)
{
    const QStringList parts = path.split(u'.');
    QJsonValue v = document;
    for (const QString &part : parts) {
        if (!v.isObject()) {
            return QJsonValue(QJsonValue::Undefined);
        }
        v = v.toObject().value(part);
    }
    return v;
}

void setValueAt(QJsonObject &document, const QString &path, const QJsonValue &value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        document.insert(path, value);
        return;
    }
    const QString head = path.left(dot);
    QJsonObject child = document.value(head).toObject();
    setValueAt(child, path.mid(dot + 1), value);
    document.insert(head, child);
}

QJsonObject toJson(const KeyEntry &key)
{
    QJsonObject o { { QStringLiteral("id"), key.id }, { QStringLiteral("label"), key.label },
        { QStringLiteral("weight"), key.weight }, { QStringLiteral("enabled"), key.enabled },
        { QStringLiteral("hint"), key.hint }, { QStringLiteral("fingerprint"), key.fingerprint } };
    if (!key.group.isEmpty()) {
        o.insert(QStringLiteral("group"), key.group);
    }
    if (!key.instance.isEmpty()) {
        o.insert(QStringLiteral("instance"), key.instance);
    }
    if (key.added.isValid()) {
        o.insert(QStringLiteral("added"), key.added.toUTC().toString(Qt::ISODate));
    }
    if (key.resetAt.isValid()) {
        o.insert(QStringLiteral("resetAt"), key.resetAt.toUTC().toString(Qt::ISODateWithMs));
    }
    return o;
}

QJsonObject toJson(const InstanceEntry &instance)
{
    return QJsonObject { { QStringLiteral("id"), instance.id }, { QStringLiteral("name"), instance.name },
        { QStringLiteral("url"), instance.url.toString() }, { QStringLiteral("enabled"), instance.enabled } };
}

bool isControlCharacter(QChar c)
{
    const char16_t u = c.unicode();
    return u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x2028 || u == 0x2029 || (u >= 0x202a && u <= 0x202e)
        || (u >= 0x2066 && u <= 0x2069);
}

bool isValidId(const QString &id)
{
    static const QRegularExpression re(QRegularExpression::anchoredPattern(QStringLiteral("[a-z0-9][a-z0-9_-]{0,31}")));
    return re.match(id).hasMatch();
}

QString httpUrlProblem(const QString &url)
{
    return checkHttpUrl(url);
}

} // namespace schema
} // namespace ga::config

namespace ga::config::schema {

QJsonObject toJson(const TokenEntry &token)
{
    QJsonObject o { { QStringLiteral("name"), token.name } };
    if (token.created.isValid()) {
        o.insert(QStringLiteral("created"), token.created.toUTC().toString(Qt::ISODate));
    }
    if (token.rotated.isValid()) {
        o.insert(QStringLiteral("rotated"), token.rotated.toUTC().toString(Qt::ISODateWithMs));
    }
    const int values[]
        = { token.limits.requestsPerMinute, token.limits.requestsPerDay, token.limits.concurrentStreams };
    const char *names[] = { "requestsPerMinute", "requestsPerDay", "concurrentStreams" };
    for (int f = 0; f < 3; ++f) {
        if (values[f] >= 0) {
            o.insert(QLatin1String(names[f]), values[f]);
        }
    }
    return o;
}

} // namespace ga::config::schema
