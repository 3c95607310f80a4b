// SPDX-License-Identifier: GPL-3.0-or-later
// The fake Gemini upstream, checked over raw TCP against the wire formats of /work/shared/gemini-api.md.
#include "fakegemini.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

#include <memory>

using ga::test::Behaviour;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::KeySource;
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

} // namespace

class TestFakeGemini : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeGemini> m_fake;
    QString m_key;

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
};

QTEST_GUILESS_MAIN(TestFakeGemini)
#include "tst_fakegemini.moc"
