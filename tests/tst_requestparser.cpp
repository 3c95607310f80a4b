// SPDX-License-Identifier: GPL-3.0-or-later
// The strict HTTP/1.1 parser (core/http): request heads, chunked bodies, upstream response heads, the
// error bodies, and the proxy's header/query forwarding helpers (core/proxy/forwarding.h). Pure functions,
// no sockets.
#include "http/buffer.h"
#include "http/headers.h"
#include "http/httperror.h"
#include "http/limits.h"
#include "http/requestparser.h"
#include "proxy/forwarding.h"
#include "testsupport.h"
#include "text/permanent.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTest>

#include <cstring>
#include <functional>
#include <thread>
#include <utility>

using ga::http::BodyKind;
using ga::http::ChunkedDecoder;
using ga::http::Header;
using ga::http::HeaderList;
using ga::http::Limits;
using ga::http::ParseOutcome;
using ga::http::Request;
using ga::http::Response;

namespace {

constexpr int kComplete = ParseOutcome::Complete;
constexpr int kIncomplete = ParseOutcome::Incomplete;
constexpr int kError = ParseOutcome::Error;

const QByteArray kHost = "Host: localhost:3145\r\n";

// What a good request head should parse to.
struct Good
{
    QByteArray method = "GET";
    QByteArray path = "/";
    QByteArray query {};
    BodyKind body = BodyKind::None;
    qint64 length = 0;
    bool keepAlive = true;
    bool expectContinue = false;
    int minor = 1;
    qint64 consumed = -1; // -1: the whole input is the head
};

// Two QByteArrays over the same bytes: one shares the other's (QCOMPARE on two char pointers compares the strings).
bool sameBytes(const QByteArray &a, const QByteArray &b)
{
    return a.constData() == b.constData();
}

void addRow(const char *name, const QByteArray &raw, int state, int status, const Good &g)
{
    QTest::newRow(name) << raw << state << status << g.method << g.path << g.query << int(g.body) << g.length
                        << g.keepAlive << g.expectContinue << g.minor << (g.consumed < 0 ? raw.size() : g.consumed);
}

void good(const char *name, const QByteArray &raw, const Good &g = {})
{
    addRow(name, raw, kComplete, 0, g);
}

void bad(const char *name, const QByteArray &raw, int status)
{
    addRow(name, raw, kError, status, {});
}

void incomplete(const char *name, const QByteArray &raw)
{
    addRow(name, raw, kIncomplete, 0, {});
}

// "GET <target> HTTP/1.1" with Host and the given extra header lines.
QByteArray get(const QByteArray &target, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\n" + kHost + extra + "\r\n";
}

QByteArray withHeader(const QByteArray &headerLine)
{
    return get("/", headerLine + "\r\n");
}

QByteArray post(const QByteArray &extra)
{
    return "POST /v1beta/models/gemini-2.0-flash:generateContent HTTP/1.1\r\n" + kHost + extra + "\r\n";
}

// A request line of exactly `length` bytes (without CRLF).
QByteArray requestLineOf(qsizetype length)
{
    const QByteArray prefix = "GET /";
    const QByteArray suffix = " HTTP/1.1";
    return prefix + QByteArray(length - prefix.size() - suffix.size(), 'a') + suffix;
}

// A request head of exactly `length` bytes, padded with one large header.
QByteArray headOf(qsizetype length)
{
    const QByteArray start = "GET / HTTP/1.1\r\n" + kHost + "X-Pad: ";
    const QByteArray end = "\r\n\r\n";
    return start + QByteArray(length - start.size() - end.size(), 'p') + end;
}

QByteArray manyHeaders(int count)
{
    QByteArray extra;
    for (int i = 0; i < count; ++i) {
        extra += "X-H" + QByteArray::number(i) + ": v\r\n";
    }
    return extra;
}

struct Decoded
{
    bool done = false;
    int error = 0;
    QByteArray body;
    qint64 consumed = 0;
};

// Feeds `input` to a fresh decoder in pieces of `piece` bytes (0: all at once), keeping unconsumed bytes
// for the next call the way a connection does.
// `views`: through ChunkedDecoder::decode(), whose data must be a view of the bytes fed when nothing was joined, and
// must add up to the same body.
Decoded decode(const QByteArray &input, qint64 maxBody, qsizetype piece, bool views = false)
{
    ChunkedDecoder decoder(maxBody);
    Decoded d;
    QByteArray pending;
    qsizetype offset = 0;
    while (offset < input.size() || offset == 0) {
        const qsizetype take = piece <= 0 ? input.size() : std::min(piece, input.size() - offset);
        pending += input.mid(offset, take);
        offset += take;
        QByteArray joined;
        const ChunkedDecoder::Step step = views ? decoder.decode(pending, &joined) : decoder.feed(pending, &d.body);
        if (views) {
            const bool inFed = step.data.isEmpty()
                || (step.data.data() >= pending.constData()
                    && step.data.data() + step.data.size() <= pending.constData() + pending.size());
            const bool inJoined
                = !joined.isEmpty() && step.data.data() == joined.constData() && step.data.size() == joined.size();
            if (!(joined.isEmpty() ? inFed : inJoined)) {
                d.error = -3; // a view of neither
                return d;
            }
            d.body += step.data;
        }
        if (step.errorStatus != 0) {
            d.error = step.errorStatus;
            if (std::strlen(step.reason) == 0) {
                d.error = -1; // every error needs a reason
            }
            return d;
        }
        if (step.consumed < 0 || step.consumed > pending.size()) {
            d.error = -2;
            return d;
        }
        d.consumed += step.consumed;
        pending.remove(0, step.consumed);
        if (step.done) {
            d.done = true;
            break;
        }
        if (input.isEmpty()) {
            break;
        }
    }
    if (decoder.bodyBytes() != d.body.size()) {
        d.error = -3;
    }
    return d;
}

QByteArray headerDump(const HeaderList &headers)
{
    QByteArray out;
    ga::http::appendHeaders(out, headers);
    return out;
}

HeaderList parseHeaderDump(QByteArrayView dump)
{
    HeaderList list;
    for (QByteArrayView line : QByteArray(dump.toByteArray()).split('\n')) {
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        const qsizetype colon = line.indexOf(':');
        if (colon > 0) {
            list.push_back(Header { line.first(colon).toByteArray(), line.sliced(colon + 1).trimmed().toByteArray() });
        }
    }
    return list;
}

} // namespace

class TestRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void headMemoChangesNothing(); // first: before other tests fill the permanent store's share for clients
    void requestHead_data();
    void requestHead();
    void namesCompareIgnoringAsciiCase();
    void namesCompareAtEveryLengthAndPlace();
    void valueBytesCheckedAtEveryPlace();
    void headersKeptAsReceived();
    void repeatedHeadersShareTheirBytes();
    void repeatedHeadersBecomePermanent();
    void oneObjectTakesHeadAfterHead();
    void byteAtATime_data();
    void byteAtATime();
    void pipelining();
    void customLimits();

    void chunked_data();
    void chunked();
    void chunkedReset();
    void chunkedAfterHead();

    void responseHead_data();
    void responseHead();
    void errorResponseRoundTrip_data();
    void errorResponseRoundTrip();

    void stripKeyParameter_data();
    void stripKeyParameter();
    void clientCredential_data();
    void clientCredential();
    void upstreamRequestHeaders();
    void clientResponseHeaders();
    void responseLinesFollowEachAnswer();
    void uploadUrlRewrite_data();
    void uploadUrlRewrite();
    void isForwardedPath_data();
    void isForwardedPath();
    void usesBearerAuth_data();
    void usesBearerAuth();

    void errorBody_data();
    void errorBody();
};

// ---------------------------------------------------------------------------------------------------
// Request heads

void TestRequestParser::requestHead_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("state");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("bodyKind");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("expectContinue");
    QTest::addColumn<int>("versionMinor");
    QTest::addColumn<qint64>("consumed");

    // --- good -----------------------------------------------------------------------------------
    good("simple GET", get("/v1beta/models"), { .path = "/v1beta/models" });
    good("GET root", get("/"));
    good("query split", get("/v1beta/models?pageSize=5&alt=json"),
        { .path = "/v1beta/models", .query = "pageSize=5&alt=json" });
    good("empty query", get("/v1beta/models?"), { .path = "/v1beta/models" });
    good("second ? stays in query", get("/p?a=1?b=2"), { .path = "/p", .query = "a=1?b=2" });
    good("percent-encoded target", get("/v1beta/files/a%20b?x=%26"),
        { .path = "/v1beta/files/a%20b", .query = "x=%26" });
    good("colon in path", get("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"),
        { .path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent", .query = "alt=sse" });
    {
        const QByteArray head = post("Content-Type: application/json\r\nContent-Length: 17\r\n");
        good("POST with Content-Length", head + R"({"contents": []} )",
            { .method = "POST",
                .path = "/v1beta/models/gemini-2.0-flash:generateContent",
                .body = BodyKind::Length,
                .length = 17,
                .consumed = head.size() });
    }
    good("POST Content-Length 0", post("Content-Length: 0\r\n"),
        { .method = "POST", .path = "/v1beta/models/gemini-2.0-flash:generateContent" });
    good("Content-Length leading zeros", post("Content-Length: 007\r\n"),
        { .method = "POST",
            .path = "/v1beta/models/gemini-2.0-flash:generateContent",
            .body = BodyKind::Length,
            .length = 7 });
    good("Content-Length with OWS", post("content-length: \t 12 \t\r\n"),
        { .method = "POST",
            .path = "/v1beta/models/gemini-2.0-flash:generateContent",
            .body = BodyKind::Length,
            .length = 12 });
    good("Content-Length at body limit", post("Content-Length: 67108864\r\n"),
        { .method = "POST",
            .path = "/v1beta/models/gemini-2.0-flash:generateContent",
            .body = BodyKind::Length,
            .length = Limits::kDefaultMaxBodyBytes });
    good("chunked POST", post("Transfer-Encoding: chunked\r\n"),
        { .method = "POST", .path = "/v1beta/models/gemini-2.0-flash:generateContent", .body = BodyKind::Chunked });
    good("chunked case-insensitive", post("transfer-encoding: Chunked\r\n"),
        { .method = "POST", .path = "/v1beta/models/gemini-2.0-flash:generateContent", .body = BodyKind::Chunked });
    good("chunked with empty list items", post("Transfer-Encoding: , chunked ,\r\n"),
        { .method = "POST", .path = "/v1beta/models/gemini-2.0-flash:generateContent", .body = BodyKind::Chunked });
    good("PUT with length", "PUT /v1beta/cachedContents/x HTTP/1.1\r\n" + kHost + "Content-Length: 2\r\n\r\n",
        { .method = "PUT", .path = "/v1beta/cachedContents/x", .body = BodyKind::Length, .length = 2 });
    good("PATCH chunked", "PATCH /v1beta/cachedContents/x HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\n",
        { .method = "PATCH", .path = "/v1beta/cachedContents/x", .body = BodyKind::Chunked });
    good("DELETE without body", "DELETE /v1beta/files/abc HTTP/1.1\r\n" + kHost + "\r\n",
        { .method = "DELETE", .path = "/v1beta/files/abc" });
    good("HEAD", "HEAD /v1beta/models HTTP/1.1\r\n" + kHost + "\r\n", { .method = "HEAD", .path = "/v1beta/models" });
    good("OPTIONS *", "OPTIONS * HTTP/1.1\r\n" + kHost + "\r\n", { .method = "OPTIONS", .path = "*" });
    good("OPTIONS path", "OPTIONS /v1beta/models HTTP/1.1\r\n" + kHost + "\r\n",
        { .method = "OPTIONS", .path = "/v1beta/models" });
    good("HTTP/1.0 without Host closes", "GET /v1beta/models HTTP/1.0\r\n\r\n",
        { .path = "/v1beta/models", .keepAlive = false, .minor = 0 });
    good("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", { .minor = 0 });
    good("HTTP/1.0 Keep-Alive in list", "GET / HTTP/1.0\r\nHost: h\r\nConnection: foo, Keep-Alive\r\n\r\n",
        { .minor = 0 });
    good(
        "HTTP/1.0 Connection close", "GET / HTTP/1.0\r\nConnection: close\r\n\r\n", { .keepAlive = false, .minor = 0 });
    good("HTTP/1.0 Expect ignored", "POST /x HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n",
        { .method = "POST", .path = "/x", .body = BodyKind::Length, .length = 1, .keepAlive = false, .minor = 0 });
    good("HTTP/1.1 Connection: close", withHeader("Connection: close"), { .keepAlive = false });
    good("HTTP/1.1 close in list", withHeader("Connection: keep-alive, CLOSE"), { .keepAlive = false });
    good("HTTP/1.1 Connection: upgrade", withHeader("Connection: upgrade"));
    good("HTTP/1.2 treated as 1.x", "GET / HTTP/1.2\r\n" + kHost + "\r\n", { .minor = 2 });
    good("absolute-form", get("http://localhost:3145/v1beta/models?alt=json"),
        { .path = "/v1beta/models", .query = "alt=json" });
    good("absolute-form https", get("https://generativelanguage.googleapis.com/v1/models"), { .path = "/v1/models" });
    good("absolute-form without path", get("http://localhost:3145"));
    good("absolute-form query without path", get("http://localhost:3145?alt=sse"), { .query = "alt=sse" });
    good("Expect: 100-continue", post("Content-Length: 5\r\nExpect: 100-continue\r\n"),
        { .method = "POST",
            .path = "/v1beta/models/gemini-2.0-flash:generateContent",
            .body = BodyKind::Length,
            .length = 5,
            .expectContinue = true });
    good("Expect case-insensitive", post("Transfer-Encoding: chunked\r\nexpect: 100-Continue\r\n"),
        { .method = "POST",
            .path = "/v1beta/models/gemini-2.0-flash:generateContent",
            .body = BodyKind::Chunked,
            .expectContinue = true });
    good("leading CRLF tolerated", "\r\n" + get("/a"), { .path = "/a" });
    good("two leading CRLFs tolerated", "\r\n\r\n" + get("/a"), { .path = "/a" });
    good("header name case kept", "GET / HTTP/1.1\r\nhOsT: h\r\nCONTENT-LENGTH: 0\r\n\r\n");
    good("empty header value", withHeader("X-Empty:"));
    good("tab and obs-text in value", withHeader("X-Text: caf\xc3\xa9\tau lait"));
    good("128 header fields", get("/", manyHeaders(Limits::kDefaultMaxHeaderCount - 1)));
    good("request line at limit", requestLineOf(Limits::kDefaultMaxRequestLineBytes) + "\r\n" + kHost + "\r\n",
        { .path = "/" + QByteArray(Limits::kDefaultMaxRequestLineBytes - 14, 'a') });
    good("head at 64 KiB", headOf(Limits::kDefaultMaxHeaderBytes));
    {
        const QByteArray first = get("/first");
        good("pipelined: consumed stops at first", first + get("/second"),
            { .path = "/first", .consumed = first.size() });
    }

    // --- framing errors ---------------------------------------------------------------------------
    bad("CL and TE", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400);
    bad("TE and CL", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400);
    bad("duplicate CL same value", post("Content-Length: 5\r\nContent-Length: 5\r\n"), 400);
    bad("duplicate CL different", post("Content-Length: 5\r\ncontent-length: 6\r\n"), 400);
    bad("CL list", post("Content-Length: 5, 5\r\n"), 400);
    bad("CL plus sign", post("Content-Length: +5\r\n"), 400);
    bad("CL minus sign", post("Content-Length: -1\r\n"), 400);
    bad("CL inner space", post("Content-Length: 1 0\r\n"), 400);
    bad("CL letters", post("Content-Length: 5a\r\n"), 400);
    bad("CL hex", post("Content-Length: 0x10\r\n"), 400);
    bad("CL empty", post("Content-Length:\r\n"), 400);
    bad("CL decimal point", post("Content-Length: 5.0\r\n"), 400);
    bad("CL over body limit", post("Content-Length: 67108865\r\n"), 413);
    bad("CL 18 digits", post("Content-Length: 999999999999999999\r\n"), 413);
    bad("TE gzip", post("Transfer-Encoding: gzip\r\n"), 501);
    bad("TE identity", post("Transfer-Encoding: identity\r\n"), 501);
    bad("TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n"), 501);
    bad("TE chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n"), 400);
    bad("TE chunked twice in list", post("Transfer-Encoding: chunked, chunked\r\n"), 400);
    bad("TE chunked in two headers", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400);
    bad("TE empty", post("Transfer-Encoding: \r\n"), 400);
    bad("TE on HTTP/1.0", "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    bad("POST without length", post("Content-Type: application/json\r\n"), 411);
    bad("PUT without length", "PUT /x HTTP/1.1\r\n" + kHost + "\r\n", 411);
    bad("PATCH without length", "PATCH /x HTTP/1.1\r\n" + kHost + "\r\n", 411);
    bad("Expect something else", post("Content-Length: 5\r\nExpect: 200-ok\r\n"), 417);
    bad("Expect list", post("Content-Length: 5\r\nExpect: 100-continue, foo\r\n"), 417);
    bad("Expect twice", post("Content-Length: 5\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n"), 417);

    // --- line and field syntax --------------------------------------------------------------------
    bad("bare LF after request line", "GET / HTTP/1.1\n" + kHost + "\r\n", 400);
    bad("bare LF alone", "\n", 400);
    bad("bare LF in a header", "GET / HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n", 400);
    bad("bare LF ends the head", "GET / HTTP/1.1\r\n" + kHost + "\n", 400);
    bad("CR inside header value", withHeader("X-A: a\rb"), 400);
    bad("obs-fold with space", get("/", "X-A: a\r\n  b\r\n"), 400);
    bad("obs-fold with tab", get("/", "X-A: a\r\n\tb\r\n"), 400);
    bad("whitespace before first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400);
    bad("NUL in header value", withHeader(QByteArray("X-A: a\0b", 8)), 400);
    bad("DEL in header value", withHeader("X-A: a\x7f"), 400);
    bad("SOH in header value", withHeader("X-A: \x01"), 400);
    bad("ESC in header value", withHeader("X-A: \x1b[31m"), 400);
    bad("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);
    bad("tab before colon", withHeader("X-A\t: b"), 400);
    bad("empty header name", withHeader(": b"), 400);
    bad("header without colon", withHeader("X-A b"), 400);
    bad("non-token header name", withHeader("X(A): b"), 400);
    bad("missing Host on 1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
    bad("two Host headers", get("/", "Host: other\r\n"), 400);
    bad("two Host headers on 1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    bad("five leading CRLFs", "\r\n\r\n\r\n\r\n\r\n" + get("/"), 400);

    // --- request line -----------------------------------------------------------------------------
    bad("request line too long", requestLineOf(Limits::kDefaultMaxRequestLineBytes + 1) + "\r\n" + kHost + "\r\n", 414);
    bad("request line too long, no CRLF yet", requestLineOf(Limits::kDefaultMaxRequestLineBytes + 2), 414);
    bad("request line too long, CR only", requestLineOf(Limits::kDefaultMaxRequestLineBytes + 1) + "\r", 414);
    bad("HTTP/2.0", "GET / HTTP/2.0\r\n" + kHost + "\r\n", 505);
    bad("HTTP/3.0", "GET / HTTP/3.0\r\n" + kHost + "\r\n", 505);
    bad("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", 505);
    bad("HTTP/1.10", "GET / HTTP/1.10\r\n" + kHost + "\r\n", 400);
    bad("HTTP/1", "GET / HTTP/1\r\n" + kHost + "\r\n", 400);
    bad("HTTP/11", "GET / HTTP/11\r\n" + kHost + "\r\n", 400);
    bad("HTTP/1,1", "GET / HTTP/1,1\r\n" + kHost + "\r\n", 400);
    bad("HTTP/1.x", "GET / HTTP/1.x\r\n" + kHost + "\r\n", 400);
    bad("lowercase http/1.1", "GET / http/1.1\r\n" + kHost + "\r\n", 400);
    bad("HTTPS/1.1", "GET / HTTPS/1.1\r\n" + kHost + "\r\n", 400);
    bad("no version", "GET /\r\n" + kHost + "\r\n", 400);
    bad("trailing space after version", "GET / HTTP/1.1 \r\n" + kHost + "\r\n", 400);
    bad("double space", "GET  / HTTP/1.1\r\n" + kHost + "\r\n", 400);
    bad("tab separator", "GET\t/ HTTP/1.1\r\n" + kHost + "\r\n", 400);
    bad("empty method", " / HTTP/1.1\r\n" + kHost + "\r\n", 400);
    bad("non-token method", "GE(T / HTTP/1.1\r\n" + kHost + "\r\n", 400);
    bad("empty request line", "\r\n\r\n\r\n\r\n\r\n", 400);
    bad("unknown method BREW", "BREW /pot HTTP/1.1\r\n" + kHost + "\r\n", 501);
    bad("CONNECT", "CONNECT generativelanguage.googleapis.com:443 HTTP/1.1\r\n" + kHost + "\r\n", 501);
    bad("TRACE", "TRACE / HTTP/1.1\r\n" + kHost + "\r\n", 501);
    bad("lowercase get", "get / HTTP/1.1\r\n" + kHost + "\r\n", 501);
    bad("target without slash", get("v1beta/models"), 400);
    bad("GET *", get("*"), 400);
    bad("target scheme without slashes", get("http:v1beta"), 400);
    bad("SOH in target", get("/a\x01"), 400);
    bad("DEL in target", get("/a\x7f"), 400);
    bad("NUL in target", get(QByteArray("/a\0b", 4)), 400);
    bad("8-bit byte in target", get("/caf\xc3\xa9"), 400);
    bad("CR in target", get("/a\rb"), 400);

    // --- limits -----------------------------------------------------------------------------------
    bad("head over 64 KiB", headOf(Limits::kDefaultMaxHeaderBytes + 1), 431);
    bad("head over 64 KiB, incomplete", "GET / HTTP/1.1\r\n" + kHost + "X-Pad: " + QByteArray(70000, 'p'), 431);
    {
        QByteArray lines;
        for (int i = 0; i < 90; ++i) {
            lines += "X-Pad-" + QByteArray::number(i) + ": " + QByteArray(700, 'p') + "\r\n";
        }
        const QByteArray partial = "GET / HTTP/1.1\r\n" + kHost + lines + "X-Last: " + QByteArray(2000, 'p');
        bad("head over 64 KiB, many lines, incomplete", partial, 431);
        incomplete("many lines under 64 KiB, incomplete", partial.first(Limits::kDefaultMaxHeaderBytes));
    }
    bad("129 header fields", get("/", manyHeaders(Limits::kDefaultMaxHeaderCount)), 431);

    // --- incomplete -------------------------------------------------------------------------------
    incomplete("empty", "");
    incomplete("one byte", "G");
    incomplete("CR only", "\r");
    incomplete("leading CRLF only", "\r\n");
    incomplete("request line without CRLF", "GET / HTTP/1.1");
    incomplete("request line with CR", "GET / HTTP/1.1\r");
    incomplete("request line only", "GET / HTTP/1.1\r\n");
    incomplete("header without CRLF", "GET / HTTP/1.1\r\nHost: h");
    incomplete("header with CR", "GET / HTTP/1.1\r\nHost: h\r");
    incomplete("headers without blank line", "GET / HTTP/1.1\r\nHost: h\r\n");
    incomplete("final CR only", "GET / HTTP/1.1\r\nHost: h\r\n\r");
    incomplete("POST head incomplete (no 411 yet)", "POST / HTTP/1.1\r\nHost: h\r\n");
    incomplete("request line at limit, before LF", requestLineOf(Limits::kDefaultMaxRequestLineBytes) + "\r");
    incomplete("request line at limit, before CR", requestLineOf(Limits::kDefaultMaxRequestLineBytes));
    incomplete("head at 64 KiB, before last LF", headOf(Limits::kDefaultMaxHeaderBytes).chopped(1));
}

void TestRequestParser::requestHead()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, state);
    QFETCH(int, status);

    Request r;
    const ParseOutcome o = ga::http::parseRequestHead(raw, Limits(), &r);
    QCOMPARE(int(o.state), state);
    if (state == kError) {
        QCOMPARE(o.status, status);
        QVERIFY(o.reason && std::strlen(o.reason) > 0);
        QVERIFY(std::strcmp(ga::http::reasonPhrase(o.status), "Unknown") != 0);
        return;
    }
    if (state == kIncomplete) {
        QCOMPARE(o.status, 0);
        return;
    }
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, query);
    QFETCH(int, bodyKind);
    QFETCH(qint64, contentLength);
    QFETCH(bool, keepAlive);
    QFETCH(bool, expectContinue);
    QFETCH(int, versionMinor);
    QFETCH(qint64, consumed);
    QCOMPARE(r.method, method);
    QCOMPARE(r.path, path);
    QCOMPARE(r.query, query);
    QVERIFY(r.target.startsWith(r.path));
    QCOMPARE(int(r.bodyKind), bodyKind);
    QCOMPARE(r.contentLength, contentLength);
    QCOMPARE(r.keepAlive, keepAlive);
    QCOMPARE(r.expectContinue, expectContinue);
    QCOMPARE(r.versionMinor, versionMinor);
    QCOMPARE(qint64(o.consumed), consumed);
    QVERIFY(r.body.isEmpty());
}

// Only A-Z and a-z fold into each other; sizes are compared first (inline), then every byte.
void TestRequestParser::namesCompareIgnoringAsciiCase()
{
    using ga::http::equalsIgnoreCase;
    QVERIFY(equalsIgnoreCase("Content-Length", "content-length"));
    QVERIFY(equalsIgnoreCase("X-GOOG-API-KEY", "x-goog-api-key"));
    QVERIFY(equalsIgnoreCase("", ""));
    QVERIFY(!equalsIgnoreCase("content-length", "content-lengt"));
    QVERIFY(!equalsIgnoreCase("content-length", "x-goog-api-key")); // the same size
    QVERIFY(!equalsIgnoreCase("content-lengtH", "content-lengtx")); // only the last byte differs
    QVERIFY(!equalsIgnoreCase("a[", "a{")); // 0x5b and 0x7b are one bit apart, as letters are, but not letters
    QVERIFY(!equalsIgnoreCase("a^", "a~"));
    QVERIFY(!equalsIgnoreCase("@", "`"));
    QVERIFY(!equalsIgnoreCase("\xc3\x89", "\xc3\xa9")); // no folding beyond ASCII
}

// A difference, a case change or a byte that is not ASCII is found at every place of names of every length up to
// 40 (for a comparison that takes the bytes in groups: shorter than a group, a group, groups and a part).
void TestRequestParser::namesCompareAtEveryLengthAndPlace()
{
    using ga::http::equalsIgnoreCase;
    const QByteArray letters = "content-length-x-goog-api-key-transfer-encoding";
    for (qsizetype n = 1; n <= 40; ++n) {
        const QByteArray lowerName = letters.left(n);
        for (qsizetype at = 0; at < n; ++at) {
            const QByteArray where = QByteArray::number(n) + " bytes, at " + QByteArray::number(at);
            QByteArray upper = lowerName;
            upper[at] = char(QChar::toUpper(char16_t(upper[at])));
            QVERIFY2(equalsIgnoreCase(upper, lowerName), where.constData());
            QVERIFY2(equalsIgnoreCase(lowerName.toUpper(), lowerName), where.constData());
            // Bytes one case bit (0x20) apart that are not letters, and bytes from 0x80 up.
            for (const auto &[a, b] : { std::pair { '@', '`' }, { '[', '{' }, { '^', '~' }, { '-', '\r' },
                     { '1', '\x11' }, { '\xc9', '\xe9' }, { '\x80', '\xa0' }, { 'a', 'b' } }) {
                QByteArray x = upper, y = lowerName;
                x[at] = a;
                y[at] = b;
                QVERIFY2(!equalsIgnoreCase(x, y), where.constData());
                y[at] = a;
                QVERIFY2(equalsIgnoreCase(x, y), where.constData()); // the same byte, the rest folded
            }
        }
    }
}

// A header value is checked 16 bytes a step, the last step overlapping: a control character (not a tab) is refused
// at every place of every length, and a tab or a byte from 0x80 up (obs-text) is accepted anywhere.
void TestRequestParser::valueBytesCheckedAtEveryPlace()
{
    for (qsizetype n = 1; n <= 40; ++n) {
        for (qsizetype at = 0; at < n; ++at) {
            const QByteArray where = QByteArray::number(n) + " bytes, at " + QByteArray::number(at);
            for (const char c : { '\x00', '\x01', '\x1f', '\x7f', '\r', '\t', '\x80', '\xff', ' ' }) {
                QByteArray value(n, 'v');
                value[at] = c;
                const QByteArray raw = "GET / HTTP/1.1\r\nHost: h\r\nX-V: " + value + "\r\n\r\n";
                Request r;
                const ParseOutcome o = ga::http::parseRequestHead(raw, Limits(), &r);
                const bool allowed = c == '\t' || c == ' ' || uchar(c) >= 0x80;
                QVERIFY2(o.state == (allowed ? ParseOutcome::Complete : ParseOutcome::Error), where.constData());
                if (allowed) {
                    QCOMPARE(*ga::http::findHeader(r.headers, "x-v"), value.trimmed());
                }
            }
        }
    }
}

void TestRequestParser::headersKeptAsReceived()
{
    const QByteArray raw = "POST /v1beta/files HTTP/1.1\r\n"
                           "host: localhost\r\n"
                           "X-Goog-Upload-Protocol:  resumable \t\r\n"
                           "Accept: a\r\n"
                           "accept: b\r\n"
                           "Content-Length: 3\r\n"
                           "X-Empty:\r\n"
                           "\r\n";
    Request r;
    const ParseOutcome o = ga::http::parseRequestHead(raw, Limits(), &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(r.headers.size(), size_t(6));
    QCOMPARE(r.headers[0].name, QByteArray("host"));
    QCOMPARE(r.headers[1].name, QByteArray("X-Goog-Upload-Protocol"));
    QCOMPARE(r.headers[1].value, QByteArray("resumable"));
    QCOMPARE(r.headers[2].value, QByteArray("a"));
    QCOMPARE(r.headers[3].name, QByteArray("accept"));
    QCOMPARE(r.headers[3].value, QByteArray("b"));
    QCOMPARE(r.headers[5].value, QByteArray());
    QCOMPARE(ga::http::countHeaders(r.headers, "ACCEPT"), qsizetype(2));
    QCOMPARE(*ga::http::findHeader(r.headers, "x-goog-upload-protocol"), QByteArray("resumable"));
    QCOMPARE(r.target, QByteArray("/v1beta/files"));
}

// A name or value this thread parsed recently is shared, not allocated again; one that only looks alike (same
// length, same first and last eight bytes) is never taken for it.
void TestRequestParser::repeatedHeadersShareTheirBytes()
{
    const auto head = [](QByteArrayView middle) {
        return "POST /v1beta/models/m:generateContent HTTP/1.1\r\nHost: localhost\r\nX-Goog-Api-Key: "
            + middle.toByteArray() + "\r\nContent-Length: 2\r\n\r\n";
    };
    const QByteArray first = "0123456789-same-length-AAAAAAAA-76543210";
    const QByteArray alike = "0123456789-same-length-BBBBBBBB-76543210";
    Request earlier, a, b, c;
    // Met a second time a name or value is made permanent (repeatedHeadersBecomePermanent); from then on it is shared.
    QCOMPARE(ga::http::parseRequestHead(head(first), Limits(), &earlier).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseRequestHead(head(first), Limits(), &a).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseRequestHead(head(first), Limits(), &b).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseRequestHead(head(alike), Limits(), &c).state, ParseOutcome::Complete);
    QCOMPARE(a.headers.size(), size_t(3));
    for (size_t i = 0; i < a.headers.size(); ++i) {
        QCOMPARE(b.headers[i].name, a.headers[i].name);
        QCOMPARE(b.headers[i].value, a.headers[i].value);
        QVERIFY(sameBytes(b.headers[i].name, a.headers[i].name)); // the same bytes, shared
        QVERIFY(sameBytes(b.headers[i].value, a.headers[i].value));
    }
    QCOMPARE(a.headers[1].value, first);
    QCOMPARE(c.headers[1].value, alike);
    // Values of every short size that differ in one byte only, wherever it is, are told apart.
    for (int size = 1; size <= 40; ++size) {
        for (int at = 0; at < size; ++at) {
            const QByteArray same(size, 'a');
            QByteArray other = same;
            other[at] = 'b';
            Request x, y;
            QCOMPARE(ga::http::parseRequestHead(head(same), Limits(), &x).state, ParseOutcome::Complete);
            QCOMPARE(ga::http::parseRequestHead(head(other), Limits(), &y).state, ParseOutcome::Complete);
            QCOMPARE(x.headers[1].value, same);
            QCOMPARE(y.headers[1].value, other);
        }
    }
    // A value that meets another in the same place of the thread's table is kept beside it: after any of 1,000
    // other values, one seen before is still shared (with one place a value, about four of them pushed it out).
    {
        const auto only
            = [](QByteArrayView value) { return "GET / HTTP/1.0\r\nX-V: " + value.toByteArray() + "\r\n\r\n"; };
        const QByteArray kept = "a value that stays: 0123456789";
        Request seen, before;
        QCOMPARE(ga::http::parseRequestHead(only(kept), Limits(), &seen).state, ParseOutcome::Complete);
        QCOMPARE(ga::http::parseRequestHead(only(kept), Limits(), &before).state, ParseOutcome::Complete);
        int pushedOut = 0;
        for (int i = 0; i < 1000; ++i) {
            Request other, again;
            QCOMPARE(ga::http::parseRequestHead(only("another value " + QByteArray::number(i)), Limits(), &other).state,
                ParseOutcome::Complete);
            QCOMPARE(ga::http::parseRequestHead(only(kept), Limits(), &again).state, ParseOutcome::Complete);
            if (again.headers[0].value.constData() != before.headers[0].value.constData()) {
                ++pushedOut;
                before = again;
            }
        }
        QCOMPARE(pushedOut, 0);
    }
    // A shared value changed through one request leaves the others as they were.
    b.headers[1].value[0] = 'x';
    QCOMPARE(a.headers[1].value, first);
    // Bytes seen as a value (a field value, not a token) are still refused as a name.
    Request d, e;
    QCOMPARE(ga::http::parseRequestHead("GET / HTTP/1.1\r\nHost: h\r\nX-A: bad name\r\n\r\n", Limits(), &d).state,
        ParseOutcome::Complete);
    const ParseOutcome refused
        = ga::http::parseRequestHead("GET / HTTP/1.1\r\nHost: h\r\nbad name: v\r\n\r\n", Limits(), &e);
    QCOMPARE(refused.state, ParseOutcome::Error);
    QCOMPARE(refused.status, 400);
}

// Bytes a QByteArray holds without a reference count (QByteArray::fromRawData): copying one touches no shared memory.
bool permanent(const QByteArray &a)
{
    return ga::text::isPermanent(a);
}

// A name or value met again is made permanent (no reference count to copy it with), except a value of a header that
// may carry a credential and anything that is no header (the target); the permanent bytes are bounded.
void TestRequestParser::repeatedHeadersBecomePermanent()
{
    const QByteArray raw = "POST /v1beta/models/m:generateContent?key=test-only-value HTTP/1.1\r\nHost: localhost\r\n"
                           "Content-Type: application/json\r\nX-Goog-Api-Key: key-value-0123456789\r\n"
                           "Authorization: Bearer token-value\r\nX-Custom-Token: t1\r\nx-session-id: s1\r\n"
                           "Cookie: c=1\r\nX-Plain: plain value\r\nX-Creds: c2\r\nX-Forwarded-For: bearer xyz\r\n"
                           "X-Other: eyJhbGciOiJIUzI1NiJ9.e30.sig\r\nContent-Length: 2\r\n\r\n";
    Request first, second, third;
    QCOMPARE(ga::http::parseRequestHead(raw, Limits(), &first).state, ParseOutcome::Complete);
    QVERIFY(!permanent(first.headers[1].value)); // met once: an ordinary shared copy
    QCOMPARE(ga::http::parseRequestHead(raw, Limits(), &second).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseRequestHead(raw, Limits(), &third).state, ParseOutcome::Complete);
    QCOMPARE(third.headers.size(), size_t(12));
    // By name, and by the value's shape whatever the name (a scheme and its credentials, a JWT).
    const QSet<QByteArray> credentials { "X-Goog-Api-Key", "Authorization", "X-Custom-Token", "x-session-id", "Cookie",
        "X-Creds", "X-Forwarded-For", "X-Other" };
    for (const ga::http::Header &h : third.headers) {
        QVERIFY2(permanent(h.name), h.name.constData());
        QCOMPARE(permanent(h.value), !credentials.contains(h.name));
        // Terminated all the same: a value may be handed to an API that reads up to the NUL.
        QCOMPARE(qstrlen(h.value.constData()), size_t(h.value.size()));
        QCOMPARE(qstrlen(h.name.constData()), size_t(h.name.size()));
    }
    QCOMPARE(third.headers[1].value, QByteArray("application/json"));
    QVERIFY(!permanent(third.target));
    QVERIFY(!permanent(third.path));
    // A permanent value changed through one request is copied first: the others keep theirs.
    Request fourth;
    QCOMPARE(ga::http::parseRequestHead(raw, Limits(), &fourth).state, ParseOutcome::Complete);
    fourth.headers[1].value[0] = 'X';
    QCOMPARE(third.headers[1].value, QByteArray("application/json"));
    QCOMPARE(fourth.headers[1].value, QByteArray("Xpplication/json"));
    // Distinct values met twice each fill the clients' share of the permanent store once: after that they are shared
    // copies, and the configuration's names still find room.
    int made = 0;
    bool lastPermanent = true;
    const int values = int(2 * ga::text::kClientBytes / 121);
    for (int i = 0; i < values; ++i) {
        const QByteArray value = QByteArray::number(i).rightJustified(120, 'v');
        const QByteArray head = "GET / HTTP/1.0\r\nX-V: " + value + "\r\n\r\n";
        Request once, twice;
        QCOMPARE(ga::http::parseRequestHead(head, Limits(), &once).state, ParseOutcome::Complete);
        QCOMPARE(ga::http::parseRequestHead(head, Limits(), &twice).state, ParseOutcome::Complete);
        QCOMPARE(twice.headers[0].value, value);
        lastPermanent = permanent(twice.headers[0].value);
        made += lastPermanent ? 1 : 0;
    }
    QVERIFY2(made > values / 4 && made <= ga::text::kClientBytes / 121, QByteArray::number(made).constData());
    QVERIFY(!lastPermanent);
    QVERIFY(ga::text::isPermanent(ga::text::intern(QStringLiteral("k-after-the-headers"))));
}

// A connection parses each head into the same object: nothing of the one before stays, the header list keeps its
// storage, and the method, target, path, query and reason phrase repeat without a copy of their bytes.
void TestRequestParser::oneObjectTakesHeadAfterHead()
{
    QByteArray chunked = "POST /v1beta/models/m:streamGenerateContent?alt=sse HTTP/1.1\r\nHost: h\r\n"
                         "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n";
    for (int i = 0; i < 20; ++i) {
        chunked += "X-" + QByteArray::number(i) + ": v\r\n";
    }
    chunked += "\r\n";
    const QByteArray plain = "GET /v1beta/models HTTP/1.0\r\nHost: h\r\n\r\n";
    Request r, earlier;
    QCOMPARE(ga::http::parseRequestHead(chunked, Limits(), &earlier).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseRequestHead(chunked, Limits(), &r).state, ParseOutcome::Complete);
    QCOMPARE(r.headers.size(), size_t(23));
    const size_t capacity = r.headers.capacity(); // more than a fresh list reserves (16)
    QCOMPARE(r.target, QByteArray("/v1beta/models/m:streamGenerateContent?alt=sse"));
    QCOMPARE(r.path, QByteArray("/v1beta/models/m:streamGenerateContent"));
    QCOMPARE(r.query, QByteArray("alt=sse"));
    QVERIFY(sameBytes(r.target, earlier.target));
    QVERIFY(sameBytes(r.path, earlier.path));
    QVERIFY(sameBytes(r.query, earlier.query));
    QVERIFY(sameBytes(r.method, earlier.method));
    QCOMPARE(int(r.bodyKind), int(ga::http::BodyKind::Chunked));
    QVERIFY(r.expectContinue);

    r.body = "left from the last request";
    QCOMPARE(ga::http::parseRequestHead(plain, Limits(), &r).state, ParseOutcome::Complete);
    QCOMPARE(r.headers.capacity(), capacity);
    QCOMPARE(r.headers.size(), size_t(1));
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.target, QByteArray("/v1beta/models"));
    QCOMPARE(r.path, QByteArray("/v1beta/models"));
    QVERIFY(r.query.isEmpty());
    QCOMPARE(int(r.bodyKind), int(ga::http::BodyKind::None));
    QVERIFY(!r.expectContinue);
    QVERIFY(!r.keepAlive); // HTTP/1.0 without keep-alive
    QCOMPARE(r.versionMinor, 0);
    QVERIFY(r.body.isEmpty());
    // A changed method or target leaves the other requests' as they were.
    r.method[0] = 'X';
    QCOMPARE(earlier.method, QByteArray("POST"));

    Response a, b;
    QByteArray ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
    for (int i = 0; i < 20; ++i) {
        ok += "X-" + QByteArray::number(i) + ": v\r\n";
    }
    ok += "\r\n";
    QCOMPARE(ga::http::parseResponseHead(ok, false, Limits::kDefaultMaxHeaderBytes, &a).state, ParseOutcome::Complete);
    QCOMPARE(ga::http::parseResponseHead(ok, false, Limits::kDefaultMaxHeaderBytes, &b).state, ParseOutcome::Complete);
    QCOMPARE(b.reason, QByteArray("OK"));
    QVERIFY(sameBytes(b.reason, a.reason));
    const size_t kept = b.headers.capacity();
    QVERIFY(kept > 16);
    // A reason phrase that is no field value is still taken as it came (a control character in it).
    const QByteArray odd = "HTTP/1.1 404 Not\x01Found\r\n\r\n";
    QCOMPARE(ga::http::parseResponseHead(odd, false, Limits::kDefaultMaxHeaderBytes, &b).state, ParseOutcome::Complete);
    QCOMPARE(b.reason, QByteArray("Not\x01Found"));
    QCOMPARE(b.status, 404);
    QVERIFY(b.headers.empty());
    QCOMPARE(b.headers.capacity(), kept);
    QCOMPARE(b.contentLength, qint64(-1));
}

// Every proper prefix of a valid head is Incomplete (never an error), and only the last byte completes it.
void TestRequestParser::byteAtATime_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<qint64>("headSize");
    QTest::addColumn<int>("maxRequestLine");
    QTest::addColumn<int>("maxHeaderBytes");

    auto row = [](const char *name, const QByteArray &raw, qsizetype headSize, int maxLine, int maxHead) {
        QTest::newRow(name) << raw << qint64(headSize < 0 ? raw.size() : headSize) << maxLine << maxHead;
    };
    const int line = Limits::kDefaultMaxRequestLineBytes;
    const int head = Limits::kDefaultMaxHeaderBytes;
    const QByteArray postHead = "\r\nPOST /v1beta/models/m:generateContent?alt=sse HTTP/1.1\r\n" + kHost
        + "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n";
    row("POST with leading CRLF", postHead, -1, line, head);
    row("POST followed by body", postHead + "{}", postHead.size(), line, head);
    row("chunked", post("Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", post("Transfer-Encoding: chunked\r\n").size(),
        line, head);
    row("HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", -1, line, head);
    // Boundaries with small limits, so every prefix is cheap to parse.
    const QByteArray exactLine = requestLineOf(64) + "\r\n" + kHost + "\r\n";
    row("request line exactly at limit", exactLine, -1, 64, 4096);
    const QByteArray padStart = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
    const QByteArray exactHead = padStart + QByteArray(256 - padStart.size() - 4, 'p') + "\r\n\r\n";
    row("head exactly at limit", exactHead, -1, 4096, 256);
    row("head exactly at limit, pipelined", exactHead + get("/next"), exactHead.size(), 4096, 256);
}

void TestRequestParser::byteAtATime()
{
    QFETCH(QByteArray, raw);
    QFETCH(qint64, headSize);
    QFETCH(int, maxRequestLine);
    QFETCH(int, maxHeaderBytes);
    Limits limits;
    limits.maxRequestLineBytes = maxRequestLine;
    limits.maxHeaderBytes = maxHeaderBytes;

    Request whole;
    const ParseOutcome all = ga::http::parseRequestHead(raw, limits, &whole);
    QCOMPARE(all.state, ParseOutcome::Complete);
    QCOMPARE(qint64(all.consumed), headSize);

    for (qsizetype n = 0; n < headSize; ++n) {
        Request r;
        const ParseOutcome o = ga::http::parseRequestHead(QByteArrayView(raw).first(n), limits, &r);
        if (o.state != ParseOutcome::Incomplete) {
            QFAIL(qPrintable(QStringLiteral("prefix of %1 bytes gave state %2, status %3 (%4)")
                                 .arg(n)
                                 .arg(int(o.state))
                                 .arg(o.status)
                                 .arg(QString::fromLatin1(o.reason))));
        }
    }
    for (qsizetype n = headSize; n <= raw.size(); ++n) {
        Request r;
        const ParseOutcome o = ga::http::parseRequestHead(QByteArrayView(raw).first(n), limits, &r);
        QCOMPARE(o.state, ParseOutcome::Complete);
        QCOMPARE(qint64(o.consumed), headSize);
        QCOMPARE(r.method, whole.method);
        QCOMPARE(r.target, whole.target);
        QCOMPARE(r.headers.size(), whole.headers.size());
    }
}

void TestRequestParser::pipelining()
{
    const QByteArray first = post("Content-Length: 5\r\n");
    const QByteArray second = "GET /v1beta/models?pageSize=1 HTTP/1.1\r\n" + kHost + "Connection: close\r\n\r\n";
    const QByteArray third = "HEAD / HTTP/1.1\r\n" + kHost;
    const QByteArray buffer = first + "hello" + second + third;

    Request r;
    ParseOutcome o = ga::http::parseRequestHead(buffer, Limits(), &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(o.consumed, first.size());
    QCOMPARE(r.method, QByteArray("POST"));
    QCOMPARE(r.contentLength, qint64(5));
    QCOMPARE(buffer.mid(o.consumed, r.contentLength), QByteArray("hello"));

    const QByteArrayView rest = QByteArrayView(buffer).sliced(o.consumed + r.contentLength);
    o = ga::http::parseRequestHead(rest, Limits(), &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(o.consumed, second.size());
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.query, QByteArray("pageSize=1"));
    QVERIFY(!r.keepAlive);

    o = ga::http::parseRequestHead(rest.sliced(o.consumed), Limits(), &r);
    QCOMPARE(o.state, ParseOutcome::Incomplete);
}

void TestRequestParser::customLimits()
{
    Limits limits;
    limits.maxHeaderCount = 3;
    limits.maxBodyBytes = 100;
    limits.maxRequestLineBytes = 32;
    limits.maxHeaderBytes = 128;
    Request r;

    QCOMPARE(ga::http::parseRequestHead(get("/", "A: 1\r\nB: 2\r\n"), limits, &r).state, ParseOutcome::Complete);
    ParseOutcome o = ga::http::parseRequestHead(get("/", "A: 1\r\nB: 2\r\nC: 3\r\n"), limits, &r);
    QCOMPARE(o.state, ParseOutcome::Error);
    QCOMPARE(o.status, 431);
    // HTTP/1.0 in absolute-form without Host: the Host made from the authority counts too (found by the fuzzer).
    o = ga::http::parseRequestHead("GET http://h/ HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits, &r);
    QCOMPARE(o.status, 431);
    o = ga::http::parseRequestHead("GET http://h/ HTTP/1.0\r\nA: 1\r\nB: 2\r\n\r\n", limits, &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(r.headers.size(), size_t(3));

    o = ga::http::parseRequestHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", limits, &r);
    QCOMPARE(o.status, 413);
    o = ga::http::parseRequestHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", limits, &r);
    QCOMPARE(o.state, ParseOutcome::Complete);

    o = ga::http::parseRequestHead(requestLineOf(33) + "\r\n", limits, &r);
    QCOMPARE(o.status, 414);
    o = ga::http::parseRequestHead(requestLineOf(32) + "\r\nHost: h\r\n\r\n", limits, &r);
    QCOMPARE(o.state, ParseOutcome::Complete);

    o = ga::http::parseRequestHead(get("/", "X: " + QByteArray(100, 'x') + "\r\n"), limits, &r);
    QCOMPARE(o.status, 431);
}

// ---------------------------------------------------------------------------------------------------
// Chunked bodies

void TestRequestParser::chunked_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<qint64>("maxBody");
    QTest::addColumn<bool>("done");
    QTest::addColumn<int>("error");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("consumed"); // -1: all of the input

    const qint64 max = Limits::kDefaultMaxBodyBytes;
    auto ok = [max](const char *name, const QByteArray &in, const QByteArray &body, qint64 consumed = -1) {
        QTest::newRow(name) << in << max << true << 0 << body << (consumed < 0 ? in.size() : consumed);
    };
    auto partial = [max](const char *name, const QByteArray &in, const QByteArray &body, qint64 consumed) {
        QTest::newRow(name) << in << max << false << 0 << body << consumed;
    };
    auto fail = [](const char *name, const QByteArray &in, int status, qint64 maxBody = Limits::kDefaultMaxBodyBytes) {
        QTest::newRow(name) << in << maxBody << false << status << QByteArray() << qint64(0);
    };

    ok("single chunk", "5\r\nhello\r\n0\r\n\r\n", "hello");
    ok("multiple chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world");
    ok("empty body", "0\r\n\r\n", "");
    ok("data containing CRLF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n");
    ok("chunk extensions", "5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello");
    ok("extension after whitespace", "5 ;a=b\r\nhello\r\n0\t;x\r\n\r\n", "hello");
    ok("quoted extension", "5;a=\"x y;z\"\r\nhello\r\n0\r\n\r\n", "hello");
    ok("uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789");
    ok("lowercase hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789");
    ok("mixed-case hex", "1f\r\n" + QByteArray(31, 'x') + "\r\n1F\r\n" + QByteArray(31, 'y') + "\r\n0\r\n\r\n",
        QByteArray(31, 'x') + QByteArray(31, 'y'));
    ok("leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello");
    ok("15 hex digits", "000000000000005\r\nhello\r\n0\r\n\r\n", "hello");
    ok("trailers", "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other:\tdef \r\n\r\n", "hello");
    ok("followed by next request", "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "abc", 13);
    QTest::newRow("body exactly at limit") << QByteArray("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n") << qint64(10) << true
                                           << 0 << QByteArray("helloworld") << qint64(25);

    partial("empty input", "", "", 0);
    partial("size without CRLF", "5", "", 0);
    partial("size with CR", "5\r", "", 0);
    partial("inside data", "5\r\nhel", "hel", 6);
    partial("data without CRLF", "5\r\nhello", "hello", 8);
    partial("data with CR only", "5\r\nhello\r", "hello", 8);
    partial("last chunk without trailer end", "5\r\nhello\r\n0\r\n", "hello", 13);
    partial("inside a trailer", "0\r\nX-A: b", "", 3);

    fail("bad hex", "G\r\nabc\r\n0\r\n\r\n", 400);
    fail("empty size line", "\r\nabc\r\n", 400);
    fail("negative size", "-1\r\n", 400);
    fail("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400);
    fail("junk after size", "5x\r\nhello\r\n", 400);
    fail("leading space", " 5\r\nhello\r\n", 400);
    fail("missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", 400);
    fail("LF only after data", "5\r\nhello\n0\r\n\r\n", 400);
    fail("CR without LF after data", "5\r\nhello\rX", 400);
    fail("bare LF after size", "5\nhello\r\n0\r\n\r\n", 400);
    fail("bare LF in trailer", "0\r\nX-A: b\n\r\n", 400);
    fail("bare LF ends trailers", "0\r\n\n", 400);
    fail("trailer without colon", "0\r\nnocolon\r\n\r\n", 400);
    fail("trailer with empty name", "0\r\n: v\r\n\r\n", 400);
    fail("folded trailer", "0\r\nX-A: b\r\n c\r\n\r\n", 400);
    fail("NUL in trailer", QByteArray("0\r\nX-A: \0\r\n\r\n", 13), 400);
    fail("control char in extension", "5;\x01\r\nhello\r\n0\r\n\r\n", 400);
    fail("chunk over body limit", "B\r\nhello world\r\n0\r\n\r\n", 413, 10);
    fail("sum over body limit", "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 413, 10);
    fail("15 F's over default limit", "FFFFFFFFFFFFFFF\r\n", 413);
    fail("16 hex digits", "0000000000000001\r\nx\r\n0\r\n\r\n", 400);
    fail("16 F's", "FFFFFFFFFFFFFFFF\r\n", 400);
    fail("17 hex digits", "10000000000000000\r\n", 400);
    fail("size line too long", "1;" + QByteArray(Limits::kMaxChunkLineBytes + 10, 'e') + "\r\nx\r\n0\r\n\r\n", 400);
    fail("size line too long, incomplete", "1;" + QByteArray(Limits::kMaxChunkLineBytes + 10, 'e'), 400);
    fail("trailer too large", "0\r\nX-Big: " + QByteArray(Limits::kMaxTrailerBytes + 1, 't') + "\r\n\r\n", 431);
    fail("trailer too large, incomplete", "0\r\nX-Big: " + QByteArray(Limits::kMaxTrailerBytes + 1, 't'), 431);
    {
        QByteArray many = "0\r\n";
        for (int i = 0; i < 2000; ++i) {
            many += "X-T: 123\r\n"; // 10 bytes each, 20000 in all
        }
        fail("many trailers too large", many + "\r\n", 431);
    }
}

void TestRequestParser::chunked()
{
    QFETCH(QByteArray, input);
    QFETCH(qint64, maxBody);
    QFETCH(bool, done);
    QFETCH(int, error);
    QFETCH(QByteArray, body);
    QFETCH(qint64, consumed);

    // All at once, one byte at a time and in uneven pieces: the same result every time.
    // Both ways: appended (feed()) and as views (decode()).
    for (const bool views : { false, true }) {
        for (qsizetype piece : { qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(7), qsizetype(1000) }) {
            const Decoded d = decode(input, maxBody, piece, views);
            const QByteArray where
                = (views ? "decode(), piece size " : "feed(), piece size ") + QByteArray::number(piece);
            QVERIFY2(d.error == error, (where + ": error " + QByteArray::number(d.error)).constData());
            if (error != 0) {
                continue;
            }
            QVERIFY2(d.done == done, where.constData());
            QVERIFY2(d.body == body, (where + ": body " + d.body.left(80)).constData());
            QVERIFY2(d.consumed == consumed, (where + ": consumed " + QByteArray::number(d.consumed)).constData());
        }
    }
}

void TestRequestParser::chunkedReset()
{
    ChunkedDecoder decoder(16);
    QByteArray out;
    ChunkedDecoder::Step s = decoder.feed("A\r\n0123456789\r\n", &out);
    QCOMPARE(s.errorStatus, 0);
    QCOMPARE(decoder.bodyBytes(), qint64(10));
    s = decoder.feed("7\r\n", &out);
    QCOMPARE(s.errorStatus, 413);

    decoder.reset();
    out.clear();
    s = decoder.feed("7\r\n1234567\r\n0\r\n\r\n", &out);
    QCOMPARE(s.errorStatus, 0);
    QVERIFY(s.done);
    QCOMPARE(out, QByteArray("1234567"));
    QCOMPARE(decoder.bodyBytes(), qint64(7));

    // Once done, further bytes (the next request) are left alone.
    s = decoder.feed("GET / HTTP/1.1\r\n", &out);
    QCOMPARE(s.consumed, qsizetype(0));
    QVERIFY(s.done);
    QCOMPARE(out, QByteArray("1234567"));
}

void TestRequestParser::chunkedAfterHead()
{
    const QByteArray head = post("Transfer-Encoding: chunked\r\n");
    const QByteArray wire = head + "7\r\n{\"a\":1}\r\n0\r\n\r\n";
    Request r;
    const ParseOutcome o = ga::http::parseRequestHead(wire, Limits(), &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(r.bodyKind, BodyKind::Chunked);
    const Decoded d = decode(wire.sliced(o.consumed), Limits::kDefaultMaxBodyBytes, 3);
    QVERIFY(d.done);
    QCOMPARE(d.error, 0);
    QCOMPARE(d.body, QByteArray("{\"a\":1}"));
    QCOMPARE(qint64(o.consumed) + d.consumed, qint64(wire.size()));
}

// ---------------------------------------------------------------------------------------------------
// Upstream response heads

void TestRequestParser::responseHead_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("requestWasHead");
    QTest::addColumn<int>("state");
    QTest::addColumn<int>("status"); // the response's status, or 502 for Error
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<int>("bodyKind");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("hasBody");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<int>("versionMinor");
    QTest::addColumn<qint64>("consumed"); // -1: all

    struct R
    {
        int status = 200;
        QByteArray reason = "OK";
        BodyKind body = BodyKind::None;
        qint64 length = -1;
        bool hasBody = true;
        bool keepAlive = true;
        int minor = 1;
        qint64 consumed = -1;
        bool head = false;
    };
    auto ok = [](const char *name, const QByteArray &raw, const R &e) {
        QTest::newRow(name) << raw << e.head << kComplete << e.status << e.reason << int(e.body) << e.length
                            << e.hasBody << e.keepAlive << e.minor << (e.consumed < 0 ? raw.size() : e.consumed);
    };
    auto fail = [](const char *name, const QByteArray &raw) {
        QTest::newRow(name) << raw << false << kError << 502 << QByteArray() << 0 << qint64(0) << false << false << 0
                            << qint64(0);
    };
    auto partial = [](const char *name, const QByteArray &raw) {
        QTest::newRow(name) << raw << false << kIncomplete << 0 << QByteArray() << 0 << qint64(0) << false << false << 0
                            << qint64(0);
    };

    const QByteArray okHead
        = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: 2\r\n\r\n";
    ok("200 with Content-Length", okHead + "{}", { .body = BodyKind::Length, .length = 2, .consumed = okHead.size() });
    ok("200 Content-Length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        { .body = BodyKind::Length, .length = 0 });
    ok("200 chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", { .body = BodyKind::Chunked });
    ok("chunked wins over Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n",
        { .body = BodyKind::Chunked });
    ok("close-delimited", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n", { .keepAlive = false });
    ok("unknown coding is close-delimited", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        { .keepAlive = false });
    ok("204 has no body", "HTTP/1.1 204 No Content\r\n\r\n",
        { .status = 204, .reason = "No Content", .length = 0, .hasBody = false });
    ok("304 ignores Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
        { .status = 304, .reason = "Not Modified", .length = 0, .hasBody = false });
    ok("HEAD response has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
        { .length = 0, .hasBody = false, .head = true });
    ok("HEAD response, chunked header", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        { .length = 0, .hasBody = false, .head = true });
    {
        const QByteArray cont = "HTTP/1.1 100 Continue\r\n\r\n";
        ok("100 Continue", cont + okHead + "{}",
            { .status = 100, .reason = "Continue", .length = 0, .hasBody = false, .consumed = cont.size() });
    }
    ok("HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n",
        { .body = BodyKind::Length, .length = 2, .keepAlive = false, .minor = 0 });
    ok("HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n",
        { .body = BodyKind::Length, .length = 2, .minor = 0 });
    ok("HTTP/1.1 Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n",
        { .body = BodyKind::Length, .length = 2, .keepAlive = false });
    ok("empty reason", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n",
        { .reason = "", .body = BodyKind::Length, .length = 1 });
    ok("empty reason after space", "HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n",
        { .reason = "", .body = BodyKind::Length, .length = 1 });
    ok("reason with spaces", "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 3\r\n\r\n",
        { .status = 429, .reason = "Too Many Requests", .body = BodyKind::Length, .length = 3 });
    ok("503", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\n",
        { .status = 503, .reason = "Service Unavailable", .body = BodyKind::Length, .length = 10 });

    fail("status code too short", "HTTP/1.1 20 OK\r\n\r\n");
    fail("status code too long", "HTTP/1.1 2000 OK\r\n\r\n");
    fail("letters in status code", "HTTP/1.1 2x0 OK\r\n\r\n");
    fail("HTTP/2", "HTTP/2 200 OK\r\n\r\n");
    fail("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n");
    fail("double space", "HTTP/1.1  200 OK\r\n\r\n");
    fail("not HTTP", "ICY 200 OK\r\n\r\n");
    fail("empty status line", "\r\n\r\n");
    fail("bare LF status line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n");
    fail("bare LF in headers", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n");
    fail("obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n");
    fail("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n");
    fail("invalid Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n");
    fail("negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    fail("duplicate Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n");
    fail("head too large", "HTTP/1.1 200 OK\r\nX-Pad: " + QByteArray(70000, 'p') + "\r\n\r\n");
    fail("status line too long, incomplete", "HTTP/1.1 200 " + QByteArray(70000, 'r'));
    partial("empty", "");
    partial("partial status line", "HTT");
    partial("headers not finished", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n");
}

void TestRequestParser::responseHead()
{
    QFETCH(QByteArray, raw);
    QFETCH(bool, requestWasHead);
    QFETCH(int, state);
    QFETCH(int, status);

    Response r;
    const ParseOutcome o = ga::http::parseResponseHead(raw, requestWasHead, Limits::kDefaultMaxHeaderBytes, &r);
    QCOMPARE(int(o.state), state);
    if (state == kError) {
        QCOMPARE(o.status, status);
        QVERIFY(std::strlen(o.reason) > 0);
        return;
    }
    if (state == kIncomplete) {
        return;
    }
    QFETCH(QByteArray, reason);
    QFETCH(int, bodyKind);
    QFETCH(qint64, contentLength);
    QFETCH(bool, hasBody);
    QFETCH(bool, keepAlive);
    QFETCH(int, versionMinor);
    QFETCH(qint64, consumed);
    QCOMPARE(r.status, status);
    QCOMPARE(r.reason, reason);
    QCOMPARE(int(r.bodyKind), bodyKind);
    QCOMPARE(r.contentLength, contentLength);
    QCOMPARE(r.hasBody, hasBody);
    QCOMPARE(r.keepAlive, keepAlive);
    QCOMPARE(r.versionMinor, versionMinor);
    QCOMPARE(qint64(o.consumed), consumed);
}

// errorResponse() produces something our own response parser reads back exactly.
void TestRequestParser::errorResponseRoundTrip_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("close");
    for (int status : { 400, 411, 413, 414, 417, 431, 501, 505 }) {
        QTest::addRow("%d keep-alive", status) << status << false;
        QTest::addRow("%d close", status) << status << true;
    }
}

void TestRequestParser::errorResponseRoundTrip()
{
    QFETCH(int, status);
    QFETCH(bool, close);
    const QByteArray wire = ga::http::errorResponse(status, QStringLiteral("Something \"went\" wrong."), close);
    Response r;
    const ParseOutcome o = ga::http::parseResponseHead(wire, false, Limits::kDefaultMaxHeaderBytes, &r);
    QCOMPARE(o.state, ParseOutcome::Complete);
    QCOMPARE(r.status, status);
    QCOMPARE(r.reason, QByteArray(ga::http::reasonPhrase(status)));
    QCOMPARE(r.bodyKind, BodyKind::Length);
    QCOMPARE(r.contentLength, qint64(wire.size() - o.consumed));
    QCOMPARE(r.keepAlive, !close);
    const QJsonDocument doc = QJsonDocument::fromJson(wire.sliced(o.consumed));
    QCOMPARE(doc.object().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toInt(), status);
}

// ---------------------------------------------------------------------------------------------------
// Forwarding helpers

void TestRequestParser::stripKeyParameter_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("only key") << QByteArray("key=abc") << QByteArray();
    QTest::newRow("key first") << QByteArray("key=abc&alt=sse") << QByteArray("alt=sse");
    QTest::newRow("key middle") << QByteArray("a=1&key=abc&b=2") << QByteArray("a=1&b=2");
    QTest::newRow("key last") << QByteArray("alt=sse&key=abc") << QByteArray("alt=sse");
    QTest::newRow("key twice") << QByteArray("key=a&x=1&key=b") << QByteArray("x=1");
    QTest::newRow("key without value") << QByteArray("key&x=1") << QByteArray("x=1");
    QTest::newRow("key with empty value") << QByteArray("x=1&key=") << QByteArray("x=1");
    QTest::newRow("$key and apikey untouched") << QByteArray("$key=x&apikey=y&key=z") << QByteArray("$key=x&apikey=y");
    QTest::newRow("look-alike names untouched")
        << QByteArray("keys=1&akey=2&key_=3&key%3D=4") << QByteArray("keys=1&akey=2&key_=3&key%3D=4");
    QTest::newRow("empty items dropped") << QByteArray("&a=1&&b=2&") << QByteArray("a=1&b=2");
    QTest::newRow("only ampersands") << QByteArray("&&&") << QByteArray();
    QTest::newRow("order kept") << QByteArray("c=3&b=2&key=k&a=1") << QByteArray("c=3&b=2&a=1");
    QTest::newRow("encoding kept") << QByteArray("q=a%20b+c&key=k&r=x%26y") << QByteArray("q=a%20b+c&r=x%26y");
    QTest::newRow("value containing key=") << QByteArray("x=key=1&key=2") << QByteArray("x=key=1");
    const QByteArray realistic = "alt=sse&key=" + ga::test::fakeKey(1).toLatin1();
    QTest::newRow("key-shaped value") << realistic << QByteArray("alt=sse");
    // The server decodes parameter names: an encoded credential is still a credential.
    QTest::newRow("k%65y") << QByteArray("k%65y=abc&alt=sse") << QByteArray("alt=sse");
    QTest::newRow("%6B%65%79") << QByteArray("x=1&%6B%65%79=abc") << QByteArray("x=1");
    QTest::newRow("%6b%65%79 lower-case hex") << QByteArray("%6b%65%79=abc") << QByteArray();
    QTest::newRow("access_token") << QByteArray("access_token=t&x=1") << QByteArray("x=1");
    QTest::newRow("access%5Ftoken") << QByteArray("access%5Ftoken=t&x=1") << QByteArray("x=1");
    QTest::newRow("upload_id kept") << QByteArray("upload_id=AB-c_1&upload_protocol=resumable&key=k")
                                    << QByteArray("upload_id=AB-c_1&upload_protocol=resumable");
    QTest::newRow("case differs: not the key") << QByteArray("KEY=1&Key=2") << QByteArray("KEY=1&Key=2");
}

void TestRequestParser::clientCredential_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("none") << QByteArray("alt=sse") << QByteArray();
    QTest::newRow("key") << QByteArray("alt=sse&key=tok") << QByteArray("tok");
    QTest::newRow("k%65y") << QByteArray("k%65y=tok") << QByteArray("tok");
    QTest::newRow("%6B%65%79, encoded value") << QByteArray("%6B%65%79=t%2Bk") << QByteArray("t+k");
    QTest::newRow("access_token is not the key") << QByteArray("access_token=tok") << QByteArray();
    QTest::newRow("empty name") << QByteArray("=tok") << QByteArray();
}

void TestRequestParser::clientCredential()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, expected);
    QCOMPARE(ga::proxy::clientCredential({}, query), expected);
}

void TestRequestParser::stripKeyParameter()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, expected);
    QCOMPARE(ga::proxy::stripKeyParameter(query), expected);
}

void TestRequestParser::upstreamRequestHeaders()
{
    const QByteArray key = ga::test::fakeKey(7).toLatin1();
    const HeaderList in = parseHeaderDump("Host: localhost:3145\r\n"
                                          "User-Agent: google-genai-sdk/1.2.0 gl-python/3.12\r\n"
                                          "x-goog-api-client: google-genai-sdk/1.2.0\r\n"
                                          "Content-Type: application/json\r\n"
                                          "Content-Length: 10\r\n"
                                          "Expect: 100-continue\r\n"
                                          "x-goog-api-key: "
        + key
        + "\r\n"
          "Authorization: Bearer "
        + key
        + "\r\n"
          "Connection: keep-alive, X-Custom-Hop\r\n"
          "Keep-Alive: timeout=5\r\n"
          "X-Custom-Hop: 1\r\n"
          "Transfer-Encoding: chunked\r\n"
          "TE: trailers\r\n"
          "Trailer: X-Checksum\r\n"
          "Upgrade: h2c\r\n"
          "Proxy-Connection: keep-alive\r\n"
          "Proxy-Authorization: Basic YTpi\r\n"
          "PROXY-AUTHENTICATE: Basic realm=x\r\n"
          "Accept: text/event-stream\r\n"
          "X-Goog-Upload-Protocol: resumable\r\n"
          "accept: application/json\r\n"
          "HOST: again\r\n"
          "X-GOOG-API-KEY: again\r\n");
    QCOMPARE(in.size(), size_t(23));

    const HeaderList out = ga::proxy::upstreamRequestHeaders(in);
    QCOMPARE(headerDump(out),
        QByteArray("User-Agent: google-genai-sdk/1.2.0 gl-python/3.12\r\n"
                   "x-goog-api-client: google-genai-sdk/1.2.0\r\n"
                   "Content-Type: application/json\r\n"
                   "Accept: text/event-stream\r\n"
                   "X-Goog-Upload-Protocol: resumable\r\n"
                   "accept: application/json\r\n"));
    QVERIFY(!headerDump(out).contains(key));
    QCOMPARE(in.size(), size_t(23)); // the input is not modified

    QVERIFY(ga::proxy::upstreamRequestHeaders({}).empty());
}

void TestRequestParser::clientResponseHeaders()
{
    const HeaderList in = parseHeaderDump("Content-Type: application/json; charset=UTF-8\r\n"
                                          "Vary: Origin\r\n"
                                          "Vary: X-Origin\r\n"
                                          "Vary: Referer\r\n"
                                          "Content-Length: 1234\r\n"
                                          "Transfer-Encoding: chunked\r\n"
                                          "Date: Sun, 23 Nov 2025 17:00:00 GMT\r\n"
                                          "Server: scaffolding on HTTPServer2\r\n"
                                          "Alt-Svc: h3=\":443\"; ma=2592000,h3-29=\":443\"; ma=2592000\r\n"
                                          "Connection: close\r\n"
                                          "X-Goog-Upload-Status: active\r\n"
                                          "x-goog-upload-url: "
                                          "https://generativelanguage.googleapis.com/upload/v1beta/"
                                          "files?upload_id=abc&key=SECRET&upload_protocol=resumable\r\n"
                                          "x-goog-upload-chunk-granularity: 8388608\r\n");
    const HeaderList out = ga::proxy::clientResponseHeaders(in, "http://127.0.0.1:3145");
    QCOMPARE(headerDump(out),
        QByteArray("Content-Type: application/json; charset=UTF-8\r\n"
                   "Vary: Origin\r\n"
                   "Vary: X-Origin\r\n"
                   "Vary: Referer\r\n"
                   "Date: Sun, 23 Nov 2025 17:00:00 GMT\r\n"
                   "Server: scaffolding on HTTPServer2\r\n"
                   "X-Goog-Upload-Status: active\r\n"
                   "x-goog-upload-url: "
                   "http://127.0.0.1:3145/upload/v1beta/files?upload_id=abc&upload_protocol=resumable\r\n"
                   "x-goog-upload-chunk-granularity: 8388608\r\n"));
    QVERIFY(!headerDump(out).contains("SECRET"));
    // Headers the answer's Connection header names are hop-by-hop too, whatever their case or spacing.
    const HeaderList listed = parseHeaderDump("Connection: X-Hop ,keep-alive\r\n"
                                              "x-hop: 1\r\n"
                                              "Keep-Alive: timeout=5\r\n"
                                              "X-Kept: 2\r\n");
    QCOMPARE(
        headerDump(ga::proxy::clientResponseHeaders(listed, "http://127.0.0.1:3145")), QByteArray("X-Kept: 2\r\n"));
}

// writeClientResponseHeaders() keeps this thread's last lines with the fields they came from: whatever changes from
// one answer to the next (a value of the same size elsewhere, a field left out or added, a Connection header naming a
// field, an upload URL for another origin), the lines are those clientResponseHeaders() gives, and again after.
void TestRequestParser::responseLinesFollowEachAnswer()
{
    const QByteArrayView origin = "http://127.0.0.1:3145";
    const auto written = [](const HeaderList &list, QByteArrayView at) {
        QByteArray head;
        {
            ga::http::ByteWriter w(head, 0);
            ga::proxy::writeClientResponseHeaders(w, list, at);
        }
        return head;
    };
    const auto check = [&](const HeaderList &list, QByteArrayView at = "http://127.0.0.1:3145") {
        const QByteArray want = headerDump(ga::proxy::clientResponseHeaders(list, at));
        QCOMPARE(written(list, at), want);
        QCOMPARE(written(list, at), want); // from what was kept
    };
    const HeaderList base = parseHeaderDump("Content-Type: application/json; charset=UTF-8\r\n"
                                            "Vary: Origin\r\n"
                                            "Date: Sun, 23 Nov 2025 17:00:00 GMT\r\n"
                                            "X-Kept: 2\r\n"
                                            "Content-Length: 1234\r\n"
                                            "Server-Timing: gfet4t7; dur=417\r\n"
                                            "Alt-Svc: h3=\":443\"\r\n"
                                            "X-Last: end\r\n");
    check(base);
    for (size_t i = 0; i < base.size(); ++i) {
        HeaderList other = base; // shares every field's storage
        other[i].value = QByteArray(other[i].value.size(), 'v'); // the same size, elsewhere
        check(other);
        check(base);
        HeaderList fewer = base;
        fewer.erase(fewer.begin() + qsizetype(i));
        check(fewer);
        check(base);
        HeaderList more = base;
        more.insert(more.begin() + qsizetype(i), Header { "X-New", "1" });
        check(more);
        check(base);
        HeaderList sameText = base;
        sameText[i].name = QByteArray(sameText[i].name.constData(), sameText[i].name.size());
        check(sameText);
    }
    // A Connection header naming a field whose line was kept: that field is left out now.
    HeaderList listed = base;
    listed.push_back(Header { "Connection", "x-kept" });
    check(base);
    check(listed);
    QVERIFY(!written(listed, origin).contains("X-Kept"));
    check(base);
    // An upload URL is pointed at the origin of each answer's client.
    HeaderList upload = base;
    upload.insert(upload.begin() + 1,
        Header { "x-goog-upload-url",
            "https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=abc&upload_protocol=resumable" });
    check(upload, "http://127.0.0.1:1111");
    check(upload, "http://127.0.0.1:2222");
    QVERIFY(written(upload, "http://127.0.0.1:2222").contains("http://127.0.0.1:2222/upload/"));
    check(base);
}

// A thread keeps the header lines of its last complete request head and of its last answer head with their fields
// (fieldsyntax_p.h, HeadMemo). Whatever the next head is — any byte of the kept head's lines changed to any of a few
// that matter to the syntax, or the head cut short anywhere — it parses exactly as on a thread that kept nothing.
void TestRequestParser::headMemoChangesNothing()
{
    const QByteArray request = "POST /v1beta/models/m:generateContent HTTP/1.1\r\n"
                               "Host: localhost:3145\r\n"
                               "Content-Type: application/json\r\n"
                               "x-goog-api-key: gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                               "User-Agent: google-genai-sdk/1.30.0 gl-node/v22.12.0\r\n"
                               "Content-Length: 2\r\n"
                               "\r\n";
    // A query, and a dot that a change can make a dot segment ("/v1beta/./models"): the request line's checks.
    const QByteArray queried = "GET /v1beta/models/.m?pageSize=5&alt=json HTTP/1.1\r\n"
                               "Host: localhost:3145\r\n"
                               "\r\n";
    // Absolute form: the authority stands for the Host header.
    const QByteArray absolute = "GET http://example.com:80/v1beta/models HTTP/1.1\r\n"
                                "Host: other\r\n"
                                "\r\n";
    const QByteArray answer = "HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/json; charset=UTF-8\r\n"
                              "Vary: Origin\r\n"
                              "Date: Sun, 23 Nov 2025 17:00:00 GMT\r\n"
                              "Server-Timing: gfet4t7; dur=417\r\n"
                              "Content-Length: 2\r\n"
                              "\r\n";
    const auto describe = [](const ParseOutcome &o, const HeaderList &headers, QByteArrayView extra) {
        QByteArray d = QByteArray::number(int(o.state)) + ' ' + QByteArray::number(o.status) + ' ' + o.reason + ' '
            + QByteArray::number(o.consumed) + ' ' + extra.toByteArray() + '\n';
        return d + headerDump(headers);
    };
    const auto parseRequest = [&](const QByteArray &head) {
        Limits limits;
        limits.maxHeaderCount = 5; // the fifth field is the last allowed
        limits.maxHeaderBytes = 230;
        Request r;
        const ParseOutcome o = ga::http::parseRequestHead(head, limits, &r);
        return describe(o, r.headers,
            r.method + ' ' + r.target + ' ' + r.path + ' ' + (r.query.isNull() ? "(none)" : r.query) + ' '
                + QByteArray::number(r.versionMinor) + ' ' + QByteArray::number(int(r.bodyKind)) + ' '
                + QByteArray::number(r.contentLength) + ' ' + QByteArray::number(r.keepAlive) + ' '
                + QByteArray::number(r.expectContinue));
    };
    const auto parseAnswer = [&](const QByteArray &head) {
        Response r;
        const ParseOutcome o = ga::http::parseResponseHead(head, false, 4096, &r);
        return describe(o, r.headers, QByteArray::number(r.status) + ' ' + QByteArray::number(r.contentLength));
    };
    // On a thread of its own, which has kept nothing.
    const auto fresh = [](auto parse, const QByteArray &head) {
        QByteArray out;
        std::thread([&] { out = parse(head); }).join();
        return out;
    };
    int compared = 0;
    for (const auto &pair : { std::pair { request, std::function<QByteArray(const QByteArray &)>(parseRequest) },
             std::pair { queried, std::function<QByteArray(const QByteArray &)>(parseRequest) },
             std::pair { absolute, std::function<QByteArray(const QByteArray &)>(parseRequest) },
             std::pair { answer, std::function<QByteArray(const QByteArray &)>(parseAnswer) } }) {
        // Named references, not a structured binding: the lambdas below capture them (Clang before 16 cannot).
        const QByteArray &base = pair.first;
        const std::function<QByteArray(const QByteArray &)> &parse = pair.second;
        const auto check = [&](const QByteArray &head) {
            parse(base); // kept as the memo, its fields made permanent on the second
            parse(base);
            const QByteArray got = parse(head);
            const QByteArray want = fresh(parse, head);
            QCOMPARE(got, want);
            QCOMPARE(parse(head), want); // and from what the head itself left
            ++compared;
        };
        QVERIFY(parse(base).startsWith("1 0"));
        {
            // Kept fields are taken again only when they copy free (permanent): so they must be, for this to test it.
            parse(base);
            Request r;
            QCOMPARE(ga::http::parseRequestHead(request, Limits(), &r).state, ParseOutcome::Complete);
            QCOMPARE(ga::http::parseRequestHead(request, Limits(), &r).state, ParseOutcome::Complete);
            QVERIFY(ga::text::isPermanent(r.headers[0].name) && ga::text::isPermanent(r.headers[0].value));
        }
        // Every byte, the request line's too (kept with what it gave), there also to what matters to a target (a
        // dot segment, a query, an escape). Not in the fields: each changed value met twice takes room in the
        // permanent store's share for clients, which later tests count on.
        const qsizetype firstLine = base.indexOf('\n') + 1;
        for (qsizetype at = 0; at < base.size(); ++at) {
            QByteArray chars("xX \t:\r\n", 7);
            chars += '\0';
            chars += "\x7f";
            if (at < firstLine) {
                chars += "./?%0";
            }
            for (const char c : chars) {
                if (base[at] == c) {
                    continue;
                }
                QByteArray changed = base;
                changed[at] = c;
                check(changed);
                QByteArray longer = base;
                longer.insert(at, c);
                check(longer);
            }
            if (at > 0 && base[at - 1] == '\n') { // a whole line more, or one less
                QByteArray more = base;
                more.insert(at, "X-Inserted: 1\r\n");
                check(more);
                QByteArray fewer = base;
                fewer.remove(at, base.indexOf('\n', at) + 1 - at);
                check(fewer);
            }
            check(base.first(at)); // cut short
            QByteArray shorter = base;
            shorter.remove(at, 1);
            check(shorter);
        }
    }
    QVERIFY(compared > 1000);
    // Kept under one set of limits, read under tighter ones (the settings changed): the limits hold for kept lines too.
    for (qsizetype bytes = 40; bytes <= request.size(); bytes += 7) {
        for (int count = 1; count <= 6; ++count) {
            const auto tight = [bytes, count](const QByteArray &head) {
                Limits limits;
                limits.maxHeaderBytes = bytes;
                limits.maxHeaderCount = count;
                Request r;
                const ParseOutcome o = ga::http::parseRequestHead(head, limits, &r);
                return QByteArray::number(int(o.state)) + ' ' + QByteArray::number(o.status) + ' '
                    + QByteArray::number(r.headers.size());
            };
            parseRequest(request);
            parseRequest(request);
            QByteArray want;
            std::thread([&] { want = tight(request); }).join();
            QCOMPARE(tight(request), want);
        }
    }
}

void TestRequestParser::uploadUrlRewrite_data()
{
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<QByteArray>("header");
    const QByteArray google = "https://generativelanguage.googleapis.com";
    const QByteArray local = "http://127.0.0.1:3145";
    QTest::newRow("key only") << google + "/upload/v1beta/files?key=SECRET" << local << local + "/upload/v1beta/files"
                              << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("no query") << google + "/upload/v1beta/files" << local << local + "/upload/v1beta/files"
                              << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("key first") << google + "/upload/v1beta/files?key=S&upload_id=x" << local
                               << local + "/upload/v1beta/files?upload_id=x" << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("key last") << google + "/upload/v1beta/files?upload_id=x&key=S" << local
                              << local + "/upload/v1beta/files?upload_id=x" << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("key-shaped value") << google
            + "/upload/v1beta/files?upload_id=x&key=" + ga::test::fakeKey(3).toLatin1()
                                      << local << local + "/upload/v1beta/files?upload_id=x"
                                      << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("other origin") << google + "/upload/v1beta/files?upload_id=x" << QByteArray("http://[::1]:8080")
                                  << QByteArray("http://[::1]:8080/upload/v1beta/files?upload_id=x")
                                  << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("host only is left alone") << google << local << google << QByteArray("X-Goog-Upload-URL");
    QTest::newRow("control URL too") << google + "/upload/v1beta/files?upload_id=x&key=S" << local
                                     << local + "/upload/v1beta/files?upload_id=x"
                                     << QByteArray("X-Goog-Upload-Control-URL");
}

void TestRequestParser::uploadUrlRewrite()
{
    QFETCH(QByteArray, url);
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, expected);
    QFETCH(QByteArray, header);
    const HeaderList out = ga::proxy::clientResponseHeaders({ Header { header, url } }, origin);
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out[0].name, header);
    QCOMPARE(out[0].value, expected);
}

void TestRequestParser::isForwardedPath_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("forwarded");
    QTest::newRow("v1beta models") << QByteArray("/v1beta/models") << true;
    QTest::newRow("v1beta generate") << QByteArray("/v1beta/models/gemini-2.0-flash:generateContent") << true;
    QTest::newRow("v1") << QByteArray("/v1/models") << true;
    QTest::newRow("v1alpha") << QByteArray("/v1alpha/models") << true;
    QTest::newRow("openai") << QByteArray("/v1beta/openai/chat/completions") << true;
    QTest::newRow("upload") << QByteArray("/upload/v1beta/files") << true;
    QTest::newRow("v1beta batch method") << QByteArray("/v1beta:batchEmbed") << true;
    QTest::newRow("root") << QByteArray("/") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("v1beta without slash") << QByteArray("/v1beta") << false;
    QTest::newRow("v1betax") << QByteArray("/v1betax/models") << false;
    QTest::newRow("v2") << QByteArray("/v2/models") << false;
    QTest::newRow("upload without slash") << QByteArray("/upload") << false;
    QTest::newRow("health") << QByteArray("/healthz") << false;
    QTest::newRow("nested v1beta") << QByteArray("/x/v1beta/models") << false;
    QTest::newRow("case matters") << QByteArray("/V1BETA/models") << false;
}

void TestRequestParser::isForwardedPath()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, forwarded);
    QCOMPARE(ga::proxy::isForwardedPath(path), forwarded);
}

void TestRequestParser::usesBearerAuth_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<bool>("bearer");
    QTest::newRow("v1beta openai") << QByteArray("/v1beta/openai/chat/completions") << true;
    QTest::newRow("v1 openai") << QByteArray("/v1/openai/models") << true;
    QTest::newRow("v1alpha openai") << QByteArray("/v1alpha/openai/embeddings") << true;
    QTest::newRow("chat completions") << QByteArray("/v1beta/chat/completions") << true;
    QTest::newRow("embeddings") << QByteArray("/v1beta/embeddings") << true;
    QTest::newRow("native generate") << QByteArray("/v1beta/models/gemini-2.0-flash:generateContent") << false;
    QTest::newRow("native models") << QByteArray("/v1beta/models") << false;
    QTest::newRow("upload") << QByteArray("/upload/v1beta/files") << false;
    QTest::newRow("openai without slash") << QByteArray("/v1beta/openai") << false;
    QTest::newRow("openaix") << QByteArray("/v1beta/openaix/models") << false;
}

void TestRequestParser::usesBearerAuth()
{
    QFETCH(QByteArray, path);
    QFETCH(bool, bearer);
    QCOMPARE(ga::proxy::usesBearerAuth(path), bearer);
}

// ---------------------------------------------------------------------------------------------------
// Error bodies

void TestRequestParser::errorBody_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("canonical");
    const QList<QPair<int, const char *>> rows = { { 400, "INVALID_ARGUMENT" }, { 411, "INVALID_ARGUMENT" },
        { 413, "INVALID_ARGUMENT" }, { 414, "INVALID_ARGUMENT" }, { 417, "INVALID_ARGUMENT" },
        { 431, "INVALID_ARGUMENT" }, { 401, "UNAUTHENTICATED" }, { 403, "PERMISSION_DENIED" }, { 404, "NOT_FOUND" },
        { 408, "DEADLINE_EXCEEDED" }, { 429, "RESOURCE_EXHAUSTED" }, { 500, "INTERNAL" }, { 501, "UNIMPLEMENTED" },
        { 502, "UNAVAILABLE" }, { 503, "UNAVAILABLE" }, { 504, "DEADLINE_EXCEEDED" }, { 505, "UNIMPLEMENTED" } };
    for (const auto &[status, canonical] : rows) {
        QTest::addRow("%d", status) << status << QString::fromLatin1(canonical);
    }
}

void TestRequestParser::errorBody()
{
    QFETCH(int, status);
    QFETCH(QString, canonical);
    const QString message = QStringLiteral("A \"quoted\" message \\ with a line\nbreak and caf\u00e9.");
    const QByteArray body = ga::http::errorBody(status, message);
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &err);
    QCOMPARE(err.error, QJsonParseError::NoError);
    QVERIFY(doc.isObject());
    const QJsonObject top = doc.object();
    QCOMPARE(top.keys(), QStringList { QStringLiteral("error") });
    const QJsonObject e = top.value(QStringLiteral("error")).toObject();
    QCOMPARE(e.size(), 3);
    QVERIFY(e.value(QStringLiteral("code")).isDouble());
    QCOMPARE(e.value(QStringLiteral("code")).toInt(), status);
    QCOMPARE(e.value(QStringLiteral("message")).toString(), message);
    QCOMPARE(e.value(QStringLiteral("status")).toString(), canonical);
    QCOMPARE(QString::fromLatin1(ga::http::canonicalStatus(status)), canonical);
}

QTEST_APPLESS_MAIN(TestRequestParser)

#include "tst_requestparser.moc"
