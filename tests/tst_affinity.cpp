// SPDX-License-Identifier: GPL-3.0-or-later
// Resource affinity end to end: the real proxy (in-process) in front of fake-gemini, whose files, upload sessions,
// cached contents and batches belong to the Google project of the key that made them (a key of another project gets
// Google's 403). Keys are spread over projects; a request that addresses or references a resource must reach a key
// of the owner's project on the first attempt, lists must merge every project, quota 429s must not cost attempts,
// and nothing about a resource may mark a key invalid. Raw HTTP clients (tests/support/rawhttp.h) on both sides.
#include "affinity/resourcemap.h"
#include "fakegemini/fakegemini.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "rawhttp.h"
#include "security/accesstoken.h"
#include "testsupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>
#include <QUrl>
#include <QUrlQuery>

#include <initializer_list>
#include <memory>
#include <vector>

using ga::affinity::Kind;
using ga::affinity::ResourceMap;
using ga::keys::KeyPool;
using ga::keys::KeyStatus;
using ga::keys::PoolKeyConfig;
using ga::keys::Strategy;
using ga::test::Behaviour;
using ga::test::Client;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::RecordedRequest;
using ga::test::Reply;
using ga::test::Script;

namespace {

const QString kFlash = QStringLiteral("gemini-2.5-flash");
const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
const QByteArray kStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
const QByteArray kCountTokens = "/v1beta/models/gemini-2.5-flash:countTokens";
const QByteArray kBatchCreate = "/v1beta/models/gemini-2.5-flash:batchGenerateContent";
const QByteArray kFileData = "Affinity test file. The quick brown fox jumps over the lazy dog, twice over. 0123456789";

constexpr int kFakeKeys = 9;

// The Google project of each fake key; the pool's group for the key is the same name. k1,k2: proj-a; k3,k4: proj-b;
// k5,k6: proj-c; k7: proj-d; k8, k9: none (each is a project of its own, "key-<hash>" at the fake).
QString projectOfKey(int n)
{
    if (n <= 2) {
        return QStringLiteral("proj-a");
    }
    if (n <= 4) {
        return QStringLiteral("proj-b");
    }
    if (n <= 6) {
        return QStringLiteral("proj-c");
    }
    if (n == 7) {
        return QStringLiteral("proj-d");
    }
    return {};
}

QString keyId(int n)
{
    return QStringLiteral("k%1").arg(n);
}

std::vector<PoolKeyConfig> keyConfigs(std::initializer_list<int> numbers)
{
    std::vector<PoolKeyConfig> out;
    for (int n : numbers) {
        out.push_back({ keyId(n), fakeKey(n).toLatin1(), projectOfKey(n), 1, true });
    }
    return out;
}

// Two keys in each of proj-a, proj-b, proj-c, in that order (any three picks in a row span two projects).
std::vector<PoolKeyConfig> threeProjects()
{
    return keyConfigs({ 1, 2, 3, 4, 5, 6 });
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject objectOf(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QJsonObject errorOf(const Reply &r)
{
    return objectOf(r.body).value(u"error").toObject();
}

QJsonObject textPart(const QString &text)
{
    return { { QStringLiteral("text"), text } };
}

QJsonObject filePart(const QString &uri)
{
    return { { QStringLiteral("fileData"),
        QJsonObject {
            { QStringLiteral("mimeType"), QStringLiteral("text/plain") }, { QStringLiteral("fileUri"), uri } } } };
}

QJsonArray userContents(const QJsonArray &extraParts)
{
    QJsonArray parts { textPart(QStringLiteral("Summarise this.")) };
    for (const QJsonValue &p : extraParts) {
        parts.append(p);
    }
    return { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("parts"), parts } } };
}

// A generateContent body with the parts given (after a text part), and a cachedContent when given.
QByteArray generateBody(const QJsonArray &extraParts = {}, const QString &cachedContent = {})
{
    QJsonObject o { { QStringLiteral("contents"), userContents(extraParts) } };
    if (!cachedContent.isEmpty()) {
        o.insert(QStringLiteral("cachedContent"), cachedContent);
    }
    return compact(o);
}

// What a recorded request shows in a failure message: never a key, only the pool id.
QString describe(const RecordedRequest &r, const QHash<QString, QString> &idOfSecret)
{
    return QStringLiteral("%1 %2 key=%3 project=%4 -> %5")
        .arg(QString::fromLatin1(r.method), QString::fromLatin1(r.path.left(120)),
            r.key.isEmpty() ? QStringLiteral("(none)") : idOfSecret.value(r.key, QStringLiteral("?")),
            r.project.isEmpty() ? QStringLiteral("-") : r.project)
        .arg(r.status);
}

struct Session
{
    QByteArray target; // the upload URL's path and query, as the proxy handed it out
    QString uploadId;
    QString project; // the owner at the fake
};

struct File
{
    QString name; // "files/<id>"
    QString uri;
    QString project; // the owner at the fake
};

} // namespace

class TestAffinity : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    std::unique_ptr<ResourceMap> m_map; // a map given to the proxy (restart test); outlives it
    std::unique_ptr<KeyPool> m_pool;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;
    std::unique_ptr<Client> m_client;
    QByteArray m_token; // the proxy's access token, made at run time
    QHash<QString, QString> m_idOfSecret; // fake key → pool id

    // A fresh pool (round robin, default maxAttempts) and proxy in front of the fake; access token required.
    bool start(const std::vector<PoolKeyConfig> &keys, ResourceMap *resources = nullptr)
    {
        m_client.reset();
        m_proxy.reset();
        m_pool = std::make_unique<KeyPool>();
        m_pool->setStrategy(Strategy::RoundRobin);
        m_pool->setKeys(keys);
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(m_pool.get(), 2, nullptr, resources);
        m_proxy->authenticator()->setTokens({ { QStringLiteral("affinity"), m_token } });
        QString error;
        if (!m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error)) {
            qWarning() << error;
            return false;
        }
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        const ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
        if (!s) {
            qWarning() << error;
            return false;
        }
        m_proxy->applySettings(s);
        m_client = std::make_unique<Client>(port());
        return true;
    }

    quint16 port() const { return m_proxy->port(); }
    QByteArray proxyOrigin() const { return "http://127.0.0.1:" + QByteArray::number(port()); }

    QByteArray rawRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
        const QByteArray &extraHeaders = {}, bool auth = true) const
    {
        QByteArray raw = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port()) + "\r\n";
        if (auth) {
            raw += "x-goog-api-key: " + m_token + "\r\n";
        }
        if (!body.isEmpty() && !extraHeaders.contains("Content-Type:")) {
            raw += "Content-Type: application/json\r\n";
        }
        raw += extraHeaders;
        if (!body.isEmpty() || method == "POST") {
            raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        }
        return raw + "\r\n" + body;
    }

    // One request on the test's keep-alive connection (a new one when the proxy closed it).
    Reply call(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
        const QByteArray &extraHeaders = {}, bool auth = true)
    {
        if (!m_client || m_client->socket().state() != QAbstractSocket::ConnectedState) {
            m_client = std::make_unique<Client>(port());
        }
        m_client->send(rawRequest(method, target, body, extraHeaders, auth));
        const Reply r = m_client->read();
        if (r.status == 0 || r.header("connection").toLower() == "close") {
            m_client.reset();
        }
        return r;
    }

    Reply generate(const QByteArray &body) { return call("POST", kGenerate, body); }

    // The owner of a resource at the fake ("files/…", "cachedContents/…", "batches/…", or an upload_id).
    QString fakeOwner(const QString &name) const
    {
        for (const ga::test::Resource &r : m_fake->resources()) {
            if (r.name == name) {
                return r.project;
            }
        }
        return {};
    }

    // The requests the fake saw that use `name` in their path or body ("uploads/ID": in the query).
    QList<RecordedRequest> usesOf(const QString &name) const
    {
        const QByteArray n = name.toUtf8();
        const bool upload = name.startsWith(u"uploads/");
        const QByteArray uploadQuery = "upload_id=" + n.mid(8);
        QList<RecordedRequest> out;
        for (const RecordedRequest &r : m_fake->requests()) {
            if (upload ? r.query.contains(uploadQuery) : (r.path.contains(n) || r.body.contains(n))) {
                out.append(r);
            }
        }
        return out;
    }

    // Every request the fake saw for `name` came from a key of `project` and got a 2xx; `expected` of them, so no
    // attempt went elsewhere first.
    bool allUsesWentTo(const QString &name, const QString &project, qsizetype expected) const
    {
        const QList<RecordedRequest> uses = usesOf(name);
        bool ok = uses.size() == expected && !project.isEmpty();
        for (const RecordedRequest &r : uses) {
            ok = ok && r.project == project && r.status >= 200 && r.status < 300;
        }
        if (!ok) {
            qWarning().noquote() << name << "belongs to" << project << "- expected" << expected
                                 << "uses, each a 2xx from that project; the fake saw" << uses.size() << ":";
            for (const RecordedRequest &r : uses) {
                qWarning().noquote() << "   " << describe(r, m_idOfSecret);
            }
        }
        return ok;
    }

    bool fakeAnswered403() const
    {
        for (const RecordedRequest &r : m_fake->requests()) {
            if (r.status == 403) {
                qWarning().noquote() << "403 at the fake:" << describe(r, m_idOfSecret);
                return true;
            }
        }
        return false;
    }

    QStringList keysSeen(qsizetype from = 0) const
    {
        QStringList ids;
        const QList<RecordedRequest> all = m_fake->requests();
        for (qsizetype i = from; i < all.size(); ++i) {
            ids << m_idOfSecret.value(all.at(i).key, QStringLiteral("?"));
        }
        return ids;
    }

    // Round robin: sends unscoped requests (GET models, model "" like the resource endpoints) until the next
    // unscoped pick of that view would be a key of another project than `project`; true when it got there.
    bool rotateAwayFrom(const QString &project, const std::vector<PoolKeyConfig> &order)
    {
        for (int i = 0; i < int(order.size()) + 1; ++i) {
            const Reply r = call("GET", "/v1beta/models");
            if (r.status != 200 || m_fake->requests().isEmpty()) {
                return false;
            }
            const QString last = m_idOfSecret.value(m_fake->requests().last().key);
            for (size_t k = 0; k < order.size(); ++k) {
                if (order[k].id == last) {
                    if (order[(k + 1) % order.size()].group != project) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    bool noKeyInvalid() const
    {
        bool ok = true;
        for (const ga::keys::KeyReport &k : m_pool->report()) {
            if (k.status == KeyStatus::Invalid) {
                qWarning().noquote() << "key" << k.id << "was marked invalid:" << k.reason;
                ok = false;
            }
        }
        return ok;
    }

    void setProjectBehaviour(const QString &project, Behaviour b, const QByteArray &retryDelay = "30s")
    {
        for (int n = 1; n <= kFakeKeys; ++n) {
            if (projectOfKey(n) == project) {
                Script s;
                s.behaviour = b;
                s.retryDelay = retryDelay;
                m_fake->setScript(fakeKey(n), s);
            }
        }
    }

    // Upload protocol, step 1 (with the access token): the proxy answers with an upload URL pointing at itself.
    bool startUpload(Session *s, qsizetype size = kFileData.size())
    {
        const QByteArray body = compact({ { QStringLiteral("file"),
            QJsonObject { { QStringLiteral("displayName"), QStringLiteral("notes") },
                { QStringLiteral("mimeType"), QStringLiteral("text/plain") } } } });
        const Reply r = call("POST", "/upload/v1beta/files", body,
            "X-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\nX-Goog-Upload-Header-Content-Length: "
                + QByteArray::number(size) + "\r\nX-Goog-Upload-Header-Content-Type: text/plain\r\n");
        if (r.status != 200) {
            qWarning() << "upload start answered" << r.status << r.body.left(300);
            return false;
        }
        const QByteArray url = r.header("x-goog-upload-url");
        const QByteArray prefix = proxyOrigin() + "/upload/v1beta/files?";
        if (!url.startsWith(prefix)) {
            qWarning() << "the upload URL does not point at the proxy (" << url.size() << "bytes)";
            return false;
        }
        s->target = url.mid(proxyOrigin().size());
        s->uploadId
            = QUrlQuery(QString::fromLatin1(url.mid(prefix.size()))).queryItemValue(QStringLiteral("upload_id"));
        s->project = fakeOwner(s->uploadId);
        if (s->uploadId.isEmpty() || s->project.isEmpty()) {
            qWarning() << "the fake knows no upload session" << s->uploadId;
            return false;
        }
        return true;
    }

    // Step 2: two chunks, the second one finalizing; `auth`: with the access token or with none.
    bool finishUpload(const Session &s, File *f, const QByteArray &data = kFileData, bool auth = true)
    {
        const qsizetype half = data.size() / 2;
        Reply r = call("POST", s.target, data.first(half),
            "Content-Type: text/plain\r\nX-Goog-Upload-Command: upload\r\nX-Goog-Upload-Offset: 0\r\n", auth);
        if (r.status != 200 || r.header("x-goog-upload-status") != "active") {
            qWarning() << "upload chunk answered" << r.status << r.header("x-goog-upload-status") << r.body.left(300);
            return false;
        }
        r = call("POST", s.target, data.sliced(half),
            "Content-Type: text/plain\r\nX-Goog-Upload-Command: upload, finalize\r\nX-Goog-Upload-Offset: "
                + QByteArray::number(half) + "\r\n",
            auth);
        if (r.status != 200 || r.header("x-goog-upload-status") != "final") {
            qWarning() << "upload finalize answered" << r.status << r.header("x-goog-upload-status")
                       << r.body.left(300);
            return false;
        }
        const QJsonObject file = objectOf(r.body).value(u"file").toObject();
        f->name = file.value(u"name").toString();
        f->uri = file.value(u"uri").toString();
        f->project = fakeOwner(f->name);
        if (!f->name.startsWith(u"files/") || f->uri.isEmpty() || f->project.isEmpty()) {
            qWarning() << "finalize answer names no file the fake knows:" << r.body.left(300);
            return false;
        }
        return true;
    }

    bool uploadFile(File *f, const QByteArray &data = kFileData)
    {
        Session s;
        return startUpload(&s, data.size()) && finishUpload(s, f, data);
    }

    // `n` uploads, all started before any finishes: with round robin and a fresh pool, one per key in key order.
    bool uploadPerKey(int n, QList<File> *files)
    {
        QList<Session> sessions;
        for (int i = 0; i < n; ++i) {
            Session s;
            if (!startUpload(&s)) {
                return false;
            }
            sessions.append(s);
        }
        for (const Session &s : std::as_const(sessions)) {
            File f;
            if (!finishUpload(s, &f)) {
                return false;
            }
            files->append(f);
        }
        return true;
    }

    bool createCache(QString *name, QString *project, const QJsonArray &extraParts = {})
    {
        const QByteArray body = compact({ { QStringLiteral("model"), QStringLiteral("models/gemini-2.5-flash") },
            { QStringLiteral("contents"), userContents(extraParts) },
            { QStringLiteral("ttl"), QStringLiteral("600s") } });
        const Reply r = call("POST", "/v1beta/cachedContents", body);
        *name = objectOf(r.body).value(u"name").toString();
        *project = fakeOwner(*name);
        if (r.status != 200 || !name->startsWith(u"cachedContents/") || project->isEmpty()) {
            qWarning() << "cachedContents create answered" << r.status << r.body.left(300);
            return false;
        }
        return true;
    }

    // An inline batch, or one whose input is a JSONL file.
    bool createBatch(QString *name, QString *project, const QString &inputFile = {})
    {
        QJsonObject input;
        if (inputFile.isEmpty()) {
            const QJsonObject one { { QStringLiteral("request"),
                                        QJsonObject { { QStringLiteral("contents"), userContents({}) } } },
                { QStringLiteral("metadata"), QJsonObject { { QStringLiteral("key"), QStringLiteral("r1") } } } };
            input.insert(
                QStringLiteral("requests"), QJsonObject { { QStringLiteral("requests"), QJsonArray { one, one } } });
        } else {
            input.insert(QStringLiteral("fileName"), inputFile);
        }
        const QByteArray body = compact({ { QStringLiteral("batch"),
            QJsonObject { { QStringLiteral("displayName"), QStringLiteral("nightly") },
                { QStringLiteral("inputConfig"), input } } } });
        const Reply r = call("POST", kBatchCreate, body);
        *name = objectOf(r.body).value(u"name").toString();
        *project = fakeOwner(*name);
        if (r.status != 200 || !name->startsWith(u"batches/") || project->isEmpty()) {
            qWarning() << "batch create answered" << r.status << r.body.left(300);
            return false;
        }
        return true;
    }

    // Follows nextPageToken (pageSize=1) until there is none: the names of the items in `field`, and the pages.
    bool pageThrough(const QByteArray &path, const QString &field, QStringList *names, int *pages)
    {
        QString token;
        *pages = 0;
        while (*pages < 20) {
            QByteArray target = path + "?pageSize=1";
            if (!token.isEmpty()) {
                target += "&pageToken=" + QUrl::toPercentEncoding(token);
            }
            const Reply r = call("GET", target);
            ++*pages;
            if (r.status != 200) {
                qWarning() << "page" << *pages << "answered" << r.status << r.body.left(300);
                return false;
            }
            const QJsonObject o = objectOf(r.body);
            for (const QJsonValue &v : o.value(field).toArray()) {
                names->append(v.toObject().value(u"name").toString());
            }
            token = o.value(u"nextPageToken").toString();
            if (token.isEmpty()) {
                return true;
            }
        }
        qWarning() << "the pager never ended";
        return false;
    }

private Q_SLOTS:
    // The servers' threads stop while the test logger still exists: a connection closing late logs its record.
    void cleanupTestCase()
    {
        m_proxy.reset();
        m_fake.reset();
    }

    void initTestCase()
    {
        m_token = ga::security::generateAccessToken();
        QVERIFY(m_token.size() > 20);
        m_fake = std::make_unique<FakeGemini>();
        m_fake->setThreads(2);
        QVERIFY(m_fake->listen());
        for (int n = 1; n <= kFakeKeys; ++n) {
            m_fake->addKey(fakeKey(n), projectOfKey(n));
            m_idOfSecret.insert(fakeKey(n), keyId(n));
        }
    }

    void init()
    {
        m_fake->setDefaultScript(Script());
        for (int n = 1; n <= kFakeKeys; ++n) {
            m_fake->clearScript(fakeKey(n));
        }
        m_fake->setTimeOffsetMs(0);
        m_fake->setBatchCompletion(2, -1);
        m_fake->setUploadUrlIncludesKey(false);
        m_fake->clearResources();
        m_fake->clearRequests();
    }

    void cleanup()
    {
        m_client.reset();
        m_proxy.reset();
        m_pool.reset();
        m_map.reset();
    }

    // Upload through the proxy, then every kind of use of the file: all at the owner's project, first time.
    void fileUsesGoToTheOwner()
    {
        QVERIFY(start(threeProjects()));
        Session s;
        QVERIFY(startUpload(&s));
        // The start answer (no body, only x-goog-upload-url) taught the map who owns the session.
        const auto session = m_proxy->resources()->find(QStringLiteral("uploads/") + s.uploadId);
        QVERIFY(session);
        QCOMPARE(session->kind, Kind::Upload);
        QCOMPARE(session->group, s.project);

        File f;
        QVERIFY(finishUpload(s, &f));
        QCOMPARE(f.project, s.project);
        QVERIFY(allUsesWentTo(QStringLiteral("uploads/") + s.uploadId, s.project, 2));
        const auto file = m_proxy->resources()->find(f.name);
        QVERIFY2(file, qPrintable(f.name));
        QCOMPARE(file->kind, Kind::File);
        QCOMPARE(file->group, f.project);
        QVERIFY(!m_proxy->resources()->find(QStringLiteral("uploads/") + s.uploadId)); // finished: opens nothing

        m_fake->clearRequests();
        const QByteArray withFile = generateBody({ filePart(f.uri) });
        for (int i = 0; i < 3; ++i) {
            const Reply r = generate(withFile);
            QVERIFY2(r.status == 200, r.body.left(300).constData());
        }
        Reply r = call("POST", kStream, withFile);
        QCOMPARE(r.status, 200);
        QVERIFY(r.complete);
        QVERIFY(r.body.contains("data: "));
        r = call("POST", kCountTokens, compact({ { QStringLiteral("contents"), userContents({ filePart(f.uri) }) } }));
        QCOMPARE(r.status, 200);
        QVERIFY(objectOf(r.body).value(u"totalTokens").toInt() > 0);
        r = call("GET", "/v1beta/" + f.name.toLatin1());
        QCOMPARE(r.status, 200);
        QCOMPARE(objectOf(r.body).value(u"name").toString(), f.name);
        r = call("DELETE", "/v1beta/" + f.name.toLatin1());
        QCOMPARE(r.status, 200);

        QVERIFY(allUsesWentTo(f.name, f.project, 7));
        QVERIFY(!fakeAnswered403());
        QVERIFY(!m_proxy->resources()->find(f.name)); // DELETE forgets
        QVERIFY(fakeOwner(f.name).isEmpty());
        QVERIFY(noKeyInvalid());
    }

    void cachedContentUsesGoToTheOwner()
    {
        QVERIFY(start(threeProjects()));
        QString cache, project;
        QVERIFY(createCache(&cache, &project));
        const auto owner = m_proxy->resources()->find(cache);
        QVERIFY2(owner, qPrintable(cache));
        QCOMPARE(owner->kind, Kind::CachedContent);
        QCOMPARE(owner->group, project);

        m_fake->clearRequests();
        for (int i = 0; i < 2; ++i) {
            const Reply r = generate(generateBody({}, cache));
            QVERIFY2(r.status == 200, r.body.left(300).constData());
            QVERIFY(r.body.contains("cachedContentTokenCount"));
        }
        // countTokens with the cache inside generateContentRequest.
        const QJsonObject inner { { QStringLiteral("model"), QStringLiteral("models/gemini-2.5-flash") },
            { QStringLiteral("contents"), userContents({}) }, { QStringLiteral("cachedContent"), cache } };
        Reply r = call("POST", kCountTokens, compact({ { QStringLiteral("generateContentRequest"), inner } }));
        QVERIFY2(r.status == 200, r.body.left(300).constData());
        r = call("GET", "/v1beta/" + cache.toLatin1());
        QCOMPARE(r.status, 200);
        r = call("DELETE", "/v1beta/" + cache.toLatin1());
        QCOMPARE(r.status, 200);

        QVERIFY(allUsesWentTo(cache, project, 5));
        QVERIFY(!fakeAnswered403());
        QVERIFY(!m_proxy->resources()->find(cache));
        QVERIFY(noKeyInvalid());
    }

    void batchUsesGoToTheOwner()
    {
        QVERIFY(start(threeProjects()));
        QString batch, project;
        QVERIFY(createBatch(&batch, &project));
        const auto owner = m_proxy->resources()->find(batch);
        QVERIFY2(owner, qPrintable(batch));
        QCOMPARE(owner->kind, Kind::Batch);
        QCOMPARE(owner->group, project);

        m_fake->clearRequests();
        Reply r = call("GET", "/v1beta/" + batch.toLatin1());
        QCOMPARE(r.status, 200);
        QCOMPARE(objectOf(r.body).value(u"name").toString(), batch);
        r = call("POST", "/v1beta/" + batch.toLatin1() + ":cancel", "{}");
        QCOMPARE(r.status, 200);
        r = call("GET", "/v1beta/" + batch.toLatin1());
        QCOMPARE(r.status, 200);
        QCOMPARE(objectOf(r.body).value(u"metadata").toObject().value(u"state").toString(),
            QStringLiteral("BATCH_STATE_CANCELLED"));
        r = call("DELETE", "/v1beta/" + batch.toLatin1());
        QCOMPARE(r.status, 200);

        QVERIFY(allUsesWentTo(batch, project, 4));
        QVERIFY(!fakeAnswered403());
        QVERIFY(!m_proxy->resources()->find(batch));
        QVERIFY(noKeyInvalid());
    }

    // A batch whose input is a file goes to the file's project; its results file (created by Google in that
    // project, named by the batch's answer) must be reachable through the proxy as well.
    void batchInputAndResultFilesGoToTheOwner()
    {
        QVERIFY(start(threeProjects()));
        const QByteArray line
            = compact({ { QStringLiteral("key"), QStringLiteral("r1") },
                  { QStringLiteral("request"), QJsonObject { { QStringLiteral("contents"), userContents({}) } } } })
            + '\n';
        File input;
        QVERIFY(uploadFile(&input, line + line));
        m_fake->clearRequests();
        QString batch, project;
        QVERIFY(createBatch(&batch, &project, input.name));
        QCOMPARE(project, input.project);
        QVERIFY(allUsesWentTo(input.name, input.project, 1));

        QString results;
        for (int i = 0; i < 2; ++i) {
            const Reply r = call("GET", "/v1beta/" + batch.toLatin1());
            QCOMPARE(r.status, 200);
            const QJsonObject meta = objectOf(r.body).value(u"metadata").toObject();
            results = meta.value(u"output").toObject().value(u"responsesFile").toString();
        }
        QVERIFY2(results.startsWith(u"files/"), qPrintable(results));
        QCOMPARE(fakeOwner(results), input.project);

        // The next unscoped pick would be another project's key: only affinity gets the first GET right.
        QVERIFY(rotateAwayFrom(input.project, threeProjects()));
        m_fake->clearRequests();
        for (int i = 0; i < 3; ++i) {
            const Reply r = call("GET", "/v1beta/" + results.toLatin1());
            QVERIFY2(r.status == 200,
                qPrintable(QStringLiteral("GET %1 (the batch's results file) #%2 answered %3: %4")
                               .arg(results)
                               .arg(i + 1)
                               .arg(r.status)
                               .arg(errorOf(r).value(u"message").toString())));
        }
        QVERIFY(allUsesWentTo(results, input.project, 3));
        QVERIFY(noKeyInvalid());
        const auto owner = m_proxy->resources()->find(results);
        QVERIFY2(owner && owner->group == input.project,
            qPrintable(QStringLiteral("the map does not know %1 as a file of %2").arg(results, input.project)));
    }

    // The upload_id the proxy handed out is the credential for the chunks; nothing else is.
    void uploadIdIsTheOnlyCredentialForChunks()
    {
        QVERIFY(start(threeProjects()));
        Session s;
        QVERIFY(startUpload(&s));
        m_fake->clearRequests();
        File f;
        QVERIFY(finishUpload(s, &f, kFileData, false)); // chunks without any credential
        QCOMPARE(f.project, s.project);
        const QList<RecordedRequest> chunks = usesOf(QStringLiteral("uploads/") + s.uploadId);
        QCOMPARE(chunks.size(), 2);
        for (const RecordedRequest &r : chunks) {
            QCOMPARE(r.project, s.project); // reached the owner (with a key of its project)
            QVERIFY(!r.query.contains("key="));
        }

        const auto refused = [this](const QByteArray &target, const char *what) {
            const qsizetype before = m_fake->requests().size();
            const Reply r = call("POST", target, "more bytes",
                "Content-Type: text/plain\r\nX-Goog-Upload-Command: upload\r\nX-Goog-Upload-Offset: 0\r\n", false);
            if (r.status != 401 || m_fake->requests().size() != before) {
                qWarning() << what << "without a credential: answered" << r.status << "and the fake saw"
                           << m_fake->requests().size() - before << "request(s); expected 401 and none";
                return false;
            }
            return true;
        };
        QVERIFY(refused("/upload/v1beta/files?upload_id=forged-"
                + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "&upload_protocol=resumable",
            "a forged upload_id"));
        QVERIFY(refused(s.target, "the URL of a finished upload"));

        // A session really open at Google, but not started through this proxy: not a credential here either.
        {
            Client c(m_fake->port());
            c.send("POST /upload/v1beta/files HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + fakeKey(1).toLatin1()
                + "\r\nX-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\nContent-Type: "
                  "application/json\r\nContent-Length: 2\r\n\r\n{}");
            const Reply r = c.read();
            QCOMPARE(r.status, 200);
            const QByteArray url = r.header("x-goog-upload-url");
            QVERIFY(url.startsWith(m_fake->baseUrl().toLatin1()));
            QVERIFY(refused(url.mid(m_fake->baseUrl().size()), "an upload_id the proxy did not issue"));
        }
    }

    // GET …/files merges the files of every project; the proxy's pager visits each exactly once.
    void fileListMergesAllProjects()
    {
        QVERIFY(start(threeProjects()));
        QList<File> files;
        QVERIFY(uploadPerKey(6, &files));
        QSet<QString> expected;
        QHash<QString, int> perProject;
        for (const File &f : std::as_const(files)) {
            expected.insert(f.name);
            ++perProject[f.project];
        }
        QCOMPARE(expected.size(), 6);
        QCOMPARE(perProject.value(QStringLiteral("proj-a")), 2); // precondition: round robin spread the uploads
        QCOMPARE(perProject.value(QStringLiteral("proj-b")), 2);
        QCOMPARE(perProject.value(QStringLiteral("proj-c")), 2);

        const Reply all = call("GET", "/v1beta/files");
        QCOMPARE(all.status, 200);
        QSet<QString> listed;
        for (const QJsonValue &v : objectOf(all.body).value(u"files").toArray()) {
            listed.insert(v.toObject().value(u"name").toString());
        }
        QCOMPARE(listed, expected);
        QVERIFY(!objectOf(all.body).contains(u"nextPageToken"));

        QStringList paged;
        int pages = 0;
        QVERIFY(pageThrough("/v1beta/files", QStringLiteral("files"), &paged, &pages));
        qInfo() << "pageSize=1:" << paged.size() << "files in" << pages << "pages";
        QCOMPARE(paged.size(), 6); // each exactly once
        QCOMPARE(QSet<QString>(paged.cbegin(), paged.cend()), expected);
        QVERIFY(pages >= 2);
        QVERIFY(!fakeAnswered403());
        QVERIFY(noKeyInvalid());
    }

    void cachedContentListMergesAllProjects()
    {
        QVERIFY(start(threeProjects()));
        QSet<QString> expected;
        QSet<QString> projects;
        for (int i = 0; i < 6; ++i) {
            QString name, project;
            QVERIFY(createCache(&name, &project));
            expected.insert(name);
            projects.insert(project);
        }
        QCOMPARE(projects.size(), 3); // precondition: round robin spread them

        const Reply all = call("GET", "/v1beta/cachedContents");
        QCOMPARE(all.status, 200);
        QSet<QString> listed;
        for (const QJsonValue &v : objectOf(all.body).value(u"cachedContents").toArray()) {
            listed.insert(v.toObject().value(u"name").toString());
        }
        QCOMPARE(listed, expected);

        QStringList paged;
        int pages = 0;
        QVERIFY(pageThrough("/v1beta/cachedContents", QStringLiteral("cachedContents"), &paged, &pages));
        QCOMPARE(paged.size(), 6);
        QCOMPARE(QSet<QString>(paged.cbegin(), paged.cend()), expected);
        QVERIFY(!fakeAnswered403());
    }

    void foreignPageTokenIsRefused_data()
    {
        QTest::addColumn<QByteArray>("token");
        // What fake-gemini (like Google) issues itself: base64url of "p:1".
        QTest::newRow("Google's own token")
            << QByteArray("p:1").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QTest::newRow("ga1. prefix, not base64") << QByteArray("ga1.%21%21%21");
        QTest::newRow("ga1. prefix, not an object")
            << "ga1." + QByteArray("[1]").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    }

    void foreignPageTokenIsRefused()
    {
        QFETCH(QByteArray, token);
        QVERIFY(start(threeProjects()));
        const Reply r = call("GET", "/v1beta/files?pageSize=1&pageToken=" + token);
        QCOMPARE(r.status, 400);
        QVERIFY2(errorOf(r).value(u"message").toString().contains(u"pageToken"), r.body.constData());
        QCOMPARE(m_fake->requests().size(), 0);
    }

    // The fake's files of projects the proxy has not seen yet: a list teaches the owners.
    void listTeachesOwnership()
    {
        QVERIFY(start(threeProjects()));
        const QString b = m_fake->addFile(QStringLiteral("proj-b"), "made elsewhere, project b");
        const QString c = m_fake->addFile(QStringLiteral("proj-c"), "made elsewhere, project c");
        QVERIFY(!m_proxy->resources()->find(b));
        const Reply r = call("GET", "/v1beta/files");
        QCOMPARE(r.status, 200);
        QCOMPARE(objectOf(r.body).value(u"files").toArray().size(), 2);
        QCOMPARE(r.header("x-aggregator-projects"), QByteArray("3/3"));
        QVERIFY(m_proxy->resources()->find(b));
        QCOMPARE(m_proxy->resources()->find(b)->group, QStringLiteral("proj-b"));
        QCOMPARE(m_proxy->resources()->find(c)->group, QStringLiteral("proj-c"));

        m_fake->clearRequests();
        for (const QString &name : { b, c }) {
            const QByteArray body = generateBody({ filePart(QStringLiteral("files/") + name.mid(6)) });
            for (int i = 0; i < 3; ++i) {
                const Reply g = generate(body);
                QVERIFY2(g.status == 200, g.body.left(300).constData());
            }
        }
        QVERIFY(allUsesWentTo(b, QStringLiteral("proj-b"), 3));
        QVERIFY(allUsesWentTo(c, QStringLiteral("proj-c"), 3));
    }

    // A key without a group is a project of its own: its resources go to that key alone.
    void ownerKeyWithoutGroup()
    {
        QVERIFY(start(keyConfigs({ 8, 9 })));
        File f;
        QVERIFY(uploadFile(&f));
        const auto owner = m_proxy->resources()->find(f.name);
        QVERIFY(owner);
        QVERIFY(owner->group.isEmpty());
        QVERIFY(owner->keyId == keyId(8) || owner->keyId == keyId(9));
        m_fake->clearRequests();
        for (int i = 0; i < 4; ++i) {
            const Reply r = generate(generateBody({ filePart(f.uri) }));
            QVERIFY2(r.status == 200, r.body.left(300).constData());
        }
        // (The fake records no project for keys registered without one: compare keys.)
        const QList<RecordedRequest> uses = usesOf(f.name);
        QCOMPARE(uses.size(), 4);
        for (const RecordedRequest &r : uses) {
            QCOMPARE(r.status, 200);
        }
        QCOMPARE(keysSeen(), QStringList(4, owner->keyId));
        QCOMPARE(fakeOwner(f.name), f.project);
    }

    // One request cannot use resources of two projects: no key could serve it.
    void resourcesOfTwoProjectsAreRefused()
    {
        QVERIFY(start(threeProjects()));
        QList<File> files;
        QVERIFY(uploadPerKey(3, &files)); // k1, k2, k3: two files of proj-a, one of proj-b
        QCOMPARE(files.at(0).project, files.at(1).project);
        QVERIFY(files.at(0).project != files.at(2).project);
        const File &a1 = files.at(0);
        const File &a2 = files.at(1);
        const File &b = files.at(2);

        m_fake->clearRequests();
        Reply r = generate(generateBody({ filePart(a1.uri), filePart(b.uri) }));
        QCOMPARE(r.status, 400);
        QString message = errorOf(r).value(u"message").toString();
        QVERIFY2(message.contains(a1.name) && message.contains(b.name), qPrintable(message));
        QCOMPARE(errorOf(r).value(u"status").toString(), QStringLiteral("INVALID_ARGUMENT"));
        QCOMPARE(m_fake->requests().size(), 0);

        // A cached content of one project and a file of another.
        QString cache, cacheProject;
        QVERIFY(createCache(&cache, &cacheProject, { filePart(b.uri) })); // made from b's file: b's project
        QCOMPARE(cacheProject, b.project);
        m_fake->clearRequests();
        r = generate(generateBody({ filePart(a2.uri) }, cache));
        QCOMPARE(r.status, 400);
        message = errorOf(r).value(u"message").toString();
        QVERIFY2(message.contains(a2.name) && message.contains(cache), qPrintable(message));
        QCOMPARE(m_fake->requests().size(), 0);

        // Two of one project are fine, and so are a file and the cache made from it.
        r = generate(generateBody({ filePart(a1.uri), filePart(a2.uri) }));
        QVERIFY2(r.status == 200, r.body.left(300).constData());
        r = generate(generateBody({ filePart(b.uri) }, cache));
        QVERIFY2(r.status == 200, r.body.left(300).constData());
        QVERIFY(allUsesWentTo(a1.name, a1.project, 1));
        QVERIFY(allUsesWentTo(b.name, b.project, 1));
        QVERIFY(allUsesWentTo(cache, b.project, 1));
        QVERIFY(noKeyInvalid());
    }

    // The owner's project out of quota: a 429 that names the resource, never a try with another project's key.
    void ownerCoolingGives429NamingTheResource()
    {
        QVERIFY(start(threeProjects()));
        File f;
        QVERIFY(uploadFile(&f));
        setProjectBehaviour(f.project, Behaviour::RateLimited, "30s");
        m_fake->clearRequests();
        const QByteArray body = generateBody({ filePart(f.uri) });

        Reply r = generate(body);
        QCOMPARE(r.status, 429);
        bool ok = false;
        const int retryAfter = r.header("retry-after").toInt(&ok);
        QVERIFY2(ok && retryAfter >= 28 && retryAfter <= 30, r.header("retry-after").constData());
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QJsonObject error = errorOf(r);
        QCOMPARE(error.value(u"code").toInt(), 429);
        QCOMPARE(error.value(u"status").toString(), QStringLiteral("RESOURCE_EXHAUSTED"));
        QVERIFY2(error.value(u"message").toString().contains(f.name), qPrintable(error.value(u"message").toString()));
        const QList<RecordedRequest> uses = usesOf(f.name);
        QCOMPARE(uses.size(), 1); // the owner's key, once (its project is now cooling)
        QCOMPARE(uses.first().project, f.project);
        QCOMPARE(uses.first().status, 429);

        const qsizetype before = m_fake->requests().size();
        r = generate(body);
        QCOMPARE(r.status, 429);
        QVERIFY(r.hasHeader("retry-after"));
        QVERIFY(errorOf(r).value(u"message").toString().contains(f.name));
        QCOMPARE(m_fake->requests().size(), before); // answered without reaching the fake

        for (const RecordedRequest &u : usesOf(f.name)) {
            QCOMPARE(u.project, f.project);
        }
        // Other projects are untouched: a request without the file is served.
        r = generate(generateBody());
        QCOMPARE(r.status, 200);
        QVERIFY(noKeyInvalid());
    }

    // The owner project's keys invalid, disabled or removed: a clear error naming the resource, and no foreign key
    // tried.
    void ownerUnusableIsNamed_data()
    {
        QTest::addColumn<QString>("how");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        QTest::newRow("invalid") << QStringLiteral("invalid") << 400 << QStringLiteral("2 invalid");
        QTest::newRow("disabled") << QStringLiteral("disabled") << 400 << QStringLiteral("2 disabled");
        QTest::newRow("removed") << QStringLiteral("removed") << 404 << QStringLiteral("no key of that project");
    }

    void ownerUnusableIsNamed()
    {
        QFETCH(QString, how);
        QFETCH(int, status);
        QFETCH(QString, says);
        QVERIFY(start(threeProjects()));
        File f;
        QVERIFY(uploadFile(&f));
        const QString group = m_proxy->resources()->find(f.name)->group;
        QVERIFY(!group.isEmpty());
        if (how == u"invalid") {
            setProjectBehaviour(f.project, Behaviour::Invalid, {});
        } else {
            std::vector<PoolKeyConfig> keys = threeProjects();
            if (how == u"disabled") {
                for (PoolKeyConfig &k : keys) {
                    k.enabled = k.enabled && k.group != group;
                }
            } else {
                std::erase_if(keys, [&group](const PoolKeyConfig &k) { return k.group == group; });
            }
            m_pool->setKeys(keys);
        }
        m_fake->clearRequests();
        Reply r = generate(generateBody({ filePart(f.uri) }));
        if (how == u"invalid") {
            // Both keys of the owner's project answered API_KEY_INVALID (marked); no key of the project is left.
            QCOMPARE(usesOf(f.name).size(), 2);
        } else {
            QCOMPARE(usesOf(f.name).size(), 0); // nothing went upstream
        }
        QCOMPARE(r.status, status);
        const QString message = errorOf(r).value(u"message").toString();
        QVERIFY2(message.contains(f.name), qPrintable(message));
        QVERIFY2(message.contains(says), qPrintable(message));
        for (const RecordedRequest &u : usesOf(f.name)) {
            QCOMPARE(u.project, f.project);
        }
    }

    // Quota 429s move on to the next project without using up keys.maxAttempts, and a project that named its
    // quota is not asked again while it cools.
    void quotaSkipsCostNoAttempts_data()
    {
        QTest::addColumn<QString>("behaviour");
        QTest::addColumn<int>("lastRequestReachingThem"); // client request (0-based) after which they see nothing
        QTest::addColumn<int>("maxPerBadKey");
        QTest::newRow("429 naming the per-project quota") << QStringLiteral("rateLimited") << 0 << 1;
        // A bare 429 from 3 projects at once, before any success, looks like throttling of this connection (egress
        // back-off); the good key's success right after shows the connection is fine, so the 3 keep an ordinary
        // back-off and are not asked again either.
        QTest::newRow("429 naming no quota") << QStringLiteral("rateLimitedNoQuota") << 0 << 1;
    }

    void quotaSkipsCostNoAttempts()
    {
        QFETCH(QString, behaviour);
        QFETCH(int, lastRequestReachingThem);
        QFETCH(int, maxPerBadKey);
        Behaviour b = Behaviour::Normal;
        QVERIFY(ga::test::behaviourFromName(behaviour, &b));
        QVERIFY(start(keyConfigs({ 1, 3, 5, 7 }))); // proj-a, b, c, d; default maxAttempts (3)
        for (const QString &p : { QStringLiteral("proj-a"), QStringLiteral("proj-b"), QStringLiteral("proj-c") }) {
            setProjectBehaviour(p, b, "30s");
        }
        QList<qsizetype> marks { 0 };
        for (int i = 0; i < 20; ++i) {
            const Reply r = generate(generateBody());
            QVERIFY2(r.status == 200,
                qPrintable(
                    QStringLiteral("request %1: %2 %3").arg(i).arg(r.status).arg(QString::fromUtf8(r.body.left(300)))));
            marks.append(m_fake->requests().size());
        }
        const QStringList seen = keysSeen();
        qInfo().noquote() << "keys the fake saw:" << seen.join(u' ');
        // The first request went through all three bad projects and succeeded on the fourth: 3 quota skips did
        // not exhaust maxAttempts 3.
        QCOMPARE(marks.at(1), 4);
        QStringList firstThree = seen.mid(0, 3);
        firstThree.sort();
        QCOMPARE(firstThree, QStringList({ "k1", "k3", "k5" }));
        QCOMPARE(seen.at(3), QStringLiteral("k7"));
        QCOMPARE(seen.count(QStringLiteral("k7")), 20);
        for (const QString &bad : { QStringLiteral("k1"), QStringLiteral("k3"), QStringLiteral("k5") }) {
            QVERIFY2(seen.count(bad) >= 1 && seen.count(bad) <= maxPerBadKey,
                qPrintable(QStringLiteral("%1 got %2 requests").arg(bad).arg(seen.count(bad))));
            QVERIFY2(!seen.mid(marks.at(lastRequestReachingThem + 1)).contains(bad),
                qPrintable(
                    QStringLiteral("%1 was asked again after request %2").arg(bad).arg(lastRequestReachingThem)));
            QCOMPARE(m_pool->status(bad, kFlash), KeyStatus::Cooling);
        }
        QVERIFY(noKeyInvalid());
    }

    void allKeysRateLimitedGives429WithRetryAfter()
    {
        QVERIFY(start(keyConfigs({ 1, 3, 5, 7 })));
        for (const QString &p : { QStringLiteral("proj-a"), QStringLiteral("proj-b"), QStringLiteral("proj-c"),
                 QStringLiteral("proj-d") }) {
            setProjectBehaviour(p, Behaviour::RateLimited, "30s");
        }
        Reply r = generate(generateBody());
        QCOMPARE(r.status, 429);
        QCOMPARE(m_fake->requests().size(), 4); // every project asked once
        bool ok = false;
        int retryAfter = r.header("retry-after").toInt(&ok);
        QVERIFY2(ok && retryAfter >= 1 && retryAfter <= 30, r.header("retry-after").constData());
        QCOMPARE(errorOf(r).value(u"status").toString(), QStringLiteral("RESOURCE_EXHAUSTED"));

        r = generate(generateBody());
        QCOMPARE(r.status, 429);
        retryAfter = r.header("retry-after").toInt(&ok);
        QVERIFY2(ok && retryAfter >= 1 && retryAfter <= 30, r.header("retry-after").constData());
        QCOMPARE(m_fake->requests().size(), 4); // every key cooling: answered by the proxy
        QVERIFY(noKeyInvalid());
    }

    // A bodiless answer (the upload start: 200, Content-Length: 0) ends at once, and the connection goes on.
    void bodilessAnswerKeepsConnectionUsable_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("upload start (200, Content-Length: 0)") << QStringLiteral("upload");
        QTest::newRow("HEAD") << QStringLiteral("head");
        QTest::newRow("204 No Content") << QStringLiteral("204");
    }

    void bodilessAnswerKeepsConnectionUsable()
    {
        QFETCH(QString, kind);
        QVERIFY(start(threeProjects()));
        QByteArray first = rawRequest("POST", "/upload/v1beta/files", "{}",
            "X-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\n");
        if (kind == u"head") {
            first = rawRequest("HEAD", "/v1beta/models");
        } else if (kind == u"204") {
            ga::test::Script noContent;
            noContent.behaviour = ga::test::Behaviour::NoContent;
            m_fake->setDefaultScript(noContent);
            for (const QString &k : m_fake->keys()) {
                m_fake->setBehaviour(k, ga::test::Behaviour::NoContent);
            }
            first = rawRequest("POST", "/v1beta/models/gemini-2.5-flash:generateContent", generateBody());
        }
        const QByteArray models = rawRequest("GET", "/v1beta/models");
        Client c(port());
        const auto timed = [&c](const QByteArray &raw, const char *what, Reply *out) {
            QElapsedTimer t;
            t.start();
            c.send(raw);
            *out = c.read(5'000, raw.startsWith("HEAD "));
            const qint64 ms = t.elapsed();
            qInfo() << what << "answered" << out->status << "in" << ms << "ms";
            return ms;
        };
        Reply r;
        qint64 ms = timed(first, "bodiless answer", &r);
        QVERIFY(r.body.isEmpty());
        if (kind == u"upload") {
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("content-length"), QByteArray("0"));
            QVERIFY(r.hasHeader("x-goog-upload-url"));
        } else if (kind == u"head") {
            QCOMPARE(r.status, 200);
            QVERIFY(r.header("content-length").toInt() > 0); // the length a GET would have
        } else {
            QCOMPARE(r.status, 204);
            QVERIFY(!r.hasHeader("transfer-encoding"));
        }
        QVERIFY2(ms < 100, qPrintable(QStringLiteral("the bodiless answer took %1 ms").arg(ms)));
        ms = timed(first, "second bodiless answer", &r);
        QCOMPARE(r.status, kind == u"204" ? 204 : 200);
        QVERIFY2(ms < 100, qPrintable(QStringLiteral("the second bodiless answer took %1 ms").arg(ms)));
        if (kind == u"204") {
            for (const QString &k : m_fake->keys()) {
                m_fake->setBehaviour(k, ga::test::Behaviour::Normal);
            }
            m_fake->setDefaultScript(ga::test::Script());
        }
        ms = timed(models, "GET /v1beta/models", &r);
        QCOMPARE(r.status, 200);
        QVERIFY(objectOf(r.body).value(u"models").isArray());
        QVERIFY2(ms < 100, qPrintable(QStringLiteral("GET models after the bodiless answer took %1 ms").arg(ms)));
        if (kind != u"upload") {
            QCOMPARE(c.socket().state(), QAbstractSocket::ConnectedState);
            return;
        }
        // Pipelined: both in one write.
        QElapsedTimer t;
        t.start();
        c.send(first + models);
        const Reply one = c.read(5'000);
        const qint64 firstMs = t.elapsed();
        const Reply second = c.read(5'000);
        const qint64 secondMs = t.elapsed();
        qInfo() << "pipelined: upload start" << one.status << "at" << firstMs << "ms, models" << second.status << "at"
                << secondMs << "ms";
        QCOMPARE(one.status, 200);
        QCOMPARE(second.status, 200);
        QVERIFY2(secondMs < 100, qPrintable(QStringLiteral("pipelined pair took %1 ms").arg(secondMs)));
        QCOMPARE(c.socket().state(), QAbstractSocket::ConnectedState); // the same connection all along
    }

    // Credentials in the query authenticate the client and never travel upstream, however they are spelled.
    void credentialParametersAreStripped_data()
    {
        QTest::addColumn<QByteArray>("query"); // TOKEN: the access token
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("forwarded"); // the query the fake must see
        QTest::newRow("key") << QByteArray("key=TOKEN") << 200 << QByteArray();
        QTest::newRow("k%65y") << QByteArray("k%65y=TOKEN") << 200 << QByteArray();
        QTest::newRow("%6B%65%79") << QByteArray("%6B%65%79=TOKEN") << 200 << QByteArray();
        QTest::newRow("k%65y among others")
            << QByteArray("foo=1&k%65y=TOKEN&bar=2") << 200 << QByteArray("foo=1&bar=2");
        QTest::newRow("access_token and k%65y")
            << QByteArray("access_token=ya29.not-a-real-token&k%65y=TOKEN") << 200 << QByteArray();
        QTest::newRow("k%65y with a wrong token") << QByteArray("k%65y=gat_not-the-token") << 401 << QByteArray();
    }

    void credentialParametersAreStripped()
    {
        QFETCH(QByteArray, query);
        QFETCH(int, status);
        QFETCH(QByteArray, forwarded);
        QVERIFY(start(threeProjects()));
        query.replace("TOKEN", m_token);
        const Reply r = call("POST", kGenerate + '?' + query, generateBody(), {}, false);
        QCOMPARE(r.status, status);
        const QList<RecordedRequest> seen = m_fake->requests();
        if (status != 200) {
            QCOMPARE(seen.size(), 0);
            return;
        }
        QCOMPARE(seen.size(), 1);
        const QByteArray got = seen.first().query;
        QVERIFY2(!got.contains(m_token), "the access token reached the fake");
        QVERIFY2(!got.contains("key") && !got.contains("k%65y") && !got.contains("%6B%65%79")
                && !got.contains("access_token"),
            got.constData());
        QCOMPARE(got, forwarded);
        QVERIFY(!seen.first().target.contains(m_token));
        QCOMPARE(seen.first().keySource, ga::test::KeySource::Header); // the pool's key, in the header
    }

    // "The caller does not have permission" (no key-level signal): another key serves; a repeat marks the key.
    void forbiddenKeyIsRetriedAndMarkedOnlyOnRepeat()
    {
        QVERIFY(start(keyConfigs({ 1, 3, 5 })));
        setProjectBehaviour(QStringLiteral("proj-a"), Behaviour::Forbidden);
        Reply r = generate(generateBody());
        QCOMPARE(r.status, 200);
        QCOMPARE(keysSeen(), QStringList({ "k1", "k3" }));
        QCOMPARE(m_fake->requests().first().status, 403);
        QVERIFY(m_pool->status(keyId(1)) != KeyStatus::Invalid);

        // Until k1 is picked again (round robin): it forbids once more, and now it is marked.
        for (int i = 0; i < 6 && keysSeen().count(QStringLiteral("k1")) < 2; ++i) {
            r = generate(generateBody());
            QCOMPARE(r.status, 200);
        }
        QCOMPARE(keysSeen().count(QStringLiteral("k1")), 2);
        QCOMPARE(m_pool->status(keyId(1)), KeyStatus::Invalid);
        QVERIFY(m_pool->status(keyId(3)) != KeyStatus::Invalid);
        QVERIFY(m_pool->status(keyId(5)) != KeyStatus::Invalid);
    }

    // A file the proxy never saw: Google's 403 is about the file, not about the key that asked.
    void unknownResource403BlamesNoKey()
    {
        QVERIFY(start(threeProjects()));
        const QString name = m_fake->addFile(QStringLiteral("proj-b"), "not uploaded through the proxy");
        const QByteArray body = generateBody({ filePart(QStringLiteral("files/") + name.mid(6)) });
        int denied = 0;
        for (int i = 0; i < 12; ++i) {
            const Reply r = generate(body);
            QVERIFY2(r.status == 200 || r.status == 403, r.body.left(300).constData());
            if (r.status == 403) {
                ++denied;
                QVERIFY(errorOf(r).value(u"message").toString().contains(u"may not exist"));
            }
        }
        qInfo() << denied << "of 12 requests got the fake's 403";
        QVERIFY(denied > 0);
        QVERIFY(noKeyInvalid());
        for (int n = 1; n <= 6; ++n) {
            QCOMPARE(m_pool->status(keyId(n), kFlash), KeyStatus::Active);
        }
    }

    // The owner says the resource is gone (expired at Google): the 403 reaches the client, the map forgets it,
    // and no key is blamed.
    void expiredResourceIsForgotten()
    {
        QVERIFY(start(threeProjects()));
        File f;
        QVERIFY(uploadFile(&f));
        QVERIFY(m_proxy->resources()->find(f.name));
        m_fake->setTimeOffsetMs(49LL * 3600 * 1000);
        m_fake->clearRequests();
        const Reply r = generate(generateBody({ filePart(f.uri) }));
        QCOMPARE(r.status, 403);
        const QList<RecordedRequest> seen = m_fake->requests();
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen.first().project, f.project); // asked the owner, nobody else
        QVERIFY(!m_proxy->resources()->find(f.name));
        QVERIFY(noKeyInvalid());
        for (int n = 1; n <= 6; ++n) {
            QCOMPARE(m_pool->status(keyId(n), kFlash), KeyStatus::Active);
        }
    }

    // Restart: the map saved by one proxy and loaded into a new one still sends the file's uses to its owner.
    void resourceMapSurvivesRestart()
    {
        QVERIFY(start(threeProjects()));
        File f;
        QVERIFY(uploadFile(&f));
        const QJsonObject saved
            = QJsonDocument::fromJson(QJsonDocument(m_proxy->resources()->save()).toJson()).object(); // via bytes
        m_client.reset();
        m_proxy.reset();

        m_map = std::make_unique<ResourceMap>();
        QString error;
        QVERIFY2(m_map->load(saved, &error), qPrintable(error));
        QVERIFY(start(threeProjects(), m_map.get())); // a fresh pool and proxy
        QCOMPARE(m_proxy->resources(), m_map.get());
        QVERIFY(m_map->find(f.name));
        QCOMPARE(m_map->find(f.name)->group, f.project);
        m_fake->clearRequests();
        for (int i = 0; i < 3; ++i) {
            const Reply r = generate(generateBody({ filePart(f.uri) }));
            QVERIFY2(r.status == 200, r.body.left(300).constData());
        }
        QVERIFY(allUsesWentTo(f.name, f.project, 3));
    }

    // The upload start answer may carry the key in its URLs (some servers do): none reaches the client, and no
    // header sends the client past the proxy.
    void uploadAnswerLeaksNoKey()
    {
        m_fake->setUploadUrlIncludesKey(true);
        QVERIFY(start(threeProjects()));
        const Reply r = call("POST", "/upload/v1beta/files", "{}",
            "X-Goog-Upload-Protocol: resumable\r\nX-Goog-Upload-Command: start\r\n");
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("x-goog-upload-url").startsWith(proxyOrigin() + "/upload/v1beta/files?upload_id="));
        const QByteArray upstream = m_fake->baseUrl().toLatin1();
        for (const auto &h : r.headers) {
            for (int n = 1; n <= kFakeKeys; ++n) {
                QVERIFY2(!h.second.contains(fakeKey(n).toLatin1()),
                    qPrintable(QStringLiteral("header %1 carries the secret of pool key %2")
                                   .arg(QString::fromLatin1(h.first), keyId(n))));
            }
        }
        for (const auto &h : r.headers) {
            QVERIFY2(!h.second.contains(upstream),
                qPrintable(QStringLiteral("header %1 points the client at the upstream, past the proxy")
                               .arg(QString::fromLatin1(h.first))));
        }
    }
};

QTEST_GUILESS_MAIN(TestAffinity)
#include "tst_affinity.moc"
