// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configschema.h"
#include "keys/apikey.h"
#include "logging/redact.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QObject>
#include <QTest>

using namespace ga::config;
using ga::test::fakeKey;

namespace {

QString describe(const QList<Problem> &problems)
{
    QStringList lines;
    for (const Problem &p : problems) {
        lines.append(p.toString(QStringLiteral("config.json")));
    }
    return lines.join(u'\n');
}

QString describe(const ParseResult &r)
{
    return describe(r.problems);
}

const Problem *problemAt(const ParseResult &r, const QString &path)
{
    for (const Problem &p : r.problems) {
        if (p.path == path) {
            return &p;
        }
    }
    return nullptr;
}

ParseResult parseDocument(const QJsonObject &document)
{
    return schema::parse(schema::serialize(document));
}

QJsonObject documentWith(const QString &path, const QJsonValue &value)
{
    QJsonObject doc;
    schema::setValueAt(doc, path, value);
    return doc;
}

// A setting's value as it ended up in Config, in the JSON form the file uses.
QJsonValue fieldOf(const Config &c, const QString &path)
{
    const QHash<QString, QJsonValue> fields = {
        { QStringLiteral("listen.host"), c.listenHost },
        { QStringLiteral("listen.port"), c.listenPort },
        { QStringLiteral("listen.allowRemote"), c.allowRemote },
        { QStringLiteral("listen.tls.port"), c.tlsPort },
        { QStringLiteral("listen.tls.certFile"), c.tlsCertFile },
        { QStringLiteral("listen.tls.keyFile"), c.tlsKeyFile },
        { QStringLiteral("listen.tls.selfSigned"), c.tlsSelfSigned },
        { QStringLiteral("listen.tls.acme.directoryUrl"), c.acmeDirectoryUrl },
        { QStringLiteral("listen.tls.acme.domains"), c.acmeDomains },
        { QStringLiteral("listen.tls.acme.email"), c.acmeEmail },
        { QStringLiteral("listen.tls.acme.caBundle"), c.acmeCaBundle },
        { QStringLiteral("security.allowedHosts"), c.allowedHosts },
        { QStringLiteral("security.allowedOrigins"), c.allowedOrigins },
        { QStringLiteral("listen.maxConnections"), c.maxConnections },
        { QStringLiteral("listen.workers"), c.workers },
        { QStringLiteral("listen.headerTimeoutMs"), c.headerTimeoutMs },
        { QStringLiteral("listen.keepAliveTimeoutMs"), c.keepAliveTimeoutMs },
        { QStringLiteral("upstream.baseUrl"), c.upstreamBaseUrl },
        { QStringLiteral("upstream.proxy"), c.upstreamProxy },
        { QStringLiteral("upstream.proxyPasswordSetAt"), c.upstreamProxyPasswordSetAt },
        { QStringLiteral("upstream.caBundle"), c.upstreamCaBundle },
        { QStringLiteral("upstream.connectTimeoutMs"), c.connectTimeoutMs },
        { QStringLiteral("upstream.firstByteTimeoutMs"), c.firstByteTimeoutMs },
        { QStringLiteral("upstream.streamIdleTimeoutMs"), c.streamIdleTimeoutMs },
        { QStringLiteral("upstream.requestTimeoutMs"), c.requestTimeoutMs },
        { QStringLiteral("upstream.idleTimeoutMs"), c.upstreamIdleTimeoutMs },
        { QStringLiteral("routing.mode"), routingModeName(c.routingMode) },
        { QStringLiteral("routing.fallbackToLocal"), c.fallbackToLocal },
        { QStringLiteral("routing.relayConnectTimeoutMs"), c.relayConnectTimeoutMs },
        { QStringLiteral("keys.strategy"), keyStrategyName(c.keyStrategy) },
        { QStringLiteral("keys.maxAttempts"), c.maxAttempts },
        { QStringLiteral("keys.healthCheckInterval"), c.healthCheckIntervalS },
        { QStringLiteral("secrets.store"), secretStoreKindName(c.secretStore) },
        { QStringLiteral("secrets.file"), c.secretFile },
        { QStringLiteral("log.level"), c.logLevel },
        { QStringLiteral("auth.adminTokenSetAt"), c.adminTokenSetAt },
        { QStringLiteral("log.categories"), c.logCategories },
        { QStringLiteral("log.format"), c.logFormat },
        { QStringLiteral("log.file"), c.logFile },
        { QStringLiteral("log.maxFileBytes"), c.logMaxFileBytes },
        { QStringLiteral("log.maxFiles"), c.logMaxFiles },
        { QStringLiteral("metrics.loopback"), c.metricsOnLoopback },
        { QStringLiteral("metrics.historySize"), c.historySize },
        { QStringLiteral("metrics.historyRetentionDays"), c.historyRetentionDays },
        { QStringLiteral("metrics.historyMaxRecords"), c.historyMaxRecords },
        { QStringLiteral("quota.dailyRequests"), c.quotaDailyRequests },
        { QStringLiteral("quota.modelLimits"), c.quotaModelLimits },
        { QStringLiteral("cluster.redis"), c.clusterRedis },
        { QStringLiteral("cluster.passwordSetAt"), c.clusterPasswordSetAt },
        { QStringLiteral("ui.language"), c.uiLanguage },
        { QStringLiteral("ui.notifications"), c.uiNotifications },
        { QStringLiteral("security.allowCidrs"), c.allowCidrs },
        { QStringLiteral("security.denyCidrs"), c.denyCidrs },
        { QStringLiteral("auth.allowAnonymousLoopback"), c.allowAnonymousLoopback },
        { QStringLiteral("auth.jwt.hs256"), c.jwt.hs256 },
        { QStringLiteral("auth.jwt.publicKeyFile"), c.jwt.publicKeyFile },
        { QStringLiteral("auth.jwt.audience"), c.jwt.audience },
        { QStringLiteral("auth.jwt.issuer"), c.jwt.issuer },
        { QStringLiteral("auth.jwt.secretSetAt"), c.jwt.secretSetAt },
        { QStringLiteral("auth.jwt.leewaySeconds"), c.jwt.leewaySeconds },
        { QStringLiteral("limits.perToken.requestsPerMinute"), c.perTokenLimits.requestsPerMinute },
        { QStringLiteral("limits.perToken.requestsPerDay"), c.perTokenLimits.requestsPerDay },
        { QStringLiteral("limits.perToken.concurrentStreams"), c.perTokenLimits.concurrentStreams },
        { QStringLiteral("limits.perToken.liveSessions"), c.perTokenLimits.liveSessions },
        { QStringLiteral("limits.perAddress.requestsPerMinute"), c.perAddressLimits.requestsPerMinute },
        { QStringLiteral("limits.perAddress.requestsPerDay"), c.perAddressLimits.requestsPerDay },
        { QStringLiteral("limits.perAddress.concurrentStreams"), c.perAddressLimits.concurrentStreams },
    };
    return fields.value(path, QJsonValue(QJsonValue::Undefined));
}

const QStringList &canonicalPaths()
{
    static const QStringList paths = {
        QStringLiteral("listen.host"),
        QStringLiteral("listen.port"),
        QStringLiteral("listen.allowRemote"),
        QStringLiteral("listen.tls.port"),
        QStringLiteral("listen.tls.certFile"),
        QStringLiteral("listen.tls.keyFile"),
        QStringLiteral("listen.tls.selfSigned"),
        QStringLiteral("listen.tls.acme.directoryUrl"),
        QStringLiteral("listen.tls.acme.domains"),
        QStringLiteral("listen.tls.acme.email"),
        QStringLiteral("listen.tls.acme.caBundle"),
        QStringLiteral("security.allowedHosts"),
        QStringLiteral("security.allowedOrigins"),
        QStringLiteral("listen.maxConnections"),
        QStringLiteral("listen.workers"),
        QStringLiteral("listen.headerTimeoutMs"),
        QStringLiteral("listen.keepAliveTimeoutMs"),
        QStringLiteral("upstream.baseUrl"),
        QStringLiteral("upstream.proxy"),
        QStringLiteral("upstream.proxyPasswordSetAt"),
        QStringLiteral("upstream.caBundle"),
        QStringLiteral("upstream.connectTimeoutMs"),
        QStringLiteral("upstream.firstByteTimeoutMs"),
        QStringLiteral("upstream.streamIdleTimeoutMs"),
        QStringLiteral("upstream.requestTimeoutMs"),
        QStringLiteral("upstream.idleTimeoutMs"),
        QStringLiteral("routing.mode"),
        QStringLiteral("routing.fallbackToLocal"),
        QStringLiteral("routing.relayConnectTimeoutMs"),
        QStringLiteral("keys.strategy"),
        QStringLiteral("keys.maxAttempts"),
        QStringLiteral("keys.healthCheckInterval"),
        QStringLiteral("secrets.store"),
        QStringLiteral("secrets.file"),
        QStringLiteral("log.level"),
        QStringLiteral("auth.adminTokenSetAt"),
        QStringLiteral("log.categories"),
        QStringLiteral("log.format"),
        QStringLiteral("log.file"),
        QStringLiteral("log.maxFileBytes"),
        QStringLiteral("log.maxFiles"),
        QStringLiteral("metrics.loopback"),
        QStringLiteral("metrics.historySize"),
        QStringLiteral("metrics.historyRetentionDays"),
        QStringLiteral("metrics.historyMaxRecords"),
        QStringLiteral("quota.dailyRequests"),
        QStringLiteral("quota.modelLimits"),
        QStringLiteral("cluster.passwordSetAt"),
        QStringLiteral("cluster.redis"),
        QStringLiteral("ui.language"),
        QStringLiteral("ui.notifications"),
        QStringLiteral("security.allowCidrs"),
        QStringLiteral("security.denyCidrs"),
        QStringLiteral("auth.allowAnonymousLoopback"),
        QStringLiteral("auth.jwt.hs256"),
        QStringLiteral("auth.jwt.publicKeyFile"),
        QStringLiteral("auth.jwt.audience"),
        QStringLiteral("auth.jwt.issuer"),
        QStringLiteral("auth.jwt.secretSetAt"),
        QStringLiteral("auth.jwt.leewaySeconds"),
        QStringLiteral("limits.perToken.requestsPerMinute"),
        QStringLiteral("limits.perToken.requestsPerDay"),
        QStringLiteral("limits.perToken.concurrentStreams"),
        QStringLiteral("limits.perToken.liveSessions"),
        QStringLiteral("limits.perAddress.requestsPerMinute"),
        QStringLiteral("limits.perAddress.requestsPerDay"),
        QStringLiteral("limits.perAddress.concurrentStreams"),
    };
    return paths;
}

QJsonObject keyItem(const QString &id, const QString &instance = {})
{
    QJsonObject o { { QStringLiteral("id"), id }, { QStringLiteral("label"), QStringLiteral("label of ") + id } };
    if (!instance.isEmpty()) {
        o.insert(QStringLiteral("instance"), instance);
    }
    return o;
}

QJsonObject instanceItem(const QString &id, const QString &url = QStringLiteral("https://relay.example.com"))
{
    return QJsonObject { { QStringLiteral("id"), id }, { QStringLiteral("name"), id.toUpper() },
        { QStringLiteral("url"), url } };
}

QJsonObject withItems(const QJsonArray &keys, const QJsonArray &instances = {})
{
    QJsonObject doc;
    schema::setValueAt(doc, QStringLiteral("keys.items"), keys);
    schema::setValueAt(doc, QStringLiteral("instances.items"), instances);
    return doc;
}

} // namespace

class TestConfigSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsForEmptyObject();
    void defaultDocumentIsValidAndComplete();
    void acceptedValues_data();
    void acceptedValues();
    void rejectedValues_data();
    void rejectedValues();
    void proxyPasswordNeverShown_data();
    void proxyPasswordNeverShown();
    void wrongTypeNamesPathAndLine();
    void portOutOfRange();
    void badJson_data();
    void badJson();
    void notAnObject_data();
    void notAnObject();
    void severalProblemsAtOnce();
    void sectionMustBeAnObject();
    void unknownFieldsWarn_data();
    void unknownFieldsWarn();
    void secretAnywhereIsAnError_data();
    void secretAnywhereIsAnError();
    void secretShapes_data();
    void secretShapes();
    void keyItems();
    void badEntryIds_data();
    void badEntryIds();
    void missingId();
    void duplicateIds();
    void keyBoundToMissingInstance();
    void keyItemFields();
    void instanceItems();
    void itemsMustBeAList();
    void versions_data();
    void versions();
    void effectiveDocumentFillsDefaults();
    void serializeRoundTrip();
    void entriesRoundTrip();
    void valueFromText_data();
    void valueFromText();
    void settingPathsAreCanonical();
    void valueAtAndSetValueAt();
    void problemToString();
    void problemLinesInItems();
    void listenPolicy_data();
    void listenPolicy();
    void badTextOnlyWarnsOnRead_data();
    void badTextOnlyWarnsOnRead();
};

void TestConfigSchema::defaultsForEmptyObject()
{
    for (const QByteArray &text : { QByteArray("{}"), QByteArray("  {\n}\n"), QByteArray("{\r\n}\r\n") }) {
        const ParseResult r = schema::parse(text);
        QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
        QVERIFY(!r.hasErrors());
        QVERIFY(r.document.isEmpty());
        const Config &c = r.config;
        QCOMPARE(c, Config());
        QCOMPARE(c.version, 1);
        QCOMPARE(c.listenHost, QStringLiteral("127.0.0.1"));
        QCOMPARE(c.listenPort, 3145);
        QCOMPARE(c.maxConnections, 1024);
        QCOMPARE(c.headerTimeoutMs, 10000);
        QCOMPARE(c.keepAliveTimeoutMs, 60000);
        QCOMPARE(c.upstreamBaseUrl, QStringLiteral("https://generativelanguage.googleapis.com"));
        QCOMPARE(c.upstreamProxy, QStringLiteral("none"));
        QCOMPARE(c.upstreamCaBundle, QString());
        QCOMPARE(c.connectTimeoutMs, 10000);
        QCOMPARE(c.firstByteTimeoutMs, 300000);
        QCOMPARE(c.streamIdleTimeoutMs, 120000);
        QCOMPARE(c.requestTimeoutMs, 600000);
        QCOMPARE(c.upstreamIdleTimeoutMs, 60000);
        QCOMPARE(c.routingMode, RoutingMode::Local);
        QCOMPARE(c.fallbackToLocal, true);
        QCOMPARE(c.keyStrategy, KeyStrategy::RoundRobin);
        QCOMPARE(c.maxAttempts, 3);
        QCOMPARE(c.secretStore, SecretStoreKind::Keychain);
        QCOMPARE(c.logLevel, QStringLiteral("info"));
        QVERIFY(c.keys.isEmpty());
        QVERIFY(c.instances.isEmpty());
    }
}

void TestConfigSchema::defaultDocumentIsValidAndComplete()
{
    const QJsonObject doc = schema::defaultDocument();
    QCOMPARE(doc.value(u"version").toInt(), kConfigVersion);
    for (const QString &path : canonicalPaths()) {
        QVERIFY2(!schema::valueAt(doc, path).isUndefined(), qPrintable(path));
        QCOMPARE(schema::valueAt(doc, path), fieldOf(Config(), path));
    }
    QVERIFY(schema::valueAt(doc, QStringLiteral("keys.items")).isArray());
    QVERIFY(schema::valueAt(doc, QStringLiteral("instances.items")).isArray());

    const ParseResult validated = schema::validate(doc);
    QVERIFY2(validated.problems.isEmpty(), qPrintable(describe(validated)));
    QCOMPARE(validated.config, Config());

    const ParseResult parsed = schema::parse(schema::serialize(doc));
    QVERIFY2(parsed.problems.isEmpty(), qPrintable(describe(parsed)));
    QCOMPARE(parsed.config, Config());
}

void TestConfigSchema::acceptedValues_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("value");

    auto row = [](const char *path, const QJsonValue &value) {
        const QString text = QString::fromUtf8(QJsonDocument(QJsonArray { value }).toJson(QJsonDocument::Compact));
        QTest::addRow("%s = %s", path, qPrintable(text.mid(1, text.size() - 2))) << QString::fromLatin1(path) << value;
    };
    row("listen.host", QStringLiteral("127.0.0.1"));
    row("listen.host", QStringLiteral("::1"));
    row("listen.host", QStringLiteral("localhost")); // beyond loopback: listenPolicy
    row("listen.port", 1);
    row("listen.port", 3145);
    row("listen.port", 65535);
    row("listen.maxConnections", 1);
    row("listen.maxConnections", 100000);
    row("listen.workers", 0);
    row("listen.workers", 256);
    row("listen.headerTimeoutMs", 100);
    row("listen.headerTimeoutMs", 600000);
    row("listen.keepAliveTimeoutMs", 3600000);
    row("upstream.baseUrl", QStringLiteral("https://generativelanguage.googleapis.com"));
    row("upstream.baseUrl", QStringLiteral("http://127.0.0.1:8080"));
    row("upstream.baseUrl", QStringLiteral("https://gateway.example.com/gemini"));
    row("upstream.proxy", QStringLiteral("none"));
    row("upstream.proxy", QStringLiteral("system"));
    row("upstream.proxy", QStringLiteral("http://proxy.example.com:3128"));
    row("upstream.proxy", QStringLiteral("socks5://127.0.0.1:1080"));
    row("upstream.proxy", QStringLiteral("http://alice@proxy.example.com:3128")); // the password: `proxy password`
    row("upstream.proxy", QStringLiteral("socks5://alice@127.0.0.1:1080"));
    row("upstream.caBundle", QString());
    row("upstream.caBundle", QCoreApplication::applicationFilePath()); // any existing file
    row("upstream.connectTimeoutMs", 100);
    row("upstream.connectTimeoutMs", 600000);
    row("upstream.firstByteTimeoutMs", 1000);
    row("upstream.firstByteTimeoutMs", 3600000);
    row("upstream.streamIdleTimeoutMs", 1000);
    row("upstream.streamIdleTimeoutMs", 3600000);
    row("upstream.requestTimeoutMs", 1000);
    row("upstream.requestTimeoutMs", 3600000);
    row("upstream.idleTimeoutMs", 1000);
    row("upstream.idleTimeoutMs", 3600000);
    row("routing.mode", QStringLiteral("local"));
    row("routing.mode", QStringLiteral("serverless"));
    row("routing.mode", QStringLiteral("hybrid"));
    row("routing.fallbackToLocal", true);
    row("routing.fallbackToLocal", false);
    row("keys.strategy", QStringLiteral("round_robin"));
    row("keys.strategy", QStringLiteral("weighted"));
    row("keys.strategy", QStringLiteral("least_used"));
    row("keys.strategy", QStringLiteral("random"));
    row("keys.maxAttempts", 1);
    row("keys.maxAttempts", 20);
    row("secrets.store", QStringLiteral("keychain"));
    row("secrets.store", QStringLiteral("file"));
    row("secrets.file", QStringLiteral("/home/someone/secrets.enc"));
    row("log.level", QStringLiteral("debug"));
    row("log.level", QStringLiteral("info"));
    row("log.level", QStringLiteral("warning"));
    row("log.level", QStringLiteral("error"));
}

void TestConfigSchema::acceptedValues()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);

    const ParseResult r = parseDocument(documentWith(path, value));
    QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
    QCOMPARE(fieldOf(r.config, path), value);
    QVERIFY(schema::isSetting(path));
    QCOMPARE(schema::valueAt(r.document, path), value);
}

void TestConfigSchema::rejectedValues_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("messageContains");

    auto row = [](const char *tag, const char *path, const QJsonValue &value, const QString &contains) {
        QTest::newRow(tag) << QString::fromLatin1(path) << value << contains;
    };
    row("host name", "listen.host", QStringLiteral("proxy.example.com"), QStringLiteral("not an IP address"));
    row("host number", "listen.host", 8080, QStringLiteral("expected a string, got a number"));
    row("port 0", "listen.port", 0, QStringLiteral("0 is not a port (1–65535)"));
    row("port 70000", "listen.port", 70000, QStringLiteral("70000 is not a port (1–65535)"));
    row("port negative", "listen.port", -1, QStringLiteral("-1 is not a port"));
    row("port fraction", "listen.port", 3145.5, QStringLiteral("3145.5 is not a whole number"));
    row("port as string", "listen.port", QStringLiteral("3145"),
        QStringLiteral("expected a whole number, got a string"));
    row("port as bool", "listen.port", true, QStringLiteral("expected a whole number, got true/false"));
    row("port null", "listen.port", QJsonValue(), QStringLiteral("expected a whole number, got null"));
    row("maxConnections 0", "listen.maxConnections", 0, QStringLiteral("out of range (1–100000)"));
    row("workers 257", "listen.workers", 257, QStringLiteral("out of range (0–256)"));
    row("headerTimeout low", "listen.headerTimeoutMs", 99, QStringLiteral("99 is out of range (100–600000 ms)"));
    row("keepAlive high", "listen.keepAliveTimeoutMs", 3600001, QStringLiteral("(100–3600000 ms)"));
    row("baseUrl ftp", "upstream.baseUrl", QStringLiteral("ftp://example.com"),
        QStringLiteral("not an http:// or https:// URL"));
    row("baseUrl without scheme", "upstream.baseUrl", QStringLiteral("generativelanguage.googleapis.com"),
        QStringLiteral("not an http:// or https:// URL"));
    row("baseUrl without host", "upstream.baseUrl", QStringLiteral("https://"),
        QStringLiteral("not an http:// or https:// URL"));
    row("baseUrl with query", "upstream.baseUrl", QStringLiteral("https://example.com/?alt=sse"),
        QStringLiteral("must not contain a query or fragment"));
    row("proxy word", "upstream.proxy", QStringLiteral("direct"), QStringLiteral("not a proxy setting"));
    row("proxy without port", "upstream.proxy", QStringLiteral("http://proxy.example.com"),
        QStringLiteral("not a proxy setting"));
    row("proxy https", "upstream.proxy", QStringLiteral("https://proxy.example.com:443"),
        QStringLiteral("not a proxy setting"));
    row("proxy socks4", "upstream.proxy", QStringLiteral("socks4://127.0.0.1:1080"),
        QStringLiteral("not a proxy setting"));
    row("proxy bool", "upstream.proxy", false, QStringLiteral("expected a string"));
    row("proxy with a password", "upstream.proxy", QStringLiteral("http://alice:s3cret@proxy.example.com:3128"),
        QStringLiteral("a password does not belong in the config file: give the user name only "
                       "(http://alice@proxy.example.com:3128) and store the password with: printf %s "
                       "\"$PROXY_PASSWORD\" | gemini-aggregatord proxy password"));
    row("SOCKS5 proxy with a password", "upstream.proxy", QStringLiteral("socks5://alice:s3cret@127.0.0.1:1080"),
        QStringLiteral("(socks5://alice@127.0.0.1:1080)"));
    row("caBundle missing", "upstream.caBundle", QStringLiteral("/nonexistent/ca.pem"),
        QStringLiteral("does not exist"));
    row("connect timeout low", "upstream.connectTimeoutMs", 50, QStringLiteral("(100–600000 ms)"));
    row("first byte low", "upstream.firstByteTimeoutMs", 999, QStringLiteral("(1000–3600000 ms)"));
    row("stream idle high", "upstream.streamIdleTimeoutMs", 3600001, QStringLiteral("(1000–3600000 ms)"));
    row("request timeout low", "upstream.requestTimeoutMs", 999, QStringLiteral("(1000–3600000 ms)"));
    row("request timeout high", "upstream.requestTimeoutMs", 3600001, QStringLiteral("(1000–3600000 ms)"));
    row("upstream idle low", "upstream.idleTimeoutMs", 999, QStringLiteral("(1000–3600000 ms)"));
    row("mode cloud", "routing.mode", QStringLiteral("cloud"),
        QStringLiteral("\"cloud\" is not one of local, serverless, hybrid"));
    row("mode case", "routing.mode", QStringLiteral("Local"), QStringLiteral("is not one of"));
    row("mode number", "routing.mode", 1, QStringLiteral("1 is not one of"));
    row("fallback string", "routing.fallbackToLocal", QStringLiteral("yes"),
        QStringLiteral("expected true or false, got a string"));
    row("fallback number", "routing.fallbackToLocal", 1, QStringLiteral("expected true or false, got a number"));
    row("strategy", "keys.strategy", QStringLiteral("roundrobin"),
        QStringLiteral("is not one of round_robin, weighted, least_used, random"));
    row("maxAttempts 0", "keys.maxAttempts", 0, QStringLiteral("(1–20)"));
    row("maxAttempts 21", "keys.maxAttempts", 21, QStringLiteral("21 is out of range (1–20)"));
    row("store", "secrets.store", QStringLiteral("vault"), QStringLiteral("is not one of keychain, file"));
    row("secret file number", "secrets.file", 5, QStringLiteral("expected a string"));
    row("log level", "log.level", QStringLiteral("verbose"), QStringLiteral("is not one of debug, info"));
}

void TestConfigSchema::rejectedValues()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);
    QFETCH(QString, messageContains);

    const ParseResult r = parseDocument(documentWith(path, value));
    QVERIFY(r.hasErrors());
    QCOMPARE(r.errors().size(), 1);
    const Problem p = r.errors().constFirst();
    QCOMPARE(p.path, path);
    QVERIFY2(p.message.contains(messageContains), qPrintable(p.message));
    QVERIFY2(p.line > 0, "a parsed file names the line");
    QVERIFY(p.toString().contains(path + QStringLiteral(": ")));
    // The rejected value is not applied.
    QCOMPARE(fieldOf(r.config, path), fieldOf(Config(), path));
}

// upstream.proxy refused with a password in it, for that or another reason: the message (terminal, log, GUI) never
// shows the password.
void TestConfigSchema::proxyPasswordNeverShown_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("HTTP") << QStringLiteral("http://alice:s3cret@proxy.example.com:3128");
    QTest::newRow("SOCKS5, encoded") << QStringLiteral("socks5://alice:s3cret%40x@127.0.0.1:1080");
    QTest::newRow("no port") << QStringLiteral("http://alice:s3cret@proxy.example.com");
    QTest::newRow("another scheme") << QStringLiteral("https://alice:s3cret@proxy.example.com:443");
    QTest::newRow("not a URL") << QStringLiteral("http://alice:s3cret@proxy example:3128");
    QTest::newRow("a password only") << QStringLiteral("http://:s3cret@proxy.example.com:3128");
}

void TestConfigSchema::proxyPasswordNeverShown()
{
    QFETCH(QString, value);
    const ParseResult r = parseDocument(documentWith(QStringLiteral("upstream.proxy"), value));
    QCOMPARE(r.errors().size(), 1);
    const QString message = r.errors().constFirst().toString();
    QVERIFY2(!message.contains(QStringLiteral("s3cret")), qPrintable(message));
    QCOMPARE(r.config.upstreamProxy, Config().upstreamProxy);
}

void TestConfigSchema::wrongTypeNamesPathAndLine()
{
    const QByteArray text = "{\n"
                            "  \"version\": 1,\n"
                            "  \"listen\": {\n"
                            "    \"host\": \"127.0.0.1\",\n"
                            "    \"port\": \"3145\"\n"
                            "  },\n"
                            "  \"routing\": {\n"
                            "    \"fallbackToLocal\": \"no\"\n"
                            "  }\n"
                            "}\n";
    const ParseResult r = schema::parse(text);
    QCOMPARE(r.errors().size(), 2);
    const Problem *port = problemAt(r, QStringLiteral("listen.port"));
    QVERIFY2(port, qPrintable(describe(r)));
    QVERIFY(port->isError());
    QCOMPARE(port->line, 5);
    QVERIFY(port->message.contains(QStringLiteral("expected a whole number")));
    QVERIFY(port->toString(QStringLiteral("config.json")).startsWith(QStringLiteral("config.json:5: listen.port: ")));

    const Problem *fallback = problemAt(r, QStringLiteral("routing.fallbackToLocal"));
    QVERIFY2(fallback, qPrintable(describe(r)));
    QCOMPARE(fallback->line, 8);
    QVERIFY(fallback->message.contains(QStringLiteral("expected true or false")));
}

void TestConfigSchema::portOutOfRange()
{
    const ParseResult r = schema::parse("{\n  \"listen\": {\n    \"port\": 70000\n  }\n}\n");
    QCOMPARE(r.problems.size(), 1);
    const Problem &p = r.problems.constFirst();
    QVERIFY(p.isError());
    QCOMPARE(p.path, QStringLiteral("listen.port"));
    QCOMPARE(p.line, 3);
    const QString text = p.toString(QStringLiteral("config.json"));
    QVERIFY2(text.contains(QStringLiteral("listen.port")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("70000")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("1–65535")), qPrintable(text));
    QCOMPARE(text, QStringLiteral("config.json:3: listen.port: 70000 is not a port (1–65535)"));
    QCOMPARE(r.config.listenPort, 3145);
}

void TestConfigSchema::badJson_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");

    QTest::newRow("empty file") << QByteArray() << 1;
    QTest::newRow("not JSON") << QByteArray("listen.port = 3145\n") << 1;
    QTest::newRow("missing comma") << QByteArray("{\n"
                                                 "  \"listen\": {\n"
                                                 "    \"host\": \"127.0.0.1\"\n"
                                                 "    \"port\": 3145\n"
                                                 "  }\n"
                                                 "}\n")
                                   << 4;
    QTest::newRow("trailing comma") << QByteArray("{\n"
                                                  "  \"listen\": {\n"
                                                  "    \"port\": 3145,\n"
                                                  "  }\n"
                                                  "}\n")
                                    << 4;
    QTest::newRow("misspelt literal at line end") << QByteArray("{\n"
                                                                "  \"routing\": {\n"
                                                                "    \"fallbackToLocal\": tru\n"
                                                                "  }\n"
                                                                "}\n")
                                                  << 3;
    QTest::newRow("leading zero") << QByteArray("{\n  \"listen\": {\n    \"port\": 03145\n  }\n}\n") << 3;
    QTest::newRow("single quotes") << QByteArray("{\n\n  'listen': {}\n}\n") << 3;
    QTest::newRow("missing value") << QByteArray("{\n  \"listen\": {\n    \"port\": ,\n  }\n}\n") << 3;
    QTest::newRow("second object") << QByteArray("{\n  \"version\": 1\n}\n{\n}\n") << 4;
    QTest::newRow("trailing comma in list") << QByteArray("{\n  \"keys\": {\n    \"items\": [{},]\n  }\n}\n") << 3;
    QTest::newRow("CRLF") << QByteArray("{\r\n  \"listen\": {\r\n    \"port\": 3145 3146\r\n  }\r\n}\r\n") << 3;
}

void TestConfigSchema::badJson()
{
    QFETCH(QByteArray, text);
    QFETCH(int, line);

    const ParseResult r = schema::parse(text);
    QCOMPARE(r.problems.size(), 1);
    const Problem &p = r.problems.constFirst();
    QVERIFY(p.isError());
    QVERIFY(p.path.isEmpty());
    QVERIFY2(p.message.contains(QStringLiteral("not valid JSON")), qPrintable(p.message));
    QVERIFY2(p.message.contains(QStringLiteral("column ")), qPrintable(p.message));
    QCOMPARE(p.line, line);
    QVERIFY(p.toString(QStringLiteral("config.json")).startsWith(QStringLiteral("config.json:%1: ").arg(line)));
    QCOMPARE(r.config, Config());
}

void TestConfigSchema::notAnObject_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("list") << QByteArray("[]");
    QTest::newRow("list of objects") << QByteArray("[{\"listen\": {}}]");
}

void TestConfigSchema::notAnObject()
{
    QFETCH(QByteArray, text);
    const ParseResult r = schema::parse(text);
    QCOMPARE(r.problems.size(), 1);
    QVERIFY(r.problems.constFirst().isError());
    QVERIFY(r.problems.constFirst().message.contains(QStringLiteral("JSON object")));
}

void TestConfigSchema::severalProblemsAtOnce()
{
    const QByteArray text = "{\n"
                            "  \"listen\": {\n"
                            "    \"port\": 70000,\n"
                            "    \"prot\": 1\n"
                            "  },\n"
                            "  \"routing\": {\n"
                            "    \"mode\": \"cloud\",\n"
                            "    \"fallbackToLocal\": \"yes\"\n"
                            "  },\n"
                            "  \"keys\": {\n"
                            "    \"maxAttempts\": 0\n"
                            "  }\n"
                            "}\n";
    const ParseResult r = schema::parse(text);
    const QList<Problem> errors = r.errors();
    QCOMPARE(errors.size(), 4);
    const QList<QPair<QString, int>> expected
        = { { QStringLiteral("listen.port"), 3 }, { QStringLiteral("routing.mode"), 7 },
              { QStringLiteral("routing.fallbackToLocal"), 8 }, { QStringLiteral("keys.maxAttempts"), 11 } };
    for (const auto &[path, line] : expected) {
        const Problem *p = problemAt(r, path);
        QVERIFY2(p, qPrintable(path + QStringLiteral(" not reported:\n") + describe(r)));
        QVERIFY(p->isError());
        QCOMPARE(p->line, line);
    }
    QCOMPARE(r.warnings().size(), 1);
    QCOMPARE(r.warnings().constFirst().path, QStringLiteral("listen.prot"));
    QCOMPARE(r.warnings().constFirst().line, 4);
}

void TestConfigSchema::sectionMustBeAnObject()
{
    const ParseResult r = schema::parse("{\"listen\": 3145, \"routing\": {\"mode\": \"hybrid\"}}");
    QCOMPARE(r.errors().size(), 1);
    QCOMPARE(r.errors().constFirst().path, QStringLiteral("listen"));
    QVERIFY(r.errors().constFirst().message.contains(QStringLiteral("expected an object")));
}

void TestConfigSchema::unknownFieldsWarn_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("suggestion");

    QTest::newRow("near miss in section") << QByteArray(R"({"listen": {"prot": 8080}})")
                                          << QStringLiteral("listen.prot") << QStringLiteral("listen.port");
    QTest::newRow("case") << QByteArray(R"({"upstream": {"baseURL": "https://example.com"}})")
                          << QStringLiteral("upstream.baseURL") << QStringLiteral("upstream.baseUrl");
    QTest::newRow("section name") << QByteArray(R"({"listn": {"port": 8080}})") << QStringLiteral("listn")
                                  << QStringLiteral("listen");
    QTest::newRow("missing letter") << QByteArray(R"({"routing": {"fallbackToLocl": false}})")
                                    << QStringLiteral("routing.fallbackToLocl")
                                    << QStringLiteral("routing.fallbackToLocal");
    QTest::newRow("key item field") << QByteArray(R"({"keys": {"items": [{"id": "k1", "lable": "x"}]}})")
                                    << QStringLiteral("keys.items[0].lable") << QStringLiteral("label");
    QTest::newRow("instance item field") << QByteArray(
        R"({"instances": {"items": [{"id": "i1", "name": "n", "url": "https://r.example", "enable": true}]}})")
                                         << QStringLiteral("instances.items[0].enable") << QStringLiteral("enabled");
    QTest::newRow("unrelated") << QByteArray(R"({"comment": "written by hand"})") << QStringLiteral("comment")
                               << QString();
    QTest::newRow("unrelated in section")
        << QByteArray(R"({"listen": {"somethingElse": true}})") << QStringLiteral("listen.somethingElse") << QString();
}

void TestConfigSchema::unknownFieldsWarn()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, path);
    QFETCH(QString, suggestion);

    const ParseResult r = schema::parse(text);
    QVERIFY2(!r.hasErrors(), qPrintable(describe(r)));
    QCOMPARE(r.warnings().size(), 1);
    const Problem w = r.warnings().constFirst();
    QCOMPARE(w.severity, Problem::Severity::Warning);
    QCOMPARE(w.path, path);
    QVERIFY(w.message.contains(QStringLiteral("ignored")));
    QVERIFY(w.toString().contains(QStringLiteral("warning: ")));
    if (suggestion.isEmpty()) {
        QVERIFY2(!w.message.contains(QStringLiteral("did you mean")), qPrintable(w.message));
    } else {
        QVERIFY2(w.message.contains(QStringLiteral("did you mean '%1'?").arg(suggestion)), qPrintable(w.message));
    }
    // Unknown members are kept in the document, so saving the file again does not lose them.
    QVERIFY(!schema::valueAt(r.document, path.section(u'[', 0, 0)).isUndefined());
}

void TestConfigSchema::secretAnywhereIsAnError_data()
{
    QTest::addColumn<QJsonObject>("document");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("secret");

    const QString key = fakeKey(1);
    const QString token = QStringLiteral("gat_") + fakeKey(2).mid(4) + QStringLiteral("abcdefgh");

    QTest::newRow("unknown top-level member")
        << QJsonObject { { QStringLiteral("apiKey"), key } } << QStringLiteral("apiKey") << key;
    QTest::newRow("listen.host") << documentWith(QStringLiteral("listen.host"), key) << QStringLiteral("listen.host")
                                 << key;
    QTest::newRow("secrets.file") << documentWith(QStringLiteral("secrets.file"), key) << QStringLiteral("secrets.file")
                                  << key;
    QTest::newRow("inside a longer string") << documentWith(QStringLiteral("secrets.file"), QStringLiteral("/x/") + key)
                                            << QStringLiteral("secrets.file") << key;
    QTest::newRow("access token") << documentWith(QStringLiteral("secrets.file"), token)
                                  << QStringLiteral("secrets.file") << token;
    QTest::newRow("base URL query") << documentWith(
        QStringLiteral("upstream.baseUrl"), QStringLiteral("https://example.com/?key=") + key)
                                    << QStringLiteral("upstream.baseUrl") << key;
    QTest::newRow("key label") << withItems(
        { QJsonObject { { QStringLiteral("id"), QStringLiteral("k1") }, { QStringLiteral("label"), key } } })
                               << QStringLiteral("keys.items[0].label") << key;
    QTest::newRow("unknown key field") << withItems(
        { QJsonObject { { QStringLiteral("id"), QStringLiteral("k1") }, { QStringLiteral("secret"), key } } })
                                       << QStringLiteral("keys.items[0].secret") << key;
    QTest::newRow("key id") << withItems({ QJsonObject { { QStringLiteral("id"), key } } })
                            << QStringLiteral("keys.items[0].id") << key;
    QTest::newRow("bound instance") << withItems({ keyItem(QStringLiteral("k1"), key) })
                                    << QStringLiteral("keys.items[0].instance") << key;
    QTest::newRow("instance url") << withItems(
        {}, { instanceItem(QStringLiteral("i1"), QStringLiteral("https://relay.example/?key=") + key) })
                                  << QStringLiteral("instances.items[0].url") << key;
    QTest::newRow("nested unknown list") << QJsonObject {
        { QStringLiteral("notes"), QJsonArray { QStringLiteral("x"), QJsonObject { { QStringLiteral("k"), key } } } }
    } << QStringLiteral("notes[1].k") << key;
    QTest::newRow("member name") << documentWith(QStringLiteral("listen.") + key, 1) << QStringLiteral("listen.") + key
                                 << key;
}

void TestConfigSchema::secretAnywhereIsAnError()
{
    QFETCH(QJsonObject, document);
    QFETCH(QString, path);
    QFETCH(QString, secret);

    // The problem names where the secret is (a member name that is itself a secret is shown masked).
    const QString expectedPath = ga::logging::Redactor::redact(path);
    for (const ParseResult &r : { parseDocument(document), schema::validate(document) }) {
        QVERIFY(r.hasErrors());
        bool found = false;
        for (const Problem &p : r.errors()) {
            if (p.path == expectedPath && p.message.contains(QStringLiteral("looks like an API key or access token"))) {
                found = true;
            }
        }
        QVERIFY2(found, qPrintable(describe(r)));
        // No problem may repeat the secret, whatever else it complains about.
        const QString middle = secret.mid(4, secret.size() - 8);
        for (const Problem &p : r.problems) {
            QVERIFY2(!p.toString(QStringLiteral("config.json")).contains(middle),
                qPrintable(QStringLiteral("secret leaked in a problem about ") + p.path.left(20)));
        }
    }
}

void TestConfigSchema::secretShapes_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("secret");

    const QString key = QStringLiteral("AIza") + QString(35, u'k');
    const QString token = QStringLiteral("gat_") + QString(20, u't');
    const QString jwt = QStringLiteral("eyJhbGciOiJ.eyJzdWIiOiJ."); // eyJ and 8 more, twice
    QTest::newRow("a key") << key << true;
    QTest::newRow("a key in a path") << QStringLiteral("/x/") + key + QStringLiteral("/y") << true;
    QTest::newRow("a key after a false start") << QStringLiteral("AIzaAIza") + key.mid(4) << true;
    QTest::newRow("a key one short") << key.chopped(1) << false;
    QTest::newRow("a key cut by a dot") << key.left(30) + u'.' + key.mid(30) << false;
    QTest::newRow("a key, other letters' case") << QStringLiteral("aiza") + key.mid(4) << false;
    QTest::newRow("a token, shortest") << token << true;
    QTest::newRow("a token one short") << token.chopped(1) << false;
    QTest::newRow("a JWT's header and payload") << jwt << true;
    QTest::newRow("a JWT whole") << jwt + QStringLiteral("c2lnbmF0dXJl") << true;
    QTest::newRow("a JWT in text") << QStringLiteral("see ") + jwt + QStringLiteral(" there") << true;
    QTest::newRow("a JWT's header one short") << QStringLiteral("eyJhbGciOi.eyJzdWIiOiJ.") << false;
    QTest::newRow("a JWT's payload one short") << QStringLiteral("eyJhbGciOiJ.eyJzdWIiOi.") << false;
    QTest::newRow("a JWT without the second dot") << QStringLiteral("eyJhbGciOiJ.eyJzdWIiOiJ") << false;
    QTest::newRow("two headers, no payload") << QStringLiteral("eyJhbGciOiJ.eyJ.eyJzdWIiOiJ") << false;
    QTest::newRow("ordinary text") << QStringLiteral("gemini-2.5-flash at eu.example.com") << false;
}

void TestConfigSchema::secretShapes()
{
    QFETCH(QString, value);
    QFETCH(bool, secret);

    // A value, and a member name (an unknown member: its name is what is checked).
    for (const QJsonObject &document : { documentWith(QStringLiteral("secrets.file"), value),
             QJsonObject { { QStringLiteral("notes"), QJsonObject { { value, 1 } } } } }) {
        const ParseResult r = schema::validate(document);
        bool found = false;
        for (const Problem &p : r.errors()) {
            found = found || p.message.contains(QStringLiteral("looks like an API key or access token"));
        }
        QVERIFY2(found == secret, qPrintable(describe(r)));
    }
}

void TestConfigSchema::keyItems()
{
    QJsonObject k1 = keyItem(QStringLiteral("k1"), QStringLiteral("relay-1"));
    k1.insert(QStringLiteral("weight"), 5);
    k1.insert(QStringLiteral("enabled"), false);
    k1.insert(QStringLiteral("group"), QStringLiteral("project-a"));
    k1.insert(QStringLiteral("hint"), QStringLiteral("x9Q2"));
    k1.insert(QStringLiteral("fingerprint"), ga::keys::keyFingerprint(fakeKey(1).toLatin1()));
    k1.insert(QStringLiteral("added"), QStringLiteral("2024-05-01T10:00:00Z"));
    const QJsonObject doc
        = withItems({ k1, keyItem(QStringLiteral("k_2-b")) }, { instanceItem(QStringLiteral("relay-1")) });

    const ParseResult r = parseDocument(doc);
    QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
    QCOMPARE(r.config.keys.size(), 2);
    QCOMPARE(r.config.instances.size(), 1);

    const KeyEntry &a = r.config.keys.at(0);
    QCOMPARE(a.id, QStringLiteral("k1"));
    QCOMPARE(a.label, QStringLiteral("label of k1"));
    QCOMPARE(a.instance, QStringLiteral("relay-1"));
    QCOMPARE(a.group, QStringLiteral("project-a"));
    QCOMPARE(a.weight, 5);
    QCOMPARE(a.enabled, false);
    QCOMPARE(a.hint, QStringLiteral("x9Q2"));
    QCOMPARE(a.masked(), QStringLiteral("AIza") + QChar(0x2026) + QStringLiteral("x9Q2"));
    QCOMPARE(a.added, QDateTime(QDate(2024, 5, 1), QTime(10, 0), Qt::UTC));

    const KeyEntry &b = r.config.keys.at(1);
    QCOMPARE(b.id, QStringLiteral("k_2-b"));
    QCOMPARE(b.weight, 1);
    QCOMPARE(b.enabled, true);
    QVERIFY(b.instance.isEmpty());
    QVERIFY(!b.added.isValid());

    QVERIFY(r.config.findKey(QStringLiteral("k1")));
    QVERIFY(!r.config.findKey(QStringLiteral("k3")));
    QCOMPARE(r.config.findInstance(QStringLiteral("relay-1"))->url, QUrl(QStringLiteral("https://relay.example.com")));
}

void TestConfigSchema::badEntryIds_data()
{
    QTest::addColumn<QJsonValue>("id");
    QTest::addColumn<QString>("messageContains");

    const QString notValid = QStringLiteral("is not a valid id");
    QTest::newRow("empty") << QJsonValue(QString()) << notValid;
    QTest::newRow("upper case") << QJsonValue(QStringLiteral("Key1")) << notValid;
    QTest::newRow("leading dash") << QJsonValue(QStringLiteral("-k1")) << notValid;
    QTest::newRow("leading underscore") << QJsonValue(QStringLiteral("_k1")) << notValid;
    QTest::newRow("space") << QJsonValue(QStringLiteral("k 1")) << notValid;
    QTest::newRow("slash") << QJsonValue(QStringLiteral("k/1")) << notValid;
    QTest::newRow("dot") << QJsonValue(QStringLiteral("k.1")) << notValid;
    QTest::newRow("non-ASCII") << QJsonValue(QStringLiteral("schlüssel")) << notValid;
    QTest::newRow("33 characters") << QJsonValue(QString(33, u'k')) << notValid;
    QTest::newRow("trailing newline") << QJsonValue(QStringLiteral("k1\n")) << notValid;
    QTest::newRow("leading newline") << QJsonValue(QStringLiteral("\nk1")) << notValid;
    QTest::newRow("number") << QJsonValue(7) << QStringLiteral("expected a string, got a number");
    QTest::newRow("null") << QJsonValue() << QStringLiteral("expected a string, got null");
}

void TestConfigSchema::badEntryIds()
{
    QFETCH(QJsonValue, id);
    QFETCH(QString, messageContains);

    if (id.isString()) {
        QVERIFY(!schema::isValidId(id.toString()));
    }
    const QJsonObject key { { QStringLiteral("id"), id } };
    const QJsonObject instance { { QStringLiteral("id"), id }, { QStringLiteral("name"), QStringLiteral("relay") },
        { QStringLiteral("url"), QStringLiteral("https://relay.example.com") } };
    for (const QString &section : { QStringLiteral("keys"), QStringLiteral("instances") }) {
        const QJsonObject doc = section == u"keys" ? withItems({ key }) : withItems({}, { instance });
        const ParseResult r = parseDocument(doc);
        const QString path = section + QStringLiteral(".items[0].id");
        const Problem *p = problemAt(r, path);
        QVERIFY2(p, qPrintable(describe(r)));
        QVERIFY(p->isError());
        QVERIFY2(p->message.contains(messageContains), qPrintable(p->message));
        QVERIFY(r.config.keys.isEmpty());
        QVERIFY(r.config.instances.isEmpty());
    }
}

void TestConfigSchema::missingId()
{
    const ParseResult r
        = parseDocument(withItems({ QJsonObject { { QStringLiteral("label"), QStringLiteral("x") } } }));
    const Problem *p = problemAt(r, QStringLiteral("keys.items[0]"));
    QVERIFY2(p, qPrintable(describe(r)));
    QVERIFY(p->message.contains(QStringLiteral("'id' is missing")));

    const ParseResult r2
        = parseDocument(withItems({}, { QJsonObject { { QStringLiteral("id"), QStringLiteral("i1") } } }));
    QVERIFY(r2.hasErrors());
    const Problem *p2 = problemAt(r2, QStringLiteral("instances.items[0]"));
    QVERIFY2(p2, qPrintable(describe(r2)));
    QVERIFY(p2->message.contains(QStringLiteral("is missing")));
}

void TestConfigSchema::duplicateIds()
{
    const ParseResult r = parseDocument(
        withItems({ keyItem(QStringLiteral("k1")), keyItem(QStringLiteral("k2")), keyItem(QStringLiteral("k1")) },
            { instanceItem(QStringLiteral("i1")), instanceItem(QStringLiteral("i1")) }));
    QCOMPARE(r.errors().size(), 2);
    const Problem *key = problemAt(r, QStringLiteral("keys.items[2].id"));
    QVERIFY2(key, qPrintable(describe(r)));
    QVERIFY(key->message.contains(QStringLiteral("id 'k1' is used twice")));
    const Problem *instance = problemAt(r, QStringLiteral("instances.items[1].id"));
    QVERIFY2(instance, qPrintable(describe(r)));
    QVERIFY(instance->message.contains(QStringLiteral("id 'i1' is used twice")));

    // A key and an instance may share an id: they live in different lists.
    const ParseResult shared
        = parseDocument(withItems({ keyItem(QStringLiteral("x1")) }, { instanceItem(QStringLiteral("x1")) }));
    QVERIFY2(shared.problems.isEmpty(), qPrintable(describe(shared)));
}

void TestConfigSchema::keyBoundToMissingInstance()
{
    const ParseResult r = parseDocument(withItems(
        { keyItem(QStringLiteral("k1"), QStringLiteral("i1")), keyItem(QStringLiteral("k2"), QStringLiteral("gone")) },
        { instanceItem(QStringLiteral("i1")) }));
    QCOMPARE(r.errors().size(), 1);
    const Problem p = r.errors().constFirst();
    QCOMPARE(p.path, QStringLiteral("keys.items[1].instance"));
    QVERIFY2(p.message.contains(QStringLiteral("'gone'")), qPrintable(p.message));
    QVERIFY(p.message.contains(QStringLiteral("does not exist")));
    QCOMPARE(r.config.keys.size(), 1);
    QCOMPARE(r.config.keys.constFirst().instance, QStringLiteral("i1"));
}

void TestConfigSchema::keyItemFields()
{
    auto check = [](const QString &field, const QJsonValue &value, const QString &contains) {
        QJsonObject item = keyItem(QStringLiteral("k1"));
        item.insert(field, value);
        const ParseResult r = parseDocument(withItems({ item }));
        const Problem *p = problemAt(r, QStringLiteral("keys.items[0].") + field);
        if (!p || !p->isError() || !p->message.contains(contains)) {
            qWarning().noquote() << field << describe(r);
            return false;
        }
        return r.config.keys.isEmpty();
    };
    QVERIFY(check(QStringLiteral("weight"), 0, QStringLiteral("whole number 1–1000")));
    QVERIFY(check(QStringLiteral("weight"), 1001, QStringLiteral("whole number 1–1000")));
    QVERIFY(check(QStringLiteral("weight"), 1.5, QStringLiteral("whole number 1–1000")));
    QVERIFY(check(QStringLiteral("weight"), QStringLiteral("2"), QStringLiteral("whole number 1–1000")));
    QVERIFY(check(QStringLiteral("enabled"), QStringLiteral("true"), QStringLiteral("expected true or false")));
    QVERIFY(check(QStringLiteral("hint"), QStringLiteral("abcde"), QStringLiteral("at most the last 4")));
    QVERIFY(check(QStringLiteral("label"), 5, QStringLiteral("expected a string")));
    QVERIFY(check(QStringLiteral("group"), QJsonArray(), QStringLiteral("expected a string")));

    const ParseResult notObject = parseDocument(withItems({ QStringLiteral("k1") }));
    const Problem *p = problemAt(notObject, QStringLiteral("keys.items[0]"));
    QVERIFY2(p, qPrintable(describe(notObject)));
    QVERIFY(p->message.contains(QStringLiteral("expected an object, got a string")));
}

void TestConfigSchema::instanceItems()
{
    QJsonObject disabled = instanceItem(QStringLiteral("i2"), QStringLiteral("http://127.0.0.1:8787/relay"));
    disabled.insert(QStringLiteral("enabled"), false);
    const ParseResult ok = parseDocument(withItems({}, { instanceItem(QStringLiteral("i1")), disabled }));
    QVERIFY2(ok.problems.isEmpty(), qPrintable(describe(ok)));
    QCOMPARE(ok.config.instances.size(), 2);
    QCOMPARE(ok.config.instances.at(0).name, QStringLiteral("I1"));
    QCOMPARE(ok.config.instances.at(0).enabled, true);
    QCOMPARE(ok.config.instances.at(1).url, QUrl(QStringLiteral("http://127.0.0.1:8787/relay")));
    QCOMPARE(ok.config.instances.at(1).enabled, false);

    const ParseResult badUrl
        = parseDocument(withItems({}, { instanceItem(QStringLiteral("i1"), QStringLiteral("relay.example")) }));
    const Problem *p = problemAt(badUrl, QStringLiteral("instances.items[0].url"));
    QVERIFY2(p, qPrintable(describe(badUrl)));
    QVERIFY(p->message.contains(QStringLiteral("not an http:// or https:// URL")));
    QVERIFY(badUrl.config.instances.isEmpty());

    QJsonObject badEnabled = instanceItem(QStringLiteral("i1"));
    badEnabled.insert(QStringLiteral("enabled"), 1);
    const ParseResult r = parseDocument(withItems({}, { badEnabled }));
    QVERIFY(problemAt(r, QStringLiteral("instances.items[0].enabled")));
}

void TestConfigSchema::itemsMustBeAList()
{
    for (const QString &section : { QStringLiteral("keys"), QStringLiteral("instances") }) {
        const ParseResult r = parseDocument(documentWith(section + QStringLiteral(".items"), QJsonObject()));
        QCOMPARE(r.errors().size(), 1);
        QCOMPARE(r.errors().constFirst().path, section + QStringLiteral(".items"));
        QVERIFY(r.errors().constFirst().message.contains(QStringLiteral("expected a list, got an object")));
    }
}

void TestConfigSchema::versions_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error"); // empty: accepted

    QTest::newRow("absent") << QByteArray("{}") << QString();
    QTest::newRow("1") << QByteArray(R"({"version": 1})") << QString();
    QTest::newRow("2") << QByteArray(R"({"version": 2})") << QStringLiteral("newer Gemini Aggregator (format 2");
    QTest::newRow("99") << QByteArray(R"({"version": 99})") << QStringLiteral("update the program");
    QTest::newRow("0") << QByteArray(R"({"version": 0})") << QStringLiteral("0 is not a config format version");
    QTest::newRow("negative") << QByteArray(R"({"version": -1})") << QStringLiteral("not a config format version");
    QTest::newRow("fraction") << QByteArray(R"({"version": 1.5})") << QStringLiteral("expected a whole number");
    QTest::newRow("string") << QByteArray(R"({"version": "1"})")
                            << QStringLiteral("expected a whole number, got a string");
    QTest::newRow("object") << QByteArray(R"({"version": {}})") << QStringLiteral("expected a whole number");
}

void TestConfigSchema::versions()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);

    const ParseResult r = schema::parse(text);
    if (error.isEmpty()) {
        QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
        return;
    }
    QCOMPARE(r.errors().size(), 1);
    QCOMPARE(r.errors().constFirst().path, QStringLiteral("version"));
    QVERIFY2(r.errors().constFirst().message.contains(error), qPrintable(r.errors().constFirst().message));
}

void TestConfigSchema::effectiveDocumentFillsDefaults()
{
    QCOMPARE(schema::effectiveDocument(QJsonObject()), schema::defaultDocument());

    QJsonObject doc;
    schema::setValueAt(doc, QStringLiteral("listen.port"), 8080);
    schema::setValueAt(doc, QStringLiteral("routing.mode"), QStringLiteral("hybrid"));
    schema::setValueAt(doc, QStringLiteral("listen.extra"), QStringLiteral("kept"));
    doc.insert(QStringLiteral("comment"), QStringLiteral("hand-written"));

    const QJsonObject effective = schema::effectiveDocument(doc);
    QCOMPARE(effective.value(u"version").toInt(), 1);
    QCOMPARE(schema::valueAt(effective, QStringLiteral("listen.port")).toInt(), 8080);
    QCOMPARE(schema::valueAt(effective, QStringLiteral("routing.mode")).toString(), QStringLiteral("hybrid"));
    QCOMPARE(schema::valueAt(effective, QStringLiteral("listen.host")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(schema::valueAt(effective, QStringLiteral("upstream.baseUrl")).toString(),
        QStringLiteral("https://generativelanguage.googleapis.com"));
    QCOMPARE(schema::valueAt(effective, QStringLiteral("listen.extra")).toString(), QStringLiteral("kept"));
    QCOMPARE(effective.value(u"comment").toString(), QStringLiteral("hand-written"));
    for (const QString &path : canonicalPaths()) {
        QVERIFY2(!schema::valueAt(effective, path).isUndefined(), qPrintable(path));
    }
    QVERIFY(schema::valueAt(effective, QStringLiteral("keys.items")).isArray());
    QVERIFY(schema::valueAt(effective, QStringLiteral("instances.items")).isArray());
}

void TestConfigSchema::serializeRoundTrip()
{
    QJsonObject doc;
    schema::setValueAt(doc, QStringLiteral("listen.host"), QStringLiteral("0.0.0.0"));
    schema::setValueAt(doc, QStringLiteral("listen.allowRemote"), true);
    schema::setValueAt(doc, QStringLiteral("auth.tokens.items"),
        QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("laptop") } } });
    schema::setValueAt(doc, QStringLiteral("listen.port"), 4000);
    schema::setValueAt(doc, QStringLiteral("upstream.proxy"), QStringLiteral("socks5://127.0.0.1:9050"));
    schema::setValueAt(doc, QStringLiteral("routing.mode"), QStringLiteral("serverless"));
    schema::setValueAt(doc, QStringLiteral("routing.fallbackToLocal"), false);
    schema::setValueAt(doc, QStringLiteral("keys.strategy"), QStringLiteral("least_used"));
    schema::setValueAt(doc, QStringLiteral("keys.maxAttempts"), 7);
    schema::setValueAt(doc, QStringLiteral("upstream.streamIdleTimeoutMs"), 5000);

    const ParseResult first = schema::validate(doc);
    QVERIFY2(first.problems.isEmpty(), qPrintable(describe(first)));

    const QJsonObject effective = schema::effectiveDocument(first.document);
    const QByteArray bytes = schema::serialize(effective);
    QVERIFY(bytes.endsWith('\n'));
    QVERIFY(bytes.count('\n') > 10); // indented, one member per line: readable and diff-friendly
    const ParseResult second = schema::parse(bytes);
    QVERIFY2(second.problems.isEmpty(), qPrintable(describe(second)));
    QCOMPARE(second.config, first.config);
    QCOMPARE(second.document, effective);
    QCOMPARE(schema::serialize(second.document), bytes); // stable
    QCOMPARE(second.config.listenPort, 4000);
    QCOMPARE(second.config.routingMode, RoutingMode::Serverless);
    QCOMPARE(second.config.keyStrategy, KeyStrategy::LeastUsed);
    QCOMPARE(second.config.fallbackToLocal, false);
}

void TestConfigSchema::entriesRoundTrip()
{
    Config config;
    InstanceEntry instance;
    instance.id = QStringLiteral("relay-eu");
    instance.name = QStringLiteral("Relay EU");
    instance.url = QUrl(QStringLiteral("https://relay-eu.example.com/api"));
    instance.enabled = false;
    config.instances.append(instance);

    KeyEntry key;
    key.id = QStringLiteral("k0a1b2c3d");
    key.label = QStringLiteral("work");
    key.group = QStringLiteral("project-1");
    key.instance = instance.id;
    key.fingerprint = ga::keys::keyFingerprint(fakeKey(3).toLatin1());
    key.hint = ga::keys::keyHint(fakeKey(3).toLatin1());
    key.weight = 3;
    key.enabled = false;
    key.added = QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    config.keys.append(key);
    KeyEntry plain;
    plain.id = QStringLiteral("k2");
    plain.hint = QStringLiteral("abcd");
    config.keys.append(plain);

    QJsonObject doc;
    schema::setValueAt(doc, QStringLiteral("instances.items"), QJsonArray { schema::toJson(instance) });
    schema::setValueAt(doc, QStringLiteral("keys.items"), QJsonArray { schema::toJson(key), schema::toJson(plain) });
    const ParseResult r = parseDocument(doc);
    QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
    QCOMPARE(r.config.instances, config.instances);
    QCOMPARE(r.config.keys, config.keys);
    QCOMPARE(r.config, config);
}

void TestConfigSchema::valueFromText_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QJsonValue>("expected"); // Undefined: an error
    QTest::addColumn<QString>("errorContains");

    const QJsonValue fail(QJsonValue::Undefined);
    QTest::newRow("port") << QStringLiteral("listen.port") << QStringLiteral("3145") << QJsonValue(3145) << QString();
    QTest::newRow("port with spaces") << QStringLiteral("listen.port") << QStringLiteral(" 8080 ") << QJsonValue(8080)
                                      << QString();
    QTest::newRow("negative") << QStringLiteral("keys.maxAttempts") << QStringLiteral("-2") << QJsonValue(-2)
                              << QString();
    QTest::newRow("port word") << QStringLiteral("listen.port") << QStringLiteral("http") << fail
                               << QStringLiteral("listen.port: 'http' is not a whole number");
    QTest::newRow("port fraction") << QStringLiteral("listen.port") << QStringLiteral("80.5") << fail
                                   << QStringLiteral("is not a whole number");
    QTest::newRow("port empty") << QStringLiteral("listen.port") << QString() << fail
                                << QStringLiteral("is not a whole number");
    for (const char *t : { "true", "TRUE", "yes", "on", "1", " On " }) {
        QTest::addRow("bool %s", t) << QStringLiteral("routing.fallbackToLocal") << QString::fromLatin1(t)
                                    << QJsonValue(true) << QString();
    }
    for (const char *t : { "false", "no", "off", "0", "Off" }) {
        QTest::addRow("bool %s", t) << QStringLiteral("routing.fallbackToLocal") << QString::fromLatin1(t)
                                    << QJsonValue(false) << QString();
    }
    QTest::newRow("bool maybe") << QStringLiteral("routing.fallbackToLocal") << QStringLiteral("maybe") << fail
                                << QStringLiteral("'maybe' is not true or false");
    QTest::newRow("enum") << QStringLiteral("routing.mode") << QStringLiteral("hybrid")
                          << QJsonValue(QStringLiteral("hybrid")) << QString();
    QTest::newRow("string") << QStringLiteral("upstream.proxy") << QStringLiteral("socks5://127.0.0.1:1080")
                            << QJsonValue(QStringLiteral("socks5://127.0.0.1:1080")) << QString();
    QTest::newRow("empty string") << QStringLiteral("secrets.file") << QString() << QJsonValue(QString()) << QString();
    QTest::newRow("unknown near miss") << QStringLiteral("listen.prot") << QStringLiteral("1") << fail
                                       << QStringLiteral(
                                              "'listen.prot' is not a setting (did you mean 'listen.port'?)");
    QTest::newRow("unknown") << QStringLiteral("colour") << QStringLiteral("1") << fail
                             << QStringLiteral("'colour' is not a setting");
    QTest::newRow("section") << QStringLiteral("listen") << QStringLiteral("1") << fail
                             << QStringLiteral("is not a setting");
}

void TestConfigSchema::valueFromText()
{
    QFETCH(QString, path);
    QFETCH(QString, text);
    QFETCH(QJsonValue, expected);
    QFETCH(QString, errorContains);

    QString error;
    const std::optional<QJsonValue> value = schema::valueFromText(path, text, &error);
    if (expected.isUndefined()) {
        QVERIFY(!value.has_value());
        QVERIFY2(error.contains(errorContains), qPrintable(error));
    } else {
        QVERIFY2(value.has_value(), qPrintable(error));
        QCOMPARE(*value, expected);
        QCOMPARE(value->type(), expected.type());
    }
}

void TestConfigSchema::settingPathsAreCanonical()
{
    const QStringList paths = schema::settingPaths();
    for (const QString &path : canonicalPaths()) {
        QVERIFY2(paths.contains(path), qPrintable(path));
        QVERIFY(schema::isSetting(path));
        QVERIFY2(!schema::settingHelp(path).isEmpty(), qPrintable(path));
        QVERIFY2(!fieldOf(Config(), path).isUndefined(), qPrintable(path));
    }
    QCOMPARE(paths.size(), canonicalPaths().size());
    QCOMPARE(QSet<QString>(paths.begin(), paths.end()).size(), paths.size());
    for (const char *notSetting : { "listen", "keys.items", "instances.items", "version", "listen.prot", "" }) {
        QVERIFY2(!schema::isSetting(QString::fromLatin1(notSetting)), notSetting);
        QVERIFY(schema::settingHelp(QString::fromLatin1(notSetting)).isEmpty());
    }
}

void TestConfigSchema::valueAtAndSetValueAt()
{
    QJsonObject doc;
    schema::setValueAt(doc, QStringLiteral("a.b.c"), 1);
    schema::setValueAt(doc, QStringLiteral("a.b.d"), QStringLiteral("x"));
    schema::setValueAt(doc, QStringLiteral("top"), true);
    QCOMPARE(schema::valueAt(doc, QStringLiteral("a.b.c")), QJsonValue(1));
    QCOMPARE(schema::valueAt(doc, QStringLiteral("a.b.d")), QJsonValue(QStringLiteral("x")));
    QCOMPARE(schema::valueAt(doc, QStringLiteral("top")), QJsonValue(true));
    QVERIFY(schema::valueAt(doc, QStringLiteral("a.b")).isObject());
    QVERIFY(schema::valueAt(doc, QStringLiteral("a.x")).isUndefined());
    QVERIFY(schema::valueAt(doc, QStringLiteral("top.x")).isUndefined());
    QVERIFY(schema::valueAt(doc, QStringLiteral("a.b.c.d")).isUndefined());
}

void TestConfigSchema::problemToString()
{
    Problem p { Problem::Severity::Error, QStringLiteral("listen.port"),
        QStringLiteral("70000 is not a port (1–65535)"), 5 };
    QCOMPARE(p.toString(QStringLiteral("config.json")),
        QStringLiteral("config.json:5: listen.port: 70000 is not a port (1–65535)"));
    QCOMPARE(p.toString(), QStringLiteral("5: listen.port: 70000 is not a port (1–65535)"));
    p.line = 0;
    QCOMPARE(p.toString(QStringLiteral("config.json")),
        QStringLiteral("config.json: listen.port: 70000 is not a port (1–65535)"));
    QCOMPARE(p.toString(), QStringLiteral("listen.port: 70000 is not a port (1–65535)"));
    const Problem w { Problem::Severity::Warning, QStringLiteral("listen.prot"), QStringLiteral("unknown setting"), 2 };
    QVERIFY(!w.isError());
    QCOMPARE(w.toString(QStringLiteral("c.json")), QStringLiteral("c.json:2: warning: listen.prot: unknown setting"));
}

void TestConfigSchema::problemLinesInItems()
{
    const QByteArray text = "{\n"
                            "  \"instances\": {\"items\": [\n"
                            "    {\"id\": \"i1\", \"name\": \"one\", \"url\": \"https://r1.example\"}\n"
                            "  ]},\n"
                            "  \"keys\": {\n"
                            "    \"items\": [\n"
                            "      {\"id\": \"k1\"},\n"
                            "      {\n"
                            "        \"id\": \"k2\",\n"
                            "        \"weight\": 0\n"
                            "      },\n"
                            "      {\"id\": \"k3\", \"instance\": \"i9\"}\n"
                            "    ]\n"
                            "  }\n"
                            "}\n";
    const ParseResult r = schema::parse(text);
    QCOMPARE(r.errors().size(), 2);
    const Problem *weight = problemAt(r, QStringLiteral("keys.items[1].weight"));
    QVERIFY2(weight, qPrintable(describe(r)));
    QCOMPARE(weight->line, 10);
    const Problem *instance = problemAt(r, QStringLiteral("keys.items[2].instance"));
    QVERIFY2(instance, qPrintable(describe(r)));
    QCOMPARE(instance->line, 12);
    QCOMPARE(r.config.keys.size(), 1);
}

void TestConfigSchema::listenPolicy_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("allowRemote");
    QTest::addColumn<bool>("token");
    QTest::addColumn<bool>("jwt");
    QTest::addColumn<QString>("refusal"); // empty: allowed

    const QString needsAllowRemote = QStringLiteral("set listen.allowRemote to true");
    const QString needsToken = QStringLiteral("there is no access token");
    auto row = [](const char *tag, const char *host, bool allowRemote, bool token, bool jwt, const QString &refusal) {
        QTest::newRow(tag) << QString::fromLatin1(host) << allowRemote << token << jwt << refusal;
    };
    row("127.0.0.1", "127.0.0.1", false, false, false, {});
    row("::1", "::1", false, false, false, {});
    row("localhost", "localhost", false, false, false, {});
    row("127.0.0.2 is loopback too", "127.0.0.2", false, false, false, {});
    row("0.0.0.0 without allowRemote", "0.0.0.0", false, false, false, needsAllowRemote);
    row("0.0.0.0 without allowRemote, with a token", "0.0.0.0", false, true, false, needsAllowRemote);
    row("LAN address without allowRemote", "192.168.1.20", false, true, false, needsAllowRemote);
    row(":: without allowRemote", "::", false, false, false, needsAllowRemote);
    row("0.0.0.0, allowRemote, no token", "0.0.0.0", true, false, false, needsToken);
    row(":: allowRemote, no token", "::", true, false, false, needsToken);
    row("0.0.0.0, allowRemote and a token", "0.0.0.0", true, true, false, {});
    row("0.0.0.0, allowRemote and HS256 JWTs", "0.0.0.0", true, false, true, {});
    row("LAN address, allowRemote and a token", "192.168.1.20", true, true, false, {});
}

// The rule `run` applies is part of what every reader (config check, start, a reload) and every save checks.
void TestConfigSchema::listenPolicy()
{
    QFETCH(QString, host);
    QFETCH(bool, allowRemote);
    QFETCH(bool, token);
    QFETCH(bool, jwt);
    QFETCH(QString, refusal);

    QJsonObject doc = documentWith(QStringLiteral("listen.host"), host);
    schema::setValueAt(doc, QStringLiteral("listen.allowRemote"), allowRemote);
    if (token) {
        schema::setValueAt(doc, QStringLiteral("auth.tokens.items"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("laptop") } } });
    }
    if (jwt) {
        schema::setValueAt(doc, QStringLiteral("auth.jwt.hs256"), true);
    }
    const ParseResult r = parseDocument(doc);
    if (refusal.isEmpty()) {
        QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
        QCOMPARE(r.config.listenHost, host);
        return;
    }
    QCOMPARE(r.errors().size(), 1);
    const Problem p = r.errors().constFirst();
    QCOMPARE(p.path, QStringLiteral("listen.host"));
    QVERIFY2(p.message.contains(refusal), qPrintable(p.message));
    QVERIFY2(p.message.contains(host), qPrintable(p.message));
    QVERIFY(p.line > 0);
    QVERIFY(schema::validate(doc).hasErrors());
}

void TestConfigSchema::badTextOnlyWarnsOnRead_data()
{
    QTest::addColumn<QJsonObject>("document");
    QTest::addColumn<QString>("path"); // where the warning is; empty: no problem at all
    QTest::addColumn<QString>("messageContains");

    auto keyWith = [](const QString &field, const QString &value) {
        QJsonObject k = keyItem(QStringLiteral("k1"));
        k.insert(field, value);
        return withItems({ k });
    };
    auto instanceWith = [](const QString &field, const QString &value) {
        QJsonObject i = instanceItem(QStringLiteral("i1"));
        i.insert(field, value);
        return withItems({}, { i });
    };
    const QString control = QStringLiteral("control character");
    const QString label = QStringLiteral("keys.items[0].label");
    QTest::newRow("label with ESC") << keyWith(QStringLiteral("label"), QStringLiteral("red\x1b[31m")) << label
                                    << QStringLiteral("control character (U+001B)");
    QTest::newRow("label with NUL") << keyWith(QStringLiteral("label"), QStringLiteral("a") + QChar(0) + u'b') << label
                                    << QStringLiteral("control character (U+0000)");
    QTest::newRow("label with newline") << keyWith(QStringLiteral("label"), QStringLiteral("one\nk9  spoofed row"))
                                        << label << QStringLiteral("control character (U+000A)");
    QTest::newRow("label with C1 control")
        << keyWith(QStringLiteral("label"), QStringLiteral("a") + QChar(0x9b)) << label << control;
    QTest::newRow("label with a bidi override")
        << keyWith(QStringLiteral("label"), QStringLiteral("a") + QChar(0x202e)) << label << control;
    QTest::newRow("label of 201 characters")
        << keyWith(QStringLiteral("label"), QString(201, u'x')) << label << QStringLiteral("at most 200");
    QTest::newRow("group with ESC") << keyWith(QStringLiteral("group"), QStringLiteral("p\x1b]0;title\x07"))
                                    << QStringLiteral("keys.items[0].group") << control;
    QTest::newRow("instance name with ESC") << instanceWith(QStringLiteral("name"), QStringLiteral("relay\x1b[2J"))
                                            << QStringLiteral("instances.items[0].name") << control;
    QTest::newRow("instance name of 201 characters")
        << instanceWith(QStringLiteral("name"), QString(201, u'n')) << QStringLiteral("instances.items[0].name")
        << QStringLiteral("at most 200");
    QTest::newRow("allowedHosts with newline")
        << documentWith(QStringLiteral("security.allowedHosts"), QStringLiteral("a.example\nb.example"))
        << QStringLiteral("security.allowedHosts") << control;
    QTest::newRow("log.file with ESC") << documentWith(QStringLiteral("log.file"), QStringLiteral("/tmp/x\x1b.log"))
                                       << QStringLiteral("log.file") << control;
    QTest::newRow("jwt audience of 2049 characters")
        << documentWith(QStringLiteral("auth.jwt.audience"), QString(2049, u'a')) << QStringLiteral("auth.jwt.audience")
        << QStringLiteral("at most 2048");
    // Within the rules: no problem at all.
    QTest::newRow("label of 200 characters")
        << keyWith(QStringLiteral("label"), QString(200, u'x')) << QString() << QString();
    QTest::newRow("label in Chinese with an emoji")
        << keyWith(QStringLiteral("label"), QString::fromUtf8("工作密钥 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"))
        << QString() << QString();
    QTest::newRow("label with spaces") << keyWith(QStringLiteral("label"), QStringLiteral("a    b")) << QString()
                                       << QString();
}

// A file an older version wrote may hold text a save now refuses: it still loads (the reader warns, the CLI
// escapes what it prints) — refusing it would lock users out of their own config.
void TestConfigSchema::badTextOnlyWarnsOnRead()
{
    QFETCH(QJsonObject, document);
    QFETCH(QString, path);
    QFETCH(QString, messageContains);

    const ParseResult r = parseDocument(document);
    QVERIFY2(!r.hasErrors(), qPrintable(describe(r)));
    if (path.isEmpty()) {
        QVERIFY2(r.problems.isEmpty(), qPrintable(describe(r)));
        return;
    }
    const Problem *p = problemAt(r, path);
    QVERIFY2(p, qPrintable(describe(r)));
    QVERIFY(!p->isError());
    QVERIFY2(p->message.contains(messageContains), qPrintable(p->message));
    QVERIFY(p->line > 0);
    for (const QChar c : p->message) { // the warning names the character, it does not print it
        QVERIFY2(c.category() != QChar::Other_Control && c != QChar(0x202e), qPrintable(p->message));
    }
    if (path.startsWith(u"keys.")) {
        QCOMPARE(r.config.keys.size(), 1); // the entry is kept, text and all
    } else if (path.startsWith(u"instances.")) {
        QCOMPARE(r.config.instances.size(), 1);
    }
}

QTEST_GUILESS_MAIN(TestConfigSchema)
#include "tst_configschema.moc"
