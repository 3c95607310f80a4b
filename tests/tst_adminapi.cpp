// SPDX-License-Identifier: GPL-3.0-or-later
// The admin REST API (/admin/api/v1/…) of a Service running in-process, driven over raw HTTP: every route with
// good and bad input, the token and browser guards in front of it, and the OpenAPI document against the routes.
#include "admin/adminapi.h"
#include "app/tokenops.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini/fakegemini.h"
#include "keys/apikey.h"
#include "proxy/proxyserver.h"
#include "rawhttp.h"
#include "secrets/memorysecretstore.h"
#include "security/accesstoken.h"
#include "testsupport.h"
#include "upstream/upstream.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaMethod>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using ga::test::Client;
using ga::test::fakeKey;
using ga::test::Reply;

namespace {

constexpr int kApplyTimeoutMs = 10'000;

// Process memory that tells the test when a secret is written or removed (to look at the journal right then).
class WatchedSecretStore final : public ga::secrets::SecretStore
{
public:
    std::function<void(const QString &what, const QString &name)> onChange;

    void read(const QString &name, QObject *context, Callback done) override
    {
        m_inner.read(name, context, std::move(done));
    }
    void write(const QString &name, const QByteArray &secret, QObject *context, Callback done) override
    {
        if (onChange) {
            onChange(QStringLiteral("write"), name);
        }
        m_inner.write(name, secret, context, std::move(done));
    }
    void remove(const QString &name, QObject *context, Callback done) override
    {
        if (onChange) {
            onChange(QStringLiteral("remove"), name);
        }
        m_inner.remove(name, context, std::move(done));
    }
    QString description() const override { return QStringLiteral("watched process memory"); }
    bool contains(const QString &name) const { return m_inner.contains(name); }

private:
    ga::secrets::MemorySecretStore m_inner;
};

struct Answer
{
    int status = 0;
    QByteArray contentType;
    QByteArray body;

    QJsonObject obj() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray arr() const { return QJsonDocument::fromJson(body).array(); }
    QJsonObject error() const { return obj().value(u"error").toObject(); }
    // The paths named in error.problems.
    QStringList problemPaths() const
    {
        QStringList out;
        for (const QJsonValue &p : error().value(u"problems").toArray()) {
            out.append(p.toObject().value(u"path").toString());
        }
        return out;
    }
};

QByteArray jsonBytes(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// The object in `list` whose `field` is `value` (empty when none).
QJsonObject findIn(const QJsonArray &list, QStringView field, const QString &value)
{
    for (const QJsonValue &v : list) {
        if (v.toObject().value(field).toString() == value) {
            return v.toObject();
        }
    }
    return {};
}

// A serverless relay's /health, as far as the admin API's probe needs it: 200 with a reachable upstream for
// the right x-relay-secret, 401 (x-relay-error: auth) for any other.
class FakeRelay
{
public:
    explicit FakeRelay(QByteArray secret)
        : m_secret(std::move(secret))
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                QObject::connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] { serve(s, buffer.get()); });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }
    int requests() const { return m_requests; }

private:
    void serve(QTcpSocket *s, QByteArray *buffer)
    {
        *buffer += s->readAll();
        const qsizetype end = buffer->indexOf("\r\n\r\n");
        if (end < 0) {
            return;
        }
        const QList<QByteArray> lines = buffer->left(end).split('\n');
        buffer->clear();
        ++m_requests;
        QByteArray secret;
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "x-relay-secret") {
                secret = line.mid(colon + 1).trimmed();
            }
        }
        const QByteArray requestLine = lines.value(0).trimmed();
        QByteArray status = "404 Not Found";
        QByteArray extra;
        QByteArray body = R"({"error":"not found"})";
        if (requestLine.startsWith("GET ") && requestLine.contains("/health?upstream=1 ")) {
            if (secret == m_secret) {
                status = "200 OK";
                body = R"({"ok":true,"version":"fake-relay","upstream":{"reachable":true,"status":200,"latencyMs":3}})";
            } else {
                status = "401 Unauthorized";
                extra = "x-relay-error: auth\r\n";
                body = R"({"error":"auth"})";
            }
        }
        s->write("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n" + extra + "Connection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    QTcpServer m_server;
    QByteArray m_secret;
    int m_requests = 0;
};

} // namespace

class TestAdminApi : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_configPath;
    quint16 m_port = 0;
    QByteArray m_adminToken;
    QByteArray m_accessToken;
    const QByteArray m_relaySecret = "fake-relay-secret-0123456789";
    std::unique_ptr<ga::test::FakeGemini> m_fake;
    std::unique_ptr<FakeRelay> m_relay;
    std::unique_ptr<ga::config::ConfigStore> m_store;
    std::unique_ptr<WatchedSecretStore> m_secrets;
    std::unique_ptr<ga::daemon::Service> m_service;
    std::unique_ptr<ga::admin::AdminApi> m_table; // the route table (not wired to the proxy)

    QList<QByteArray> m_forbidden; // secrets no answer and no config file may ever contain
    QSet<QString> m_exercised; // "METHOD /pattern" of routes called with the admin token
    QSet<QString> m_ran; // test functions that ran
    QStringList m_failures; // found by the request helper; reported by cleanup()

    static QString routeName(const QByteArray &method, const QString &pattern)
    {
        return QString::fromLatin1(method) + u' ' + pattern;
    }

    // One request on a fresh connection; `headers` are complete lines, Host included. Every answer is
    // checked for leaked secrets, JSON and (for errors) the error shape.
    Answer send(const QByteArray &method, const QByteArray &target, const QByteArray &body, const QByteArray &headers)
    {
        QByteArray raw = method + " /admin/api/v1" + target + " HTTP/1.1\r\n" + headers;
        if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH") {
            raw += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
        }
        raw += "Connection: close\r\n\r\n" + body;
        Client c(m_port);
        c.send(raw);
        const Reply r = c.read(30'000);
        Answer a { r.status, r.header("content-type"), r.body };
        const QString what = QString::fromLatin1(method + ' ' + target);
        if (r.status == 0 || !r.complete) {
            m_failures.append(what + QStringLiteral(": no complete answer"));
            return a;
        }
        for (const QByteArray &secret : std::as_const(m_forbidden)) {
            if (r.body.contains(secret)) {
                m_failures.append(what + QStringLiteral(": the answer contains a secret"));
            }
            for (const auto &h : r.headers) {
                if (h.second.contains(secret)) {
                    m_failures.append(what + QStringLiteral(": a header contains a secret"));
                }
            }
        }
        if (r.status == 204) {
            if (!r.body.isEmpty() || r.hasHeader("content-length")) {
                m_failures.append(what + QStringLiteral(": 204 with a body or a Content-Length"));
            }
            return a;
        }
        if (!a.contentType.startsWith("application/json")) {
            m_failures.append(what + QStringLiteral(": content type %1").arg(QString::fromLatin1(a.contentType)));
        }
        QJsonParseError err {};
        const QJsonDocument doc = QJsonDocument::fromJson(r.body, &err);
        if (err.error != QJsonParseError::NoError || doc.isNull()) {
            m_failures.append(what + QStringLiteral(": the body is not JSON: ") + QString::fromUtf8(r.body.left(200)));
            return a;
        }
        if (r.status >= 400) {
            const QJsonObject e = doc.object().value(u"error").toObject();
            if (e.value(u"code").toInt() != r.status || e.value(u"status").toString().isEmpty()
                || e.value(u"message").toString().isEmpty()) {
                m_failures.append(what + QStringLiteral(": not the error shape: ") + QString::fromUtf8(r.body));
            }
            const QStringList allowed { QStringLiteral("code"), QStringLiteral("status"), QStringLiteral("message"),
                QStringLiteral("problems") };
            for (const QString &k : e.keys()) {
                if (!allowed.contains(k)) {
                    m_failures.append(what + QStringLiteral(": unexpected error field ") + k);
                }
            }
        }
        return a;
    }

    QByteArray headersWith(const QByteArray &token, const QByteArray &host = "127.0.0.1") const
    {
        QByteArray h = "Host: " + host + "\r\n";
        if (!token.isEmpty()) {
            h += "Authorization: Bearer " + token + "\r\n";
        }
        return h;
    }

    // A call with the admin token, noted against the route table.
    Answer call(const QByteArray &method, const QByteArray &target, const QByteArray &body = {})
    {
        const QString path
            = QString::fromLatin1(target.left(target.indexOf('?') < 0 ? target.size() : target.indexOf('?')));
        for (const ga::admin::AdminApi::Route &r : m_table->routes()) {
            if (r.method == method && r.re.match(path).hasMatch()) {
                m_exercised.insert(routeName(r.method, r.pattern));
            }
        }
        return send(method, target, body, headersWith(m_adminToken));
    }
    Answer call(const QByteArray &method, const QByteArray &target, const QJsonObject &body)
    {
        return call(method, target, jsonBytes(body));
    }

    // The status of a Gemini API call made with `token` as the client's key (not the admin API).
    int geminiStatus(const QByteArray &token)
    {
        Client c(m_port);
        c.send("GET /v1beta/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + token
            + "\r\nConnection: close\r\n\r\n");
        return c.read(30'000).status;
    }

    static bool applied(QSignalSpy &spy) { return !spy.isEmpty() || spy.wait(kApplyTimeoutMs); }

    QJsonObject configFile() const { return QJsonDocument::fromJson(ga::test::readAll(m_configPath)).object(); }
    QJsonValue fileValue(const QString &path) const { return ga::config::schema::valueAt(configFile(), path); }

    ga::secrets::SecretResult stored(const QString &name)
    {
        return ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
            m_secrets->read(name, context, std::move(done));
        });
    }
    bool storeSecret(const QString &name, const QByteArray &value)
    {
        return ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
            m_secrets->write(name, value, context, std::move(done));
        }).ok();
    }

    // Adds fakeKey(n) through the API and waits until the daemon applied it; empty on failure.
    QString addKey(int n, const QString &label = {})
    {
        const QByteArray secret = fakeKey(n).toLatin1();
        if (!m_forbidden.contains(secret)) {
            m_forbidden.append(secret);
        }
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const Answer a = call("POST", "/keys",
            QJsonObject {
                { QStringLiteral("secret"), QString::fromLatin1(secret) }, { QStringLiteral("label"), label } });
        if (a.status != 201 || !applied(spy)) {
            m_failures.append(
                QStringLiteral("adding key %1: %2 %3").arg(n).arg(a.status).arg(QString::fromUtf8(a.body)));
            return {};
        }
        return a.obj().value(u"id").toString();
    }
    bool removeKey(const QString &id)
    {
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        return call("DELETE", "/keys/" + id.toLatin1()).status == 204 && applied(spy);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_configPath = m_dir.filePath(QStringLiteral("config/config.json"));
        m_port = ga::test::freePort();
        QVERIFY(m_port != 0);

        m_fake = std::make_unique<ga::test::FakeGemini>();
        QVERIFY(m_fake->listen());
        m_fake->addKey(fakeKey(4), QStringLiteral("project-test"));
        m_relay = std::make_unique<FakeRelay>(m_relaySecret);
        QVERIFY(m_relay->listen());

        const QJsonObject config {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), int(m_port) } } },
            { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), m_fake->baseUrl() } } },
            { QStringLiteral("auth"),
                QJsonObject { { QStringLiteral("tokens"),
                    QJsonObject { { QStringLiteral("items"),
                        QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("default") } } } } } } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        QVERIFY(ga::test::writeAll(m_configPath, QJsonDocument(config).toJson()));
        m_store = std::make_unique<ga::config::ConfigStore>(m_configPath);
        const ga::config::ParseResult loaded = m_store->load();
        QVERIFY(!loaded.hasErrors());

        m_adminToken = ga::security::generateAccessToken();
        m_accessToken = ga::security::generateAccessToken();
        QVERIFY(m_adminToken.startsWith("gat_"));
        QVERIFY(m_adminToken != m_accessToken);
        m_forbidden = { m_adminToken, m_accessToken, m_relaySecret };
        m_secrets = std::make_unique<WatchedSecretStore>();
        QVERIFY(storeSecret(QString::fromLatin1(ga::security::kAdminTokenEntry), m_adminToken));
        QVERIFY(storeSecret(ga::security::tokenEntryName(QStringLiteral("default")), m_accessToken));

        m_service = std::make_unique<ga::daemon::Service>(m_store.get(), m_secrets.get());
        m_service->setWorkerCount(2);
        ga::admin::install(ga::app::serviceRuntime(*m_service));
        m_service->setFileLogging(false);
        QSignalSpy ready(m_service.get(), &ga::daemon::Service::ready);
        QString error;
        QVERIFY2(m_service->start(&error), qPrintable(error));
        QVERIFY(!ready.isEmpty() || ready.wait(kApplyTimeoutMs));
        m_table = std::make_unique<ga::admin::AdminApi>(ga::app::serviceRuntime(*m_service));
    }

    void cleanupTestCase()
    {
        m_table.reset();
        m_service.reset();
        m_secrets.reset();
        m_store.reset();
        m_relay.reset();
        m_fake.reset();
    }

    void init() { m_ran.insert(QString::fromLatin1(QTest::currentTestFunction())); }

    void cleanup()
    {
        const QByteArray file = ga::test::readAll(m_configPath);
        for (const QByteArray &secret : std::as_const(m_forbidden)) {
            if (file.contains(secret)) {
                m_failures.append(QStringLiteral("the config file contains a secret"));
            }
        }
        const QStringList failures = m_failures;
        m_failures.clear();
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(u'\n')));
    }

    void onlyTheAdminTokenOpensTheApi()
    {
        // The access token is a real one: the Gemini API accepts it (whatever it answers, not 401).
        QVERIFY(geminiStatus(m_accessToken) != 401);
        QCOMPARE(geminiStatus("gat_not-a-token"), 401);

        const QByteArray wrongAdmin = ga::security::generateAccessToken();
        for (const QByteArray &token : { QByteArray(), m_accessToken, wrongAdmin }) {
            const Answer a = send("GET", "/status", {}, headersWith(token));
            QCOMPARE(a.status, 401);
            QCOMPARE(a.error().value(u"status").toString(), QStringLiteral("UNAUTHENTICATED"));
            QVERIFY(!a.body.contains(m_adminToken));
            QVERIFY(!a.body.contains(m_accessToken));
            QVERIFY(!a.body.contains(wrongAdmin));
        }
        // Other ways of passing a credential do not make an access token an admin token.
        QCOMPARE(send("GET", "/status", {}, headersWith({}) + "x-goog-api-key: " + m_accessToken + "\r\n").status, 401);
        QCOMPARE(send("GET", "/status?key=" + m_accessToken, {}, headersWith({})).status, 401);
        // A write without the admin token changes nothing.
        const QByteArray before = ga::test::readAll(m_configPath);
        const Answer denied = send("PUT", "/mode", R"({"mode":"hybrid"})", headersWith(m_accessToken));
        QCOMPARE(denied.status, 401);
        QCOMPARE(ga::test::readAll(m_configPath), before);
        // Even unknown paths answer 401 first: nothing about the API is told without the token.
        QCOMPARE(send("GET", "/no-such-route", {}, headersWith({})).status, 401);

        QCOMPARE(call("GET", "/status").status, 200);
    }

    void browserGuardsRunBeforeTheToken()
    {
        const QByteArray evilOrigin = "Origin: https://evil.example\r\n";
        for (const QByteArray &token : { QByteArray(), m_adminToken }) {
            const Answer origin = send("GET", "/status", {}, headersWith(token) + evilOrigin);
            QCOMPARE(origin.status, 403);
            const Answer host = send("GET", "/status", {}, headersWith(token, "evil.example"));
            QCOMPARE(host.status, 421);
        }
        // A foreign page cannot write either, token or not.
        const QByteArray before = ga::test::readAll(m_configPath);
        m_forbidden.append(fakeKey(9).toLatin1());
        QCOMPARE(send("PUT", "/mode", R"({"mode":"hybrid"})", headersWith(m_adminToken) + evilOrigin).status, 403);
        QCOMPARE(send("PUT", "/mode", R"({"mode":"hybrid"})", headersWith(m_adminToken, "rebind.example")).status, 421);
        QCOMPARE(send("POST", "/keys", jsonBytes({ { QStringLiteral("secret"), fakeKey(9) } }),
                     headersWith(m_adminToken) + evilOrigin)
                     .status,
            403);
        QCOMPARE(ga::test::readAll(m_configPath), before);
        // localhost with a port is this proxy.
        QCOMPARE(
            send("GET", "/status", {}, headersWith(m_adminToken, "localhost:" + QByteArray::number(m_port))).status,
            200);
    }

    void status()
    {
        const Answer a = call("GET", "/status");
        QCOMPARE(a.status, 200);
        const QJsonObject o = a.obj();
        QVERIFY(!o.value(u"version").toString().isEmpty());
        QCOMPARE(o.value(u"endpoint").toString(), QStringLiteral("http://127.0.0.1:%1").arg(m_port));
        QCOMPARE(o.value(u"mode").toString(), QStringLiteral("local"));
        QVERIFY(o.value(u"ready").isBool());
        QVERIFY(o.value(u"keys").isObject());
        QVERIFY(o.value(u"relays").isObject());
        QVERIFY(o.value(u"relays").toObject().value(u"configured").isDouble());
        QVERIFY(o.value(u"relays").toObject().value(u"usable").isDouble());
        QVERIFY(o.value(u"requests").isDouble());
        QVERIFY(o.value(u"requests").toDouble() >= 0);
        QCOMPARE(o.value(u"workers").toInt(), 2); // setWorkerCount(2) in init

        // With a key the counts follow.
        const QString id = addKey(10);
        QVERIFY(!id.isEmpty());
        const QJsonObject withKey = call("GET", "/status").obj();
        QCOMPARE(withKey.value(u"keys").toObject().value(u"active").toInt(), 1);
        QCOMPARE(withKey.value(u"ready").toBool(), true);
        QVERIFY(removeKey(id));

        QCOMPARE(call("POST", "/status", QByteArray("{}")).status, 405);
    }

    void keysAddListAndReject()
    {
        Answer list = call("GET", "/keys");
        QCOMPARE(list.status, 200);
        QVERIFY(QJsonDocument::fromJson(list.body).isArray());
        QCOMPARE(list.arr().size(), 0);

        const QString key = fakeKey(1);
        m_forbidden.append(key.toLatin1());
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const Answer added = call("POST", "/keys",
            QJsonObject { { QStringLiteral("secret"), key }, { QStringLiteral("label"), QStringLiteral("a") },
                { QStringLiteral("weight"), 3 } });
        QCOMPARE(added.status, 201);
        const QJsonObject k = added.obj();
        const QString id = k.value(u"id").toString();
        QVERIFY2(ga::config::schema::isValidId(id) && id.startsWith(u'k'), qPrintable(id));
        QCOMPARE(k.value(u"label").toString(), QStringLiteral("a"));
        QCOMPARE(k.value(u"weight").toInt(), 3);
        QCOMPARE(k.value(u"enabled").toBool(), true);
        QCOMPARE(k.value(u"key").toString(), QStringLiteral("AIza") + QChar(0x2026) + key.right(4));
        QVERIFY(applied(spy));

        // The secret is in the store under key/<id>, the config file only has metadata.
        QCOMPARE(ga::keys::secretEntryName(id), QStringLiteral("key/") + id);
        const ga::secrets::SecretResult secret = stored(QStringLiteral("key/") + id);
        QVERIFY(secret.ok());
        QCOMPARE(secret.value, key.toLatin1());
        QVERIFY(!ga::test::readAll(m_configPath).contains(key.toLatin1()));
        QVERIFY(!ga::test::readAll(m_configPath).contains(key.mid(4, 20).toLatin1()));
        QCOMPARE(fileValue(QStringLiteral("keys.items")).toArray().size(), 1);
        QCOMPARE(findIn(fileValue(QStringLiteral("keys.items")).toArray(), u"id", id).value(u"weight").toInt(), 3);

        // The same key again (even with blanks around it) is a conflict.
        QCOMPARE(call("POST", "/keys", QJsonObject { { QStringLiteral("secret"), key } }).status, 409);
        QCOMPARE(call("POST", "/keys", QJsonObject { { QStringLiteral("secret"), u' ' + key + u'\n' } }).status, 409);

        // Bad input: each names the field at fault, nothing is added.
        const QString other = fakeKey(2);
        m_forbidden.append(other.toLatin1());
        struct Bad
        {
            QByteArray body;
            QString path;
        };
        const QList<Bad> bad {
            { R"({"secret":42})", QStringLiteral("secret") },
            { R"({"label":"no secret"})", QStringLiteral("secret") },
            { R"({"secret":"AIzaTOOSHORT"})", QStringLiteral("secret") },
            { R"({"secret":null})", QStringLiteral("secret") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("bogus"), 1 } }),
                QStringLiteral("bogus") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("weight"), 0 } }),
                QStringLiteral("weight") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("weight"), 2.5 } }),
                QStringLiteral("weight") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("weight"), QStringLiteral("3") } }),
                QStringLiteral("weight") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("label"), 5 } }),
                QStringLiteral("label") },
            { jsonBytes({ { QStringLiteral("secret"), other }, { QStringLiteral("group"), QJsonArray() } }),
                QStringLiteral("group") },
        };
        for (const Bad &b : bad) {
            const Answer a = call("POST", "/keys", b.body);
            QVERIFY2(a.status == 400, b.body.constData());
            QVERIFY2(a.problemPaths().contains(b.path), a.body.constData());
        }
        for (const QByteArray &body :
            { QByteArray("{not json"), QByteArray("[]"), QByteArray("\"AIza\""), QByteArray() }) {
            const Answer a = call("POST", "/keys", body);
            QVERIFY2(a.status == 400, body.constData());
        }

        list = call("GET", "/keys");
        QCOMPARE(list.status, 200);
        QCOMPARE(list.arr().size(), 1);
        const QJsonObject listed = list.arr().at(0).toObject();
        QCOMPARE(listed.value(u"id").toString(), id);
        QCOMPARE(listed.value(u"label").toString(), QStringLiteral("a"));
        QCOMPARE(listed.value(u"key").toString(), k.value(u"key").toString());
        QCOMPARE(listed.value(u"state").toString(), QStringLiteral("active"));
        QCOMPARE(fileValue(QStringLiteral("keys.items")).toArray().size(), 1);
        QCOMPARE(m_service->keyPool().report().size(), 1);

        QVERIFY(removeKey(id));
    }

    void keysPatch()
    {
        const QString id = addKey(3, QStringLiteral("first"));
        QVERIFY(!id.isEmpty());
        const QByteArray path = "/keys/" + id.toLatin1();

        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const Answer changed = call("PATCH", path,
            QJsonObject { { QStringLiteral("label"), QStringLiteral("b") }, { QStringLiteral("weight"), 5 },
                { QStringLiteral("enabled"), false } });
        QCOMPARE(changed.status, 200);
        QCOMPARE(changed.obj().value(u"id").toString(), id);
        QCOMPARE(changed.obj().value(u"label").toString(), QStringLiteral("b"));
        QCOMPARE(changed.obj().value(u"weight").toInt(), 5);
        QCOMPARE(changed.obj().value(u"enabled").toBool(), false);
        QVERIFY(applied(spy));
        QJsonObject listed = findIn(call("GET", "/keys").arr(), u"id", id);
        QCOMPARE(listed.value(u"label").toString(), QStringLiteral("b"));
        QCOMPARE(listed.value(u"weight").toInt(), 5);
        QCOMPARE(listed.value(u"enabled").toBool(), false);
        QCOMPARE(listed.value(u"state").toString(), QStringLiteral("disabled"));
        const QJsonObject inFile = findIn(fileValue(QStringLiteral("keys.items")).toArray(), u"id", id);
        QCOMPARE(inFile.value(u"label").toString(), QStringLiteral("b"));
        QCOMPARE(inFile.value(u"enabled").toBool(), false);

        struct Bad
        {
            QByteArray body;
            QString path;
        };
        const QList<Bad> bad {
            { R"({"weight":"x"})", QStringLiteral("weight") },
            { R"({"weight":0})", QStringLiteral("weight") },
            { R"({"weight":1001})", QStringLiteral("weight") },
            { R"({"weight":1.5})", QStringLiteral("weight") },
            { R"({"enabled":"no"})", QStringLiteral("enabled") },
            { R"({"label":1})", QStringLiteral("label") },
            { R"({"group":false})", QStringLiteral("group") },
            { R"({"instance":"nope"})", QStringLiteral("instance") },
            { R"({"instance":7})", QStringLiteral("instance") },
            { R"({"secret":"x"})", QStringLiteral("secret") },
            { R"({"id":"k12345678"})", QStringLiteral("id") },
            { R"({"label":"c","weight":"x"})", QStringLiteral("weight") },
        };
        const QByteArray before = ga::test::readAll(m_configPath);
        for (const Bad &b : bad) {
            const Answer a = call("PATCH", path, b.body);
            QVERIFY2(a.status == 400, b.body.constData());
            QVERIFY2(a.problemPaths().contains(b.path), a.body.constData());
        }
        for (const QByteArray &body : { QByteArray("{"), QByteArray("[]"), QByteArray("5"), QByteArray() }) {
            QVERIFY2(call("PATCH", path, body).status == 400, body.constData());
        }
        QCOMPARE(ga::test::readAll(m_configPath), before); // nothing of a refused patch is written

        // Unknown and malformed ids.
        QCOMPARE(call("PATCH", "/keys/k0000dead", R"({"label":"x"})").status, 404);
        QCOMPARE(call("PATCH", "/keys/BAD!", R"({"label":"x"})").status, 404);
        QCOMPARE(call("PATCH", "/keys/" + QByteArray(33, 'k'), R"({"label":"x"})").status, 404);

        // Re-enabling puts the key back in rotation.
        spy.clear();
        QCOMPARE(call("PATCH", path, R"({"enabled":true})").status, 200);
        QVERIFY(applied(spy));
        listed = findIn(call("GET", "/keys").arr(), u"id", id);
        QCOMPARE(listed.value(u"enabled").toBool(), true);
        QCOMPARE(listed.value(u"state").toString(), QStringLiteral("active"));

        QVERIFY(removeKey(id));
    }

    void keysTest()
    {
        const QString good = addKey(4, QStringLiteral("known upstream")); // registered with the fake upstream
        const QString bad = addKey(5, QStringLiteral("unknown upstream"));
        QVERIFY(!good.isEmpty() && !bad.isEmpty());

        Answer a = call("POST", "/keys/" + good.toLatin1() + "/test", QByteArray("{}"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"id").toString(), good);
        QCOMPARE(a.obj().value(u"result").toString(), QStringLiteral("valid"));
        QCOMPARE(a.obj().value(u"status").toInt(), 200);
        QVERIFY(a.obj().value(u"latencyMs").isDouble());

        a = call("POST", "/keys/" + bad.toLatin1() + "/test", QByteArray());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"result").toString(), QStringLiteral("invalid"));
        QCOMPARE(a.obj().value(u"status").toInt(), 400);
        // What the test learned is in the running pool at once.
        QCOMPARE(findIn(call("GET", "/keys").arr(), u"id", bad).value(u"state").toString(), QStringLiteral("invalid"));
        QCOMPARE(findIn(call("GET", "/keys").arr(), u"id", good).value(u"state").toString(), QStringLiteral("active"));

        QCOMPARE(call("POST", "/keys/k0000dead/test", QByteArray("{}")).status, 404);
        QCOMPARE(call("POST", "/keys/BAD!/test", QByteArray("{}")).status, 404);
        QCOMPARE(call("GET", "/keys/" + good.toLatin1() + "/test").status, 405);

        QVERIFY(removeKey(good));
        QVERIFY(removeKey(bad));
    }

    void keysDelete()
    {
        const QString id = addKey(6);
        QVERIFY(!id.isEmpty());
        QVERIFY(m_secrets->contains(QStringLiteral("key/") + id));

        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const Answer a = call("DELETE", "/keys/" + id.toLatin1());
        QCOMPARE(a.status, 204);
        QVERIFY(a.body.isEmpty());
        QVERIFY(applied(spy));
        QVERIFY(!m_secrets->contains(QStringLiteral("key/") + id));
        QVERIFY(findIn(call("GET", "/keys").arr(), u"id", id).isEmpty());
        QVERIFY(findIn(fileValue(QStringLiteral("keys.items")).toArray(), u"id", id).isEmpty());
        QCOMPARE(m_service->keyPool().report().size(), 0);

        QCOMPARE(call("DELETE", "/keys/" + id.toLatin1()).status, 404);
        QCOMPARE(call("DELETE", "/keys/BAD!").status, 404);
        QCOMPARE(call("DELETE", "/keys").status, 405);
    }

    void instancesListAndDeleteUnbindsKeys()
    {
        const QByteArray secret = "relay-secret-of-i1-0123456789";
        m_forbidden.append(secret);
        QVERIFY(storeSecret(QStringLiteral("relay/i1"), secret));
        const QString deadUrl = QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort());
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const ga::config::ConfigStore::UpdateResult saved = m_store->update([&](QJsonObject &doc) {
            ga::config::schema::setValueAt(doc, QStringLiteral("instances.items"),
                QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("i1") },
                    { QStringLiteral("name"), QStringLiteral("n") }, { QStringLiteral("url"), deadUrl } } });
            return QString();
        });
        QVERIFY2(saved.ok, qPrintable(saved.error));
        QVERIFY(applied(spy));

        Answer a = call("GET", "/instances");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.arr().size(), 1);
        const QJsonObject i1 = a.arr().at(0).toObject();
        QCOMPARE(i1.value(u"id").toString(), QStringLiteral("i1"));
        QCOMPARE(i1.value(u"name").toString(), QStringLiteral("n"));
        QCOMPARE(i1.value(u"url").toString(), deadUrl);
        QCOMPARE(i1.value(u"enabled").toBool(), true);
        QVERIFY(!i1.value(u"health").toString().isEmpty());
        QVERIFY(i1.value(u"usable").isBool());
        QVERIFY(!i1.contains(u"secret"));
        QCOMPARE(call("GET", "/status").obj().value(u"relays").toObject().value(u"configured").toInt(), 1);

        // Bind a key to it, then remove the instance: the key is unbound and stays.
        const QString bound = addKey(7);
        const QString loose = addKey(8);
        QVERIFY(!bound.isEmpty() && !loose.isEmpty());
        spy.clear();
        a = call("PATCH", "/keys/" + bound.toLatin1(), R"({"instance":"i1"})");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"instance").toString(), QStringLiteral("i1"));
        QVERIFY(applied(spy));
        QCOMPARE(findIn(call("GET", "/keys").arr(), u"id", bound).value(u"instance").toString(), QStringLiteral("i1"));

        spy.clear();
        a = call("DELETE", "/instances/i1");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"unbound").toArray(), QJsonArray { bound });
        QVERIFY(applied(spy));
        QVERIFY(!m_secrets->contains(QStringLiteral("relay/i1")));
        QCOMPARE(call("GET", "/instances").arr().size(), 0);
        QCOMPARE(fileValue(QStringLiteral("instances.items")).toArray().size(), 0);
        const QJsonArray keys = call("GET", "/keys").arr();
        QCOMPARE(keys.size(), 2);
        QCOMPARE(findIn(keys, u"id", bound).value(u"instance").toString(), QString());
        QVERIFY(!findIn(fileValue(QStringLiteral("keys.items")).toArray(), u"id", bound).contains(u"instance"));

        QCOMPARE(call("DELETE", "/instances/i1").status, 404);
        QCOMPARE(call("DELETE", "/instances/nope").status, 404);
        QCOMPARE(call("DELETE", "/instances/BAD!").status, 404);
        QCOMPARE(call("DELETE", "/instances").status, 405);

        QVERIFY(removeKey(bound));
        QVERIFY(removeKey(loose));
    }

    void instancesCreatePatchAndTest()
    {
        // A secret given: stored, never echoed.
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        Answer a = call("POST", "/instances",
            QJsonObject { { QStringLiteral("name"), QStringLiteral("relay a") },
                { QStringLiteral("url"), m_relay->url() },
                { QStringLiteral("secret"), QString::fromLatin1(m_relaySecret) } });
        QCOMPARE(a.status, 201);
        const QString good = a.obj().value(u"id").toString();
        QVERIFY2(ga::config::schema::isValidId(good) && good.startsWith(u'i'), qPrintable(good));
        QCOMPARE(a.obj().value(u"name").toString(), QStringLiteral("relay a"));
        QCOMPARE(a.obj().value(u"url").toString(), m_relay->url());
        QCOMPARE(a.obj().value(u"enabled").toBool(), true);
        QVERIFY(!a.obj().contains(u"secret"));
        QVERIFY(applied(spy));
        QCOMPARE(stored(QStringLiteral("relay/") + good).value, m_relaySecret);

        // No secret given: one is generated and returned this once.
        const QString deadUrl = QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort());
        spy.clear();
        a = call("POST", "/instances",
            QJsonObject { { QStringLiteral("name"), QStringLiteral("relay b") }, { QStringLiteral("url"), deadUrl } });
        QCOMPARE(a.status, 201);
        const QString dead = a.obj().value(u"id").toString();
        const QByteArray generated = a.obj().value(u"secret").toString().toLatin1();
        QVERIFY2(generated.size() >= 16, a.body.constData());
        m_forbidden.append(generated);
        QVERIFY(applied(spy));
        QCOMPARE(stored(QStringLiteral("relay/") + dead).value, generated);

        // A relay that does not know our secret.
        const QByteArray wrong = "not-the-relay-secret-42";
        m_forbidden.append(wrong);
        spy.clear();
        a = call("POST", "/instances",
            QJsonObject { { QStringLiteral("name"), QStringLiteral("relay c") },
                { QStringLiteral("url"), m_relay->url() + QStringLiteral("/other") },
                { QStringLiteral("secret"), QString::fromLatin1(wrong) } });
        QCOMPARE(a.status, 201);
        const QString refused = a.obj().value(u"id").toString();
        QVERIFY(applied(spy));

        const QJsonArray list = call("GET", "/instances").arr();
        QCOMPARE(list.size(), 3);
        for (const QString &id : { good, dead, refused }) {
            QVERIFY2(!findIn(list, u"id", id).isEmpty(), qPrintable(id));
        }

        // Conflicts and bad input.
        QCOMPARE(call("POST", "/instances",
                     QJsonObject { { QStringLiteral("name"), QStringLiteral("again") },
                         { QStringLiteral("url"), m_relay->url() } })
                     .status,
            409);
        struct Bad
        {
            QByteArray body;
            QStringList paths;
        };
        // Plain strings here: moc (6.4) takes "//" inside a raw string for a comment and loses the class.
        const QList<Bad> bad {
            { "{\"name\":5,\"url\":\"ftp://x.example\"}", { QStringLiteral("name"), QStringLiteral("url") } },
            { "{\"url\":\"https://relay.example\"}", { QStringLiteral("name") } },
            { "{\"name\":\"  \",\"url\":\"https://relay.example\"}", { QStringLiteral("name") } },
            { R"({"name":"x"})", { QStringLiteral("url") } },
            { R"({"name":"x","url":42})", { QStringLiteral("url") } },
            { "{\"name\":\"x\",\"url\":\"https://relay.example/?q=1\"}", { QStringLiteral("url") } },
            { "{\"name\":\"x\",\"url\":\"https://relay.example\",\"secret\":\"short\"}", { QStringLiteral("secret") } },
            { "{\"name\":\"x\",\"url\":\"https://relay.example\",\"secret\":12345678901234567}",
                { QStringLiteral("secret") } },
            { "{\"name\":\"x\",\"url\":\"https://relay.example\",\"id\":\"i1\"}", { QStringLiteral("id") } },
        };
        for (const Bad &b : bad) {
            a = call("POST", "/instances", b.body);
            QVERIFY2(a.status == 400, b.body.constData());
            for (const QString &p : b.paths) {
                QVERIFY2(a.problemPaths().contains(p), a.body.constData());
            }
        }
        QCOMPARE(call("POST", "/instances", QByteArray("{bad")).status, 400);
        QCOMPARE(call("POST", "/instances", QByteArray("[]")).status, 400);
        QCOMPARE(call("GET", "/instances").arr().size(), 3);

        // PATCH.
        const QByteArray path = "/instances/" + refused.toLatin1();
        spy.clear();
        a = call("PATCH", path, R"({"name":"renamed","enabled":false})");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"id").toString(), refused);
        QCOMPARE(a.obj().value(u"name").toString(), QStringLiteral("renamed"));
        QCOMPARE(a.obj().value(u"enabled").toBool(), false);
        QVERIFY(applied(spy));
        QCOMPARE(findIn(call("GET", "/instances").arr(), u"id", refused).value(u"enabled").toBool(), false);
        QCOMPARE(
            findIn(fileValue(QStringLiteral("instances.items")).toArray(), u"id", refused).value(u"name").toString(),
            QStringLiteral("renamed"));
        const QList<Bad> badPatch {
            { R"({"url":"not a url"})", { QStringLiteral("url") } },
            { R"({"url":5})", { QStringLiteral("url") } },
            { R"({"enabled":"yes"})", { QStringLiteral("enabled") } },
            { R"({"name":""})", { QStringLiteral("name") } },
            { R"({"name":["x"]})", { QStringLiteral("name") } },
            { R"({"secret":"a-new-secret-0123456789"})", { QStringLiteral("secret") } },
            { R"({"id":"i9"})", { QStringLiteral("id") } },
        };
        const QByteArray before = ga::test::readAll(m_configPath);
        for (const Bad &b : badPatch) {
            a = call("PATCH", path, b.body);
            QVERIFY2(a.status == 400, b.body.constData());
            for (const QString &p : b.paths) {
                QVERIFY2(a.problemPaths().contains(p), a.body.constData());
            }
        }
        QCOMPARE(call("PATCH", path, QByteArray("[]")).status, 400);
        QCOMPARE(call("PATCH", path, QByteArray("nope")).status, 400);
        QCOMPARE(ga::test::readAll(m_configPath), before);
        // Another instance's URL is a conflict, as for POST.
        a = call("PATCH", path, jsonBytes({ { QStringLiteral("url"), m_relay->url() } }));
        QCOMPARE(a.status, 409);
        QCOMPARE(call("PATCH", "/instances/nope", R"({"name":"x"})").status, 404);
        QCOMPARE(call("PATCH", "/instances/BAD!", R"({"name":"x"})").status, 404);

        // Probes: the relay answers for the right secret, refuses a wrong one; a closed port is unreachable.
        a = call("POST", "/instances/" + good.toLatin1() + "/test", QByteArray("{}"));
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"id").toString(), good);
        QCOMPARE(a.obj().value(u"result").toString(), QStringLiteral("ok"));
        QCOMPARE(a.obj().value(u"status").toInt(), 200);
        a = call("POST", "/instances/" + refused.toLatin1() + "/test", QByteArray());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"result").toString(), QStringLiteral("bad-secret"));
        QCOMPARE(a.obj().value(u"status").toInt(), 401);
        a = call("POST", "/instances/" + dead.toLatin1() + "/test", QByteArray());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"result").toString(), QStringLiteral("unreachable"));
        QCOMPARE(a.obj().value(u"status").toInt(), 0);
        QVERIFY(m_relay->requests() >= 2);
        // A test sets the health the dashboard, the tray and routing go by (hardening issue, defect 13).
        QHash<QString, ga::routing::RelayHealth> health;
        for (const ga::routing::RelayReport &r : m_service->router().report()) {
            health.insert(r.id, r.health);
        }
        QCOMPARE(health.value(good), ga::routing::RelayHealth::Healthy);
        QCOMPARE(health.value(refused), ga::routing::RelayHealth::Unhealthy);
        QCOMPARE(health.value(dead), ga::routing::RelayHealth::Unhealthy);
        QCOMPARE(call("POST", "/instances/nope/test", QByteArray("{}")).status, 404);
        QCOMPARE(call("POST", "/instances/BAD!/test", QByteArray("{}")).status, 404);
        QCOMPARE(call("GET", "/instances/" + good.toLatin1() + "/test").status, 405);

        for (const QString &id : { good, dead, refused }) {
            spy.clear();
            a = call("DELETE", "/instances/" + id.toLatin1());
            QCOMPARE(a.status, 200);
            QCOMPARE(a.obj().value(u"unbound").toArray().size(), 0);
            QVERIFY(applied(spy));
            QVERIFY(!m_secrets->contains(QStringLiteral("relay/") + id));
        }
        QCOMPARE(call("GET", "/instances").arr().size(), 0);
    }

    void mode()
    {
        Answer a = call("GET", "/mode");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"mode").toString(), QStringLiteral("local"));
        QVERIFY(a.obj().value(u"fallbackToLocal").isBool());

        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        a = call("PUT", "/mode", R"({"mode":"hybrid"})");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"mode").toString(), QStringLiteral("hybrid"));
        QCOMPARE(fileValue(QStringLiteral("routing.mode")).toString(), QStringLiteral("hybrid"));
        QVERIFY(applied(spy));
        QVERIFY2(
            spy.first().first().toStringList().join(u'\n').contains(QStringLiteral("routing.mode: local → hybrid")),
            qPrintable(spy.first().first().toStringList().join(u'\n')));
        QCOMPARE(call("GET", "/mode").obj().value(u"mode").toString(), QStringLiteral("hybrid"));
        QCOMPARE(call("GET", "/status").obj().value(u"mode").toString(), QStringLiteral("hybrid"));

        const QByteArray before = ga::test::readAll(m_configPath);
        for (const QByteArray &body : { QByteArray(R"({"mode":"fast"})"), QByteArray(R"({"mode":"HYBRID"})"),
                 QByteArray(R"({"mode":3})"), QByteArray(R"({"mode":null})"), QByteArray("{}") }) {
            a = call("PUT", "/mode", body);
            QVERIFY2(a.status == 400, body.constData());
            QVERIFY2(a.problemPaths().contains(QStringLiteral("mode")), a.body.constData());
        }
        for (const QByteArray &body :
            { QByteArray(R"(["hybrid"])"), QByteArray(R"("local")"), QByteArray("local"), QByteArray() }) {
            QVERIFY2(call("PUT", "/mode", body).status == 400, body.constData());
        }
        QCOMPARE(ga::test::readAll(m_configPath), before);
        QCOMPARE(call("GET", "/mode").obj().value(u"mode").toString(), QStringLiteral("hybrid"));

        QCOMPARE(call("DELETE", "/mode").status, 405);
        QCOMPARE(call("POST", "/mode", R"({"mode":"local"})").status, 405);

        spy.clear();
        QCOMPARE(call("PUT", "/mode", R"({"mode":"local"})").status, 200);
        QVERIFY(applied(spy));
        QCOMPARE(call("GET", "/mode").obj().value(u"mode").toString(), QStringLiteral("local"));
    }

    void config()
    {
        Answer a = call("GET", "/config");
        QCOMPARE(a.status, 200);
        QJsonObject c = a.obj();
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("listen.port")).toInt(), int(m_port));
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("listen.headerTimeoutMs")).toInt(), 10000);
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("routing.mode")).toString(), QStringLiteral("local"));
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("upstream.baseUrl")).toString(), m_fake->baseUrl());
        QVERIFY(!a.body.contains("gat_"));

        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        a = call("PATCH", "/config", R"({"routing.mode":"serverless","listen.headerTimeoutMs":5000})");
        QCOMPARE(a.status, 200);
        c = a.obj();
        QCOMPARE(
            ga::config::schema::valueAt(c, QStringLiteral("routing.mode")).toString(), QStringLiteral("serverless"));
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("listen.headerTimeoutMs")).toInt(), 5000);
        QCOMPARE(fileValue(QStringLiteral("routing.mode")).toString(), QStringLiteral("serverless"));
        QCOMPARE(fileValue(QStringLiteral("listen.headerTimeoutMs")).toInt(), 5000);
        QVERIFY(applied(spy));
        QCOMPARE(call("GET", "/mode").obj().value(u"mode").toString(), QStringLiteral("serverless"));
        QCOMPARE(m_service->config().headerTimeoutMs, 5000);

        // All or nothing: any problem and nothing is written, not even the valid part.
        const QByteArray before = ga::test::readAll(m_configPath);
        a = call("PATCH", "/config", R"({"listen.port":70000})");
        QCOMPARE(a.status, 400);
        QCOMPARE(a.problemPaths(), QStringList { QStringLiteral("listen.port") });
        a = call("PATCH", "/config", R"({"listen.headerTimeoutMs":7000,"listen.port":70000})");
        QCOMPARE(a.status, 400);
        QCOMPARE(a.problemPaths(), QStringList { QStringLiteral("listen.port") });
        a = call("PATCH", "/config", R"({"listen.headerTimeoutMs":"x","routing.mode":"fast"})");
        QCOMPARE(a.status, 400);
        QVERIFY2(a.problemPaths().contains(QStringLiteral("listen.headerTimeoutMs")), a.body.constData());
        QVERIFY2(a.problemPaths().contains(QStringLiteral("routing.mode")), a.body.constData());
        a = call("PATCH", "/config", R"({"no.such":1})");
        QCOMPARE(a.status, 400);
        QCOMPARE(a.problemPaths(), QStringList { QStringLiteral("no.such") });
        a = call("PATCH", "/config", R"({"listen.headerTimeoutMs":6000,"no.such":1})");
        QCOMPARE(a.status, 400);
        QCOMPARE(a.problemPaths(), QStringList { QStringLiteral("no.such") });
        // Lists and whole sections are not settings: keys and tokens have their own routes.
        for (const QByteArray &body : { QByteArray(R"({"keys.items":[]})"), QByteArray(R"({"listen":{"port":1}})"),
                 QByteArray(R"({"auth.tokens.items":[]})"), QByteArray("[]"), QByteArray("{x"), QByteArray() }) {
            QVERIFY2(call("PATCH", "/config", body).status == 400, body.constData());
        }
        QCOMPARE(ga::test::readAll(m_configPath), before);
        c = call("GET", "/config").obj();
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("listen.port")).toInt(), int(m_port));
        QCOMPARE(ga::config::schema::valueAt(c, QStringLiteral("listen.headerTimeoutMs")).toInt(), 5000);
        QCOMPARE(m_service->config().listenPort, int(m_port));

        QCOMPARE(call("PUT", "/config", QByteArray("{}")).status, 405);

        spy.clear();
        QCOMPARE(call("PATCH", "/config", R"({"routing.mode":"local","listen.headerTimeoutMs":10000})").status, 200);
        QVERIFY(applied(spy));
    }

    // Defect 6 for the admin API (and so the GUI): a secret is written or removed only while the secrets journal
    // names it, so a daemon killed between its secret and config writes leaves nothing the next start cannot
    // clean up; once both agree the name leaves the journal.
    void secretWritesAreJournaled()
    {
        const QString journalPath = ga::config::secretJournalPath(m_configPath);
        QStringList seen;
        m_secrets->onChange = [&](const QString &what, const QString &name) {
            const bool named = ga::test::readAll(journalPath).contains(name.toUtf8());
            seen.append(QStringLiteral("%1 %2 %3")
                            .arg(what, name, named ? QStringLiteral("journaled") : QStringLiteral("NOT journaled")));
        };
        const QString key = addKey(31, QStringLiteral("journal"));
        QVERIFY(!key.isEmpty());
        QVERIFY(removeKey(key));
        Answer a = call("POST", "/tokens", QJsonObject { { QStringLiteral("name"), QStringLiteral("journaled") } });
        QCOMPARE(a.status, 201);
        m_forbidden.append(a.obj().value(u"token").toString().toLatin1());
        QCOMPARE(call("DELETE", "/tokens/journaled").status, 204);
        a = call("POST", "/instances",
            QJsonObject { { QStringLiteral("name"), QStringLiteral("journaled") },
                { QStringLiteral("url"), QStringLiteral("https://journal.example.net") },
                { QStringLiteral("secret"), QString::fromLatin1(m_relaySecret) } });
        QCOMPARE(a.status, 201);
        const QString instance = a.obj().value(u"id").toString();
        QCOMPARE(call("DELETE", "/instances/" + instance.toLatin1()).status, 200);
        m_secrets->onChange = nullptr;
        QCOMPARE(seen.size(), 6);
        for (const QString &line : std::as_const(seen)) {
            QVERIFY2(line.endsWith(QStringLiteral(" journaled")), qPrintable(seen.join(u'\n')));
        }
        // Settled: the journal names none of them any more.
        const QByteArray journal = ga::test::readAll(journalPath);
        for (const QString &name :
            { QStringLiteral("key/") + key, QStringLiteral("token/journaled"), QStringLiteral("relay/") + instance }) {
            QVERIFY2(!journal.contains(name.toUtf8()), journal.constData());
        }
    }

    // Defect 2: a listen change that cannot be bound is refused with 409 naming the field, nothing is written,
    // and the proxy keeps serving where it was; one that can be bound moves the listener before it is saved.
    void listenChangeThatCannotBindIsRefused()
    {
        auto healthz = [](quint16 port) {
            Client c(port);
            c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            return c.read(10'000).status;
        };
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        const QByteArray before = ga::test::readAll(m_configPath);
        Answer a
            = call("PATCH", "/config", QJsonObject { { QStringLiteral("listen.port"), int(squatter.serverPort()) } });
        QCOMPARE(a.status, 409);
        QCOMPARE(a.problemPaths(), QStringList { QStringLiteral("listen.port") });
        QVERIFY2(a.body.contains("already in use"), a.body.constData());
        QCOMPARE(ga::test::readAll(m_configPath), before);
        QCOMPARE(m_service->proxyServer()->port(), m_port);
        QCOMPARE(healthz(m_port), 200);

        const quint16 other = ga::test::freePort();
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        a = call("PATCH", "/config", QJsonObject { { QStringLiteral("listen.port"), int(other) } });
        QCOMPARE(a.status, 200);
        QCOMPARE(m_service->proxyServer()->port(), other); // bound before the answer
        QCOMPARE(fileValue(QStringLiteral("listen.port")).toInt(), int(other));
        QVERIFY(applied(spy));
        QCOMPARE(healthz(other), 200);
        spy.clear();
        const quint16 home = std::exchange(m_port, other); // the API answers on the new port now
        a = call("PATCH", "/config", QJsonObject { { QStringLiteral("listen.port"), int(home) } });
        m_port = home;
        QCOMPARE(a.status, 200);
        QVERIFY(applied(spy));
        QCOMPARE(m_service->proxyServer()->port(), m_port);
        QCOMPARE(healthz(m_port), 200);
    }

    // One validation on write (hardening issue, defects 1 and 8): nothing the API saves is refused by a reader
    // (config check, keys list, a restart), and a body no save could use is refused before it is read.
    void writesEveryReaderAccepts()
    {
        const QString id = addKey(12, QStringLiteral("plain"));
        QVERIFY(!id.isEmpty());
        const QByteArray path = "/keys/" + id.toLatin1();
        const QByteArray before = ga::test::readAll(m_configPath);

        // Text longer than a label may be, or with characters a terminal acts on: 400 naming the field.
        const QList<std::pair<QString, QString>> bad {
            { QStringLiteral("label"), QString(201, u'x') },
            { QStringLiteral("label"), QStringLiteral("red\x1b[31m") },
            { QStringLiteral("label"), QStringLiteral("one\nk0000beef  fake row") },
            { QStringLiteral("label"), QStringLiteral("a") + QChar(0x202e) + QStringLiteral("b") },
            { QStringLiteral("group"), QStringLiteral("p\x1b]0;title\x07") },
        };
        for (const auto &pair : bad) {
            const QString &field = pair.first; // not a structured binding: the lambda below captures it (Clang < 16)
            const QString &value = pair.second;
            const Answer a = call("PATCH", path, QJsonObject { { field, value } });
            QVERIFY2(a.status == 400, a.body.left(300).constData());
            const QStringList paths = a.problemPaths();
            QVERIFY2(
                std::any_of(paths.begin(), paths.end(), [&](const QString &p) { return p.endsWith(u'.' + field); }),
                a.body.left(300).constData());
            QVERIFY2(!a.body.contains('\x1b'), a.body.left(300).constData());
        }
        QCOMPARE(ga::test::readAll(m_configPath), before);

        // A 17 MiB body is refused from its head with 413: not read, not parsed.
        {
            Client c(m_port);
            c.send("PATCH /admin/api/v1" + path + " HTTP/1.1\r\n" + headersWith(m_adminToken)
                + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(17 * 1024 * 1024)
                + "\r\n\r\n{\"label\": \"xxxxxxxx");
            const Reply r = c.read(5000);
            QCOMPARE(r.status, 413);
        }
        // The same body handed to the API in-process (the desktop app's way in): 413 too.
        {
            ga::admin::Request rq;
            rq.method = "PATCH";
            rq.path = path;
            rq.body = "{\"label\": \"" + QByteArray(17 * 1024 * 1024, 'x') + "\"}";
            int status = 0;
            m_table->handle(std::move(rq), [&status](ga::admin::Response r) { status = r.status; });
            QTRY_VERIFY_WITH_TIMEOUT(status != 0, kApplyTimeoutMs);
            QCOMPARE(status, 413);
        }
        QCOMPARE(ga::test::readAll(m_configPath), before);

        // A listen address `run` would refuse: 400 naming listen.host, nothing written, nothing applied.
        Answer a = call("PATCH", "/config", QByteArray("{\"listen.host\": \"0.0.0.0\"}"));
        QCOMPARE(a.status, 400);
        QVERIFY2(a.problemPaths().contains(QStringLiteral("listen.host")), a.body.constData());
        a = call("PATCH", "/config", QByteArray("{\"listen.host\": \"0.0.0.0\", \"listen.allowRemote\": false}"));
        QCOMPARE(a.status, 400);
        QVERIFY2(a.problemPaths().contains(QStringLiteral("listen.host")), a.body.constData());
        QCOMPARE(ga::test::readAll(m_configPath), before);
        QCOMPARE(m_service->config().listenHost, QStringLiteral("127.0.0.1"));

        QVERIFY(removeKey(id));
    }

    void keysImportBulkExport()
    {
        const QString existing = addKey(21);
        QVERIFY(!existing.isEmpty());
        const QByteArray fresh = fakeKey(22).toLatin1();
        m_forbidden.append(fresh);
        const QByteArray text = fresh + "\n" + fakeKey(21).toLatin1() + "\n\nnot-a-key\n";
        const QByteArray before = ga::test::readAll(m_configPath);

        // A dry run says what each line would do and writes nothing.
        Answer a = call("POST", "/keys/import",
            QJsonObject { { QStringLiteral("text"), QString::fromLatin1(text) }, { QStringLiteral("dryRun"), true } });
        QCOMPARE(a.status, 200);
        QJsonArray results = a.obj().value(u"results").toArray();
        QCOMPARE(results.size(), 3);
        QCOMPARE(results.at(0).toObject().value(u"line").toInt(), 1);
        QCOMPARE(results.at(0).toObject().value(u"status").toString(), QStringLiteral("valid"));
        QCOMPARE(results.at(1).toObject().value(u"status").toString(), QStringLiteral("duplicate"));
        QCOMPARE(results.at(2).toObject().value(u"line").toInt(), 4);
        QCOMPARE(results.at(2).toObject().value(u"status").toString(), QStringLiteral("invalid"));
        QVERIFY(!results.at(2).toObject().value(u"message").toString().isEmpty());
        QCOMPARE(ga::test::readAll(m_configPath), before);

        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        a = call("POST", "/keys/import",
            QJsonObject { { QStringLiteral("text"), QString::fromLatin1(text) }, { QStringLiteral("group"), "bulk" } });
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"added").toInt(), 1);
        results = a.obj().value(u"results").toArray();
        QCOMPARE(results.at(0).toObject().value(u"status").toString(), QStringLiteral("added"));
        const QString added = results.at(0).toObject().value(u"id").toString();
        QVERIFY(!added.isEmpty());
        QVERIFY(applied(spy));
        QCOMPARE(findIn(call("GET", "/keys").arr(), u"id", added).value(u"group").toString(), QStringLiteral("bulk"));

        // Bad shapes.
        QCOMPARE(call("POST", "/keys/import", QJsonObject {}).status, 400);
        QCOMPARE(call("POST", "/keys/import", QJsonObject { { QStringLiteral("text"), 5 } }).status, 400);

        // Bulk changes: one save for all ids.
        const QJsonArray both { existing, added };
        spy.clear();
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "disable" } });
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"changed").toInt(), 2);
        QVERIFY(applied(spy));
        for (const QJsonValue &k : configFile().value(u"keys").toObject().value(u"items").toArray()) {
            if (both.contains(k.toObject().value(u"id"))) {
                QCOMPARE(k.toObject().value(u"enabled").toBool(true), false);
            }
        }
        QCOMPARE(call("POST", "/keys/bulk",
                     QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "enable" } })
                     .status,
            200);
        QCOMPARE(call("POST", "/keys/bulk",
                     QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "reset" } })
                     .status,
            200);
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "explode" } });
        QCOMPARE(a.status, 400);
        QVERIFY(a.problemPaths().contains(QStringLiteral("action")));
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), QJsonArray {} }, { QStringLiteral("action"), "enable" } });
        QCOMPARE(a.status, 400);
        QVERIFY(a.problemPaths().contains(QStringLiteral("ids")));
        QCOMPARE(call("POST", "/keys/bulk",
                     QJsonObject { { QStringLiteral("ids"), QJsonArray { existing, QStringLiteral("knope") } },
                         { QStringLiteral("action"), "disable" } })
                     .status,
            404);

        // Bind to a relay instance that does not exist: refused by the same rule as PATCH /keys/{id}.
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "bind" },
                { QStringLiteral("instance"), "inope" } });
        QVERIFY2(a.status == 400 || a.status == 404, a.body.constData());
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "bind" } });
        QCOMPARE(a.status, 400);
        QVERIFY(a.problemPaths().contains(QStringLiteral("instance")));
        QCOMPARE(call("POST", "/keys/bulk",
                     QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "bind" },
                         { QStringLiteral("instance"), QJsonValue::Null } })
                     .status,
            200);

        // The export: every key by id, no secret (send() checks every answer for the secrets).
        a = call("GET", "/keys/export");
        QCOMPARE(a.status, 200);
        QVERIFY(findIn(a.obj().value(u"keys").toArray(), u"id", added).contains(u"label"));
        QVERIFY(!a.obj().contains(u"secrets"));

        spy.clear();
        a = call("POST", "/keys/bulk",
            QJsonObject { { QStringLiteral("ids"), both }, { QStringLiteral("action"), "delete" } });
        QCOMPARE(a.status, 200);
        QVERIFY(applied(spy));
        QVERIFY(findIn(call("GET", "/keys").arr(), u"id", added).isEmpty());
        QVERIFY(findIn(call("GET", "/keys").arr(), u"id", existing).isEmpty());
    }

    void configSchemaAndCheck()
    {
        Answer a = call("GET", "/config/schema");
        QCOMPARE(a.status, 200);
        const QJsonArray settings = a.obj().value(u"settings").toArray();
        QCOMPARE(settings.size(), ga::config::schema::settingPaths().size());
        const QJsonObject port = findIn(settings, u"path", QStringLiteral("listen.port"));
        QCOMPARE(port.value(u"kind").toString(), QStringLiteral("int"));
        QCOMPARE(port.value(u"tab").toString(), QStringLiteral("listen"));
        QCOMPARE(port.value(u"min").toInt(), 1);
        QCOMPARE(port.value(u"max").toInt(), 65535);
        QVERIFY(!findIn(settings, u"path", QStringLiteral("routing.mode")).value(u"choices").toArray().isEmpty());

        // The check is PATCH /config's own validation, and writes nothing.
        const QByteArray before = ga::test::readAll(m_configPath);
        a = call("POST", "/config/check", QJsonObject { { QStringLiteral("listen.port"), 70000 } });
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"ok").toBool(true), false);
        const QJsonObject problem = a.obj().value(u"problems").toArray().first().toObject();
        QCOMPARE(problem.value(u"path").toString(), QStringLiteral("listen.port"));
        const Answer patched = call("PATCH", "/config", QJsonObject { { QStringLiteral("listen.port"), 70000 } });
        QCOMPARE(patched.status, 400);
        QVERIFY(patched.body.contains(problem.value(u"message").toString().toUtf8())); // the same words
        a = call("POST", "/config/check", QJsonObject { { QStringLiteral("routing.mode"), "hybrid" } });
        QCOMPARE(a.obj().value(u"ok").toBool(), true);
        const QJsonObject change = a.obj().value(u"changes").toArray().first().toObject();
        QCOMPARE(change.value(u"path").toString(), QStringLiteral("routing.mode"));
        QCOMPARE(change.value(u"from").toString(), QStringLiteral("local"));
        QCOMPARE(change.value(u"to").toString(), QStringLiteral("hybrid"));
        QCOMPARE(call("POST", "/config/check", QJsonObject { { QStringLiteral("no.such"), 1 } })
                     .obj()
                     .value(u"ok")
                     .toBool(true),
            false);
        QCOMPARE(ga::test::readAll(m_configPath), before);
    }

    // The proxy's password is write-only: stored in the secret store, the config only stamped; never in an answer.
    void proxyPasswordIsWriteOnly()
    {
        const QByteArray password = "pr0xy-pa55 word";
        m_forbidden.append(password);
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        Answer a = call("PUT", "/config/proxyPassword",
            QJsonObject { { QStringLiteral("password"), QString::fromUtf8(password) } });
        QCOMPARE(a.status, 204);
        QVERIFY(applied(spy));
        QVERIFY(m_secrets->contains(QString::fromLatin1(ga::upstream::kProxyPasswordEntry)));
        a = call("GET", "/config");
        QVERIFY(!a.obj().value(u"upstream").toObject().value(u"proxyPasswordSetAt").toString().isEmpty());
        QCOMPARE(call("PUT", "/config/proxyPassword", QJsonObject { { QStringLiteral("password"), 7 } }).status, 400);
        // A URL with a password is refused by PATCH /config, and the answer does not repeat it.
        a = call("PATCH", "/config",
            QJsonObject {
                { QStringLiteral("upstream.proxy"), QStringLiteral("http://alice:pr0xy-pa55@127.0.0.1:3128") } });
        QCOMPARE(a.status, 400);
        QVERIFY(!a.body.contains("pr0xy"));
        spy.clear();
        QCOMPARE(
            call("PUT", "/config/proxyPassword", QJsonObject { { QStringLiteral("password"), QJsonValue() } }).status,
            204);
        QVERIFY(applied(spy));
        QVERIFY(!m_secrets->contains(QString::fromLatin1(ga::upstream::kProxyPasswordEntry)));
    }

    void historySummaryAndTail()
    {
        // The tail: a server-sent event per finished request (admin calls left out).
        QTcpSocket tail;
        tail.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(tail.waitForConnected(5000));
        tail.write("GET /admin/api/v1/history/tail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_adminToken
            + "\r\n\r\n");
        m_exercised.insert(QStringLiteral("GET /history/tail"));
        QByteArray got;
        auto waitFor = [&](const QByteArray &text) {
            QElapsedTimer t;
            t.start();
            while (!got.contains(text) && t.elapsed() < 10'000) {
                if (tail.bytesAvailable() == 0) {
                    QSignalSpy more(&tail, &QIODevice::readyRead);
                    more.wait(200);
                }
                got += tail.readAll();
            }
            return got.contains(text);
        };
        QVERIFY(waitFor(": the request history as it happens"));
        QVERIFY(got.startsWith("HTTP/1.1 200"));
        QVERIFY(got.contains("Content-Type: text/event-stream"));
        QCOMPARE(call("GET", "/status").status, 200); // an admin call: not in the tail
        QVERIFY(geminiStatus(m_accessToken) > 0); // whatever the upstream answers, the request is recorded
        QVERIFY2(waitFor("\"path\":\"/v1beta/models\""), got.constData());
        QVERIFY(!got.contains("\"kind\":\"admin\""));
        tail.close();

        // In-process callers are told it is a stream.
        int inProcess = 0;
        m_table->handle(ga::admin::Request { "GET", "/history/tail", {}, {} },
            [&](const ga::admin::Response &r) { inProcess = r.status; });
        QTRY_COMPARE_WITH_TIMEOUT(inProcess, 406, 10'000);

        Answer a = call("GET", "/history/summary?window=1h");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"bucketSeconds").toInt(), 60);
        const QJsonArray buckets = a.obj().value(u"buckets").toArray();
        QCOMPARE(buckets.size(), 60);
        double requests = 0;
        for (const QJsonValue &b : buckets) {
            requests += b.toObject().value(u"requests").toDouble();
        }
        QVERIFY(requests >= 1); // the Gemini call above; admin calls are not counted
        QVERIFY(!a.obj().value(u"byModel").toArray().isEmpty());
        QCOMPARE(call("GET", "/history/summary?window=7d").obj().value(u"buckets").toArray().size(), 168);
        QCOMPARE(call("GET", "/history/summary?window=24h").obj().value(u"buckets").toArray().size(), 96);
        a = call("GET", "/history/summary?window=1y");
        QCOMPARE(a.status, 400);
        QVERIFY(a.problemPaths().contains(QStringLiteral("window")));
    }

    void tlsStatusWhenOff()
    {
        const Answer a = call("GET", "/tls");
        QCOMPARE(a.status, 200);
        const QJsonObject listener = a.obj().value(u"listener").toObject();
        QCOMPARE(listener.value(u"enabled").toBool(true), false);
        QCOMPARE(listener.value(u"present").toBool(true), false);
        QCOMPARE(listener.value(u"url").toString(), QString());
    }

    void clusterStatusWhenOff()
    {
        const Answer a = call("GET", "/cluster");
        QCOMPARE(a.status, 200);
        const QJsonObject cluster = a.obj().value(u"cluster").toObject();
        QCOMPARE(cluster.value(u"state").toString(), QStringLiteral("off"));
        QCOMPARE(cluster.value(u"redis").toString(), QString());
        QCOMPARE(cluster.value(u"published").toInt(-1), 0);
    }

    void consoleSessions()
    {
        auto raw = [&](const QByteArray &method, const QByteArray &path, const QByteArray &headers,
                       const QByteArray &body = {}) {
            Client c(m_port);
            QByteArray req = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
            if (!body.isEmpty() || method == "POST" || method == "PUT") {
                req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
            }
            c.send(req + "Connection: close\r\n\r\n" + body);
            const Reply r = c.read(30'000);
            for (const QByteArray &secret : std::as_const(m_forbidden)) {
                if (r.body.contains(secret)) {
                    m_failures.append(QStringLiteral("%1 %2: the answer contains a secret")
                                          .arg(QString::fromLatin1(method), QString::fromLatin1(path)));
                }
            }
            return r;
        };
        // Without a built console, /admin/ says how to build it.
        Reply r = raw("GET", "/admin/", {});
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.contains("GA_BUILD_WEBUI"));
        QVERIFY(r.header("content-security-policy").contains("frame-ancestors 'none'"));
        QCOMPARE(raw("GET", "/admin", {}).header("location"), QByteArray("/admin/"));
        QCOMPARE(raw("GET", "/admin/a..b.js", {}).status, 404);
        QCOMPARE(raw("GET", "/admin/assets/missing.js", {}).status, 404);

        QCOMPARE(raw("POST", "/admin/session", {}, "{\"token\": \"gat_wrong\"}").status, 401);
        QCOMPARE(raw("POST", "/admin/session", {}, "not json").status, 401);
        QCOMPARE(raw("GET", "/admin/session", {}).status, 401);
        r = raw("POST", "/admin/session", {}, "{\"token\": \"" + m_adminToken + "\"}");
        QCOMPARE(r.status, 200);
        const QByteArray setCookie = r.header("set-cookie");
        for (const char *attribute : { "Path=/admin", "HttpOnly", "SameSite=Strict", "Max-Age=43200" }) {
            QVERIFY2(setCookie.contains(attribute), setCookie.constData());
        }
        QVERIFY(!setCookie.contains("Secure")); // plain HTTP here
        const QByteArray cookie = "Cookie: " + setCookie.left(setCookie.indexOf(';')) + "\r\n";
        const QByteArray csrf = QJsonDocument::fromJson(r.body).object().value(u"csrfToken").toString().toLatin1();
        QCOMPARE(csrf.size(), 43);
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"insecureRemote").toBool(true), false);
        QCOMPARE(
            QJsonDocument::fromJson(raw("GET", "/admin/session", cookie).body).object().value(u"csrfToken").toString(),
            QString::fromLatin1(csrf));

        // Reads with the cookie; writes with the cookie and its CSRF token only.
        QCOMPARE(raw("GET", "/admin/api/v1/status", cookie).status, 200);
        QCOMPARE(raw("GET", "/admin/api/v1/status", {}).status, 401);
        const QByteArray mode = "{\"mode\": \"hybrid\"}";
        QCOMPARE(raw("PUT", "/admin/api/v1/mode", cookie, mode).status, 403);
        QCOMPARE(
            raw("PUT", "/admin/api/v1/mode", cookie + "X-CSRF-Token: " + csrf.left(42) + "x\r\n", mode).status, 403);
        QCOMPARE(raw("PUT", "/admin/api/v1/mode", "X-CSRF-Token: " + csrf + "\r\n", mode).status, 401);
        QCOMPARE(fileValue(QStringLiteral("routing.mode")).toString(QStringLiteral("local")), QStringLiteral("local"));
        // A page of another origin is refused even with both; the console's own origin is let through.
        QCOMPARE(raw("PUT", "/admin/api/v1/mode",
                     cookie + "X-CSRF-Token: " + csrf + "\r\nOrigin: http://evil.example\r\n", mode)
                     .status,
            403);
        QCOMPARE(
            raw("POST", "/admin/session", "Origin: http://evil.example\r\n", "{\"token\": \"" + m_adminToken + "\"}")
                .status,
            403);
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        const QByteArray origin = "Origin: http://127.0.0.1\r\n";
        QCOMPARE(
            raw("PUT", "/admin/api/v1/mode", cookie + "X-CSRF-Token: " + csrf + "\r\n" + origin, mode).status, 200);
        QVERIFY(applied(spy));
        QCOMPARE(call("PUT", "/mode", QJsonObject { { QStringLiteral("mode"), "local" } }).status, 200);

        // Signing out needs the CSRF token, clears the cookie and ends the session.
        QCOMPARE(raw("DELETE", "/admin/session", cookie).status, 403);
        r = raw("DELETE", "/admin/session", cookie + "X-CSRF-Token: " + csrf + "\r\n");
        QCOMPARE(r.status, 204);
        QVERIFY(r.header("set-cookie").contains("Max-Age=0"));
        QCOMPARE(raw("GET", "/admin/api/v1/status", cookie).status, 401);

        // A new admin token signs every console out.
        r = raw("POST", "/admin/session", {}, "{\"token\": \"" + m_adminToken + "\"}");
        const QByteArray second
            = "Cookie: " + r.header("set-cookie").left(r.header("set-cookie").indexOf(';')) + "\r\n";
        QCOMPARE(raw("GET", "/admin/api/v1/status", second).status, 200);
        QByteArray rotated;
        const std::unique_ptr<ga::app::Runtime> runtime = ga::app::serviceRuntime(*m_service);
        ga::app::TokenOps(runtime->workspace())
            .ensureAdmin(true, [&](const ga::app::Outcome &done, const QByteArray &token, bool) {
                QVERIFY(done.ok());
                rotated = token;
            });
        QTRY_VERIFY_WITH_TIMEOUT(!rotated.isEmpty(), 10'000);
        m_forbidden.append(rotated);
        QTRY_COMPARE_WITH_TIMEOUT(raw("GET", "/admin/api/v1/status", second).status, 401, 10'000);
        const QByteArray old = m_adminToken;
        m_adminToken = rotated;
        QCOMPARE(call("GET", "/status").status, 200);
        QCOMPARE(raw("POST", "/admin/session", {}, "{\"token\": \"" + old + "\"}").status, 401);
    }

    void statsAndHistory()
    {
        const QString id = addKey(11);
        QVERIFY(!id.isEmpty());
        Answer a = call("GET", "/stats");
        QCOMPARE(a.status, 200);
        QVERIFY(QJsonDocument::fromJson(a.body).isArray());
        const QJsonObject stats = findIn(a.arr(), u"id", id);
        QCOMPARE(stats.value(u"state").toString(), QStringLiteral("active"));
        QVERIFY(stats.value(u"days").isObject());

        a = call("GET", "/history");
        QCOMPARE(a.status, 200);
        QVERIFY(QJsonDocument::fromJson(a.body).isArray());
        QVERIFY(a.arr().size() >= 1); // earlier admin calls are in it
        a = call("GET", "/history?limit=1");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.arr().size(), 1);
        for (const QByteArray &limit : { QByteArray("0"), QByteArray("-1"), QByteArray("abc"), QByteArray("100001"),
                 QByteArray("1.5"), QByteArray() }) {
            a = call("GET", "/history?limit=" + limit);
            QVERIFY2(a.status == 400, limit.constData());
            QVERIFY2(a.problemPaths().contains(QStringLiteral("limit")), a.body.constData());
        }
        // Filtered and paged (from history.sqlite: admin calls are recorded too).
        a = call("GET", "/history?status=2&since=1h");
        QCOMPARE(a.status, 200);
        QVERIFY(a.arr().size() >= 1);
        for (const QJsonValue &v : a.arr()) {
            QCOMPARE(v.toObject().value(u"status").toInt() / 100, 2);
        }
        // By kind: the admin calls alone, or everything but them.
        a = call("GET", "/history?kind=admin&limit=20");
        QCOMPARE(a.status, 200);
        QVERIFY(!a.arr().isEmpty());
        for (const QJsonValue &v : a.arr()) {
            QCOMPARE(v.toObject().value(u"kind").toString(), QStringLiteral("admin"));
        }
        a = call("GET", "/history?notKind=admin&limit=1000");
        QCOMPARE(a.status, 200);
        for (const QJsonValue &v : a.arr()) {
            QVERIFY(v.toObject().value(u"kind").toString() != u"admin");
        }
        // Paged within a fixed window (every call adds a record of its own, after `until`).
        QTest::qWait(5);
        const QByteArray until = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1();
        QTest::qWait(5);
        const QJsonArray two = call("GET", "/history?limit=2&until=" + until).arr();
        QCOMPARE(two.size(), 2);
        const QJsonArray second = call("GET", "/history?limit=1&offset=1&until=" + until).arr();
        QCOMPARE(second.size(), 1);
        // In time order: the page holds the newest two, oldest first; offset 1 skips the newest.
        QCOMPARE(second.first().toObject().value(u"id"), two.at(0).toObject().value(u"id"));
        QVERIFY(two.at(1).toObject().value(u"id").toDouble() > two.at(0).toObject().value(u"id").toDouble());
        a = call("GET", "/history?status=404&since=1h&keyId=nobody");
        QVERIFY2(a.arr().isEmpty(), a.body.left(600).constData());
        QCOMPARE(call("GET", "/history?until=2000-01-01T00:00:00Z").arr().size(), 0);
        for (const QByteArray &bad : { QByteArray("since=yesterday"), QByteArray("until=12x"), QByteArray("status=42"),
                 QByteArray("offset=-1") }) {
            a = call("GET", "/history?" + bad);
            QVERIFY2(a.status == 400, bad.constData());
            QVERIFY2(a.problemPaths().contains(QString::fromLatin1(bad.left(bad.indexOf('=')))), a.body.constData());
        }
        QCOMPARE(call("DELETE", "/history").status, 405);
        QCOMPARE(call("POST", "/stats", QByteArray("{}")).status, 405);
        QVERIFY(removeKey(id));
    }

    void tokens()
    {
        Answer a = call("GET", "/tokens");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.arr().size(), 1);
        QCOMPARE(a.arr().at(0).toObject().value(u"name").toString(), QStringLiteral("default"));
        QVERIFY(a.arr().at(0).toObject().value(u"effectiveLimits").isObject());
        QVERIFY(!a.body.contains("gat_"));

        // Create: the token is returned this once, works for the Gemini API, never for the admin API.
        QSignalSpy spy(m_service.get(), &ga::daemon::Service::configApplied);
        a = call("POST", "/tokens", R"({"name":"ci","requestsPerMinute":10})");
        QCOMPARE(a.status, 201);
        QCOMPARE(a.obj().value(u"name").toString(), QStringLiteral("ci"));
        const QByteArray first = a.obj().value(u"token").toString().toLatin1();
        QVERIFY(first.startsWith("gat_"));
        m_forbidden.append(first);
        QVERIFY(applied(spy));
        QCOMPARE(stored(QStringLiteral("token/ci")).value, first);
        QVERIFY(geminiStatus(first) != 401);
        QCOMPARE(send("GET", "/status", {}, headersWith(first)).status, 401);
        a = call("GET", "/tokens");
        QCOMPARE(a.arr().size(), 2);
        QCOMPARE(findIn(a.arr(), u"name", QStringLiteral("ci")).value(u"requestsPerMinute").toInt(), 10);

        struct Bad
        {
            QByteArray body;
            QString path;
        };
        const QList<Bad> bad {
            { R"({"name":"Bad Name"})", QStringLiteral("name") },
            { R"({})", QStringLiteral("name") },
            { R"({"name":7})", QStringLiteral("name") },
            { R"({"name":"x2","requestsPerMinute":"many"})", QStringLiteral("requestsPerMinute") },
            { R"({"name":"x3","requestsPerDay":-1})", QStringLiteral("requestsPerDay") },
            { R"({"name":"x4","concurrentStreams":1.5})", QStringLiteral("concurrentStreams") },
            { R"({"name":"x5","bogus":1})", QStringLiteral("bogus") },
            { R"({"name":"x6","token":"gat_chosen"})", QStringLiteral("token") },
        };
        for (const Bad &b : bad) {
            a = call("POST", "/tokens", b.body);
            QVERIFY2(a.status == 400, b.body.constData());
            QVERIFY2(a.problemPaths().contains(b.path), a.body.constData());
        }
        QCOMPARE(call("POST", "/tokens", QByteArray("nope")).status, 400);
        QCOMPARE(call("POST", "/tokens", R"({"name":"ci"})").status, 409);
        QCOMPARE(call("POST", "/tokens", R"({"name":"default"})").status, 409);
        // A limit the config would refuse is refused up front, and leaves no secret behind.
        a = call("POST", "/tokens", R"({"name":"big","requestsPerMinute":200000000})");
        QCOMPARE(a.status, 400);
        QVERIFY2(a.problemPaths().contains(QStringLiteral("requestsPerMinute")), a.body.constData());
        QVERIFY(!m_secrets->contains(QStringLiteral("token/big")));
        QCOMPARE(call("GET", "/tokens").arr().size(), 2);

        // Rotate: a new value, the old one stops working once the change is applied.
        spy.clear();
        a = call("POST", "/tokens/ci/rotate", QByteArray());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"name").toString(), QStringLiteral("ci"));
        const QByteArray second = a.obj().value(u"token").toString().toLatin1();
        QVERIFY(second.startsWith("gat_"));
        QVERIFY(second != first);
        m_forbidden.append(second);
        QVERIFY(applied(spy));
        QCOMPARE(geminiStatus(first), 401);
        QVERIFY(geminiStatus(second) != 401);
        QVERIFY(findIn(call("GET", "/tokens").arr(), u"name", QStringLiteral("ci")).contains(u"rotated"));
        QCOMPARE(call("POST", "/tokens/nope/rotate", QByteArray()).status, 404);
        QCOMPARE(call("POST", "/tokens/BAD!/rotate", QByteArray()).status, 404);
        QCOMPARE(call("GET", "/tokens/ci/rotate").status, 405);

        // Revoke.
        spy.clear();
        a = call("DELETE", "/tokens/ci");
        QCOMPARE(a.status, 204);
        QVERIFY(applied(spy));
        QVERIFY(!m_secrets->contains(QStringLiteral("token/ci")));
        QCOMPARE(geminiStatus(second), 401);
        QVERIFY(geminiStatus(m_accessToken) != 401);
        QCOMPARE(call("DELETE", "/tokens/ci").status, 404);
        QCOMPARE(call("DELETE", "/tokens/BAD!").status, 404);
        QCOMPARE(call("PATCH", "/tokens/default", R"({"requestsPerMinute":1})").status, 405);
        a = call("GET", "/tokens");
        QCOMPARE(a.arr().size(), 1);
        QVERIFY(!a.body.contains("gat_"));
    }

    void unknownPathsAndWrongMethods()
    {
        for (const QByteArray &path : { QByteArray(), QByteArray("/"), QByteArray("/nope"), QByteArray("/keys/"),
                 QByteArray("/Keys"), QByteArray("/status/"), QByteArray("/keys/k1/test/more"),
                 QByteArray("/openapi.yaml"), QByteArray("/status%20") }) {
            const Answer a = call("GET", path);
            QVERIFY2(a.status == 404, path.constData());
        }
        QCOMPARE(call("DELETE", "/mode").status, 405);
        QCOMPARE(call("PATCH", "/status", QByteArray("{}")).status, 405);
        QCOMPARE(call("PUT", "/keys", QByteArray("{}")).status, 405);
        QCOMPARE(call("GET", "/keys/k12345678").status, 405);
        QCOMPARE(call("POST", "/openapi.json", QByteArray("{}")).status, 405);
        QCOMPARE(call("OPTIONS", "/status").status, 405);
        // A secret pasted into a path is not echoed by the 404.
        const QByteArray key = fakeKey(30).toLatin1();
        m_forbidden.append(key);
        QCOMPARE(call("GET", "/keys/" + key).status, 404);
        QCOMPARE(call("GET", "/" + key).status, 404);
        QCOMPARE(call("GET", "/tokens/" + m_accessToken).status, 404);
        const QByteArray unseen = ga::security::generateAccessToken();
        m_forbidden.append(unseen);
        QCOMPARE(call("GET", "/" + unseen).status, 404);
        // Dot segments never reach the API: the request parser refuses them.
        QCOMPARE(call("GET", "/keys/../status").status, 400);
    }

    // Last: the document against the table, and the table against what the functions above called.
    // Files and cached contents made through the proxy: listed with their owner, deleted at Google with its key.
    void filesAndCachedContents()
    {
        const QString id = addKey(4); // the fake knows this one (project-test)
        QVERIFY(!id.isEmpty());
        auto gemini = [this](const QByteArray &method, const QByteArray &target, const QByteArray &headers,
                          const QByteArray &body) {
            Client c(m_port);
            c.send(method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                + "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            return c.read(30'000);
        };
        const QByteArray auth = "x-goog-api-key: " + m_accessToken + "\r\n";
        Reply r = gemini("POST", "/upload/v1beta/files",
            auth
                + "X-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\n"
                  "X-Goog-Upload-Header-Content-Type: text/plain\r\nContent-Type: application/json\r\n",
            R"({"file":{"displayName":"notes"}})");
        QCOMPARE(r.status, 200);
        const QByteArray url = r.header("x-goog-upload-url");
        const QByteArray target = url.mid(url.indexOf("/upload/"));
        QVERIFY2(target.contains("upload_id="), url.constData());
        r = gemini("POST", target, "X-Goog-Upload-Command: upload, finalize\r\nX-Goog-Upload-Offset: 0\r\n", "hello");
        QCOMPARE(r.status, 200);
        const QString file
            = QJsonDocument::fromJson(r.body).object().value(u"file").toObject().value(u"name").toString();
        QVERIFY2(file.startsWith(u"files/"), r.body.constData());
        r = gemini("POST", "/v1beta/cachedContents", auth + "Content-Type: application/json\r\n",
            R"({"model":"models/gemini-2.5-flash","contents":[{"role":"user","parts":[{"text":"context"}]}]})");
        QCOMPARE(r.status, 200);
        const QString cache = QJsonDocument::fromJson(r.body).object().value(u"name").toString();
        QVERIFY2(cache.startsWith(u"cachedContents/"), r.body.constData());

        Answer a = call("GET", "/files");
        QCOMPARE(a.status, 200);
        const QJsonObject listed = findIn(a.arr(), u"name", file);
        QCOMPARE(listed.value(u"key").toString(), id);
        QCOMPARE(listed.value(u"kind").toString(), QStringLiteral("file"));
        QCOMPARE(listed.value(u"sizeBytes").toInt(), 5);
        QCOMPARE(listed.value(u"displayName").toString(), QStringLiteral("notes"));
        a = call("GET", "/files/" + file.mid(6).toLatin1());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"name").toString(), file);
        QCOMPARE(call("GET", "/files/unknown123").status, 404);
        a = call("GET", "/resources?kind=file");
        QCOMPARE(a.status, 200);
        QVERIFY(!findIn(a.arr(), u"name", file).isEmpty());
        QVERIFY(findIn(a.arr(), u"name", cache).isEmpty());
        a = call("GET", "/resources");
        QVERIFY(!findIn(a.arr(), u"name", cache).isEmpty());
        a = call("GET", "/resources?kind=bogus");
        QCOMPARE(a.status, 400);
        QVERIFY(a.problemPaths().contains(QStringLiteral("kind")));
        a = call("GET", "/cachedContents");
        QCOMPARE(a.status, 200);
        QCOMPARE(findIn(a.arr(), u"name", cache).value(u"key").toString(), id);

        // Deleting goes to Google with the owner's key; then the proxy forgets the resource.
        m_fake->clearRequests();
        a = call("DELETE", "/cachedContents/" + cache.mid(15).toLatin1());
        QCOMPARE(a.status, 200);
        QCOMPARE(a.obj().value(u"deleted").toString(), cache);
        a = call("DELETE", "/files/" + file.mid(6).toLatin1());
        QCOMPARE(a.status, 200);
        const auto seen = m_fake->requests();
        QCOMPARE(seen.size(), size_t(2));
        for (const auto &rec : seen) {
            QCOMPARE(rec.method, QByteArray("DELETE"));
            QCOMPARE(rec.status, 200);
        }
        QVERIFY(findIn(call("GET", "/files").arr(), u"name", file).isEmpty());
        QVERIFY(findIn(call("GET", "/cachedContents").arr(), u"name", cache).isEmpty());
        // Unknown now: nothing is sent upstream with a guessed key.
        a = call("DELETE", "/files/" + file.mid(6).toLatin1());
        QCOMPARE(a.status, 404);
        QVERIFY(a.error().value(u"message").toString().contains(file));
        QCOMPARE(m_fake->requests().size(), size_t(2));
        QVERIFY(removeKey(id));
    }

    void openApiListsExactlyTheRoutesServed()
    {
        const Answer a = call("GET", "/openapi.json");
        QCOMPARE(a.status, 200);
        const QJsonObject doc = a.obj();
        QVERIFY(doc.value(u"openapi").toString().startsWith(QStringLiteral("3.")));
        QVERIFY(!doc.value(u"info").toObject().value(u"title").toString().isEmpty());
        QCOMPARE(
            doc.value(u"servers").toArray().at(0).toObject().value(u"url").toString(), QStringLiteral("/admin/api/v1"));

        static const QStringList kMethods { QStringLiteral("get"), QStringLiteral("put"), QStringLiteral("post"),
            QStringLiteral("delete"), QStringLiteral("options"), QStringLiteral("head"), QStringLiteral("patch"),
            QStringLiteral("trace") };
        QStringList documented;
        QSet<QString> operationIds;
        const QJsonObject paths = doc.value(u"paths").toObject();
        for (auto p = paths.begin(); p != paths.end(); ++p) {
            const QJsonObject item = p.value().toObject();
            QVERIFY2(!item.isEmpty(), qPrintable(p.key()));
            for (auto op = item.begin(); op != item.end(); ++op) {
                QVERIFY2(kMethods.contains(op.key()), qPrintable(p.key() + u' ' + op.key()));
                const QJsonObject o = op.value().toObject();
                QVERIFY2(!o.value(u"summary").toString().isEmpty(), qPrintable(p.key() + u' ' + op.key()));
                QVERIFY(o.value(u"responses").isObject());
                const QString opId = o.value(u"operationId").toString();
                QVERIFY2(!opId.isEmpty() && !operationIds.contains(opId), qPrintable(opId));
                operationIds.insert(opId);
                QCOMPARE(o.contains(u"parameters"), p.key().contains(u'{'));
                documented.append(routeName(op.key().toUpper().toLatin1(), p.key()));
            }
        }

        QStringList table;
        for (const ga::admin::AdminApi::Route &r : m_table->routes()) {
            table.append(routeName(r.method, r.pattern));
        }
        // Every route once, nothing else.
        QCOMPARE(QSet<QString>(table.begin(), table.end()).size(), table.size());
        QCOMPARE(documented.size(), table.size());
        std::sort(documented.begin(), documented.end());
        std::sort(table.begin(), table.end());
        QCOMPARE(documented, table);
        QCOMPARE(doc, m_table->openApi());

        // The routes this file knows and exercises; a new route must come with its test.
        QStringList expected {
            QStringLiteral("GET /status"),
            QStringLiteral("GET /keys"),
            QStringLiteral("POST /keys"),
            QStringLiteral("PATCH /keys/{id}"),
            QStringLiteral("DELETE /keys/{id}"),
            QStringLiteral("POST /keys/{id}/test"),
            QStringLiteral("GET /instances"),
            QStringLiteral("POST /instances"),
            QStringLiteral("PATCH /instances/{id}"),
            QStringLiteral("POST /instances/{id}/test"),
            QStringLiteral("DELETE /instances/{id}"),
            QStringLiteral("GET /mode"),
            QStringLiteral("PUT /mode"),
            QStringLiteral("GET /config"),
            QStringLiteral("PATCH /config"),
            QStringLiteral("GET /stats"),
            QStringLiteral("GET /history"),
            QStringLiteral("GET /tokens"),
            QStringLiteral("POST /tokens"),
            QStringLiteral("DELETE /tokens/{id}"),
            QStringLiteral("POST /tokens/{id}/rotate"),
            QStringLiteral("GET /openapi.json"),
            QStringLiteral("GET /resources"),
            QStringLiteral("GET /files"),
            QStringLiteral("GET /files/{rid}"),
            QStringLiteral("DELETE /files/{rid}"),
            QStringLiteral("GET /cachedContents"),
            QStringLiteral("DELETE /cachedContents/{rid}"),
            QStringLiteral("POST /keys/import"),
            QStringLiteral("POST /keys/bulk"),
            QStringLiteral("GET /keys/export"),
            QStringLiteral("GET /config/schema"),
            QStringLiteral("POST /config/check"),
            QStringLiteral("PUT /config/proxyPassword"),
            QStringLiteral("GET /history/summary"),
            QStringLiteral("GET /history/tail"),
            QStringLiteral("GET /tls"),
            QStringLiteral("GET /cluster"),
        };
        std::sort(expected.begin(), expected.end());
        QCOMPARE(table, expected);

        // Every route was called by this class (only meaningful when the whole class ran).
        for (int i = metaObject()->methodOffset(); i < metaObject()->methodCount(); ++i) {
            const QMetaMethod m = metaObject()->method(i);
            const QString name = QString::fromLatin1(m.name());
            if (m.methodType() != QMetaMethod::Slot || m.access() != QMetaMethod::Private || m.parameterCount() != 0
                || name == u"initTestCase" || name == u"cleanupTestCase" || name == u"init" || name == u"cleanup") {
                continue;
            }
            if (!m_ran.contains(name)) {
                QSKIP("run the whole class to check that every route is exercised");
            }
        }
        QStringList exercised(m_exercised.begin(), m_exercised.end());
        std::sort(exercised.begin(), exercised.end());
        QCOMPARE(exercised, table);
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
