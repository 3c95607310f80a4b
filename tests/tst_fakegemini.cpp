// SPDX-License-Identifier: GPL-3.0-or-later
// The fake Gemini upstream, checked over raw TCP against the wire formats of /work/shared/gemini-api.md.
#include "fakegemini.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>
#include <QWebSocket>

#include <memory>

using ga::test::Behaviour;
using ga::test::behaviourName;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::KeySource;
using ga::test::LiveSession;
using ga::test::RecordedRequest;
using ga::test::Script;

namespace {

constexpr int kTimeout = 5000;

// ---------------------------------------------------------------------------------------------------------------
// A raw HTTP/1.1 client that keeps the bytes exactly as they arrived.

struct HttpResponse
{
    int status = 0;
    QByteArray head; // status line + headers + blank line, verbatim
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray raw; // body bytes as received, chunk framing included
    QByteArray body; // decoded
    QList<QByteArray> chunks; // decoded chunks (close-delimited: one per read)
    QList<qint64> chunkAtMs; // when each chunk was complete, ms after the request was sent
    bool chunked = false;
    bool ended = false; // the framing said the body is complete
    bool truncated = false; // the connection closed before that

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0) {
                return h.second;
            }
        }
        return {};
    }
    QList<QByteArray> headerValues(QByteArrayView name) const
    {
        QList<QByteArray> values;
        for (const auto &h : headers) {
            if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0) {
                values.append(h.second);
            }
        }
        return values;
    }
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

class Client : public QObject
{
public:
    Client()
    {
        connect(&socket, &QTcpSocket::readyRead, this, [this] { onRead(); });
        connect(&socket, &QTcpSocket::disconnected, this, [this] { onClosed(); });
    }
    ~Client() override { QObject::disconnect(&socket, nullptr, this, nullptr); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    bool open(quint16 port)
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, kTimeout);
    }
    void send(const QByteArray &bytes)
    {
        clock.start();
        socket.write(bytes);
        socket.flush();
    }
    bool waitResponses(int n, int timeout = kTimeout)
    {
        return QTest::qWaitFor([this, n] { return responses.size() >= n; }, timeout);
    }
    bool waitClosed(int timeout = kTimeout)
    {
        return QTest::qWaitFor([this] { return closed; }, timeout);
    }

    QTcpSocket socket;
    QList<HttpResponse> responses; // finished: ended or truncated
    QList<HttpResponse> interim; // 1xx
    HttpResponse current;
    bool inResponse = false;
    bool closed = false;
    qint64 received = 0;
    QElapsedTimer clock;

private:
    enum class State
    {
        Head,
        Length,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailer,
        Close
    };

    void onRead()
    {
        if (!socket.isOpen()) {
            return;
        }
        const QByteArray bytes = socket.readAll();
        received += bytes.size();
        m_buffer += bytes;
        parse();
    }

    void onClosed()
    {
        onRead();
        if (inResponse) {
            if (m_state == State::Close) {
                current.ended = true;
            } else {
                current.truncated = true;
            }
            responses.append(current);
            inResponse = false;
        }
        closed = true;
    }

    void finish()
    {
        current.ended = true;
        responses.append(current);
        inResponse = false;
        m_state = State::Head;
    }

    void parse()
    {
        for (;;) {
            switch (m_state) {
            case State::Head: {
                const qsizetype end = m_buffer.indexOf("\r\n\r\n");
                if (end < 0) {
                    return;
                }
                HttpResponse r;
                r.head = m_buffer.left(end + 4);
                m_buffer.remove(0, end + 4);
                const QList<QByteArray> lines = r.head.left(end).split('\n');
                r.status = lines.first().split(' ').value(1).toInt();
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const QByteArray line = lines.at(i).trimmed();
                    const qsizetype colon = line.indexOf(':');
                    r.headers.append({ line.left(colon), line.mid(colon + 1).trimmed() });
                }
                if (r.status >= 100 && r.status < 200) {
                    interim.append(r);
                    continue;
                }
                current = r;
                inResponse = true;
                if (r.header("transfer-encoding").toLower().contains("chunked")) {
                    current.chunked = true;
                    m_state = State::ChunkSize;
                } else if (!r.header("content-length").isEmpty()) {
                    m_remaining = r.header("content-length").toLongLong();
                    if (m_remaining == 0) {
                        finish();
                    } else {
                        m_state = State::Length;
                    }
                } else {
                    m_state = State::Close;
                }
                continue;
            }
            case State::Length: {
                const qsizetype take = std::min<qsizetype>(m_buffer.size(), m_remaining);
                current.raw += m_buffer.left(take);
                current.body += m_buffer.left(take);
                m_buffer.remove(0, take);
                m_remaining -= take;
                if (m_remaining > 0) {
                    return;
                }
                finish();
                continue;
            }
            case State::ChunkSize: {
                const qsizetype eol = m_buffer.indexOf("\r\n");
                if (eol < 0) {
                    return;
                }
                current.raw += m_buffer.left(eol + 2);
                m_remaining = m_buffer.left(eol).toLongLong(nullptr, 16);
                m_buffer.remove(0, eol + 2);
                m_chunk.clear();
                m_state = m_remaining == 0 ? State::Trailer : State::ChunkData;
                continue;
            }
            case State::ChunkData: {
                const qsizetype take = std::min<qsizetype>(m_buffer.size(), m_remaining);
                current.raw += m_buffer.left(take);
                m_chunk += m_buffer.left(take);
                m_buffer.remove(0, take);
                m_remaining -= take;
                if (m_remaining > 0) {
                    return;
                }
                current.chunks.append(m_chunk);
                current.chunkAtMs.append(clock.elapsed());
                current.body += m_chunk;
                m_state = State::ChunkEnd;
                continue;
            }
            case State::ChunkEnd:
                if (m_buffer.size() < 2) {
                    return;
                }
                current.raw += m_buffer.left(2);
                m_buffer.remove(0, 2);
                m_state = State::ChunkSize;
                continue;
            case State::Trailer: {
                const qsizetype eol = m_buffer.indexOf("\r\n");
                if (eol < 0) {
                    return;
                }
                current.raw += m_buffer.left(eol + 2);
                m_buffer.remove(0, eol + 2);
                if (eol == 0) {
                    finish();
                }
                continue;
            }
            case State::Close:
                if (!m_buffer.isEmpty()) {
                    current.raw += m_buffer;
                    current.body += m_buffer;
                    current.chunks.append(m_buffer);
                    current.chunkAtMs.append(clock.elapsed());
                    m_buffer.clear();
                }
                return;
            }
        }
    }

    State m_state = State::Head;
    QByteArray m_buffer;
    QByteArray m_chunk;
    qint64 m_remaining = 0;
};

// A request as raw bytes. POST bodies get a Content-Length.
QByteArray request(
    QByteArrayView method, QByteArrayView target, const QList<QByteArray> &headers = {}, const QByteArray &body = {})
{
    QByteArray r = method.toByteArray() + ' ' + target.toByteArray() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &h : headers) {
        r += h + "\r\n";
    }
    if (method == "POST" || !body.isEmpty()) {
        r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    r += "\r\n";
    r += body;
    return r;
}

QByteArray keyHeader(const QString &key)
{
    return "x-goog-api-key: " + key.toUtf8();
}

const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
const QByteArray kStreamSse = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
const QByteArray kPrompt = R"({"contents":[{"role":"user","parts":[{"text":"What is the capital of France?"}]}]})";

// A JSON string literal, made by Qt's own serializer (an independent implementation).
QByteArray jsonString(const QString &s)
{
    const QByteArray a = QJsonDocument(QJsonArray { s }).toJson(QJsonDocument::Compact);
    return a.mid(1, a.size() - 2);
}

// Exact bodies from gemini-api.md §4.
const QByteArray kUnregisteredBody = "{\n"
                                     "  \"error\": {\n"
                                     "    \"code\": 403,\n"
                                     "    \"message\": \"Method doesn't allow unregistered callers (callers without "
                                     "established identity). Please use API Key or other form of API consumer "
                                     "identity to call this API.\",\n"
                                     "    \"status\": \"PERMISSION_DENIED\"\n"
                                     "  }\n"
                                     "}\n";

const QByteArray kKeyInvalidBody = "{\n"
                                   "  \"error\": {\n"
                                   "    \"code\": 400,\n"
                                   "    \"message\": \"API key not valid. Please pass a valid API key.\",\n"
                                   "    \"status\": \"INVALID_ARGUMENT\",\n"
                                   "    \"details\": [\n"
                                   "      {\n"
                                   "        \"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\",\n"
                                   "        \"reason\": \"API_KEY_INVALID\",\n"
                                   "        \"domain\": \"googleapis.com\",\n"
                                   "        \"metadata\": {\n"
                                   "          \"service\": \"generativelanguage.googleapis.com\"\n"
                                   "        }\n"
                                   "      },\n"
                                   "      {\n"
                                   "        \"@type\": \"type.googleapis.com/google.rpc.LocalizedMessage\",\n"
                                   "        \"locale\": \"en-US\",\n"
                                   "        \"message\": \"API key not valid. Please pass a valid API key.\"\n"
                                   "      }\n"
                                   "    ]\n"
                                   "  }\n"
                                   "}\n";

const QByteArray kOverloadedBody = "{\n"
                                   "  \"error\": {\n"
                                   "    \"code\": 503,\n"
                                   "    \"message\": \"The model is overloaded. Please try again later.\",\n"
                                   "    \"status\": \"UNAVAILABLE\"\n"
                                   "  }\n"
                                   "}\n";

const QByteArray kInternalBody = "{\n"
                                 "  \"error\": {\n"
                                 "    \"code\": 500,\n"
                                 "    \"message\": \"An internal error has occurred. Please retry or report in "
                                 "https://developers.generativeai.google/guide/troubleshooting\",\n"
                                 "    \"status\": \"INTERNAL\"\n"
                                 "  }\n"
                                 "}\n";

// The region block as Google sends it (snailyp/gemini-balance#328, gemini-cli#24641).
const QByteArray kRegionBlockedBody = "{\n"
                                      "  \"error\": {\n"
                                      "    \"code\": 400,\n"
                                      "    \"message\": \"User location is not supported for the API use.\",\n"
                                      "    \"status\": \"FAILED_PRECONDITION\"\n"
                                      "  }\n"
                                      "}\n";

// generateContent, pretty-printed like adk-go's TestModel_Generate_ok recording.
QByteArray prettyGenerate(const QString &text, int prompt, int candidates, QByteArrayView model, QByteArrayView id)
{
    const QByteArray p = QByteArray::number(prompt);
    return "{\n"
           "  \"candidates\": [\n"
           "    {\n"
           "      \"content\": {\n"
           "        \"parts\": [\n"
           "          {\n"
           "            \"text\": "
        + jsonString(text)
        + "\n"
          "          }\n"
          "        ],\n"
          "        \"role\": \"model\"\n"
          "      },\n"
          "      \"finishReason\": \"STOP\",\n"
          "      \"index\": 0\n"
          "    }\n"
          "  ],\n"
          "  \"usageMetadata\": {\n"
          "    \"promptTokenCount\": "
        + p + ",\n    \"candidatesTokenCount\": " + QByteArray::number(candidates)
        + ",\n    \"totalTokenCount\": " + QByteArray::number(prompt + candidates)
        + ",\n"
          "    \"promptTokensDetails\": [\n"
          "      {\n"
          "        \"modality\": \"TEXT\",\n"
          "        \"tokenCount\": "
        + p
        + "\n"
          "      }\n"
          "    ]\n"
          "  },\n"
          "  \"modelVersion\": \""
        + model.toByteArray() + "\",\n  \"responseId\": \"" + id.toByteArray() + "\"\n}\n";
}

// One SSE event, spaced like the real serializer: space after ':', none after ','.
QByteArray sseEvent(const QString &text, bool last, int prompt, int candidates, QByteArrayView model, QByteArrayView id)
{
    const QByteArray p = QByteArray::number(prompt);
    return "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": " + jsonString(text)
        + "}],\"role\": \"model\"}," + (last ? QByteArray("\"finishReason\": \"STOP\",") : QByteArray())
        + "\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": " + p + ",\"candidatesTokenCount\": "
        + QByteArray::number(candidates) + ",\"totalTokenCount\": " + QByteArray::number(prompt + candidates)
        + ",\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": " + p + "}]},\"modelVersion\": \""
        + model.toByteArray() + "\",\"responseId\": \"" + id.toByteArray() + "\"}\r\n\r\n";
}

QJsonObject sseJson(const QByteArray &event)
{
    return QJsonDocument::fromJson(event.mid(6)).object();
}

// A 403 PERMISSION_DENIED without details, pretty-printed like every native error.
QByteArray deniedBody(const QByteArray &message)
{
    return "{\n  \"error\": {\n    \"code\": 403,\n    \"message\": \"" + message
        + "\",\n    \"status\": \"PERMISSION_DENIED\"\n  }\n}\n";
}

QByteArray fileDeniedBody(QByteArrayView id)
{
    return deniedBody("You do not have permission to access the File " + id.toByteArray() + " or it may not exist.");
}

const QByteArray kCacheDeniedBody = deniedBody("CachedContent not found (or permission denied)");

QByteArray batchDeniedBody(QByteArrayView id)
{
    return deniedBody("Permission denied on resource batches/" + id.toByteArray() + " (or it may not exist).");
}

// "2026-03-01T12:00:00.123456Z" → microseconds since the epoch (-1 when it is not that shape).
qint64 rfc3339Us(const QString &s)
{
    if (s.size() != 27 || !s.endsWith(QLatin1Char('Z')) || s.at(19) != QLatin1Char('.')) {
        return -1;
    }
    QDateTime t = QDateTime::fromString(s.left(19), QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
    t.setTimeSpec(Qt::UTC);
    bool ok = false;
    const qint64 micros = s.mid(20, 6).toLongLong(&ok);
    return t.isValid() && ok ? t.toMSecsSinceEpoch() * 1000 + micros : -1;
}

// A raw-string JSON template with %1, %2… filled in. (moc 6.4 mis-lexes a raw string whose text ends with a
// quote, and then finds no Q_OBJECT class: so none of those in this file.)
QByteArray fill(QByteArray templ, const QList<QByteArray> &args)
{
    for (qsizetype i = 0; i < args.size(); ++i) {
        templ.replace("%" + QByteArray::number(i + 1), args.at(i));
    }
    return templ;
}

QString str(const QJsonValue &v)
{
    return v.toString();
}

// ---------------------------------------------------------------------------------------------------------------
// The Live API (WebSocket), with Qt's own client.

const QByteArray kLivePath = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
const QByteArray kLiveConstrained
    = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";
const QByteArray kSetup = R"({"setup":{"model":"models/gemini-live-2.5-flash-preview"}})";
const QByteArray kSetupComplete = "{\n  \"setupComplete\": {}\n}\n";
const QString kQuotaReason = QStringLiteral(
    "You exceeded your current quota, please check your plan and billing details. For more information on this "
    "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.")
                                 .left(123);
const QString kKeyInvalidReason = QStringLiteral("API key not valid. Please pass a valid API key.");

// A raw upgrade request (for the refusals, which are plain HTTP answers).
QByteArray upgradeRequest(const QByteArray &target, const QList<QByteArray> &headers = {})
{
    QList<QByteArray> all { "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13" };
    all += headers;
    return request("GET", target, all);
}

// A value at a dotted path, numbers index arrays: at(o, "serverContent.modelTurn.parts.0.text").
QJsonValue at(QJsonValue v, const QString &path)
{
    for (const QString &part : path.split(QLatin1Char('.'))) {
        bool index = false;
        const int i = part.toInt(&index);
        v = index ? v.toArray().at(i) : v.toObject().value(part);
    }
    return v;
}

class LiveClient : public QObject
{
public:
    LiveClient()
    {
        connect(&ws, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &m) {
            messages.append(m);
            binary.append(true);
        });
        connect(&ws, &QWebSocket::textMessageReceived, this, [this](const QString &m) {
            messages.append(m.toUtf8());
            binary.append(false);
        });
        connect(&ws, &QWebSocket::disconnected, this, [this] { closed = true; });
    }
    ~LiveClient() override { QObject::disconnect(&ws, nullptr, this, nullptr); }

    // Opens base + target (with extra request headers); false unless the upgrade succeeded.
    bool open(const QString &base, const QByteArray &target, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QUrl url(base + QString::fromUtf8(target));
        url.setScheme(QStringLiteral("ws"));
        QNetworkRequest rq(url);
        for (const auto &h : headers) {
            rq.setRawHeader(h.first, h.second);
        }
        ws.open(rq);
        return QTest::qWaitFor([this] { return ws.state() == QAbstractSocket::ConnectedState || closed; }, kTimeout)
            && ws.state() == QAbstractSocket::ConnectedState;
    }
    // Opens and sends the setup; true once setupComplete arrived.
    bool start(const QString &base, const QByteArray &target, const QByteArray &setup = kSetup)
    {
        if (!open(base, target)) {
            return false;
        }
        ws.sendTextMessage(QString::fromUtf8(setup));
        return waitMessages(1) && messages.first() == kSetupComplete && binary.first();
    }
    bool waitMessages(int n, int timeout = kTimeout)
    {
        return QTest::qWaitFor([this, n] { return messages.size() >= n; }, timeout);
    }
    bool waitClosed(int timeout = kTimeout)
    {
        return QTest::qWaitFor([this] { return closed; }, timeout);
    }
    QJsonObject json(qsizetype i) const { return QJsonDocument::fromJson(messages.value(i)).object(); }
    // The text of a serverContent.modelTurn message.
    QString text(qsizetype i) const
    {
        return at(json(i), QStringLiteral("serverContent.modelTurn.parts.0.text")).toString();
    }

    QWebSocket ws;
    QList<QByteArray> messages;
    QList<bool> binary;
    bool closed = false;
};
} // namespace

class TestFakeGemini : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeGemini> m_fake;
    QString m_key;

    // Two projects: A1 and A2 in project-a, B1 in project-b.
    QString m_a1;
    QString m_a2;
    QString m_b1;
    const QString kProjectA = QStringLiteral("project-a");
    const QString kProjectB = QStringLiteral("project-b");

    void addProjects()
    {
        m_a1 = fakeKey(101);
        m_a2 = fakeKey(102);
        m_b1 = fakeKey(103);
        m_fake->addKey(m_a1, kProjectA);
        m_fake->addKey(m_a2, kProjectA);
        m_fake->addKey(m_b1, kProjectB);
    }

    HttpResponse call(QByteArrayView method, const QByteArray &target, const QString &key, const QByteArray &body = {},
        QList<QByteArray> headers = {})
    {
        if (!key.isEmpty()) {
            headers.prepend(keyHeader(key));
        }
        return roundTrip(request(method, target, headers, body));
    }

    // A resumable upload: start with `key`, then one "upload, finalize" chunk without any key. The file object
    // of the final answer (empty on failure).
    QJsonObject upload(const QString &key, const QByteArray &data, const QByteArray &version = "v1beta",
        const QByteArray &displayName = "notes")
    {
        const HttpResponse start = call("POST", "/upload/" + version + "/files", key,
            fill(R"({"file":{"displayName":"%1","mimeType":"text/plain"}})", { displayName }),
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start",
                "X-Goog-Upload-Header-Content-Length: " + QByteArray::number(data.size()),
                "X-Goog-Upload-Header-Content-Type: text/plain", "Content-Type: application/json" });
        const QByteArray url = start.header("x-goog-upload-url");
        if (start.status != 200 || url.isEmpty()) {
            return {};
        }
        const HttpResponse final = roundTrip(request("POST", url.mid(m_fake->baseUrl().size()),
            { "X-Goog-Upload-Command: upload, finalize", "X-Goog-Upload-Offset: 0" }, data));
        if (final.status != 200 || final.header("x-goog-upload-status") != "final") {
            return {};
        }
        return final.json().object().value(QLatin1String("file")).toObject();
    }

    // The id of a file object ("files/abc" → "abc").
    static QByteArray fileId(const QJsonObject &file)
    {
        return file.value(QLatin1String("name")).toString().mid(6).toUtf8();
    }

    // A generate-style body that refers to a file by `uri`, in camelCase or snake_case.
    static QByteArray fileBody(const QByteArray &uri, bool snake = false)
    {
        return snake ? fill(R"({"contents":[{"role":"user","parts":[{"text":"sum up"},)"
                            R"({"file_data":{"mime_type":"text/plain","file_uri":"%1"}}]}]})",
                   { uri })
                     : fill(R"({"contents":[{"role":"user","parts":[{"text":"sum up"},)"
                            R"({"fileData":{"mimeType":"text/plain","fileUri":"%1"}}]}]})",
                         { uri });
    }

    QJsonObject createCache(const QString &key, const QByteArray &extra = "\"ttl\":\"300s\"")
    {
        const HttpResponse r = call("POST", "/v1beta/cachedContents", key,
            R"({"model":"models/gemini-2.5-flash","displayName":"long doc","contents":[{"role":"user","parts":[{"text":"a long document"}]}],"systemInstruction":{"parts":[{"text":"be brief"}]},)"
                + extra + "}");
        return r.status == 200 ? r.json().object() : QJsonObject();
    }

    QJsonObject createBatch(const QString &key, int requests = 2)
    {
        QByteArray list;
        for (int i = 0; i < requests; ++i) {
            list += (i ? "," : "") + QByteArray(R"({"request":{"contents":[{"parts":[{"text":"q)")
                + QByteArray::number(i) + R"("}]}]},"metadata":{"key":"r)" + QByteArray::number(i) + "\"}}";
        }
        const HttpResponse r = call("POST", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", key,
            R"({"batch":{"displayName":"nightly","inputConfig":{"requests":{"requests":[)" + list + "]}}}}");
        return r.status == 200 ? r.json().object() : QJsonObject();
    }

    // One request on a fresh connection; the response (or an empty one with status 0 on timeout).
    HttpResponse roundTrip(const QByteArray &bytes, FakeGemini *fake = nullptr)
    {
        Client c;
        if (!c.open((fake ? fake : m_fake.get())->port())) {
            return {};
        }
        c.send(bytes);
        if (!c.waitResponses(1)) {
            return {};
        }
        return c.responses.first();
    }

    // Live API (WebSocket) helpers.

    QString liveBase() const { return m_fake->baseUrl(); }
    QByteArray withKey(const QByteArray &path, const QString &key) const { return path + "?key=" + key.toUtf8(); }

    // The last Live session (waits until its connection ended when `ended`).
    LiveSession lastSession(bool ended = false)
    {
        const bool ok = QTest::qWaitFor(
            [&] { return !m_fake->liveSessions().isEmpty() && (!ended || !m_fake->liveSessions().last().open); },
            kTimeout);
        if (!ok) {
            return {};
        }
        return m_fake->liveSessions().value(m_fake->liveSessions().size() - 1);
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeGemini>();
        QVERIFY2(m_fake->listen(), qPrintable(m_fake->errorString()));
        m_key = fakeKey(1);
        m_fake->addKey(m_key);
    }

    void cleanup() { m_fake.reset(); }

    void listensOnLoopback()
    {
        QVERIFY(m_fake->port() > 0);
        QCOMPARE(m_fake->baseUrl(), QStringLiteral("http://127.0.0.1:%1").arg(m_fake->port()));
        QVERIFY(m_fake->isListening());
    }

    void generateContentIsPrettyJson()
    {
        Script s;
        s.text = QStringLiteral("He said \"Paris\" \\ then\nleft \u2014 caf\u00e9.");
        m_fake->setScript(m_key, s);
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);
        QVERIFY(r.head.startsWith("HTTP/1.1 200 OK\r\n"));
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.header("content-length").toInt(), r.body.size());
        QCOMPARE(r.header("server"), QByteArray("scaffolding on HTTPServer2"));
        QCOMPARE(r.headerValues("vary"), (QList<QByteArray> { "Origin", "X-Origin", "Referer" }));
        QCOMPARE(r.header("alt-svc"), QByteArray("h3=\":443\"; ma=2592000,h3-29=\":443\"; ma=2592000"));
        QCOMPARE(r.header("x-content-type-options"), QByteArray("nosniff"));
        QCOMPARE(r.header("x-frame-options"), QByteArray("SAMEORIGIN"));
        QVERIFY(r.header("server-timing").startsWith("gfet4t7; dur="));
        QVERIFY(r.header("date").endsWith(" GMT"));
        QVERIFY(r.header("transfer-encoding").isEmpty());

        const QJsonObject o = r.json().object();
        const QJsonObject usage = o.value(QLatin1String("usageMetadata")).toObject();
        const QByteArray id = o.value(QLatin1String("responseId")).toString().toUtf8();
        QCOMPARE(id.size(), 23);
        const int prompt = usage.value(QLatin1String("promptTokenCount")).toInt();
        const int candidates = usage.value(QLatin1String("candidatesTokenCount")).toInt();
        QVERIFY(prompt > 0);
        QVERIFY(candidates > 0);
        QCOMPARE(r.body, prettyGenerate(s.text, prompt, candidates, "gemini-2.5-flash", id));
    }

    void sseStreamFraming()
    {
        Script s;
        s.chunks = 4;
        s.text = QStringLiteral("The capital of France is Paris. \u00c9l\u00e9gant!");
        m_fake->setScript(m_key, s);
        const HttpResponse r = roundTrip(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream"));
        QCOMPARE(r.header("content-disposition"), QByteArray("attachment"));
        QCOMPARE(r.header("transfer-encoding"), QByteArray("chunked"));
        QVERIFY(r.header("content-length").isEmpty());
        QVERIFY(r.ended);
        QVERIFY(r.raw.endsWith("\r\n0\r\n\r\n"));
        QCOMPARE(r.chunks.size(), 4);

        QString joined;
        QByteArray id;
        int lastCandidates = 0;
        int prompt = 0;
        for (int i = 0; i < r.chunks.size(); ++i) {
            const QByteArray &event = r.chunks.at(i);
            QVERIFY(event.startsWith("data: {"));
            QVERIFY(event.endsWith("}\r\n\r\n"));
            QCOMPARE(event.count("\r\n"), 2); // single-line JSON
            const QJsonObject o = sseJson(event);
            QVERIFY(!o.isEmpty());
            const QJsonObject candidate = o.value(QLatin1String("candidates")).toArray().first().toObject();
            const QJsonObject usage = o.value(QLatin1String("usageMetadata")).toObject();
            const QString text = candidate.value(QLatin1String("content"))
                                     .toObject()
                                     .value(QLatin1String("parts"))
                                     .toArray()
                                     .first()
                                     .toObject()
                                     .value(QLatin1String("text"))
                                     .toString();
            joined += text;
            const bool last = i == r.chunks.size() - 1;
            QCOMPARE(candidate.contains(QLatin1String("finishReason")), last);
            if (i == 0) {
                id = o.value(QLatin1String("responseId")).toString().toUtf8();
                prompt = usage.value(QLatin1String("promptTokenCount")).toInt();
            }
            QCOMPARE(o.value(QLatin1String("responseId")).toString().toUtf8(), id);
            const int candidates = usage.value(QLatin1String("candidatesTokenCount")).toInt();
            QVERIFY(candidates >= lastCandidates);
            lastCandidates = candidates;
            QCOMPARE(event, sseEvent(text, last, prompt, candidates, "gemini-2.5-flash", id));
        }
        QCOMPARE(joined, s.text);
        QCOMPARE(r.body.count("\r\n\r\n"), 4);
    }

    void sseCloseDelimited()
    {
        Script s;
        s.chunks = 3;
        s.closeDelimited = true;
        m_fake->setScript(m_key, s);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitResponses(1));
        QVERIFY(c.waitClosed());
        const HttpResponse &r = c.responses.first();
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("transfer-encoding").isEmpty());
        QVERIFY(r.header("content-length").isEmpty());
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QCOMPARE(r.body.count("data: "), 3);
        QVERIFY(r.body.endsWith("}\r\n\r\n"));
        QVERIFY(r.body.contains("\"finishReason\": \"STOP\""));
    }

    void http10StreamsAreCloseDelimited()
    {
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send("POST " + kStreamSse + " HTTP/1.0\r\nx-goog-api-key: " + m_key.toUtf8()
            + "\r\nContent-Length: " + QByteArray::number(kPrompt.size()) + "\r\n\r\n" + kPrompt);
        QVERIFY(c.waitResponses(1));
        QVERIFY(c.waitClosed());
        const HttpResponse &r = c.responses.first();
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("transfer-encoding").isEmpty());
        QCOMPARE(r.body.count("data: "), 3);
    }

    void sseIntervalIsRespected()
    {
        Script s;
        s.chunks = 4;
        s.intervalMs = 150;
        m_fake->setScript(m_key, s);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        QElapsedTimer t;
        t.start();
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitResponses(1, 10'000));
        const HttpResponse &r = c.responses.first();
        QVERIFY(r.ended);
        QCOMPARE(r.chunks.size(), 4);
        for (int i = 1; i < r.chunkAtMs.size(); ++i) {
            const qint64 gap = r.chunkAtMs.at(i) - r.chunkAtMs.at(i - 1);
            QVERIFY2(gap >= 130, qPrintable(QStringLiteral("gap %1: %2 ms").arg(i).arg(gap)));
        }
        QVERIFY2(r.chunkAtMs.first() < 130, qPrintable(QString::number(r.chunkAtMs.first())));
        QVERIFY(t.elapsed() >= 3 * 150 - 20);
    }

    void jsonArrayStreamWithoutAlt()
    {
        const HttpResponse r = roundTrip(
            request("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.header("transfer-encoding"), QByteArray("chunked"));
        QCOMPARE(r.chunks.size(), 3);
        QVERIFY(r.body.startsWith("[{\n  \"candidates\": ["));
        QVERIFY(r.body.endsWith("}\n]"));
        QVERIFY(r.chunks.at(1).startsWith(",\r\n{\n"));
        const QJsonArray a = r.json().array();
        QCOMPARE(a.size(), 3);
        QCOMPARE(a.at(0)[QLatin1String("responseId")], a.at(2)[QLatin1String("responseId")]);
        QVERIFY(a.at(2)[QLatin1String("candidates")][0].toObject().contains(QLatin1String("finishReason")));
    }

    void missingKeyIs403()
    {
        HttpResponse r = roundTrip(request("POST", kGenerate, {}, kPrompt));
        QCOMPARE(r.status, 403);
        QVERIFY(r.head.startsWith("HTTP/1.1 403 Forbidden\r\n"));
        QCOMPARE(r.body, kUnregisteredBody);
        // An empty x-goog-api-key (gemini-cli gateway mode) is no key.
        r = roundTrip(request("POST", kGenerate, { "x-goog-api-key: " }, kPrompt));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, kUnregisteredBody);
        // On the SSE endpoint the pre-stream error keeps Content-Type text/event-stream.
        r = roundTrip(request("POST", kStreamSse, {}, kPrompt));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream"));
        QCOMPARE(r.body, kUnregisteredBody);
    }

    void unknownKeyIs400()
    {
        const QString unknown = fakeKey(99);
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(unknown) }, kPrompt));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.body, kKeyInvalidBody);
        const QList<RecordedRequest> rec = m_fake->requests();
        QCOMPARE(rec.size(), 1);
        QCOMPARE(rec.first().key, unknown);
        QCOMPARE(rec.first().status, 400);
    }

    void invalidBehaviourIs400()
    {
        m_fake->setBehaviour(m_key, Behaviour::Invalid);
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, kKeyInvalidBody);
    }

    void rateLimitedIs429WithRetryInfo()
    {
        Script s;
        s.behaviour = Behaviour::RateLimited;
        s.retryDelay = "12s";
        m_fake->setScript(m_key, s);
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 429);
        QVERIFY(r.head.startsWith("HTTP/1.1 429 Too Many Requests\r\n"));
        QVERIFY(r.body.startsWith("{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"You exceeded your current "
                                  "quota, please check your plan and billing details."));
        QVERIFY(r.body.endsWith("\"retryDelay\": \"12s\"\n      }\n    ]\n  }\n}\n"));
        const QJsonObject e = r.json().object().value(QLatin1String("error")).toObject();
        QCOMPARE(e.value(QLatin1String("status")).toString(), QStringLiteral("RESOURCE_EXHAUSTED"));
        QVERIFY(e.value(QLatin1String("message")).toString().endsWith(QStringLiteral("\nPlease retry in 12s.")));
        const QJsonArray details = e.value(QLatin1String("details")).toArray();
        QCOMPARE(details.size(), 3);
        QCOMPARE(
            details.at(0)[QLatin1String("@type")].toString(), QStringLiteral("type.googleapis.com/google.rpc.Help"));
        QCOMPARE(details.at(1)[QLatin1String("@type")].toString(),
            QStringLiteral("type.googleapis.com/google.rpc.QuotaFailure"));
        const QJsonObject violation = details.at(1)[QLatin1String("violations")][0].toObject();
        QVERIFY(violation.value(QLatin1String("quotaId")).toString().contains(QLatin1String("PerProjectPerModel")));
        QCOMPARE(violation[QLatin1String("quotaDimensions")][QLatin1String("model")].toString(),
            QStringLiteral("gemini-2.5-flash"));
        QCOMPARE(details.at(2)[QLatin1String("@type")].toString(),
            QStringLiteral("type.googleapis.com/google.rpc.RetryInfo"));
        QCOMPARE(details.at(2)[QLatin1String("retryDelay")].toString(), QStringLiteral("12s"));

        // Streaming: same body, text/event-stream.
        const HttpResponse sse = roundTrip(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(sse.status, 429);
        QCOMPARE(sse.header("content-type"), QByteArray("text/event-stream"));
        QVERIFY(sse.body.contains("\"retryDelay\": \"12s\""));

        // No retryDelay: no RetryInfo detail.
        s.retryDelay.clear();
        m_fake->setScript(m_key, s);
        const HttpResponse bare = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(bare.status, 429);
        QVERIFY(!bare.body.contains("RetryInfo"));
    }

    void quotaIds_data()
    {
        QTest::addColumn<bool>("daily");
        QTest::addColumn<bool>("projectQuota");
        QTest::addColumn<QString>("quotaId");
        const QString perMinute = QStringLiteral("GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
        const QString perDay = QStringLiteral("GenerateRequestsPerDayPerProjectPerModel-FreeTier");
        QTest::newRow("per-minute (default)") << false << false << perMinute;
        QTest::newRow("per-day") << true << false << perDay;
        QTest::newRow("project quota, per-minute") << false << true << perMinute;
        QTest::newRow("project quota, per-day") << true << true << perDay;
    }

    void quotaIds()
    {
        QFETCH(bool, daily);
        QFETCH(bool, projectQuota);
        QFETCH(QString, quotaId);
        Script s;
        s.behaviour = projectQuota ? Behaviour::Normal : Behaviour::RateLimited;
        s.dailyQuota = daily;
        const QString key = fakeKey(30);
        m_fake->addKey(key, QStringLiteral("quota-project"));
        m_fake->setScript(key, s);
        if (projectQuota) {
            m_fake->setProjectQuota(QStringLiteral("quota-project"), 0);
        }
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(key) }, kPrompt));
        QCOMPARE(r.status, 429);
        const QJsonArray details
            = r.json().object().value(QLatin1String("error")).toObject().value(QLatin1String("details")).toArray();
        QCOMPARE(details.size(), 3);
        const QJsonArray violations = details.at(1)[QLatin1String("violations")].toArray();
        QCOMPARE(violations.size(), 1);
        QCOMPARE(violations.at(0)[QLatin1String("quotaId")].toString(), quotaId);
        QCOMPARE(details.at(2)[QLatin1String("retryDelay")].toString(), QStringLiteral("37s"));
    }

    void regionBlockedIs400FailedPrecondition()
    {
        m_fake->setBehaviour(m_key, Behaviour::RegionBlocked);
        HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 400);
        QVERIFY(r.head.startsWith("HTTP/1.1 400 Bad Request\r\n"));
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.body, kRegionBlockedBody);
        // The OpenAI-compatible shape: one line in an array.
        r = roundTrip(request("POST", "/v1beta/openai/chat/completions", { keyHeader(m_key) },
            R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body,
            QByteArray(R"([{"error": {"code": 400, "message": "User location is not supported for the API use.", )"
                       R"("status": "FAILED_PRECONDITION"}}])"));
    }

    void serverErrors()
    {
        m_fake->setBehaviour(m_key, Behaviour::Overloaded);
        HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 503);
        QVERIFY(r.head.startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
        QCOMPARE(r.body, kOverloadedBody);
        m_fake->setBehaviour(m_key, Behaviour::Internal);
        r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, kInternalBody);
        // Errors of the streamed-array mode are wrapped in an array.
        r = roundTrip(
            request("POST", "/v1/models/gemini-2.5-flash:streamGenerateContent", { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, "[" + kInternalBody.chopped(1) + "\n]");
    }

    void midStreamErrorEndsWithoutTerminatingChunk()
    {
        Script s;
        s.behaviour = Behaviour::MidStreamError;
        s.chunks = 5;
        s.failAfterChunks = 2;
        m_fake->setScript(m_key, s);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitResponses(1));
        QVERIFY(c.waitClosed());
        const HttpResponse &r = c.responses.first();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("transfer-encoding"), QByteArray("chunked"));
        QVERIFY(r.truncated);
        QVERIFY(!r.ended);
        QCOMPARE(r.chunks.size(), 3);
        QVERIFY(r.chunks.at(0).startsWith("data: "));
        QVERIFY(r.chunks.at(1).startsWith("data: "));
        QVERIFY(!r.chunks.at(1).contains("finishReason"));
        QCOMPARE(r.chunks.at(2), kOverloadedBody);
        const QByteArray lastChunk = QByteArray::number(kOverloadedBody.size(), 16) + "\r\n" + kOverloadedBody + "\r\n";
        QVERIFY(r.raw.endsWith(lastChunk));
        QVERIFY(!r.raw.endsWith("0\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->openConnections(), 0, kTimeout);
        QCOMPARE(m_fake->abortedStreams(), 0); // the fake ended it, the client did not go away
    }

    void midStreamErrorCloseDelimited()
    {
        Script s;
        s.behaviour = Behaviour::MidStreamError;
        s.closeDelimited = true;
        s.failAfterChunks = 1;
        m_fake->setScript(m_key, s);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitResponses(1));
        const HttpResponse &r = c.responses.first();
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("transfer-encoding").isEmpty());
        QCOMPARE(r.body.count("data: "), 1);
        QVERIFY(r.body.endsWith("}\r\n\r\n" + kOverloadedBody));
    }

    void midStreamErrorDoesNotAffectNonStreaming()
    {
        m_fake->setBehaviour(m_key, Behaviour::MidStreamError);
        const HttpResponse r = roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);
    }

    void hangThenClientLeaves()
    {
        m_fake->setBehaviour(m_key, Behaviour::Hang);
        QSignalSpy aborted(m_fake.get(), &FakeGemini::streamAborted);
        QSignalSpy received(m_fake.get(), &FakeGemini::requestReceived);
        auto c = std::make_unique<Client>();
        QVERIFY(c->open(m_fake->port()));
        c->send(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QVERIFY(received.wait(kTimeout));
        QCOMPARE(received.first().first().value<RecordedRequest>().status, 0);
        QCOMPARE(c->received, 0);
        QCOMPARE(m_fake->openConnections(), 1);
        c->socket.abort();
        QVERIFY(aborted.wait(kTimeout));
        QCOMPARE(m_fake->abortedStreams(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->openConnections(), 0, kTimeout);
        QCOMPARE(c->received, 0);
    }

    void clientLeavesMidStream()
    {
        Script s;
        s.chunks = 50;
        s.intervalMs = 50;
        m_fake->setScript(m_key, s);
        QSignalSpy aborted(m_fake.get(), &FakeGemini::streamAborted);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QTRY_VERIFY_WITH_TIMEOUT(c.inResponse && c.current.chunks.size() >= 2, kTimeout);
        c.socket.close();
        QVERIFY(aborted.wait(kTimeout));
        QCOMPARE(aborted.size(), 1);
        QCOMPARE(m_fake->abortedStreams(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->openConnections(), 0, kTimeout);
    }

    void closeBeforeResponse()
    {
        m_fake->setBehaviour(m_key, Behaviour::CloseBeforeResponse);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitClosed());
        QCOMPARE(c.received, 0);
        QVERIFY(c.responses.isEmpty());
        const QList<RecordedRequest> rec = m_fake->requests();
        QCOMPARE(rec.size(), 1);
        QCOMPARE(rec.first().status, 0);
        QCOMPARE(rec.first().body, kPrompt);
        QCOMPARE(m_fake->abortedStreams(), 0);
    }

    void keepAliveReusesConnection()
    {
        const int before = m_fake->totalConnections();
        Client c;
        QVERIFY(c.open(m_fake->port()));
        for (int i = 1; i <= 3; ++i) {
            c.send(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
            QVERIFY(c.waitResponses(i));
            QCOMPARE(c.responses.last().status, 200);
        }
        // Two pipelined requests in one write, and a stream in between.
        c.send(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt)
            + request("GET", "/v1beta/models", { keyHeader(m_key) }));
        QVERIFY(c.waitResponses(5));
        QCOMPARE(c.responses.at(3).header("content-type"), QByteArray("text/event-stream"));
        QVERIFY(c.responses.at(3).ended);
        QVERIFY(c.responses.at(4).body.contains("\"models\": ["));
        QCOMPARE(m_fake->totalConnections() - before, 1);
        QCOMPARE(m_fake->openConnections(), 1);
        const QList<RecordedRequest> rec = m_fake->requests();
        QCOMPARE(rec.size(), 5);
        for (const RecordedRequest &r : rec) {
            QCOMPARE(r.connectionId, rec.first().connectionId);
        }
        QVERIFY(!c.closed);
        // Connection: close is honoured.
        c.send(request("POST", kGenerate, { keyHeader(m_key), "Connection: close" }, kPrompt));
        QVERIFY(c.waitResponses(6));
        QCOMPARE(c.responses.last().header("connection"), QByteArray("close"));
        QVERIFY(c.waitClosed());
    }

    void chunkedRequestBody()
    {
        Client c;
        QVERIFY(c.open(m_fake->port()));
        const QByteArray head = "POST " + kGenerate + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: "
            + m_key.toUtf8() + "\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n";
        const QByteArray a = kPrompt.left(20);
        const QByteArray b = kPrompt.mid(20);
        c.send(head + QByteArray::number(a.size(), 16) + "\r\n" + a + "\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->openConnections(), 1, kTimeout);
        c.send(QByteArray::number(b.size(), 16) + ";ext=1\r\n" + b + "\r\n0\r\n\r\n");
        QVERIFY(c.waitResponses(1));
        QCOMPARE(c.responses.first().status, 200);
        const RecordedRequest r = m_fake->requests().first();
        QCOMPARE(r.body, kPrompt);
        QVERIFY(r.chunkedBody);
    }

    void expectContinue()
    {
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send("POST " + kGenerate + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + m_key.toUtf8()
            + "\r\nExpect: 100-continue\r\nContent-Length: " + QByteArray::number(kPrompt.size()) + "\r\n\r\n");
        QTRY_COMPARE_WITH_TIMEOUT(c.interim.size(), 1, kTimeout);
        QCOMPARE(c.interim.first().head, QByteArray("HTTP/1.1 100 Continue\r\n\r\n"));
        c.send(kPrompt);
        QVERIFY(c.waitResponses(1));
        QCOMPARE(c.responses.first().status, 200);
    }

    void recordsRequestsAndKeySource()
    {
        QSignalSpy received(m_fake.get(), &FakeGemini::requestReceived);
        const QString bearerKey = fakeKey(2);
        const QString queryKey = fakeKey(3);
        m_fake->addKey(bearerKey, QStringLiteral("proj-b"));
        m_fake->addKey(queryKey);
        QCOMPARE(
            roundTrip(request("POST", kGenerate, { keyHeader(m_key), "X-Custom-Header: Mixed Case" }, kPrompt)).status,
            200);
        QCOMPARE(roundTrip(request("POST", kGenerate + "?key=" + queryKey.toUtf8() + "&$alt=json", {}, kPrompt)).status,
            200);
        QCOMPARE(roundTrip(request("POST", "/v1beta/openai/chat/completions",
                               { "Authorization: Bearer " + bearerKey.toUtf8(), "Content-Type: application/json" },
                               R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]})"))
                     .status,
            200);
        // Native endpoint with a Bearer key: accepted, recorded as such.
        QCOMPARE(
            roundTrip(request("GET", "/v1beta/models", { "authorization: bearer " + bearerKey.toUtf8() })).status, 200);

        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 4, kTimeout);
        const QList<RecordedRequest> rec = m_fake->requests();
        QCOMPARE(rec.size(), 4);
        QCOMPARE(rec.at(0).method, QByteArray("POST"));
        QCOMPARE(rec.at(0).path, kGenerate);
        QCOMPARE(rec.at(0).body, kPrompt);
        QCOMPARE(rec.at(0).key, m_key);
        QCOMPARE(rec.at(0).keySource, KeySource::Header);
        QCOMPARE(rec.at(0).httpVersion, QByteArray("HTTP/1.1"));
        QVERIFY(rec.at(0).headers.contains(qMakePair(QByteArray("X-Custom-Header"), QByteArray("Mixed Case"))));
        QVERIFY(rec.at(0).headers.contains(qMakePair(QByteArray("x-goog-api-key"), m_key.toUtf8())));
        QCOMPARE(rec.at(0).header("X-CUSTOM-HEADER"), QByteArray("Mixed Case"));
        QCOMPARE(rec.at(0).status, 200);
        QCOMPARE(rec.at(1).key, queryKey);
        QCOMPARE(rec.at(1).keySource, KeySource::Query);
        QCOMPARE(rec.at(1).query, "key=" + queryKey.toUtf8() + "&$alt=json");
        QCOMPARE(rec.at(1).path, kGenerate);
        QCOMPARE(rec.at(2).key, bearerKey);
        QCOMPARE(rec.at(2).keySource, KeySource::Bearer);
        QCOMPARE(rec.at(2).project, QStringLiteral("proj-b"));
        QCOMPARE(rec.at(3).keySource, KeySource::Bearer);
        QCOMPARE(received.at(1).first().value<RecordedRequest>().key, queryKey);
        QVERIFY(rec.at(0).id < rec.at(1).id);

        m_fake->clearRequests();
        QVERIFY(m_fake->requests().isEmpty());
        m_fake->setRecording(false);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt)).status, 200);
        QVERIFY(m_fake->requests().isEmpty());
        QCOMPARE(m_fake->requestCount(), 5);
    }

    void projectQuotaIsShared()
    {
        const QString a = fakeKey(10);
        const QString b = fakeKey(11);
        const QString other = fakeKey(12);
        m_fake->addKey(a, QStringLiteral("p1"));
        m_fake->addKey(b, QStringLiteral("p1"));
        m_fake->addKey(other, QStringLiteral("p2"));
        m_fake->setProjectQuota(QStringLiteral("p1"), 2);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(a) }, kPrompt)).status, 200);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(b) }, kPrompt)).status, 200);
        const HttpResponse limited = roundTrip(request("POST", kGenerate, { keyHeader(a) }, kPrompt));
        QCOMPARE(limited.status, 429);
        QVERIFY(limited.body.contains("\"retryDelay\": \"37s\""));
        QVERIFY(limited.body.contains("limit: 2, model: gemini-2.5-flash"));
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(b) }, kPrompt)).status, 429);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(other) }, kPrompt)).status, 200);
        QCOMPARE(m_fake->projectUsage(QStringLiteral("p1")), 4);
        m_fake->resetProjectUsage(QStringLiteral("p1"));
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(b) }, kPrompt)).status, 200);
    }

    void controlEndpoint()
    {
        const QString k = fakeKey(20);
        const QByteArray keyBody = "{\"key\": \"" + k.toUtf8()
            + "\", \"project\": \"ctl\", \"script\": {\"behaviour\": \"rateLimited\", \"retryDelay\": \"5s\"}}";
        HttpResponse r = roundTrip(request("POST", "/__fake/keys", { "Content-Type: application/json" }, keyBody));
        QCOMPARE(r.status, 200);
        QVERIFY(m_fake->hasKey(k));
        QCOMPARE(m_fake->script(k).behaviour, Behaviour::RateLimited);
        r = roundTrip(request("POST", kGenerate, { keyHeader(k) }, kPrompt));
        QCOMPARE(r.status, 429);
        QVERIFY(r.body.contains("\"retryDelay\": \"5s\""));

        r = roundTrip(request("GET", "/__fake/requests"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QJsonArray all = r.json().array();
        QCOMPARE(all.size(), 1); // control calls are not recorded
        const QJsonObject one = all.first().toObject();
        QCOMPARE(one.value(QLatin1String("key")).toString(), k);
        QCOMPARE(one.value(QLatin1String("keySource")).toString(), QStringLiteral("header"));
        QCOMPARE(one.value(QLatin1String("project")).toString(), QStringLiteral("ctl"));
        QCOMPARE(one.value(QLatin1String("status")).toInt(), 429);
        QCOMPARE(one.value(QLatin1String("path")).toString(), QString::fromUtf8(kGenerate));
        QCOMPARE(one.value(QLatin1String("body")).toString(), QString::fromUtf8(kPrompt));
        bool sawKeyHeader = false;
        for (const QJsonValue &h : one.value(QLatin1String("headers")).toArray()) {
            sawKeyHeader |= h[0].toString() == QLatin1String("x-goog-api-key") && h[1].toString() == k;
        }
        QVERIFY(sawKeyHeader);

        r = roundTrip(request("DELETE", "/__fake/requests"));
        QCOMPARE(r.status, 200);
        QVERIFY(m_fake->requests().isEmpty());

        r = roundTrip(request("POST", "/__fake/default", {}, R"({"script": {"chunks": 5, "text": "abcdefghij"}})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->defaultScript().chunks, 5);
        r = roundTrip(request("POST", kStreamSse, { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.chunks.size(), 5);
        QVERIFY(r.chunks.first().contains("\"text\": \"ab\""));

        const QString stranger = fakeKey(21);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(stranger) }, kPrompt)).status, 400);
        r = roundTrip(request("POST", "/__fake/acceptAnyKey", {}, R"({"value": true})"));
        QCOMPARE(r.status, 200);
        QVERIFY(m_fake->acceptAnyKey());
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(stranger) }, kPrompt)).status, 200);

        r = roundTrip(request("POST", "/__fake/keys", {},
            "{\"key\": \"" + k.toUtf8() + "\", \"script\": {\"behaviour\": \"regionBlocked\"}}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->script(k).behaviour, Behaviour::RegionBlocked);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(k) }, kPrompt)).body, kRegionBlockedBody);
        r = roundTrip(request("POST", "/__fake/keys", {},
            "{\"key\": \"" + k.toUtf8() + "\", \"script\": {\"behaviour\": \"rateLimited\", \"dailyQuota\": true}}"));
        QCOMPARE(r.status, 200);
        QVERIFY(m_fake->script(k).dailyQuota);
        r = roundTrip(request("POST", kGenerate, { keyHeader(k) }, kPrompt));
        QCOMPARE(r.status, 429);
        QVERIFY(r.body.contains("\"quotaId\": \"GenerateRequestsPerDayPerProjectPerModel-FreeTier\""));

        r = roundTrip(request("POST", "/__fake/projectQuota", {}, R"({"project": "ctl", "requests": 0})"));
        QCOMPARE(r.status, 200);
        r = roundTrip(request(
            "POST", "/__fake/keys", {}, "{\"key\": \"" + k.toUtf8() + "\", \"script\": {\"behaviour\": \"normal\"}}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(roundTrip(request("POST", kGenerate, { keyHeader(k) }, kPrompt)).status, 429); // quota 0

        r = roundTrip(request("GET", "/__fake/stats"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().object().value(QLatin1String("totalConnections")).toInt() >= 10);

        r = roundTrip(request("POST", "/__fake/default", {}, R"({"script": {"behaviour": "sleepy"}})"));
        QCOMPARE(r.status, 400);
        r = roundTrip(request("POST", "/__fake/keys", {}, "not json"));
        QCOMPARE(r.status, 400);
        r = roundTrip(request("POST", "/__fake/reset"));
        QCOMPARE(r.status, 200);
        QVERIFY(!m_fake->hasKey(m_key));
        QVERIFY(!m_fake->acceptAnyKey());
    }

    void countTokensAndModels()
    {
        HttpResponse r
            = roundTrip(request("POST", "/v1beta/models/gemini-2.5-flash:countTokens", { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);
        const int total = r.json().object().value(QLatin1String("totalTokens")).toInt();
        QVERIFY(total > 0);
        QVERIFY(r.body.startsWith("{\n  \"totalTokens\": " + QByteArray::number(total) + ",\n"));
        QVERIFY(r.body.endsWith("}\n"));

        r = roundTrip(request("GET", "/v1beta/models?pageSize=2", { keyHeader(m_key) }));
        QCOMPARE(r.status, 200);
        QJsonObject page = r.json().object();
        QStringList names;
        for (const QJsonValue &m : page.value(QLatin1String("models")).toArray()) {
            names += m[QLatin1String("name")].toString();
        }
        while (page.contains(QLatin1String("nextPageToken"))) {
            r = roundTrip(request("GET",
                "/v1beta/models?pageSize=2&pageToken="
                    + QUrl::toPercentEncoding(page.value(QLatin1String("nextPageToken")).toString()),
                { keyHeader(m_key) }));
            page = r.json().object();
            for (const QJsonValue &m : page.value(QLatin1String("models")).toArray()) {
                names += m[QLatin1String("name")].toString();
            }
        }
        QVERIFY(names.contains(QStringLiteral("models/gemini-2.5-flash")));
        QVERIFY(names.contains(QStringLiteral("models/gemini-embedding-001")));
        QCOMPARE(names.size(), QSet<QString>(names.begin(), names.end()).size());

        r = roundTrip(request("GET", "/v1/models/gemini-2.5-pro", { keyHeader(m_key) }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().object().value(QLatin1String("name")).toString(), QStringLiteral("models/gemini-2.5-pro"));
        QVERIFY(r.json()
                    .object()
                    .value(QLatin1String("supportedGenerationMethods"))
                    .toArray()
                    .contains(QStringLiteral("generateContent")));

        r = roundTrip(request("POST", "/v1/models/nonexistent-model:generateContent", { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.json()[QLatin1String("error")][QLatin1String("message")].toString(),
            QStringLiteral("models/nonexistent-model is not found for API version v1, or is not supported for "
                           "generateContent. Call ListModels to see the list of available models and their supported "
                           "methods."));

        // Percent-encoded ':' in the path, and v1alpha.
        r = roundTrip(
            request("POST", "/v1alpha/models/gemini-2.5-flash%3AgenerateContent", { keyHeader(m_key) }, kPrompt));
        QCOMPARE(r.status, 200);

        r = roundTrip(request("GET", "/v1beta/nowhere", { keyHeader(m_key) }));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.header("content-type"), QByteArray("text/html; charset=UTF-8"));
    }

    void embeddings()
    {
        HttpResponse r = roundTrip(request("POST", "/v1beta/models/gemini-embedding-001:embedContent",
            { keyHeader(m_key) }, R"({"content":{"parts":[{"text":"hello"}]},"outputDimensionality":4})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QLatin1String("embedding")][QLatin1String("values")].toArray().size(), 4);

        r = roundTrip(request("POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", { keyHeader(m_key) },
            R"({"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]}},)"
            R"({"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]}},)"
            R"({"model":"models/gemini-embedding-001","content":{"parts":[{"text":"c"}]}}]})"));
        QCOMPARE(r.status, 200);
        const QJsonArray embeddings = r.json()[QLatin1String("embeddings")].toArray();
        QCOMPARE(embeddings.size(), 3);
        QVERIFY(embeddings.at(0)[QLatin1String("values")].toArray().size() > 0);
        QVERIFY(embeddings.at(0) != embeddings.at(1));
    }

    void openAiCompat()
    {
        const QByteArray bearer = "Authorization: Bearer " + m_key.toUtf8();
        HttpResponse r = roundTrip(request("POST", "/v1beta/openai/chat/completions", { bearer },
            R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]})"));
        QCOMPARE(r.status, 200);
        QJsonObject o = r.json().object();
        QCOMPARE(o.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(o[QLatin1String("choices")][0][QLatin1String("message")][QLatin1String("content")].toString(),
            Script().text);
        QCOMPARE(o[QLatin1String("choices")][0][QLatin1String("finish_reason")].toString(), QStringLiteral("stop"));

        r = roundTrip(request("POST", "/v1beta/openai/chat/completions", { bearer },
            R"({"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"hi"}]})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream"));
        QVERIFY(r.ended);
        QCOMPARE(r.chunks.size(), 3);
        QString joined;
        for (int i = 0; i < r.chunks.size(); ++i) {
            const QByteArray &event = r.chunks.at(i);
            QVERIFY(event.startsWith("data: {"));
            const qsizetype end = event.indexOf("\n\n");
            QVERIFY(end > 0);
            const QJsonObject chunk = QJsonDocument::fromJson(event.mid(6, end - 6)).object();
            QCOMPARE(chunk.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
            joined += chunk[QLatin1String("choices")][0][QLatin1String("delta")][QLatin1String("content")].toString();
        }
        QCOMPARE(joined, Script().text);
        QVERIFY(r.body.endsWith("}\n\ndata: [DONE]\n\n"));

        r = roundTrip(request("GET", "/v1beta/openai/models", { bearer }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().object().value(QLatin1String("object")).toString(), QStringLiteral("list"));
        QVERIFY(r.json()[QLatin1String("data")].toArray().size() >= 3);
        r = roundTrip(request("GET", "/v1beta/openai/models/gemini-2.5-flash", { bearer }));
        QCOMPARE(r.json().object().value(QLatin1String("id")).toString(), QStringLiteral("models/gemini-2.5-flash"));

        r = roundTrip(request("POST", "/v1beta/openai/embeddings", { bearer },
            R"({"input":["a","b"],"model":"gemini-embedding-001","dimensions":3})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QLatin1String("data")].toArray().size(), 2);
        QCOMPARE(r.json()[QLatin1String("data")][1][QLatin1String("embedding")].toArray().size(), 3);

        // Compat errors: Google errors in a JSON array, one line, ", " and ": ".
        r = roundTrip(request("POST", "/v1beta/openai/chat/completions",
            { "Authorization: Bearer " + fakeKey(77).toUtf8() }, R"({"model":"gemini-2.5-flash","messages":[]})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body,
            QByteArray(
                R"([{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", )"
                R"("status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", )"
                R"("reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": )"
                R"("generativelanguage.googleapis.com"}}, {"@type": )"
                R"("type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": "API key )"
                R"(not valid. Please pass a valid API key."}]}}])"));
    }

    void resumableUpload()
    {
        const QByteArray start = R"({"file":{"displayName":"clip","mimeType":"video/mp4","sizeBytes":"10"}})";
        HttpResponse r = roundTrip(request("POST", "/upload/v1beta/files",
            { keyHeader(m_key), "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start",
                "X-Goog-Upload-Header-Content-Length: 10", "X-Goog-Upload-Header-Content-Type: video/mp4" },
            start));
        QCOMPARE(r.status, 200);
        const QByteArray url = r.header("x-goog-upload-url");
        QVERIFY2(url.startsWith(m_fake->baseUrl().toUtf8() + "/upload/v1beta/files?upload_id="), url.constData());
        QVERIFY(url.endsWith("&upload_protocol=resumable"));
        QVERIFY(!url.contains(m_key.toUtf8()));
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("active"));

        const QByteArray target = url.mid(m_fake->baseUrl().size());
        r = roundTrip(request("POST", target, { "X-Goog-Upload-Command: upload", "X-Goog-Upload-Offset: 0" }, "01234"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("active"));
        r = roundTrip(
            request("POST", target, { "X-Goog-Upload-Command: upload, finalize", "X-Goog-Upload-Offset: 5" }, "56789"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("final"));
        const QJsonObject file = r.json()[QLatin1String("file")].toObject();
        QCOMPARE(file.value(QLatin1String("sizeBytes")).toString(), QStringLiteral("10"));
        QCOMPARE(file.value(QLatin1String("mimeType")).toString(), QStringLiteral("video/mp4"));
        QCOMPARE(file.value(QLatin1String("displayName")).toString(), QStringLiteral("clip"));
        QCOMPARE(file.value(QLatin1String("state")).toString(), QStringLiteral("ACTIVE"));

        m_fake->setUploadUrlIncludesKey(true);
        r = roundTrip(request("POST", "/upload/v1beta/files",
            { keyHeader(m_key), "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" }, start));
        QVERIFY(r.header("x-goog-upload-url").contains("&key=" + m_key.toUtf8()));
        // Without a key the start is refused like any call.
        r = roundTrip(request("POST", "/upload/v1beta/files",
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" }, start));
        QCOMPARE(r.status, 403);
    }

    void malformedRequestIs400AndCloses()
    {
        Client c;
        QVERIFY(c.open(m_fake->port()));
        c.send("NONSENSE\r\n\r\n");
        QVERIFY(c.waitResponses(1));
        QCOMPARE(c.responses.first().status, 400);
        QVERIFY(c.waitClosed());
    }

    void latencyDelaysHeaders()
    {
        Script s;
        s.latencyMs = 120;
        m_fake->setScript(m_key, s);
        Client c;
        QVERIFY(c.open(m_fake->port()));
        QElapsedTimer t;
        t.start();
        c.send(request("POST", kGenerate, { keyHeader(m_key) }, kPrompt));
        QVERIFY(c.waitResponses(1));
        QVERIFY2(t.elapsed() >= 110, qPrintable(QString::number(t.elapsed())));
    }

    void workerThreads()
    {
        FakeGemini fake;
        fake.setThreads(3);
        QVERIFY(fake.listen());
        fake.setAcceptAnyKey(true);
        QSignalSpy received(&fake, &FakeGemini::requestReceived);
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 4; ++i) {
            clients.push_back(std::make_unique<Client>());
            QVERIFY(clients.back()->open(fake.port()));
        }
        for (int round = 1; round <= 10; ++round) {
            for (auto &c : clients) {
                c->send(request("POST", round % 2 ? kGenerate : kStreamSse, { keyHeader(fakeKey(round)) }, kPrompt));
            }
            for (auto &c : clients) {
                QVERIFY(c->waitResponses(round));
                QCOMPARE(c->responses.last().status, 200);
                QVERIFY(c->responses.last().ended);
            }
        }
        QCOMPARE(fake.totalConnections(), 4);
        QCOMPARE(fake.openConnections(), 4);
        QCOMPARE(fake.requests().size(), 40);
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 40, kTimeout);
        QSignalSpy closed(&fake, &FakeGemini::connectionClosed);
        clients.clear();
        QTRY_COMPARE_WITH_TIMEOUT(fake.openConnections(), 0, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 4, kTimeout);
    }

    void executable()
    {
        QProcess p;
        const QString key = fakeKey(5);
        p.start(QStringLiteral(GA_FAKE_GEMINI_PATH),
            { QStringLiteral("--key"), key + QStringLiteral("@projX"), QStringLiteral("--chunks"), QStringLiteral("2"),
                QStringLiteral("--threads"), QStringLiteral("2") });
        QVERIFY(p.waitForStarted(kTimeout));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains('\n'), kTimeout);
        QVERIFY2(out.startsWith("listening on http://127.0.0.1:"), out.constData());
        QCOMPARE(out.count('\n'), 1);
        const quint16 port = quint16(QUrl(QString::fromUtf8(out.trimmed().mid(13))).port());
        QVERIFY(port > 0);

        Client c;
        QVERIFY(c.open(port));
        c.send(request("POST", kStreamSse, { keyHeader(key) }, kPrompt));
        QVERIFY(c.waitResponses(1));
        QCOMPARE(c.responses.first().status, 200);
        QCOMPARE(c.responses.first().chunks.size(), 2);
        c.send(request("GET", "/__fake/requests"));
        QVERIFY(c.waitResponses(2));
        QCOMPARE(QJsonDocument::fromJson(c.responses.at(1).body).array().first()[QLatin1String("project")].toString(),
            QStringLiteral("projX"));

        QSignalSpy finished(&p, &QProcess::finished);
        p.terminate(); // SIGTERM
        QVERIFY(finished.wait(kTimeout));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
    }

    // ---- Resources owned by a project (gemini-api.md §9)

    void uploadStartAnswersWithoutBody()
    {
        addProjects();
        const HttpResponse r = call("POST", "/upload/v1beta/files", m_a1, R"({"file":{"displayName":"clip"}})",
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-length"), QByteArray("0"));
        QVERIFY(r.body.isEmpty());
        QVERIFY(r.head.endsWith("Content-Length: 0\r\n\r\n"));
        const QByteArray url = r.header("x-goog-upload-url");
        const QByteArray prefix = m_fake->baseUrl().toUtf8() + "/upload/v1beta/files?upload_id=";
        QVERIFY2(url.startsWith(prefix) && url.endsWith("&upload_protocol=resumable"), url.constData());
        const QByteArray uploadId = url.mid(prefix.size()).chopped(int(strlen("&upload_protocol=resumable")));
        const QList<ga::test::Resource> res = m_fake->resources();
        QCOMPARE(res.size(), 1);
        QCOMPARE(res.first().kind, QStringLiteral("upload"));
        QCOMPARE(res.first().name, QString::fromUtf8(uploadId));
        QCOMPARE(res.first().project, kProjectA);
    }

    void uploadCreatesOwnedFile_data()
    {
        QTest::addColumn<QByteArray>("version");
        QTest::addColumn<QByteArray>(
            "chunkKeyHeader"); // sent with the chunks (ignored: the upload_id is the credential)
        QTest::newRow("v1beta, no key on the chunks") << QByteArray("v1beta") << QByteArray();
        QTest::newRow("v1, no key on the chunks") << QByteArray("v1") << QByteArray();
        QTest::newRow("another project's key on the chunks") << QByteArray("v1beta") << QByteArray("B1");
        QTest::newRow("an unknown key on the chunks") << QByteArray("v1beta") << QByteArray("unknown");
    }

    void uploadCreatesOwnedFile()
    {
        QFETCH(QByteArray, version);
        QFETCH(QByteArray, chunkKeyHeader);
        addProjects();
        const QByteArray data = "The quick brown fox jumps over the lazy dog.\n";
        const HttpResponse start = call("POST", "/upload/" + version + "/files", m_a1,
            R"({"file":{"displayName":"fox","mimeType":"text/plain"}})",
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" });
        QCOMPARE(start.status, 200);
        const QByteArray target = start.header("x-goog-upload-url").mid(m_fake->baseUrl().size());
        QList<QByteArray> headers { "X-Goog-Upload-Command: upload", "X-Goog-Upload-Offset: 0" };
        if (chunkKeyHeader == "B1") {
            headers.append(keyHeader(m_b1));
        } else if (!chunkKeyHeader.isEmpty()) {
            headers.append(keyHeader(fakeKey(999)));
        }
        HttpResponse r = roundTrip(request("POST", target, headers, data.left(10)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("active"));
        headers[0] = "X-Goog-Upload-Command: upload, finalize";
        headers[1] = "X-Goog-Upload-Offset: 10";
        r = roundTrip(request("POST", target, headers, data.mid(10)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("final"));
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QVERIFY(r.body.startsWith("{\n  \"file\": {\n    \"name\": \"files/"));
        const QJsonObject file = r.json().object().value(QLatin1String("file")).toObject();
        const QString name = str(file[QLatin1String("name")]);
        QVERIFY2(QRegularExpression(QStringLiteral("^files/[a-z0-9]{12}$")).match(name).hasMatch(), qPrintable(name));
        QCOMPARE(str(file[QLatin1String("displayName")]), QStringLiteral("fox"));
        QCOMPARE(str(file[QLatin1String("mimeType")]), QStringLiteral("text/plain"));
        QCOMPARE(file[QLatin1String("sizeBytes")], QJsonValue(QString::number(data.size())));
        QCOMPARE(str(file[QLatin1String("state")]), QStringLiteral("ACTIVE"));
        QCOMPARE(str(file[QLatin1String("source")]), QStringLiteral("UPLOADED"));
        QCOMPARE(str(file[QLatin1String("uri")]),
            m_fake->baseUrl() + QLatin1Char('/') + QString::fromUtf8(version) + QLatin1Char('/') + name);
        QCOMPARE(str(file[QLatin1String("sha256Hash")]).toUtf8(),
            QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().toBase64());
        const qint64 created = rfc3339Us(str(file[QLatin1String("createTime")]));
        QVERIFY(created > 0);
        QCOMPARE(rfc3339Us(str(file[QLatin1String("updateTime")])), created);
        QCOMPARE(rfc3339Us(str(file[QLatin1String("expirationTime")])) - created, 48LL * 3600 * 1000000);
        const qint64 nowUs = QDateTime::currentMSecsSinceEpoch() * 1000;
        QVERIFY(qAbs(created - nowUs) < 60LL * 1000000);

        // Owned by project-a; the upload session is gone.
        const QList<ga::test::Resource> res = m_fake->resources();
        QCOMPARE(res.size(), 1);
        QCOMPARE(res.first().kind, QStringLiteral("file"));
        QCOMPARE(res.first().name, name);
        QCOMPARE(res.first().project, kProjectA);
        QCOMPARE(res.first().expireTime, res.first().createTime.addSecs(48 * 3600));

        // A2 (same project) can read it, B1 cannot.
        r = call("GET", "/" + version + "/" + name.toUtf8(), m_a2);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().object(), file);
        r = call("GET", "/" + version + "/" + name.toUtf8(), m_b1);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, fileDeniedBody(name.mid(6).toUtf8()));

        // The chunks were recorded without a key of their own (or with the ignored one).
        const QList<RecordedRequest> rec = m_fake->requests();
        QCOMPARE(rec.size(), 5);
        QCOMPARE(rec.at(0).project, kProjectA);
        QCOMPARE(rec.at(2).status, 200);
        QCOMPARE(rec.at(2).keySource, chunkKeyHeader.isEmpty() ? KeySource::None : KeySource::Header);
        QCOMPARE(rec.at(2).project, chunkKeyHeader == "B1" ? kProjectB : QString());
        QCOMPARE(rec.at(4).project, kProjectB);
        QCOMPARE(rec.at(4).status, 403);
    }

    void oneShotUploadIsOwned()
    {
        addProjects();
        const HttpResponse r = call("POST", "/upload/v1beta/files", m_b1, "raw bytes", { "Content-Type: text/plain" });
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("final"));
        const QJsonObject file = r.json().object().value(QLatin1String("file")).toObject();
        QCOMPARE(file[QLatin1String("sizeBytes")].toString(), QStringLiteral("9"));
        QCOMPARE(m_fake->resources().first().project, kProjectB);
        QCOMPARE(call("GET", "/v1beta/" + file[QLatin1String("name")].toString().toUtf8(), m_a1).status, 403);
    }

    void uploadQueryAndCancel()
    {
        addProjects();
        const HttpResponse start = call("POST", "/upload/v1beta/files", m_a1, "{}",
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" });
        const QByteArray target = start.header("x-goog-upload-url").mid(m_fake->baseUrl().size());
        HttpResponse r = roundTrip(
            request("POST", target, { "X-Goog-Upload-Command: upload", "X-Goog-Upload-Offset: 0" }, "12345"));
        QCOMPARE(r.status, 200);
        r = roundTrip(request("POST", target, { "X-Goog-Upload-Command: query" }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("active"));
        QCOMPARE(r.header("x-goog-upload-size-received"), QByteArray("5"));
        r = roundTrip(request("POST", target, { "X-Goog-Upload-Command: cancel" }));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-goog-upload-status"), QByteArray("cancelled"));
        QVERIFY(m_fake->resources().isEmpty());
        r = roundTrip(request("POST", target, { "X-Goog-Upload-Command: upload, finalize" }, "6"));
        QCOMPARE(r.status, 404);
    }

    void fileAccess_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("suffix"); // after "/v1beta/files/<id>"
        QTest::addColumn<QString>("who"); // "A1", "A2", "B1"; "unknown-id": A1 asks for an id that never existed
        QTest::addColumn<int>("status");
        QTest::newRow("GET by the uploader") << QByteArray("GET") << QByteArray() << "A1" << 200;
        QTest::newRow("GET by the same project") << QByteArray("GET") << QByteArray() << "A2" << 200;
        QTest::newRow("GET by another project") << QByteArray("GET") << QByteArray() << "B1" << 403;
        QTest::newRow("GET of an unknown id") << QByteArray("GET") << QByteArray() << "unknown-id" << 403;
        QTest::newRow("DELETE by the same project") << QByteArray("DELETE") << QByteArray() << "A2" << 200;
        QTest::newRow("DELETE by another project") << QByteArray("DELETE") << QByteArray() << "B1" << 403;
        QTest::newRow("download by the same project")
            << QByteArray("GET") << QByteArray(":download?alt=media") << "A2" << 200;
        QTest::newRow("download by another project")
            << QByteArray("GET") << QByteArray(":download?alt=media") << "B1" << 403;
    }

    void fileAccess()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, suffix);
        QFETCH(QString, who);
        QFETCH(int, status);
        addProjects();
        const QByteArray data = "file contents\n";
        const QJsonObject file = upload(m_a1, data);
        QVERIFY(!file.isEmpty());
        const QByteArray id = who == QLatin1String("unknown-id") ? QByteArray("zzzzzzzzzzzz") : fileId(file);
        const QString key = who == QLatin1String("A2") ? m_a2 : who == QLatin1String("B1") ? m_b1 : m_a1;
        const HttpResponse r = call(method, "/v1beta/files/" + id + suffix, key);
        QCOMPARE(r.status, status);
        if (status == 403) {
            QVERIFY(r.head.startsWith("HTTP/1.1 403 Forbidden\r\n"));
            QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
            QCOMPARE(r.body, fileDeniedBody(id));
            QCOMPARE(m_fake->resources().size(), 1); // nothing was deleted
        } else if (method == "DELETE") {
            QCOMPARE(r.body, QByteArray("{}\n"));
            QVERIFY(m_fake->resources().isEmpty());
            const HttpResponse again = call("GET", "/v1beta/files/" + id, m_a1);
            QCOMPARE(again.status, 403);
            QCOMPARE(again.body, fileDeniedBody(id));
        } else if (!suffix.isEmpty()) {
            QCOMPARE(r.body, data);
            QCOMPARE(r.header("content-type"), QByteArray("text/plain"));
        } else {
            QCOMPARE(r.json().object(), file);
        }
        const RecordedRequest last = m_fake->requests().at(2); // after the upload's start and chunk
        QCOMPARE(last.key, key);
        QCOMPARE(last.project, key == m_b1 ? kProjectB : kProjectA);
        QCOMPARE(last.status, status);
    }

    void generateWithFile_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QString>("uriForm"); // "google", "base", "name"
        QTest::addColumn<bool>("snake");
        QTest::addColumn<bool>("sameProject");
        const QByteArray generate = kGenerate;
        const QByteArray sse = kStreamSse;
        const QByteArray array = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";
        const QByteArray count = "/v1beta/models/gemini-2.5-flash:countTokens";
        const QByteArray embed = "/v1beta/models/gemini-embedding-001:embedContent";
        for (bool same : { true, false }) {
            const char *who = same ? "A2" : "B1";
            QTest::addRow("generate, google uri, %s", who) << generate << "google" << false << same;
            QTest::addRow("generate, base uri, %s", who) << generate << "base" << false << same;
            QTest::addRow("generate, files/ name, %s", who) << generate << "name" << false << same;
            QTest::addRow("generate, snake_case, %s", who) << generate << "google" << true << same;
            QTest::addRow("stream sse, %s", who) << sse << "google" << false << same;
            QTest::addRow("stream json array, %s", who) << array << "base" << false << same;
            QTest::addRow("countTokens, %s", who) << count << "google" << true << same;
            QTest::addRow("embedContent, %s", who) << embed << "name" << false << same;
        }
    }

    void generateWithFile()
    {
        QFETCH(QByteArray, target);
        QFETCH(QString, uriForm);
        QFETCH(bool, snake);
        QFETCH(bool, sameProject);
        addProjects();
        const QJsonObject file = upload(m_a1, "some document");
        QVERIFY(!file.isEmpty());
        const QByteArray id = fileId(file);
        const QByteArray uri = uriForm == QLatin1String("google")
            ? "https://generativelanguage.googleapis.com/v1beta/files/" + id
            : uriForm == QLatin1String("base") ? file[QLatin1String("uri")].toString().toUtf8()
                                               : "files/" + id;
        QByteArray body = fileBody(uri, snake);
        if (target.contains(":embedContent")) {
            body = fill(R"({"content":{"parts":[{"fileData":{"fileUri":"%1"}}]}})", { uri });
        }
        const HttpResponse r = call("POST", target, sameProject ? m_a2 : m_b1, body);
        const bool sse = target.contains("alt=sse");
        const bool array = target.contains("streamGenerateContent") && !sse;
        if (sameProject) {
            QCOMPARE(r.status, 200);
            QVERIFY(r.ended);
            return;
        }
        QCOMPARE(r.status, 403);
        QVERIFY(r.header("transfer-encoding").isEmpty()); // answered before any streaming
        QCOMPARE(r.header("content-type"),
            sse ? QByteArray("text/event-stream") : QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.body, array ? "[" + fileDeniedBody(id).chopped(1) + "\n]" : fileDeniedBody(id));
        const RecordedRequest rec = m_fake->requests().last();
        QCOMPARE(rec.key, m_b1);
        QCOMPARE(rec.project, kProjectB);
        QCOMPARE(rec.status, 403);
    }

    void generateWithUnrelatedUrisIsNormal()
    {
        addProjects();
        // YouTube and gs:// URIs are no Files API references; a 200 for both.
        QCOMPARE(call("POST", kGenerate, m_b1, fileBody("https://www.youtube.com/watch?v=9hE5-98ZeCg")).status, 200);
        QCOMPARE(call("POST", kGenerate, m_b1, fileBody("gs://bucket/object.pdf")).status, 200);
        // A deleted file is refused like a foreign one; so is one referenced twice when one of them is foreign.
        const QJsonObject mine = upload(m_b1, "b");
        const QJsonObject theirs = upload(m_a1, "a");
        const QByteArray body
            = fill(R"({"contents":[{"parts":[{"fileData":{"fileUri":"%1"}},{"fileData":{"fileUri":"%2"}}]}]})",
                { mine[QLatin1String("uri")].toString().toUtf8(), theirs[QLatin1String("uri")].toString().toUtf8() });
        HttpResponse r = call("POST", kGenerate, m_b1, body);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, fileDeniedBody(fileId(theirs)));
        QCOMPARE(call("DELETE", "/v1beta/files/" + fileId(mine), m_b1).status, 200);
        r = call("POST", kGenerate, m_b1, fileBody("files/" + fileId(mine)));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, fileDeniedBody(fileId(mine)));
        // batchEmbedContents looks inside every request.
        r = call("POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", m_b1,
            R"({"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"x"}]}},)"
            R"({"model":"models/gemini-embedding-001","content":{"parts":[{"fileData":{"fileUri":"files/)"
                + fileId(theirs) + R"("}}]}}]})");
        QCOMPARE(r.status, 403);
    }

    void listFilesPerProject()
    {
        addProjects();
        QStringList aNames;
        for (int i = 0; i < 5; ++i) {
            const QJsonObject f = upload(i % 2 ? m_a2 : m_a1, "a" + QByteArray::number(i));
            QVERIFY(!f.isEmpty());
            aNames.prepend(f[QLatin1String("name")].toString()); // newest first
        }
        const QJsonObject bFile = upload(m_b1, "b");
        QVERIFY(!bFile.isEmpty());

        // Page through project A two at a time.
        QStringList seen;
        QByteArray token;
        int pages = 0;
        do {
            const HttpResponse r = call("GET",
                "/v1beta/files?pageSize=2"
                    + (token.isEmpty() ? QByteArray()
                                       : "&pageToken=" + QUrl::toPercentEncoding(QString::fromUtf8(token))),
                pages % 2 ? m_a1 : m_a2);
            QCOMPARE(r.status, 200);
            const QJsonObject page = r.json().object();
            const QJsonArray files = page[QLatin1String("files")].toArray();
            QVERIFY(files.size() <= 2);
            for (const QJsonValue &f : files) {
                seen.append(f[QLatin1String("name")].toString());
            }
            token = page[QLatin1String("nextPageToken")].toString().toUtf8();
            ++pages;
        } while (!token.isEmpty() && pages < 10);
        QCOMPARE(pages, 3);
        QCOMPARE(seen, aNames);

        // Project B sees only its file; a project without files gets {}.
        HttpResponse r = call("GET", "/v1beta/files", m_b1);
        QCOMPARE(r.status, 200);
        QJsonArray files = r.json()[QLatin1String("files")].toArray();
        QCOMPARE(files.size(), 1);
        QCOMPARE(files.first().toObject(), bFile);
        QVERIFY(!r.json().object().contains(QLatin1String("nextPageToken")));
        const QString c1 = fakeKey(104);
        m_fake->addKey(c1, QStringLiteral("project-c"));
        r = call("GET", "/v1beta/files", c1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{}\n"));

        // Default page size 10, at most 100 per page.
        for (int i = 0; i < 110; ++i) {
            m_fake->addFile(QStringLiteral("project-c"), "c" + QByteArray::number(i));
        }
        r = call("GET", "/v1beta/files", c1);
        QCOMPARE(r.json()[QLatin1String("files")].toArray().size(), 10);
        QVERIFY(!r.json()[QLatin1String("nextPageToken")].toString().isEmpty());
        r = call("GET", "/v1beta/files?pageSize=1000", c1);
        QCOMPARE(r.json()[QLatin1String("files")].toArray().size(), 100);
        r = call("GET",
            "/v1beta/files?pageSize=100&pageToken=" + r.json()[QLatin1String("nextPageToken")].toString().toUtf8(), c1);
        QCOMPARE(r.json()[QLatin1String("files")].toArray().size(), 10);
        QVERIFY(!r.json().object().contains(QLatin1String("nextPageToken")));
        r = call("GET", "/v1beta/files?pageToken=bogus", c1);
        QCOMPARE(r.status, 400);
    }

    void cachedContentLifecycle()
    {
        addProjects();
        const QJsonObject cache = createCache(m_a1);
        QVERIFY(!cache.isEmpty());
        const QString name = cache[QLatin1String("name")].toString();
        QVERIFY2(QRegularExpression(QStringLiteral("^cachedContents/[a-z0-9]{12}$")).match(name).hasMatch(),
            qPrintable(name));
        QCOMPARE(cache[QLatin1String("model")].toString(), QStringLiteral("models/gemini-2.5-flash"));
        QCOMPARE(cache[QLatin1String("displayName")].toString(), QStringLiteral("long doc"));
        const qint64 created = rfc3339Us(cache[QLatin1String("createTime")].toString());
        QCOMPARE(rfc3339Us(cache[QLatin1String("updateTime")].toString()), created);
        QCOMPARE(rfc3339Us(cache[QLatin1String("expireTime")].toString()) - created, 300LL * 1000000);
        const int tokens = cache[QLatin1String("usageMetadata")][QLatin1String("totalTokenCount")].toInt();
        QVERIFY(tokens > 0);
        const QByteArray path = "/v1beta/" + name.toUtf8();

        HttpResponse r = call("GET", path, m_a2);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().object(), cache);
        for (const QByteArray method : { "GET", "PATCH", "DELETE" }) {
            r = call(method, path, m_b1, method == "PATCH" ? R"({"ttl":"60s"})" : QByteArray());
            QCOMPARE(r.status, 403);
            QCOMPARE(r.body, kCacheDeniedBody);
        }

        // PATCH moves the expiry (ttl from now, or an explicit expireTime).
        r = call("PATCH", path + "?updateMask=ttl", m_a2, R"({"ttl":"7200s"})");
        QCOMPARE(r.status, 200);
        const qint64 updated = rfc3339Us(r.json()[QLatin1String("updateTime")].toString());
        QVERIFY(updated >= created);
        QCOMPARE(rfc3339Us(r.json()[QLatin1String("expireTime")].toString()) - updated, 7200LL * 1000000);
        r = call("PATCH", path, m_a1, R"({"expireTime":"2099-01-02T03:04:05.5Z"})");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QLatin1String("expireTime")].toString(), QStringLiteral("2099-01-02T03:04:05.500000Z"));

        // Listed for its project only.
        r = call("GET", "/v1beta/cachedContents", m_a2);
        QCOMPARE(r.json()[QLatin1String("cachedContents")].toArray().size(), 1);
        QCOMPARE(r.json()[QLatin1String("cachedContents")][0][QLatin1String("name")].toString(), name);
        r = call("GET", "/v1beta/cachedContents", m_b1);
        QCOMPARE(r.body, QByteArray("{}\n"));

        // Deleted by the owner: {} and gone.
        r = call("DELETE", path, m_a1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{}\n"));
        QCOMPARE(call("GET", path, m_a1).body, kCacheDeniedBody);
        QCOMPARE(call("POST", kGenerate, m_a1,
                     fill(R"({"cachedContent":"%1","contents":[{"parts":[{"text":"q"}]}]})", { name.toUtf8() }))
                     .body,
            kCacheDeniedBody);
        QVERIFY(m_fake->resources().isEmpty());
    }

    void cacheDefaultsAndPagination()
    {
        addProjects();
        QJsonObject cache = createCache(m_a1, "\"displayName\":\"x\"");
        QVERIFY(!cache.isEmpty());
        QCOMPARE(rfc3339Us(cache[QLatin1String("expireTime")].toString())
                - rfc3339Us(cache[QLatin1String("createTime")].toString()),
            3600LL * 1000000); // default TTL 1 h
        cache = createCache(m_a1, "\"expireTime\":\"2099-01-01T00:00:00Z\"");
        QCOMPARE(cache[QLatin1String("expireTime")].toString(), QStringLiteral("2099-01-01T00:00:00.000000Z"));
        createCache(m_a2);
        QStringList names;
        QByteArray token;
        int pages = 0;
        do {
            const HttpResponse r = call("GET",
                "/v1beta/cachedContents?pageSize=2" + (token.isEmpty() ? QByteArray() : "&pageToken=" + token), m_a1);
            for (const QJsonValue &c : r.json()[QLatin1String("cachedContents")].toArray()) {
                names.append(c[QLatin1String("name")].toString());
            }
            token = r.json()[QLatin1String("nextPageToken")].toString().toUtf8();
            ++pages;
        } while (!token.isEmpty() && pages < 10);
        QCOMPARE(pages, 2);
        QCOMPARE(names.size(), 3);
        QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), 3);
        // A nonexistent model and a missing model are refused.
        QCOMPARE(
            call("POST", "/v1beta/cachedContents", m_a1, R"({"model":"models/nonexistent-x","contents":[]})").status,
            404);
        QCOMPARE(call("POST", "/v1beta/cachedContents", m_a1, R"({"contents":[]})").status, 400);
    }

    void generateWithCache_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("field");
        QTest::addColumn<bool>("sameProject");
        for (bool same : { true, false }) {
            const char *who = same ? "A2" : "B1";
            QTest::addRow("generate, %s", who) << kGenerate << QByteArray("cachedContent") << same;
            QTest::addRow("generate snake_case, %s", who) << kGenerate << QByteArray("cached_content") << same;
            QTest::addRow("stream sse, %s", who) << kStreamSse << QByteArray("cachedContent") << same;
            QTest::addRow("countTokens, %s", who)
                << QByteArray("/v1beta/models/gemini-2.5-flash:countTokens") << QByteArray("cachedContent") << same;
        }
    }

    void generateWithCache()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, field);
        QFETCH(bool, sameProject);
        addProjects();
        const QJsonObject cache = createCache(m_a1);
        QVERIFY(!cache.isEmpty());
        const int cached = cache[QLatin1String("usageMetadata")][QLatin1String("totalTokenCount")].toInt();
        const QByteArray body = fill(R"({"%1":"%2","contents":[{"role":"user","parts":[{"text":"and then?"}]}]})",
            { field, cache[QLatin1String("name")].toString().toUtf8() });
        const HttpResponse r = call("POST", target, sameProject ? m_a2 : m_b1, body);
        const bool sse = target.contains("alt=sse");
        if (!sameProject) {
            QCOMPARE(r.status, 403);
            QCOMPARE(r.header("content-type"),
                sse ? QByteArray("text/event-stream") : QByteArray("application/json; charset=UTF-8"));
            QCOMPARE(r.body, kCacheDeniedBody);
            QCOMPARE(m_fake->requests().last().project, kProjectB);
            return;
        }
        QCOMPARE(r.status, 200);
        QJsonObject usage;
        if (sse) {
            usage = sseJson(r.chunks.last())[QLatin1String("usageMetadata")].toObject();
        } else if (target.contains("countTokens")) {
            usage = r.json().object();
            QVERIFY(usage[QLatin1String("totalTokens")].toInt() > cached);
        } else {
            usage = r.json()[QLatin1String("usageMetadata")].toObject();
            QVERIFY(usage[QLatin1String("promptTokenCount")].toInt() > cached);
        }
        QCOMPARE(usage[QLatin1String("cachedContentTokenCount")].toInt(), cached);
    }

    void cacheReferringToForeignFileIsRefused()
    {
        addProjects();
        const QJsonObject file = upload(m_a1, "a's data");
        QVERIFY(!file.isEmpty());
        const QByteArray body = fill(R"({"model":"models/gemini-2.5-flash","contents":[{"role":"user","parts":[)"
                                     R"({"fileData":{"mimeType":"text/plain","fileUri":"%1"}}]}]})",
            { file[QLatin1String("uri")].toString().toUtf8() });
        HttpResponse r = call("POST", "/v1beta/cachedContents", m_b1, body);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, fileDeniedBody(fileId(file)));
        QCOMPARE(m_fake->resources().size(), 1);
        r = call("POST", "/v1beta/cachedContents", m_a2, body);
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->resources().size(), 2);
    }

    void batchLifecycle()
    {
        addProjects();
        m_fake->setBatchCompletion(2, -1); // done on the second GET, never by age
        const QJsonObject op = createBatch(m_a1, 2);
        QVERIFY(!op.isEmpty());
        const QString name = op[QLatin1String("name")].toString();
        QVERIFY2(QRegularExpression(QStringLiteral("^batches/[a-z0-9]+$")).match(name).hasMatch(), qPrintable(name));
        QVERIFY(!op.contains(QLatin1String("done")));
        const QJsonObject meta = op[QLatin1String("metadata")].toObject();
        QCOMPARE(meta[QLatin1String("@type")].toString(),
            QStringLiteral("type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"));
        QCOMPARE(meta[QLatin1String("name")].toString(), name);
        QCOMPARE(meta[QLatin1String("model")].toString(), QStringLiteral("models/gemini-2.5-flash"));
        QCOMPARE(meta[QLatin1String("displayName")].toString(), QStringLiteral("nightly"));
        QCOMPARE(meta[QLatin1String("state")].toString(), QStringLiteral("BATCH_STATE_PENDING"));
        QCOMPARE(meta[QLatin1String("batchStats")][QLatin1String("requestCount")].toString(), QStringLiteral("2"));
        QVERIFY(rfc3339Us(meta[QLatin1String("createTime")].toString()) > 0);
        const QByteArray path = "/v1beta/" + name.toUtf8();
        const QByteArray id = name.mid(8).toUtf8();

        // Another project: refused everywhere.
        for (const auto &[method, suffix] :
            { std::pair<QByteArray, QByteArray> { "GET", "" }, { "POST", ":cancel" }, { "DELETE", "" } }) {
            const HttpResponse r = call(method, path + suffix, m_b1);
            QCOMPARE(r.status, 403);
            QCOMPARE(r.body, batchDeniedBody(id));
        }
        QCOMPARE(call("GET", "/v1beta/batches", m_b1).body, QByteArray("{}\n"));

        // First poll: running, not done.
        HttpResponse r = call("GET", path, m_a2);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json()[QLatin1String("done")].toBool());
        QCOMPARE(r.json()[QLatin1String("metadata")][QLatin1String("state")].toString(),
            QStringLiteral("BATCH_STATE_RUNNING"));
        // Second poll: done, with the inlined responses (in metadata.output and in response).
        r = call("GET", path, m_a2);
        QCOMPARE(r.status, 200);
        const QJsonObject done = r.json().object();
        QCOMPARE(done[QLatin1String("done")], QJsonValue(true));
        QCOMPARE(done[QLatin1String("metadata")][QLatin1String("state")].toString(),
            QStringLiteral("BATCH_STATE_SUCCEEDED"));
        QCOMPARE(done[QLatin1String("metadata")][QLatin1String("batchStats")][QLatin1String("successfulRequestCount")]
                     .toString(),
            QStringLiteral("2"));
        QCOMPARE(done[QLatin1String("response")][QLatin1String("@type")].toString(),
            QStringLiteral("type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"));
        const QJsonArray responses
            = done[QLatin1String("response")][QLatin1String("inlinedResponses")][QLatin1String("inlinedResponses")]
                  .toArray();
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses.at(1)[QLatin1String("metadata")][QLatin1String("key")].toString(), QStringLiteral("r1"));
        QCOMPARE(responses
                     .at(0)[QLatin1String("response")][QLatin1String("candidates")][0][QLatin1String("content")]
                           [QLatin1String("parts")][0][QLatin1String("text")]
                     .toString(),
            Script().text);
        QCOMPARE(done[QLatin1String("metadata")][QLatin1String("output")][QLatin1String("inlinedResponses")]
                     [QLatin1String("inlinedResponses")]
                         .toArray(),
            responses);
        QCOMPARE(call("GET", path, m_a1).json().object(), done); // stable once done

        // Listed for project A; cancel a second one; delete.
        const QJsonObject second = createBatch(m_a2, 1);
        r = call("GET", "/v1beta/batches?pageSize=1", m_a1);
        QCOMPARE(r.json()[QLatin1String("operations")].toArray().size(), 1);
        QCOMPARE(r.json()[QLatin1String("operations")][0][QLatin1String("name")], second[QLatin1String("name")]);
        r = call("GET",
            "/v1beta/batches?pageSize=1&pageToken=" + r.json()[QLatin1String("nextPageToken")].toString().toUtf8(),
            m_a1);
        QCOMPARE(r.json()[QLatin1String("operations")][0][QLatin1String("name")].toString(), name);
        QVERIFY(!r.json().object().contains(QLatin1String("nextPageToken")));
        const QByteArray secondPath = "/v1beta/" + second[QLatin1String("name")].toString().toUtf8();
        r = call("POST", secondPath + ":cancel", m_a1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{}\n"));
        r = call("GET", secondPath, m_a1);
        QCOMPARE(r.json()[QLatin1String("metadata")][QLatin1String("state")].toString(),
            QStringLiteral("BATCH_STATE_CANCELLED"));
        QCOMPARE(r.json()[QLatin1String("done")], QJsonValue(true));
        QVERIFY(!r.json().object().contains(QLatin1String("response")));
        r = call("DELETE", path, m_a1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("{}\n"));
        r = call("GET", path, m_a1);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, batchDeniedBody(id));
        QCOMPARE(m_fake->resources().size(), 1);
        QCOMPARE(m_fake->resources().first().kind, QStringLiteral("batch"));
        QVERIFY(!m_fake->resources().first().expireTime.isValid());
    }

    void batchFromFile()
    {
        addProjects();
        m_fake->setBatchCompletion(1, -1);
        const QByteArray jsonl = R"({"key":"k1","request":{"contents":[{"parts":[{"text":"a"}]}]}})"
                                 "\n"
                                 R"({"key":"k2","request":{"contents":[{"parts":[{"text":"b"}]}]}})"
                                 "\n";
        const QJsonObject input = upload(m_a1, jsonl);
        QVERIFY(!input.isEmpty());
        const QByteArray body = fill(R"({"batch":{"displayName":"from file","inputConfig":{"fileName":"%1"}}})",
            { input[QLatin1String("name")].toString().toUtf8() });
        HttpResponse r = call("POST", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", m_b1, body);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, fileDeniedBody(fileId(input)));
        r = call("POST", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", m_a2, body);
        QCOMPARE(r.status, 200);
        QCOMPARE(
            r.json()[QLatin1String("metadata")][QLatin1String("batchStats")][QLatin1String("requestCount")].toString(),
            QStringLiteral("2"));
        r = call("GET", "/v1beta/" + r.json()[QLatin1String("name")].toString().toUtf8(), m_a2);
        QCOMPARE(r.json()[QLatin1String("done")], QJsonValue(true));
        const QString results = r.json()[QLatin1String("response")][QLatin1String("responsesFile")].toString();
        QVERIFY2(results.startsWith(QLatin1String("files/batch-")), qPrintable(results));
        QCOMPARE(
            r.json()[QLatin1String("metadata")][QLatin1String("output")][QLatin1String("responsesFile")].toString(),
            results);
        // The results file belongs to project A too.
        QCOMPARE(call("GET", "/v1beta/" + results.toUtf8() + ":download?alt=media", m_b1).status, 403);
        r = call("GET", "/v1beta/" + results.toUtf8() + ":download?alt=media", m_a1);
        QCOMPARE(r.status, 200);
        const QList<QByteArray> lines = r.body.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(QJsonDocument::fromJson(lines.at(1)).object()[QLatin1String("key")].toString(), QStringLiteral("k2"));
        QVERIFY(QJsonDocument::fromJson(lines.at(0))
                    .object()[QLatin1String("response")][QLatin1String("candidates")]
                    .isArray());
        // A nonexistent model: 404 like any model call.
        QCOMPARE(call("POST", "/v1beta/models/nonexistent-x:batchGenerateContent", m_a1, body).status, 404);
        QCOMPARE(
            call("POST", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", m_a1, R"({"batch":{}})").status, 400);
    }

    void expiryFollowsTheClock_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<qint64>("aliveMs"); // still usable this far ahead
        QTest::addColumn<qint64>("goneMs"); // gone this far ahead
        QTest::addColumn<bool>("overHttp"); // POST /__fake/clock instead of setTimeOffsetMs()
        QTest::newRow("file, 48 h") << "file" << qint64(48LL * 3600 * 1000 - 60000) << qint64(48LL * 3600 * 1000 + 1000)
                                    << false;
        QTest::newRow("file, 48 h, over http")
            << "file" << qint64(47LL * 3600 * 1000) << qint64(49LL * 3600 * 1000) << true;
        QTest::newRow("cache, ttl 300s") << "cache" << qint64(290000) << qint64(301000) << false;
        QTest::newRow("cache, ttl 300s, over http") << "cache" << qint64(1000) << qint64(400000) << true;
    }

    void expiryFollowsTheClock()
    {
        QFETCH(QString, kind);
        QFETCH(qint64, aliveMs);
        QFETCH(qint64, goneMs);
        QFETCH(bool, overHttp);
        addProjects();
        const auto setOffset = [&](qint64 ms) {
            if (overHttp) {
                const HttpResponse r
                    = roundTrip(request("POST", "/__fake/clock", {}, "{\"offsetMs\": " + QByteArray::number(ms) + "}"));
                return r.status == 200 && r.json()[QLatin1String("offsetMs")].toInteger() == ms;
            }
            m_fake->setTimeOffsetMs(ms);
            return m_fake->timeOffsetMs() == ms;
        };
        QByteArray path;
        QByteArray useBody;
        QByteArray denied;
        if (kind == QLatin1String("file")) {
            const QJsonObject f = upload(m_a1, "expiring");
            QVERIFY(!f.isEmpty());
            path = "/v1beta/" + f[QLatin1String("name")].toString().toUtf8();
            useBody = fileBody(f[QLatin1String("uri")].toString().toUtf8());
            denied = fileDeniedBody(fileId(f));
        } else {
            const QJsonObject c = createCache(m_a1);
            QVERIFY(!c.isEmpty());
            path = "/v1beta/" + c[QLatin1String("name")].toString().toUtf8();
            useBody = fill(R"({"cachedContent":"%1","contents":[{"parts":[{"text":"q"}]}]})",
                { c[QLatin1String("name")].toString().toUtf8() });
            denied = kCacheDeniedBody;
        }
        QVERIFY(setOffset(aliveMs));
        QCOMPARE(call("GET", path, m_a2).status, 200);
        QCOMPARE(call("POST", kGenerate, m_a2, useBody).status, 200);
        QCOMPARE(m_fake->resources().size(), 1);
        QVERIFY(setOffset(goneMs));
        QVERIFY(m_fake->resources().isEmpty());
        HttpResponse r = call("GET", path, m_a1);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, denied);
        r = call("POST", kGenerate, m_a1, useBody);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, denied);
        // The clock does not go back in time for what is gone.
        QVERIFY(setOffset(0));
        QCOMPARE(call("GET", path, m_a1).status, 403);
    }

    void batchCompletesByAge()
    {
        addProjects();
        const QJsonObject op = createBatch(m_a1, 1); // defaults: done on the 2nd GET or when 2 s old
        QVERIFY(!op.isEmpty());
        m_fake->setTimeOffsetMs(2500);
        const HttpResponse r = call("GET", "/v1beta/" + op[QLatin1String("name")].toString().toUtf8(), m_a1);
        QCOMPARE(r.json()[QLatin1String("done")], QJsonValue(true));
        QCOMPARE(m_fake->now().toMSecsSinceEpoch() - QDateTime::currentMSecsSinceEpoch() >= 2400, true);
    }

    void resourcesControl()
    {
        addProjects();
        const QJsonObject file = upload(m_a1, "x");
        const QJsonObject cache = createCache(m_b1);
        const QJsonObject batch = createBatch(m_a2, 1);
        call("POST", "/upload/v1beta/files", m_b1, "{}",
            { "X-Goog-Upload-Protocol: resumable", "X-Goog-Upload-Command: start" });
        HttpResponse r = roundTrip(request("GET", "/__fake/resources"));
        QCOMPARE(r.status, 200);
        const QJsonArray all = r.json().array();
        QCOMPARE(all.size(), 4);
        QCOMPARE(all.at(0)[QLatin1String("name")], file[QLatin1String("name")]);
        QCOMPARE(all.at(0)[QLatin1String("kind")].toString(), QStringLiteral("file"));
        QCOMPARE(all.at(0)[QLatin1String("project")].toString(), kProjectA);
        QCOMPARE(all.at(1)[QLatin1String("name")], cache[QLatin1String("name")]);
        QCOMPARE(all.at(1)[QLatin1String("kind")].toString(), QStringLiteral("cachedContent"));
        QCOMPARE(all.at(1)[QLatin1String("project")].toString(), kProjectB);
        const QDateTime cacheCreated
            = QDateTime::fromString(all.at(1)[QLatin1String("createTime")].toString(), Qt::ISODateWithMs);
        const QDateTime cacheExpires
            = QDateTime::fromString(all.at(1)[QLatin1String("expireTime")].toString(), Qt::ISODateWithMs);
        QVERIFY(cacheCreated.isValid());
        QCOMPARE(cacheCreated.msecsTo(cacheExpires), 300000);
        QCOMPARE(all.at(2)[QLatin1String("name")], batch[QLatin1String("name")]);
        QCOMPARE(all.at(2)[QLatin1String("kind")].toString(), QStringLiteral("batch"));
        QVERIFY(all.at(2)[QLatin1String("expireTime")].isNull());
        QCOMPARE(all.at(3)[QLatin1String("kind")].toString(), QStringLiteral("upload"));
        QCOMPARE(all.at(3)[QLatin1String("project")].toString(), kProjectB);
        // A key without a project owns its resources alone.
        const QJsonObject loose = upload(m_key, "y");
        QVERIFY(!loose.isEmpty());
        QVERIFY(m_fake->resources().last().project.startsWith(QLatin1String("key-")));
        m_fake->addKey(fakeKey(2));
        QCOMPARE(call("GET", "/v1beta/" + loose[QLatin1String("name")].toString().toUtf8(), fakeKey(2)).status, 403);

        r = roundTrip(request("POST", "/__fake/clock", {}, R"({"advanceMs": 1500})"));
        QCOMPARE(r.json()[QLatin1String("offsetMs")].toInt(), 1500);
        r = roundTrip(request("POST", "/__fake/clock", {}, R"({"advanceMs": 500})"));
        QCOMPARE(r.json()[QLatin1String("offsetMs")].toInt(), 2000);
        QCOMPARE(m_fake->timeOffsetMs(), 2000);
        QCOMPARE(
            roundTrip(request("POST", "/__fake/batches", {}, R"({"pollsUntilDone": 5, "doneAfterMs": -1})")).status,
            200);
        QCOMPARE(call("GET", "/v1beta/" + batch[QLatin1String("name")].toString().toUtf8(), m_a2)
                     .json()[QLatin1String("done")]
                     .toBool(),
            false);
        QCOMPARE(roundTrip(request("DELETE", "/__fake/resources")).status, 200);
        QVERIFY(m_fake->resources().isEmpty());
        upload(m_a1, "z");
        QCOMPARE(roundTrip(request("POST", "/__fake/reset")).status, 200);
        QVERIFY(m_fake->resources().isEmpty());
        QCOMPARE(m_fake->timeOffsetMs(), 0);
    }

    void liveSetupComplete_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("in-thread") << 0 << kLivePath;
        QTest::newRow("2 workers") << 2 << kLivePath;
        QTest::newRow("v1alpha, //ws/ as @google/genai sends it")
            << 2 << QByteArray("//ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent");
    }

    void liveSetupComplete()
    {
        QFETCH(int, threads);
        QFETCH(QByteArray, path);
        m_fake = std::make_unique<FakeGemini>();
        m_fake->setThreads(threads);
        QVERIFY(m_fake->listen());
        addProjects();
        for (int round = 0; round < 3; ++round) { // several connections spread over the workers
            LiveClient c;
            QVERIFY(c.open(liveBase(), withKey(path, m_a1)));
            QCOMPARE(m_fake->openLiveSessions(), 1);
            c.ws.sendTextMessage(QString::fromUtf8(kSetup));
            QVERIFY(c.waitMessages(1));
            QCOMPARE(c.messages.first(), kSetupComplete);
            QVERIFY(c.binary.first()); // Google sends server JSON as binary frames
            const LiveSession l = lastSession();
            QVERIFY(l.open);
            QVERIFY(l.setupCompleted);
            QCOMPARE(l.path, path);
            QCOMPARE(l.key, m_a1);
            QCOMPARE(l.keySource, KeySource::Query);
            QCOMPARE(l.project, kProjectA);
            QCOMPARE(l.model, QStringLiteral("models/gemini-live-2.5-flash-preview"));
            QCOMPARE(l.framesIn, 1);
            QCOMPARE(l.framesOut, 1);
            QCOMPARE(l.bytesOut, qint64(kSetupComplete.size()));
            const RecordedRequest r = m_fake->requests().last();
            QCOMPARE(r.id, l.requestId);
            QCOMPARE(r.status, 101);
            QCOMPARE(r.method, QByteArray("GET"));
            QCOMPARE(r.key, m_a1);
            QCOMPARE(r.project, kProjectA);
            c.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"text":"hi"}})"));
            QVERIFY(c.waitMessages(4));
            QVERIFY(at(c.json(3), QStringLiteral("serverContent.turnComplete")).toBool());
            c.ws.close();
            QVERIFY(c.waitClosed());
        }
        QVERIFY(QTest::qWaitFor([&] { return m_fake->openLiveSessions() == 0; }, kTimeout));
        QVERIFY(QTest::qWaitFor([&] { return m_fake->openConnections() == 0; }, kTimeout));
        QCOMPARE(m_fake->liveSessions().size(), 3);
        // HTTP still works next to it on the same fake.
        QCOMPARE(call("POST", kGenerate, m_a1, kPrompt).status, 200);
    }

    void liveTextTurn_data()
    {
        QTest::addColumn<QByteArray>("turn");
        QTest::addColumn<QString>("text");
        QTest::newRow("clientContent") << QByteArray(
            R"({"clientContent":{"turns":[{"role":"user","parts":[{"text":"What is the capital of France?"}]}],"turnComplete":true}})")
                                       << QStringLiteral("What is the capital of France?");
        QTest::newRow("realtimeInput.text")
            << QByteArray(R"({"realtimeInput":{"text":"caf\u00e9 au lait"}})") << QStringLiteral("caf\u00e9 au lait");
    }

    void liveTextTurn()
    {
        QFETCH(QByteArray, turn);
        QFETCH(QString, text);
        Script s;
        s.text = QStringLiteral("Paris is the capital of France, \u00e9l\u00e9gante.");
        s.intervalMs = 30;
        m_fake->setScript(m_key, s);
        LiveClient c;
        QVERIFY(c.start(liveBase(), withKey(kLivePath, m_key)));
        QElapsedTimer clock;
        clock.start();
        c.ws.sendBinaryMessage(turn);
        QVERIFY(c.waitMessages(4));
        QVERIFY(clock.elapsed() >= 2 * 30 - 5); // intervalMs between the three messages
        QVERIFY(!c.text(1).isEmpty());
        QVERIFY(!c.text(2).isEmpty());
        QCOMPARE(c.text(1) + c.text(2), s.text);
        const QJsonObject done = c.json(3);
        QCOMPARE(done.value(QLatin1String("serverContent")).toObject(),
            (QJsonObject { { QStringLiteral("turnComplete"), true } }));
        const int prompt = int((text.toUtf8().size() + 3) / 4);
        const int response = int((s.text.toUtf8().size() + 3) / 4);
        QCOMPARE(done.value(QLatin1String("usageMetadata")).toObject(),
            (QJsonObject { { QStringLiteral("promptTokenCount"), prompt },
                { QStringLiteral("responseTokenCount"), response },
                { QStringLiteral("totalTokenCount"), prompt + response } }));
        QVERIFY(c.messages.at(1).startsWith("{\n  \"serverContent\": {\n    \"modelTurn\": {"));
        QCOMPARE(c.binary, (QList<bool> { true, true, true, true }));
        QTest::qWait(100);
        QCOMPARE(c.messages.size(), 4);
    }

    void liveAudioEcho()
    {
        QByteArray pcm(4000, Qt::Uninitialized);
        for (qsizetype i = 0; i < pcm.size(); ++i) {
            pcm[i] = char((i * 7919) & 0xff);
        }
        const QByteArray b64 = pcm.toBase64();
        LiveClient c;
        QVERIFY(c.start(liveBase(), withKey(kLivePath, m_key)));
        c.ws.sendTextMessage(QString::fromLatin1(
            fill(R"({"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=16000","data":"%1"}}})", { b64 })));
        c.ws.sendTextMessage(QString::fromLatin1(fill(
            R"({"realtimeInput":{"mediaChunks":[{"mimeType":"image/jpeg","data":"AAAA"},{"mimeType":"audio/pcm","data":"%1"}]}})",
            { b64.left(8) })));
        c.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"audioStreamEnd":true}})"));
        QVERIFY(c.waitMessages(4));
        const QJsonObject blob = at(c.json(1), QStringLiteral("serverContent.modelTurn.parts.0.inlineData")).toObject();
        QCOMPARE(blob.value(QLatin1String("mimeType")).toString(), QStringLiteral("audio/pcm;rate=24000"));
        QCOMPARE(blob.value(QLatin1String("data")).toString().toLatin1(), b64); // byte-identical
        QCOMPARE(QByteArray::fromBase64(blob.value(QLatin1String("data")).toString().toLatin1()), pcm);
        QCOMPARE(at(c.json(2), QStringLiteral("serverContent.modelTurn.parts.0.inlineData.data")).toString().toLatin1(),
            b64.left(8)); // the legacy mediaChunks; the jpeg is not echoed
        QVERIFY(at(c.json(3), QStringLiteral("serverContent.turnComplete")).toBool());
        const int tokens = int((pcm.size() + 6 + 999) / 1000);
        QCOMPARE(at(c.json(3), QStringLiteral("usageMetadata.promptTokenCount")).toInt(), tokens);
        QCOMPARE(at(c.json(3), QStringLiteral("usageMetadata.totalTokenCount")).toInt(), 2 * tokens);
    }

    void liveToolCall()
    {
        LiveClient c;
        QVERIFY(c.start(liveBase(), withKey(kLivePath, m_key),
            R"({"setup":{"model":"models/gemini-live-2.5-flash-preview","tools":[{"googleSearch":{}},{"functionDeclarations":[{"name":"lookup","description":"d"},{"name":"other"}]}]}})"));
        c.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"text":"weather in Paris"}})"));
        QVERIFY(c.waitMessages(2));
        const QJsonObject call = at(c.json(1), QStringLiteral("toolCall.functionCalls.0")).toObject();
        QCOMPARE(call,
            (QJsonObject { { QStringLiteral("id"), QStringLiteral("call-1") },
                { QStringLiteral("name"), QStringLiteral("lookup") },
                { QStringLiteral("args"),
                    QJsonObject { { QStringLiteral("q"), QStringLiteral("weather in Paris") } } } }));
        c.ws.sendTextMessage(QStringLiteral(
            R"({"toolResponse":{"functionResponses":[{"id":"call-1","name":"lookup","response":{"temp":21,"sky":"clear"}}]}})"));
        QVERIFY(c.waitMessages(4));
        QCOMPARE(c.text(2), QStringLiteral(R"(tool lookup answered {"sky":"clear","temp":21})"));
        QVERIFY(at(c.json(3), QStringLiteral("serverContent.turnComplete")).toBool());
        QVERIFY(at(c.json(3), QStringLiteral("usageMetadata.totalTokenCount")).toInt() > 0);
        // The same id again is unknown now.
        c.ws.sendTextMessage(QStringLiteral(
            R"({"toolResponse":{"functionResponses":[{"id":"call-1","name":"lookup","response":{}}]}})"));
        QVERIFY(c.waitClosed());
        QCOMPARE(int(c.ws.closeCode()), 1007);
        QCOMPARE(lastSession(true).closeCode, 1007);
    }

    void liveResumption()
    {
        addProjects();
        const QByteArray setup = R"({"setup":{"model":"models/m","sessionResumption":{}}})";
        LiveClient first;
        QVERIFY(first.start(liveBase(), withKey(kLivePath, m_a1), setup));
        QVERIFY(first.waitMessages(2));
        const QJsonObject update = first.json(1).value(QLatin1String("sessionResumptionUpdate")).toObject();
        QCOMPARE(update.value(QLatin1String("resumable")).toBool(), true);
        const QString handle = update.value(QLatin1String("newHandle")).toString();
        QVERIFY(handle.size() >= 32);
        // One more after each turnComplete.
        first.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"text":"hi"}})"));
        QVERIFY(first.waitMessages(6));
        QVERIFY(at(first.json(4), QStringLiteral("serverContent.turnComplete")).toBool());
        const QString second = at(first.json(5), QStringLiteral("sessionResumptionUpdate.newHandle")).toString();
        QVERIFY(!second.isEmpty() && second != handle);
        bool listed = false;
        for (const auto &r : m_fake->resources()) {
            listed = listed || (r.kind == QStringLiteral("liveHandle") && r.name == handle && r.project == kProjectA);
        }
        QVERIFY(listed);

        const QByteArray resume
            = fill(R"({"setup":{"model":"models/m","sessionResumption":{"handle":"%1"}}})", { handle.toUtf8() });
        LiveClient sameProject; // another key of project-a
        QVERIFY(sameProject.start(liveBase(), withKey(kLivePath, m_a2), resume));
        QCOMPARE(lastSession().resumedHandle, handle);

        LiveClient otherProject;
        QVERIFY(otherProject.open(liveBase(), withKey(kLivePath, m_b1)));
        otherProject.ws.sendTextMessage(QString::fromUtf8(resume));
        QVERIFY(otherProject.waitClosed());
        QCOMPARE(int(otherProject.ws.closeCode()), 1008);
        QVERIFY(otherProject.ws.closeReason().startsWith(QStringLiteral("Session not found")));
        QVERIFY(otherProject.messages.isEmpty());

        m_fake->setTimeOffsetMs(2LL * 3600 * 1000 + 1000); // handles live 2 h
        LiveClient late;
        QVERIFY(late.open(liveBase(), withKey(kLivePath, m_a1)));
        late.ws.sendTextMessage(QString::fromUtf8(resume));
        QVERIFY(late.waitClosed());
        QCOMPARE(int(late.ws.closeCode()), 1008);
    }

    void liveGoAway()
    {
        LiveClient c;
        QVERIFY(c.start(liveBase(), withKey(kLivePath, m_key)));
        c.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"text":"please goaway soon"}})"));
        QVERIFY(c.waitMessages(5));
        QCOMPARE(c.messages.at(1), QByteArray("{\n  \"goAway\": {\n    \"timeLeft\": \"5s\"\n  }\n}\n"));
        QVERIFY(!c.text(2).isEmpty());
        QVERIFY(at(c.json(4), QStringLiteral("serverContent.turnComplete")).toBool());

        m_fake->setLiveMaxSessionMs(200);
        LiveClient timed;
        QElapsedTimer clock;
        clock.start();
        QVERIFY(timed.start(liveBase(), withKey(kLivePath, m_key)));
        QVERIFY(timed.waitMessages(2));
        QCOMPARE(at(timed.json(1), QStringLiteral("goAway.timeLeft")).toString(), QStringLiteral("1s"));
        QVERIFY(timed.waitClosed());
        QVERIFY(clock.elapsed() >= 1150);
        QCOMPARE(int(timed.ws.closeCode()), 1000);
        QCOMPARE(lastSession(true).closeCode, 1000);
    }

    void liveRefusedAfterSetup_data()
    {
        QTest::addColumn<QString>("behaviour");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("reason");
        QTest::newRow("invalid") << "invalid" << 1007 << kKeyInvalidReason;
        QTest::newRow("rateLimited") << "rateLimited" << 1011 << kQuotaReason;
        QTest::newRow("rateLimitedNoQuota") << "rateLimitedNoQuota" << 1011 << kQuotaReason;
        QTest::newRow("forbidden") << "forbidden" << 1008 << QStringLiteral("The caller does not have permission");
    }

    void liveRefusedAfterSetup()
    {
        QFETCH(QString, behaviour);
        QFETCH(int, code);
        QFETCH(QString, reason);
        Behaviour b;
        QVERIFY(ga::test::behaviourFromName(behaviour, &b));
        m_fake->setBehaviour(m_key, b);
        LiveClient c;
        QVERIFY(c.open(liveBase(), withKey(kLivePath, m_key))); // the upgrade itself succeeds
        QCOMPARE(m_fake->requests().last().status, 101);
        c.ws.sendBinaryMessage(kSetup);
        QVERIFY(c.waitClosed());
        QVERIFY(c.messages.isEmpty());
        QCOMPARE(int(c.ws.closeCode()), code);
        QCOMPARE(c.ws.closeReason(), reason);
        const LiveSession l = lastSession(true);
        QCOMPARE(l.closeCode, code);
        QCOMPARE(l.closeReason, reason);
        QVERIFY(!l.closedByClient);
        QVERIFY(!l.setupCompleted);
    }

    void liveKeysAndQuota()
    {
        addProjects();
        // An unknown key: 1007, like an invalid one.
        LiveClient unknown;
        QVERIFY(unknown.open(liveBase(), withKey(kLivePath, fakeKey(999))));
        unknown.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(unknown.waitClosed());
        QCOMPARE(int(unknown.ws.closeCode()), 1007);
        QCOMPARE(unknown.ws.closeReason(), kKeyInvalidReason);
        // Suspended: Google echoes the key in the reason.
        m_fake->setBehaviour(m_b1, Behaviour::Suspended);
        LiveClient suspended;
        QVERIFY(suspended.open(liveBase(), kLivePath, { { "x-goog-api-key", m_b1.toUtf8() } }));
        suspended.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(suspended.waitClosed());
        QCOMPARE(int(suspended.ws.closeCode()), 1007);
        QCOMPARE(suspended.ws.closeReason(),
            QStringLiteral("Permission denied: Consumer 'api_key:%1' has been suspended.").arg(m_b1));
        QCOMPARE(lastSession(true).keySource, KeySource::Header);
        // The project quota is shared with REST: a session is one model call.
        m_fake->setProjectQuota(kProjectA, 2);
        QCOMPARE(call("POST", kGenerate, m_a1, kPrompt).status, 200);
        LiveClient ok;
        QVERIFY(ok.start(liveBase(), withKey(kLivePath, m_a2)));
        QCOMPARE(m_fake->projectUsage(kProjectA), 2);
        LiveClient over;
        QVERIFY(over.open(liveBase(), withKey(kLivePath, m_a1)));
        over.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(over.waitClosed());
        QCOMPARE(int(over.ws.closeCode()), 1011);
        QCOMPARE(over.ws.closeReason(), kQuotaReason);
        QCOMPARE(over.ws.closeReason().toUtf8().size(), 123);
        QCOMPARE(call("POST", kGenerate, m_a2, kPrompt).status, 429);
        QVERIFY(ok.ws.state() == QAbstractSocket::ConnectedState); // an open session is not cut
    }

    void liveRefusedHandshake_data()
    {
        QTest::addColumn<QString>("behaviour");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("overloaded") << "overloaded" << QByteArray("?key=K") << 503 << kOverloadedBody;
        QTest::newRow("internal") << "internal" << QByteArray("?key=K") << 500 << kInternalBody;
        QTest::newRow("no credential") << "normal" << QByteArray() << 403 << kUnregisteredBody;
        QTest::newRow("a token on the plain path is no credential")
            << "normal" << QByteArray("?access_token=auth_tokens/abc") << 403 << kUnregisteredBody;
    }

    void liveRefusedHandshake()
    {
        QFETCH(QString, behaviour);
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        Behaviour b;
        QVERIFY(ga::test::behaviourFromName(behaviour, &b));
        m_fake->setBehaviour(m_key, b);
        target.replace("=K", "=" + m_key.toUtf8());
        const HttpResponse r = roundTrip(upgradeRequest(kLivePath + target));
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("content-type"), QByteArray("application/json; charset=UTF-8"));
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QCOMPARE(r.body, body);
        QCOMPARE(m_fake->requests().last().status, status);
        QVERIFY(m_fake->liveSessions().isEmpty());
        // Qt's client sees a failed upgrade, too.
        LiveClient c;
        QVERIFY(!c.open(liveBase(), kLivePath + target));
        // Another /ws/ path: 404 with a Google-shaped JSON error.
        const HttpResponse other = roundTrip(
            upgradeRequest("/ws/google.ai.generativelanguage.v1beta.GenerativeService.Nope?key=" + m_key.toUtf8()));
        QCOMPARE(other.status, 404);
        QCOMPARE(other.json().object()["error"].toObject()["status"].toString(), QStringLiteral("NOT_FOUND"));
    }

    void liveProtocolErrors()
    {
        // The first message must be a setup.
        LiveClient notSetup;
        QVERIFY(notSetup.open(liveBase(), withKey(kLivePath, m_key)));
        notSetup.ws.sendTextMessage(QStringLiteral(R"({"realtimeInput":{"text":"hi"}})"));
        QVERIFY(notSetup.waitClosed());
        QCOMPARE(int(notSetup.ws.closeCode()), 1007);
        QVERIFY(notSetup.ws.closeReason().contains(QStringLiteral("setup")));
        // Raw non-JSON bytes after the setup.
        LiveClient raw;
        QVERIFY(raw.start(liveBase(), withKey(kLivePath, m_key)));
        raw.ws.sendBinaryMessage(QByteArray("\x01\x02\x03\x04", 4));
        QVERIFY(raw.waitClosed());
        QCOMPARE(int(raw.ws.closeCode()), 1007);
        QCOMPARE(raw.ws.closeReason(), QStringLiteral("Invalid JSON payload received."));
        // A model without Live support.
        LiveClient noLive;
        QVERIFY(noLive.open(liveBase(), withKey(kLivePath, m_key)));
        noLive.ws.sendTextMessage(QStringLiteral(R"({"setup":{"model":"models/gemini-2.0-no-live"}})"));
        QVERIFY(noLive.waitClosed());
        QCOMPARE(int(noLive.ws.closeCode()), 1008);
        QCOMPARE(noLive.ws.closeReason(),
            QStringLiteral("models/gemini-2.0-no-live is not found for API version v1beta, or is not supported for "
                           "bidiGenerateContent. Call ListModels to see the list of available models and their "
                           "supported methods.")
                .left(123));
        // Hang: the setup is never answered; CloseBeforeResponse: the connection drops without a close frame.
        m_fake->setBehaviour(m_key, Behaviour::Hang);
        LiveClient hang;
        QVERIFY(hang.open(liveBase(), withKey(kLivePath, m_key)));
        hang.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(!hang.waitMessages(1, 300));
        QVERIFY(!hang.closed);
        m_fake->setBehaviour(m_key, Behaviour::CloseBeforeResponse);
        LiveClient drop;
        QVERIFY(drop.open(liveBase(), withKey(kLivePath, m_key)));
        drop.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(drop.waitClosed());
        QVERIFY(drop.messages.isEmpty());
        QCOMPARE(lastSession(true).closeCode, 1006);
        // latencyMs delays setupComplete.
        Script slow;
        slow.latencyMs = 250;
        m_fake->setScript(m_key, slow);
        LiveClient late;
        QElapsedTimer clock;
        clock.start();
        QVERIFY(late.start(liveBase(), withKey(kLivePath, m_key)));
        QVERIFY(clock.elapsed() >= 240);
    }

    void liveEphemeralToken()
    {
        addProjects();
        HttpResponse r = call("POST", "/v1alpha/auth_tokens", m_a1, R"({"uses":1})");
        QCOMPARE(r.status, 200);
        const QJsonObject token = r.json().object();
        QCOMPARE(token.keys(), QStringList { QStringLiteral("name") }); // the other fields are input-only
        const QString name = token.value(QLatin1String("name")).toString();
        QVERIFY(name.startsWith(QStringLiteral("auth_tokens/")));
        bool listed = false;
        for (const auto &res : m_fake->resources()) {
            listed
                = listed || (res.kind == QStringLiteral("authToken") && res.name == name && res.project == kProjectA);
        }
        QVERIFY(listed);

        LiveClient c;
        const bool started = c.start(liveBase(), kLiveConstrained + "?access_token=" + name.toUtf8());
        QVERIFY2(started,
            qPrintable(QStringLiteral("%1 %2 %3 %4")
                           .arg(int(c.ws.closeCode()))
                           .arg(c.ws.closeReason())
                           .arg(m_fake->requests().last().status)
                           .arg(QString::fromUtf8(m_fake->requests().last().target))));
        LiveSession l = lastSession();
        QCOMPARE(l.project, kProjectA);
        QCOMPARE(l.key, name);
        QCOMPARE(l.keySource, KeySource::AccessToken);
        // uses: 1 — a second new session is refused.
        LiveClient again;
        QVERIFY(again.open(liveBase(), kLiveConstrained, { { "Authorization", "Token " + name.toUtf8() } }));
        again.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(again.waitClosed());
        QCOMPARE(int(again.ws.closeCode()), 1008);
        QCOMPARE(lastSession(true).keySource, KeySource::Token);

        // A token from project-b's key with two uses, over the Authorization header; its session is project-b's.
        r = call("POST", "/v1alpha/auth_tokens", m_b1, R"({"uses":2})");
        const QByteArray other = r.json().object().value(QLatin1String("name")).toString().toUtf8();
        LiveClient b;
        QVERIFY(b.open(liveBase(), kLiveConstrained, { { "Authorization", "Token " + other } }));
        b.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(b.waitMessages(1));
        QCOMPARE(b.messages.first(), kSetupComplete);
        QCOMPARE(lastSession().project, kProjectB);
        // Past newSessionExpireTime (60 s by default) no new session starts.
        m_fake->setTimeOffsetMs(61 * 1000);
        LiveClient expired;
        QVERIFY(expired.open(liveBase(), kLiveConstrained + "?access_token=" + other));
        expired.ws.sendTextMessage(QString::fromUtf8(kSetup));
        QVERIFY(expired.waitClosed());
        QCOMPARE(int(expired.ws.closeCode()), 1008);
        m_fake->setTimeOffsetMs(0);

        // REST refuses tokens.
        r = call("POST", kGenerate, name, kPrompt);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json().object()["error"].toObject()["message"].toString(),
            QStringLiteral("Ephemeral tokens are only supported by the live API."));
        // Creating one needs a real key.
        QCOMPARE(call("POST", "/v1alpha/auth_tokens", QString(), "{}").status, 403);
        QCOMPARE(call("POST", "/v1alpha/auth_tokens", fakeKey(998), "{}").status, 400);
    }

    void liveRecording()
    {
        QSignalSpy ended(m_fake.get(), &FakeGemini::liveSessionEnded);
        LiveClient c;
        QVERIFY(c.start(liveBase(), withKey(kLivePath, m_key)));
        const QByteArray hi = R"({"realtimeInput":{"text":"hi"}})";
        c.ws.sendTextMessage(QString::fromUtf8(hi));
        QVERIFY(c.waitMessages(4));
        QCOMPARE(m_fake->openLiveSessions(), 1);
        c.ws.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
        QVERIFY(c.waitClosed());
        QVERIFY(ended.wait(kTimeout) || ended.size() == 1);
        const LiveSession l = ended.first().first().value<LiveSession>();
        QCOMPARE(l.closeCode, 1000);
        QCOMPARE(l.closeReason, QStringLiteral("bye"));
        QVERIFY(l.closedByClient);
        QVERIFY(!l.open);
        QCOMPARE(l.framesIn, 2);
        QCOMPARE(l.framesOut, 4);
        qint64 out = 0;
        for (const QByteArray &m : std::as_const(c.messages)) {
            out += m.size();
        }
        QCOMPARE(l.bytesOut, out);
        QCOMPARE(l.bytesIn, qint64(kSetup.size() + hi.size()));
        QVERIFY(l.headers.contains(qMakePair(QByteArray("Upgrade"), QByteArray("websocket"))));
        QCOMPARE(m_fake->openLiveSessions(), 0);

        // A client that just drops the connection: 1006.
        LiveClient gone;
        QVERIFY(gone.start(liveBase(), withKey(kLivePath, m_key)));
        gone.ws.abort();
        QVERIFY(ended.wait(kTimeout));
        QCOMPARE(ended.last().first().value<LiveSession>().closeCode, 1006);

        // GET /__fake/live: the sessions, with keys only as their SHA-256.
        const HttpResponse r = roundTrip(request("GET", "/__fake/live"));
        QCOMPARE(r.status, 200);
        const QJsonArray all = r.json().array();
        QCOMPARE(all.size(), 2);
        const QJsonObject first = all.first().toObject();
        QCOMPARE(first.value(QLatin1String("closeReason")).toString(), QStringLiteral("bye"));
        QCOMPARE(first.value(QLatin1String("framesOut")).toInt(), 4);
        QCOMPARE(first.value(QLatin1String("requestId")).toInteger(), qint64(l.requestId));
        QCOMPARE(first.value(QLatin1String("keySha256")).toString(),
            QString::fromLatin1(QCryptographicHash::hash(m_key.toUtf8(), QCryptographicHash::Sha256).toHex()));
        QVERIFY(!r.body.contains(m_key.toUtf8()));
        QCOMPARE(roundTrip(request("DELETE", "/__fake/live")).status, 200);
        QVERIFY(m_fake->liveSessions().isEmpty());
        QCOMPARE(roundTrip(request("POST", "/__fake/live", {}, R"({"maxSessionMs": 5000})")).status, 200);
        QCOMPARE(m_fake->liveMaxSessionMs(), qint64(5000));
        m_fake->clearLiveSessions();
        QVERIFY(m_fake->liveSessions().isEmpty());
    }

    void errorBehaviours_data()
    {
        QTest::addColumn<QString>("behaviour");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("rateLimited, retryDelay 30s")
            << "rateLimited" << 429
            << QByteArray("{\n"
                          "  \"error\": {\n"
                          "    \"code\": 429,\n"
                          "    \"message\": \"You exceeded your current quota, please check your plan and billing "
                          "details. For more information on this error, head to: "
                          "https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head "
                          "to: https://ai.dev/rate-limit. \\n* Quota exceeded for metric: "
                          "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: "
                          "gemini-2.5-flash\\nPlease retry in 30s.\",\n"
                          "    \"status\": \"RESOURCE_EXHAUSTED\",\n"
                          "    \"details\": [\n"
                          "      {\n"
                          "        \"@type\": \"type.googleapis.com/google.rpc.Help\",\n"
                          "        \"links\": [\n"
                          "          {\n"
                          "            \"description\": \"Learn more about Gemini API quotas\",\n"
                          "            \"url\": \"https://ai.google.dev/gemini-api/docs/rate-limits\"\n"
                          "          }\n"
                          "        ]\n"
                          "      },\n"
                          "      {\n"
                          "        \"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\",\n"
                          "        \"violations\": [\n"
                          "          {\n"
                          "            \"quotaMetric\": "
                          "\"generativelanguage.googleapis.com/generate_content_free_tier_requests\",\n"
                          "            \"quotaId\": \"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\",\n"
                          "            \"quotaDimensions\": {\n"
                          "              \"location\": \"global\",\n"
                          "              \"model\": \"gemini-2.5-flash\"\n"
                          "            },\n"
                          "            \"quotaValue\": \"10\"\n"
                          "          }\n"
                          "        ]\n"
                          "      },\n"
                          "      {\n"
                          "        \"@type\": \"type.googleapis.com/google.rpc.RetryInfo\",\n"
                          "        \"retryDelay\": \"30s\"\n"
                          "      }\n"
                          "    ]\n"
                          "  }\n"
                          "}\n");
        QTest::newRow("rateLimitedNoQuota")
            << "rateLimitedNoQuota" << 429
            << QByteArray("{\n"
                          "  \"error\": {\n"
                          "    \"code\": 429,\n"
                          "    \"message\": \"Resource has been exhausted (e.g. check quota).\",\n"
                          "    \"status\": \"RESOURCE_EXHAUSTED\"\n"
                          "  }\n"
                          "}\n");
        QTest::newRow("forbidden") << "forbidden" << 403 << deniedBody("The caller does not have permission");
    }

    void errorBehaviours()
    {
        QFETCH(QString, behaviour);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        addProjects();
        // Over the control endpoint (names as the README lists them), then from C++.
        HttpResponse r = roundTrip(request("POST", "/__fake/keys", {},
            "{\"key\": \"" + m_b1.toUtf8() + "\", \"project\": \"project-b\", \"script\": {\"behaviour\": \""
                + behaviour.toUtf8() + "\", \"retryDelay\": \"30s\"}}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(behaviourName(m_fake->script(m_b1).behaviour), behaviour);
        r = call("POST", kGenerate, m_b1, kPrompt);
        QCOMPARE(r.status, status);
        QCOMPARE(r.body, body);
        r = call("POST", kStreamSse, m_b1, kPrompt);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream"));
        QCOMPARE(r.body, body);
        // Project A is not affected.
        QCOMPARE(call("POST", kGenerate, m_a1, kPrompt).status, 200);
        Behaviour b;
        QVERIFY(ga::test::behaviourFromName(behaviour, &b));
        m_fake->setBehaviour(m_a1, b);
        Script s = m_fake->script(m_a1);
        s.retryDelay = "30s";
        m_fake->setScript(m_a1, s);
        QCOMPARE(call("POST", kGenerate, m_a1, kPrompt).body, body);
    }
};

QTEST_GUILESS_MAIN(TestFakeGemini)
#include "tst_fakegemini.moc"
