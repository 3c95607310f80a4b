// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for core/http/requestparser: request heads (default and small limits), chunked bodies
// after a complete head, and upstream response heads, all on the same bytes. Besides crashes and
// sanitizer reports it checks a few invariants and aborts when one fails:
//  - a request head parses the same on this thread (its memos kept from the inputs before) and on a fresh one;
//  - a Complete head is never longer than the input nor than maxHeaderBytes, and parses the same when cut
//    right after it; a cut inside it is Incomplete (never an error that depends on where a packet ended);
//  - a chunked body decodes to the same result whether fed at once, split in two or byte by byte;
//  - every error has a status from the documented set and a reason.
#include "http/headers.h"
#include "http/limits.h"
#include "http/requestparser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace ga::http;

namespace {

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                         \
            std::abort();                                                                                              \
        }                                                                                                              \
    } while (false)

bool knownRequestStatus(int status)
{
    switch (status) {
    case 400:
    case 411:
    case 413:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505:
        return true;
    default:
        return false;
    }
}

struct Decoded
{
    bool error = false;
    bool done = false;
    QByteArray body;
    qsizetype consumed = 0;
};

// Feeds `in` in pieces of `piece` bytes (0: at once), keeping unconsumed bytes like a connection does.
Decoded decodeChunked(QByteArrayView in, qint64 maxBody, qsizetype piece)
{
    ChunkedDecoder decoder(maxBody);
    Decoded d;
    QByteArray pending;
    qsizetype offset = 0;
    do {
        const qsizetype take = piece <= 0 ? in.size() : std::min(piece, in.size() - offset);
        pending.append(in.sliced(offset, take));
        offset += take;
        const ChunkedDecoder::Step s = decoder.feed(pending, &d.body);
        if (s.errorStatus != 0) {
            FUZZ_CHECK(s.errorStatus == 400 || s.errorStatus == 413 || s.errorStatus == 431);
            FUZZ_CHECK(s.reason != nullptr && std::strlen(s.reason) > 0);
            d.error = true;
            return d;
        }
        FUZZ_CHECK(s.consumed >= 0 && s.consumed <= pending.size());
        d.consumed += s.consumed;
        pending.remove(0, s.consumed);
        if (s.done) {
            d.done = true;
            break;
        }
    } while (offset < in.size());
    FUZZ_CHECK(d.body.size() <= maxBody);
    FUZZ_CHECK(decoder.bodyBytes() == d.body.size());
    return d;
}

void checkChunked(QByteArrayView rest, qint64 maxBody)
{
    const Decoded whole = decodeChunked(rest, maxBody, 0);
    const qsizetype pieces[] = { rest.size() / 3 + 1, 7, rest.size() <= 512 ? 1 : 0 };
    for (qsizetype piece : pieces) {
        if (piece <= 0) {
            continue;
        }
        const Decoded split = decodeChunked(rest, maxBody, piece);
        FUZZ_CHECK(split.error == whole.error);
        if (!whole.error) {
            FUZZ_CHECK(split.done == whole.done);
            FUZZ_CHECK(split.body == whole.body);
            FUZZ_CHECK(split.consumed == whole.consumed);
        }
    }
}

// Up to `max` cut points strictly inside [1, end): after each CR, the last byte, and a few spread out.
template<typename F>
void forCuts(QByteArrayView data, qsizetype end, F &&f)
{
    int budget = 48;
    for (qsizetype i = 0; i + 1 < end && budget > 0; ++i) {
        if (data[i] == '\r') {
            f(i + 1);
            --budget;
        }
    }
    for (qsizetype cut : { end - 1, end / 2, end / 3, qsizetype(1) }) {
        if (cut > 0 && cut < end) {
            f(cut);
        }
    }
}

QByteArray describeRequest(QByteArrayView data, const Limits &limits)
{
    Request r;
    const ParseOutcome o = parseRequestHead(data, limits, &r);
    QByteArray d = QByteArray::number(int(o.state)) + ' ' + QByteArray::number(o.status) + ' '
        + QByteArray::number(o.consumed) + '\n';
    if (o.state == ParseOutcome::Complete) {
        d += r.method + ' ' + r.target + ' ' + r.path + ' ' + r.query + ' ' + QByteArray::number(r.versionMinor) + ' '
            + QByteArray::number(int(r.bodyKind)) + ' ' + QByteArray::number(r.contentLength) + '\n';
        appendHeaders(d, r.headers);
    }
    return d;
}

void checkRequest(QByteArrayView data, const Limits &limits)
{
    // The parser's memos (the thread's last request line and head, kept across inputs here) change no result: a
    // parse on this thread is one on a thread that kept nothing.
    QByteArray fresh;
    std::thread([&] { fresh = describeRequest(data, limits); }).join();
    FUZZ_CHECK(describeRequest(data, limits) == fresh);

    Request r;
    const ParseOutcome o = parseRequestHead(data, limits, &r);
    if (o.state == ParseOutcome::Error) {
        FUZZ_CHECK(knownRequestStatus(o.status));
        FUZZ_CHECK(o.reason != nullptr && std::strlen(o.reason) > 0);
        return;
    }
    if (o.state == ParseOutcome::Incomplete) {
        FUZZ_CHECK(o.status == 0);
        return;
    }
    FUZZ_CHECK(o.consumed > 0 && o.consumed <= data.size());
    FUZZ_CHECK(o.consumed <= limits.maxHeaderBytes);
    FUZZ_CHECK(!r.method.isEmpty() && !r.path.isEmpty());
    FUZZ_CHECK(r.path.startsWith('/') || r.path == "*");
    FUZZ_CHECK(r.versionMinor >= 0 && r.versionMinor <= 9);
    FUZZ_CHECK(int(r.headers.size()) <= limits.maxHeaderCount);
    if (r.bodyKind == BodyKind::Length) {
        FUZZ_CHECK(r.contentLength > 0 && r.contentLength <= limits.maxBodyBytes);
    } else {
        FUZZ_CHECK(r.contentLength == 0);
    }
    if (r.bodyKind == BodyKind::Chunked) {
        FUZZ_CHECK(r.versionMinor >= 1);
    }

    // Cut right after the head: same result.
    Request again;
    const ParseOutcome exact = parseRequestHead(data.first(o.consumed), limits, &again);
    FUZZ_CHECK(exact.state == ParseOutcome::Complete && exact.consumed == o.consumed);
    FUZZ_CHECK(again.method == r.method && again.target == r.target && again.headers.size() == r.headers.size());
    FUZZ_CHECK(again.bodyKind == r.bodyKind && again.contentLength == r.contentLength);
    FUZZ_CHECK(again.keepAlive == r.keepAlive && again.expectContinue == r.expectContinue);

    // Cut inside the head: still waiting for more.
    forCuts(data, o.consumed, [&](qsizetype cut) {
        Request partial;
        const ParseOutcome p = parseRequestHead(data.first(cut), limits, &partial);
        if (p.state != ParseOutcome::Incomplete) {
            std::fprintf(stderr, "prefix of %lld/%lld bytes: state %d status %d (%s)\n", static_cast<long long>(cut),
                static_cast<long long>(o.consumed), int(p.state), p.status, p.reason);
        }
        FUZZ_CHECK(p.state == ParseOutcome::Incomplete);
    });

    if (r.bodyKind == BodyKind::Chunked) {
        checkChunked(data.sliced(o.consumed), limits.maxBodyBytes);
    }
}

void checkResponse(QByteArrayView data, bool head, qsizetype maxHeaderBytes)
{
    Response r;
    const ParseOutcome o = parseResponseHead(data, head, maxHeaderBytes, &r);
    if (o.state == ParseOutcome::Error) {
        FUZZ_CHECK(o.status == 502);
        return;
    }
    if (o.state == ParseOutcome::Incomplete) {
        return;
    }
    FUZZ_CHECK(o.consumed > 0 && o.consumed <= data.size() && o.consumed <= maxHeaderBytes);
    FUZZ_CHECK(r.status >= 0 && r.status <= 999);
    if (head || (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304) {
        FUZZ_CHECK(!r.hasBody && r.bodyKind == BodyKind::None && r.contentLength == 0);
    }
    if (r.bodyKind == BodyKind::Length) {
        FUZZ_CHECK(r.contentLength >= 0);
    }
    if (r.bodyKind == BodyKind::None && r.hasBody) {
        FUZZ_CHECK(r.contentLength == -1 && !r.keepAlive);
    }
    forCuts(data, o.consumed, [&](qsizetype cut) {
        Response partial;
        FUZZ_CHECK(
            parseResponseHead(data.first(cut), head, maxHeaderBytes, &partial).state == ParseOutcome::Incomplete);
    });
    if (r.bodyKind == BodyKind::Chunked) {
        checkChunked(data.sliced(o.consumed), Limits::kDefaultMaxBodyBytes);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const QByteArrayView data(reinterpret_cast<const char *>(bytes), qsizetype(size));

    checkRequest(data, Limits());

    Limits small;
    small.maxHeaderBytes = 256;
    small.maxRequestLineBytes = 64;
    small.maxHeaderCount = 8;
    small.maxBodyBytes = 1024;
    checkRequest(data, small);

    checkResponse(data, false, Limits::kDefaultMaxHeaderBytes);
    checkResponse(data, true, 256);

    // The chunked decoder on its own, on the raw bytes.
    checkChunked(data, 4096);
    return 0;
}
