// SPDX-License-Identifier: GPL-3.0-or-later
// core/affinity on its own: which resources a request uses, what an answer teaches, and the owner map (expiry,
// LRU bound, save/load). The proxy's use of it is in tst_affinity.
#include "affinity/resourcemap.h"
#include "proxy/listfanout.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using ga::affinity::Kind;
using ga::affinity::Resource;
using ga::affinity::ResourceMap;
using ga::time::ManualClock;

class TestResourceMap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestResources_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QString>("addressed");
        QTest::addColumn<int>("listed"); // -1: none
        QTest::addColumn<bool>("capture");
        const QStringList none;
        QTest::newRow("generate, plain text")
            << QByteArray("POST") << QByteArray("/v1beta/models/gemini-2.5-flash:generateContent") << QByteArray()
            << QByteArray("{\"contents\":[{\"parts\":[{\"text\":\"files/abc is just text\"}]}]}") << none << QString()
            << -1 << false;
        QTest::newRow("generate with fileUri (full URL)")
            << QByteArray("POST") << QByteArray("/v1beta/models/m:generateContent") << QByteArray()
            << QByteArray("{\"contents\":[{\"parts\":[{\"fileData\":{\"fileUri\":\"https://"
                          "generativelanguage.googleapis.com/v1beta/files/abc123\",\"mimeType\":\"text/plain\"}}]}]}")
            << QStringList { QStringLiteral("files/abc123") } << QString() << -1 << false;
        QTest::newRow("stream with proxy-origin fileUri and cache")
            << QByteArray("POST") << QByteArray("/v1/models/m:streamGenerateContent") << QByteArray("alt=sse")
            << QByteArray("{\"cachedContent\":\"cachedContents/"
                          "Xy9\",\"contents\":[{\"parts\":[{\"file_data\":{\"file_uri\":\"http://127.0.0.1:3145/v1/"
                          "files/f1\"}}]}]}")
            << QStringList { QStringLiteral("cachedContents/Xy9"), QStringLiteral("files/f1") } << QString() << -1
            << false;
        QTest::newRow("foreign URIs are not ours")
            << QByteArray("POST") << QByteArray("/v1beta/models/m:generateContent") << QByteArray()
            << QByteArray("{\"contents\":[{\"parts\":[{\"fileData\":{\"fileUri\":\"gs://bucket/files/"
                          "x\"}},{\"fileData\":{\"fileUri\":\"https://www.youtube.com/watch?v=1\"}}]}]}")
            << none << QString() << -1 << false;
        QTest::newRow("OpenAI compat cached_content in extra_body")
            << QByteArray("POST") << QByteArray("/v1beta/openai/chat/completions") << QByteArray()
            << QByteArray("{\"model\":\"m\",\"extra_body\":{\"google\":{\"cached_content\":\"cachedContents/c1\"}}}")
            << QStringList { QStringLiteral("cachedContents/c1") } << QString() << -1 << false;
        QTest::newRow("batch from a file")
            << QByteArray("POST") << QByteArray("/v1beta/models/m:batchGenerateContent") << QByteArray()
            << QByteArray("{\"batch\":{\"inputConfig\":{\"fileName\":\"files/in1\"}}}")
            << QStringList { QStringLiteral("files/in1") } << QString() << -1 << true;
        QTest::newRow("files.get") << QByteArray("GET") << QByteArray("/v1beta/files/abc") << QByteArray()
                                   << QByteArray() << QStringList { QStringLiteral("files/abc") }
                                   << QStringLiteral("files/abc") << -1 << true;
        QTest::newRow("files.download") << QByteArray("GET") << QByteArray("/v1beta/files/abc:download")
                                        << QByteArray("alt=media") << QByteArray()
                                        << QStringList { QStringLiteral("files/abc") } << QStringLiteral("files/abc")
                                        << -1 << true;
        QTest::newRow("files.list") << QByteArray("GET") << QByteArray("/v1beta/files") << QByteArray("pageSize=10")
                                    << QByteArray() << none << QString() << int(Kind::File) << true;
        QTest::newRow("caches.list") << QByteArray("GET") << QByteArray("/v1/cachedContents") << QByteArray()
                                     << QByteArray() << none << QString() << int(Kind::CachedContent) << true;
        QTest::newRow("batches.cancel") << QByteArray("POST") << QByteArray("/v1beta/batches/b-1:cancel")
                                        << QByteArray() << QByteArray() << QStringList { QStringLiteral("batches/b-1") }
                                        << QStringLiteral("batches/b-1") << -1 << true;
        QTest::newRow("caches.create") << QByteArray("POST") << QByteArray("/v1beta/cachedContents") << QByteArray()
                                       << QByteArray("{\"model\":\"models/m\"}") << none << QString() << -1 << true;
        QTest::newRow("upload start") << QByteArray("POST") << QByteArray("/upload/v1beta/files") << QByteArray()
                                      << QByteArray("{\"file\":{\"displayName\":\"x\"}}") << none << QString() << -1
                                      << true;
        QTest::newRow("upload chunk") << QByteArray("POST") << QByteArray("/upload/v1beta/files")
                                      << QByteArray("upload_id=UP-1_x&upload_protocol=resumable") << QByteArray("bytes")
                                      << QStringList { QStringLiteral("uploads/UP-1_x") }
                                      << QStringLiteral("uploads/UP-1_x") << -1 << true;
        QTest::newRow("long-running operation")
            << QByteArray("GET") << QByteArray("/v1beta/models/veo-3/operations/op1") << QByteArray() << QByteArray()
            << QStringList { QStringLiteral("models/veo-3/operations/op1") }
            << QStringLiteral("models/veo-3/operations/op1") << -1 << true;
        QTest::newRow("ephemeral token for the Live API")
            << QByteArray("POST") << QByteArray("/v1alpha/auth_tokens") << QByteArray() << QByteArray("{\"uses\":1}")
            << none << QString() << -1 << true;
        QTest::newRow("path traversal is no resource")
            << QByteArray("GET") << QByteArray("/v1beta/files/..") << QByteArray() << QByteArray() << none << QString()
            << -1 << false;
        QTest::newRow("models.get") << QByteArray("GET") << QByteArray("/v1beta/models/gemini-2.5-flash")
                                    << QByteArray() << QByteArray() << none << QString() << -1 << false;
        QTest::newRow("malformed JSON mentioning fileUri")
            << QByteArray("POST") << QByteArray("/v1beta/models/m:generateContent") << QByteArray()
            << QByteArray("{\"fileUri\": \"files/x\" ") << none << QString() << -1 << false;
    }

    void requestResources()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, query);
        QFETCH(QByteArray, body);
        QFETCH(QStringList, names);
        QFETCH(QString, addressed);
        QFETCH(int, listed);
        QFETCH(bool, capture);
        const ga::affinity::RequestResources r = ga::affinity::requestResources(method, path, query, body);
        QCOMPARE(r.names, names);
        QCOMPARE(r.addressed, addressed);
        QCOMPARE(r.listed ? int(*r.listed) : -1, listed);
        QCOMPARE(r.captureAnswer, capture);
    }

    void uploadIdOf()
    {
        QCOMPARE(ga::affinity::uploadIdOf("https://h/upload/v1beta/files?upload_id=AbC-1&upload_protocol=resumable"),
            QByteArray("AbC-1"));
        QCOMPARE(ga::affinity::uploadIdOf("upload_protocol=resumable&upload_id=x%2Dy"), QByteArray("x-y"));
        QCOMPARE(ga::affinity::uploadIdOf("https://h/upload/v1beta/files"), QByteArray());
        QCOMPARE(ga::affinity::uploadIdOf("upload_id=" + QByteArray(600, 'a')), QByteArray()); // not an id
        QCOMPARE(ga::affinity::uploadIdOf("upload_id=%00ab%2Fc"), QByteArray()); // found by fuzz_affinity
    }

    void learnFromAnswers()
    {
        const auto finalize = ga::affinity::learnFromAnswer(
            "{\"file\":{\"name\":\"files/f1\",\"displayName\":\"clip\",\"mimeType\":\"video/"
            "mp4\",\"sizeBytes\":\"123456\",\"expirationTime\":\"2026-01-03T00:00:00.123456Z\"}}");
        QCOMPARE(finalize.size(), size_t(1));
        QCOMPARE(finalize[0].name, QStringLiteral("files/f1"));
        QCOMPARE(finalize[0].kind, Kind::File);
        QCOMPARE(finalize[0].sizeBytes, qint64(123456));
        QCOMPARE(finalize[0].mimeType, QStringLiteral("video/mp4"));
        QCOMPARE(finalize[0].expiresMs,
            QDateTime::fromString(QStringLiteral("2026-01-03T00:00:00.123Z"), Qt::ISODateWithMs).toMSecsSinceEpoch());
        const auto list = ga::affinity::learnFromAnswer("{\"files\":[{\"name\":\"files/a\"},{\"name\":\"files/"
                                                        "b\"},{\"name\":\"not/ours\"}],\"nextPageToken\":\"t\"}");
        QCOMPARE(list.size(), size_t(2));
        const auto cache = ga::affinity::learnFromAnswer("{\"name\":\"cachedContents/c1\",\"model\":\"models/"
                                                         "gemini-2.5-flash\",\"expireTime\":\"2026-01-01T01:00:00Z\"}");
        QCOMPARE(cache.size(), size_t(1));
        QCOMPARE(cache[0].kind, Kind::CachedContent);
        QCOMPARE(cache[0].model, QStringLiteral("models/gemini-2.5-flash"));
        const auto batch = ga::affinity::learnFromAnswer(
            "{\"name\":\"batches/b1\",\"metadata\":{\"displayName\":\"nightly\",\"model\":\"models/m\"}}");
        QCOMPARE(batch.size(), size_t(1));
        QCOMPARE(batch[0].displayName, QStringLiteral("nightly"));
        QVERIFY(ga::affinity::learnFromAnswer("not json").empty());
        QVERIFY(ga::affinity::learnFromAnswer("{\"name\":\"uploads/x\"}").empty()); // only we name uploads
    }

    void rememberFindExpire()
    {
        ManualClock clock;
        ResourceMap map(clock);
        QSignalSpy changed(&map, &ResourceMap::changed);
        map.remember(resource(QStringLiteral("files/a"), Kind::File, QStringLiteral("k1"), QStringLiteral("g1")));
        map.remember(resource(QStringLiteral("uploads/U1"), Kind::Upload, QStringLiteral("k2")));
        map.remember(resource(QStringLiteral("cachedContents/c"), Kind::CachedContent, QStringLiteral("k1")));
        QCOMPARE(changed.size(), 3);
        const auto a = map.find(QStringLiteral("files/a"));
        QVERIFY(a);
        QCOMPARE(a->group, QStringLiteral("g1"));
        QCOMPARE(a->expiresMs, clock.nowMs() + ResourceMap::kFileLifetimeMs);
        QVERIFY(map.isOpenUpload("U1"));
        QVERIFY(!map.isOpenUpload("U2"));
        QVERIFY(!map.isOpenUpload(""));
        // A cached content without an expireTime lives Google's default hour; a file 48 h; an upload session 24 h.
        clock.advance(ResourceMap::kCacheLifetimeMs);
        QVERIFY(!map.find(QStringLiteral("cachedContents/c")));
        clock.advance(ResourceMap::kUploadLifetimeMs - ResourceMap::kCacheLifetimeMs);
        QVERIFY(!map.isOpenUpload("U1"));
        QVERIFY(map.find(QStringLiteral("files/a")));
        clock.advance(ResourceMap::kFileLifetimeMs - ResourceMap::kUploadLifetimeMs);
        QVERIFY(!map.find(QStringLiteral("files/a")));
        QCOMPARE(map.list().size(), size_t(0));
        // A learned expiry wins; a refresh keeps the creation time and what the refresh did not say.
        Resource r = resource(QStringLiteral("files/b"), Kind::File, QStringLiteral("k1"));
        r.expiresMs = clock.nowMs() + 5'000;
        r.sizeBytes = 42;
        map.remember(r);
        const qint64 created = map.find(QStringLiteral("files/b"))->createdMs;
        clock.advance(1'000);
        Resource refresh = resource(QStringLiteral("files/b"), Kind::File, QStringLiteral("k1"));
        refresh.expiresMs = clock.nowMs() + 10'000;
        map.remember(refresh);
        QCOMPARE(map.find(QStringLiteral("files/b"))->createdMs, created);
        QCOMPARE(map.find(QStringLiteral("files/b"))->sizeBytes, qint64(42));
        map.forget(QStringLiteral("files/b"));
        QVERIFY(!map.find(QStringLiteral("files/b")));
    }

    void boundedLeastRecentlyUsed()
    {
        ManualClock clock;
        ResourceMap map(clock);
        map.setMaxEntries(3);
        for (const char *n : { "files/a", "files/b", "files/c" }) {
            map.remember(resource(QString::fromLatin1(n), Kind::File, QStringLiteral("k1")));
            clock.advance(1);
        }
        QVERIFY(map.find(QStringLiteral("files/a"))); // a is now the most recently used
        map.remember(resource(QStringLiteral("files/d"), Kind::File, QStringLiteral("k1")));
        QCOMPARE(map.size(), 3);
        QVERIFY(!map.find(QStringLiteral("files/b"))); // the least recently used went
        QVERIFY(map.find(QStringLiteral("files/a")));
        QVERIFY(map.find(QStringLiteral("files/c")));
        QVERIFY(map.find(QStringLiteral("files/d")));
        QCOMPARE(ResourceMap::kDefaultMaxEntries, 100'000);
    }

    void saveAndLoad()
    {
        ManualClock clock;
        ResourceMap map(clock);
        Resource f = resource(QStringLiteral("files/a"), Kind::File, QStringLiteral("k1"), QStringLiteral("proj"));
        f.sizeBytes = 5;
        f.displayName = QStringLiteral("hello");
        map.remember(f);
        map.remember(resource(QStringLiteral("uploads/U"), Kind::Upload, QStringLiteral("k2")));
        const QJsonObject saved = map.save();
        ResourceMap again(clock);
        QVERIFY(again.load(saved));
        QCOMPARE(again.size(), 2);
        const auto a = again.find(QStringLiteral("files/a"));
        QVERIFY(a);
        QCOMPARE(a->keyId, QStringLiteral("k1"));
        QCOMPARE(a->group, QStringLiteral("proj"));
        QCOMPARE(a->sizeBytes, qint64(5));
        QCOMPARE(a->displayName, QStringLiteral("hello"));
        QVERIFY(again.isOpenUpload("U"));
        // Expired entries are not loaded; a foreign object is refused and changes nothing.
        clock.advance(ResourceMap::kUploadLifetimeMs);
        ResourceMap later(clock);
        QVERIFY(later.load(saved));
        QCOMPARE(later.size(), 1);
        QString why;
        QVERIFY(!later.load(QJsonObject { { QStringLiteral("version"), 99 } }, &why));
        QVERIFY(!why.isEmpty());
        QCOMPARE(later.size(), 1);
        // Entries whose name does not match their kind are dropped (a hand-edited file cannot smuggle paths in).
        QJsonObject bad = saved;
        QJsonArray items = bad.value(QStringLiteral("resources")).toArray();
        QJsonObject item = items.at(0).toObject();
        item.insert(QStringLiteral("name"), QStringLiteral("../../etc/passwd"));
        items.replace(0, item);
        bad.insert(QStringLiteral("resources"), items);
        ManualClock atSave; // the same start as `clock`: both entries still live
        ResourceMap strict(atSave);
        QVERIFY(strict.load(bad));
        QCOMPARE(strict.size(), 1);
    }

    void fanOutPageTokens()
    {
        using ga::proxy::ListFanOut;
        const QList<QPair<QString, QString>> tokens { { QStringLiteral("g:proj-a"), QStringLiteral("t1/+=") },
            { QStringLiteral("k:k9"), QStringLiteral("t2") } };
        const QByteArray encoded = ListFanOut::encodePageToken(tokens);
        QVERIFY(encoded.startsWith("ga1."));
        QVERIFY(!encoded.contains('+') && !encoded.contains('/') && !encoded.contains('='));
        QList<QPair<QString, QString>> back;
        QVERIFY(ListFanOut::decodePageToken(encoded, &back));
        QCOMPARE(back.size(), 2);
        QList<QPair<QString, QString>> none;
        QVERIFY(!ListFanOut::decodePageToken("googles-own-token", &none));
        QVERIFY(!ListFanOut::decodePageToken("ga1.%%%", &none));
        QVERIFY(!ListFanOut::decodePageToken("ga1." + QByteArray("[1]").toBase64(), &none));
    }

private:
    static Resource resource(const QString &name, Kind kind, const QString &key, const QString &group = {})
    {
        Resource r;
        r.name = name;
        r.kind = kind;
        r.keyId = key;
        r.group = group;
        return r;
    }
};

QTEST_GUILESS_MAIN(TestResourceMap)
#include "tst_resourcemap.moc"
