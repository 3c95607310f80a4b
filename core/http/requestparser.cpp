// SPDX-License-Identifier: GPL-3.0-or-later
// The request-head and response-head parsers: request line, request target (origin and absolute form, dot
// segments), the Host, Content-Length, Transfer-Encoding, Expect and Connection rules; the upstream status line.
// The header section itself is parsed in fieldsyntax.cpp, chunked bodies in chunkeddecoder.cpp.
#include "http/requestparser.h"

#include "http/fieldsyntax_p.h"
#include "http/search.h"
#include "text/permanent.h"

#include <cstring>
#include <utility>

namespace ga::http {
using namespace detail;

namespace {

// The method as a QByteArray over the name's static text (no allocation, no reference count); null when the proxy
// does not support it.
QByteArray knownMethod(QByteArrayView m)
{
    static constexpr QByteArrayView kMethods[] = { "GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS" };
    for (QByteArrayView k : kMethods) {
        if (m == k) {
            return QByteArray::fromRawData(k.data(), k.size());
        }
    }
    return QByteArray();
}

bool isTargetChar(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// `*message` as a default-made one, but the header list keeps the storage its owner left in it. Both owners let the
// list go once a head is passed on (a stream may run long), so today that spares an allocation only when a head is
// parsed again into the same object: the final answer after a 1xx interim one.
template<typename Message>
void resetKeepingHeaderStorage(Message &message)
{
    HeaderList headers = std::move(message.headers);
    headers.clear();
    message = Message();
    message.headers = std::move(headers);
}

// A "." or ".." segment, also spelt with %2e, %2f, %5c or '\' ("/v1beta/%2e%2e/admin", "/v1beta/..%2fadmin"):
// a server that resolves dot segments would take the request (and the API key added to it) out of the path it
// names, e.g. out of the upstream's path prefix. No Gemini API path has one.
bool hasDotSegment(QByteArrayView path)
{
    qsizetype dots = 0; // dots in the current segment; -1: something else too
    for (qsizetype i = 0; i <= path.size(); ++i) {
        char c = i < path.size() ? path[i] : '/';
        if (c == '%' && i + 2 < path.size() && hexValue(path[i + 1]) >= 0 && hexValue(path[i + 2]) >= 0) {
            c = char(hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]));
            i += 2;
        }
        if (c == '/' || c == '\\') {
            if (dots == 1 || dots == 2) {
                return true;
            }
            dots = 0;
        } else if (c == '.' && dots >= 0) {
            ++dots;
        } else {
            dots = -1;
        }
    }
    return false;
}

// The thread's last request line and what it gave (method, target, path, query, version): a client sends the same
// line with each request ("POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1"), whose checks (its
// characters, dot segments) and lookups were ~1,600 instructions a request. Kept only for an origin-form target with
// nothing of a credential's shape in the line (text::mayHoldCredential: a key in a query is not held on to by this).
// The texts taken are those the parse made (shared with the field slots, fieldsyntax.cpp).
struct RequestLineMemo
{
    QByteArray line; // its bytes; empty: nothing kept
    QByteArray method;
    QByteArray target;
    QByteArray path;
    QByteArray query;
    int versionMinor = 1;

    bool gives(QByteArrayView l) const
    {
        return !line.isEmpty() && l.size() == line.size()
            && std::memcmp(l.data(), line.constData(), size_t(l.size())) == 0;
    }
    void fill(Request &r) const
    {
        r.method = method;
        r.target = target;
        r.path = path;
        r.query = query;
        r.versionMinor = versionMinor;
    }
    void keep(QByteArrayView l, const Request &r)
    {
        if (text::mayHoldCredential(l)) {
            *this = RequestLineMemo();
            return;
        }
        line.resize(l.size()); // its storage kept from line to line
        std::memcpy(line.data(), l.data(), size_t(l.size()));
        method = r.method;
        target = r.target;
        path = r.path;
        query = r.query;
        versionMinor = r.versionMinor;
    }
};

} // namespace

ParseOutcome parseRequestHead(QByteArrayView data, const Limits &limits, Request *out)
{
    qsizetype start = 0;
    // RFC 9112 §2.2: ignore at least one empty line before the request line.
    while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n' && start < 8) {
        start += 2;
    }
    const qsizetype nl = indexOf(data, '\n', start);
    if (nl < 0) {
        // A trailing CR may be the start of the CRLF, not part of the line.
        if (data.size() - start > limits.maxRequestLineBytes + (data.endsWith('\r') ? 1 : 0)) {
            return error(414, "The request line (method, path and query) is longer than the server accepts.");
        }
        return ParseOutcome {};
    }
    if (nl == start || data[nl - 1] != '\r') {
        return error(400, "The request line must end with CRLF; a bare LF is not accepted.");
    }
    const QByteArrayView line = data.sliced(start, nl - 1 - start);
    if (line.size() > limits.maxRequestLineBytes) {
        return error(414, "The request line (method, path and query) is longer than the server accepts.");
    }
    Request &r = *out;
    bool absoluteForm = false;
    QByteArrayView authority;
    thread_local RequestLineMemo lastLine;
    if (lastLine.gives(line)) {
        resetKeepingHeaderStorage(r);
        lastLine.fill(r);
    } else {
        const qsizetype sp1 = indexOf(line, ' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : indexOf(line, ' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || indexOf(line, ' ', sp2 + 1) >= 0) {
            return error(400, "The request line is malformed: expected 'METHOD /path HTTP/1.1'.");
        }
        const QByteArrayView method = line.first(sp1);
        const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
        const QByteArrayView version = line.sliced(sp2 + 1);
        if (!isToken(method)) {
            return error(400, "The request method is not a valid token.");
        }
        if (version.size() != 8 || !startsWith(version, "HTTP/") || version[6] != '.' || version[5] < '0'
            || version[5] > '9' || version[7] < '0' || version[7] > '9') {
            return error(400, "The HTTP version is malformed: expected HTTP/1.1.");
        }
        if (version[5] != '1') {
            return error(505, "Only HTTP/1.0 and HTTP/1.1 are supported.");
        }
        for (char c : target) {
            if (!isTargetChar(static_cast<unsigned char>(c))) {
                return error(400, "The request target contains a character that is not allowed.");
            }
        }
        QByteArray known = knownMethod(method);
        if (known.isNull()) {
            return error(501, "The request method is not supported by this proxy.");
        }

        resetKeepingHeaderStorage(r);
        r.method = std::move(known);
        r.versionMinor = version[7] - '0';
        QByteArrayView origin = target;
        if (startsWith(target, "http://") || startsWith(target, "https://")) {
            // absolute-form: keep the path and query; the authority replaces the Host header (below).
            absoluteForm = true;
            const qsizetype authorityStart = target.indexOf("//") + 2;
            qsizetype pathStart = authorityStart;
            while (pathStart < target.size() && target[pathStart] != '/' && target[pathStart] != '?') {
                ++pathStart;
            }
            authority = target.sliced(authorityStart, pathStart - authorityStart);
            if (const qsizetype at = authority.lastIndexOf('@'); at >= 0) {
                authority = authority.sliced(at + 1); // userinfo is not part of the host
            }
            origin = pathStart == target.size() ? QByteArrayView("/") : target.sliced(pathStart);
        } else if (target == "*" && method == "OPTIONS") {
            origin = target;
        } else if (!target.startsWith('/')) {
            return error(400, "The request target must be a path starting with '/'.");
        }
        // The target, its path and its query repeat from one request to the next: shared with an earlier equal one (the
        // characters were checked above, a stricter check than a field value's).
        if (origin.startsWith('?')) {
            r.target = "/" + origin.toByteArray();
        } else {
            shareValue(origin, &r.target);
        }
        const qsizetype q = indexOf(r.target, '?');
        if (q < 0) {
            r.path = r.target;
        } else {
            shareValue(QByteArrayView(r.target).first(q), &r.path);
            shareValue(QByteArrayView(r.target).sliced(q + 1), &r.query);
        }
        if (hasDotSegment(r.path)) {
            return error(400, "The request path must not contain '.' or '..' segments.");
        }
        if (absoluteForm) {
            lastLine = RequestLineMemo();
        } else {
            lastLine.keep(line, r);
        }
    }

    thread_local HeadMemo requests; // a client sends the same lines with every request
    ParseOutcome head
        = parseHeaderLines(data, nl + 1, limits.maxHeaderBytes, limits.maxHeaderCount, &r.headers, &requests);
    if (head.state != ParseOutcome::Complete) {
        return head;
    }

    FramingFields f = framingFields(r.headers);
    if (f.hosts > 1 || (f.hosts == 0 && r.versionMinor >= 1)) {
        return error(400, "An HTTP/1.1 request needs exactly one Host header.");
    }
    if (absoluteForm) {
        // RFC 9112 §3.2.2: with an absolute-form target, its authority names the host and the Host header is
        // ignored; so the browser guards judge the host the request is really for.
        bool replaced = false;
        for (Header &h : r.headers) {
            if (equalsIgnoreCase(h.name, "host")) {
                h.value = authority.toByteArray();
                replaced = true;
            }
        }
        if (!replaced) {
            // (An HTTP/1.0 request may come without Host: the one made here counts towards the limit too.)
            if (qsizetype(r.headers.size()) >= limits.maxHeaderCount) {
                return error(431, "The request has more header fields than the server accepts.");
            }
            r.headers.push_back(Header { QByteArray("Host"), authority.toByteArray() });
            f = framingFields(r.headers); // its pointers moved with the list
        }
    }
    const qsizetype te = f.transferEncodings;
    const qsizetype cl = f.contentLengths;
    if (te > 0 && cl > 0) {
        return error(400, "A request must not carry both Content-Length and Transfer-Encoding.");
    }
    if (te > 0) {
        if (r.versionMinor == 0) {
            return error(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
        }
        const int teStatus = checkTransferEncoding(r.headers);
        if (teStatus == 501) {
            return error(501, "Only the chunked transfer coding is supported.");
        }
        if (teStatus != 0) {
            return error(400, "Transfer-Encoding must be exactly 'chunked'.");
        }
        r.bodyKind = BodyKind::Chunked;
    } else if (cl > 0) {
        if (cl > 1) {
            return error(400, "The request has more than one Content-Length header.");
        }
        qint64 length = 0;
        if (!parseDecimal(*f.contentLength, &length)) {
            return error(400, "Content-Length must be a non-negative decimal number.");
        }
        if (length > limits.maxBodyBytes) {
            return error(413, "The request body is larger than the server accepts.");
        }
        r.contentLength = length;
        r.bodyKind = length > 0 ? BodyKind::Length : BodyKind::None;
    } else if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
        return error(411, "A request with a body needs Content-Length or Transfer-Encoding: chunked.");
    }

    if (const QByteArray *expect = f.expect) {
        if (!equalsIgnoreCase(*expect, "100-continue") || f.expects > 1) {
            return error(417, "Only 'Expect: 100-continue' is supported.");
        }
        r.expectContinue = r.versionMinor >= 1;
    }
    const QByteArray *connection = f.connection;
    if (r.versionMinor >= 1) {
        r.keepAlive = !(connection && headerHasToken(*connection, "close"));
    } else {
        r.keepAlive = connection && headerHasToken(*connection, "keep-alive");
    }
    return head;
}

ParseOutcome parseResponseHead(QByteArrayView data, bool requestWasHead, qsizetype maxHeaderBytes, Response *out)
{
    const qsizetype nl = indexOf(data, '\n');
    if (nl < 0) {
        return data.size() > maxHeaderBytes ? error(502, "The upstream status line is too long.") : ParseOutcome {};
    }
    if (nl == 0 || data[nl - 1] != '\r') {
        return error(502, "The upstream response is not HTTP/1.1 (bad line ending).");
    }
    const QByteArrayView line = data.first(nl - 1);
    // "HTTP/1.1 200 OK" (the reason phrase may be empty)
    if (line.size() < 12 || !startsWith(line, "HTTP/1.") || line[8] != ' ' || line[7] < '0' || line[7] > '9') {
        return error(502, "The upstream response has a malformed status line.");
    }
    int status = 0;
    for (int i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') {
            return error(502, "The upstream response has a malformed status code.");
        }
        status = status * 10 + (line[i] - '0');
    }
    if (line.size() > 12 && line[12] != ' ') {
        return error(502, "The upstream response has a malformed status line.");
    }
    Response &r = *out;
    resetKeepingHeaderStorage(r);
    r.status = status;
    r.versionMinor = line[7] - '0';
    if (line.size() > 13) {
        shareValue(line.sliced(13), &r.reason); // "OK" nearly always
    }
    thread_local HeadMemo answers; // an upstream repeats most of its answer's lines
    ParseOutcome head = parseHeaderLines(data, nl + 1, maxHeaderBytes, 1000, &r.headers, &answers);
    if (head.state == ParseOutcome::Error) {
        return error(502, "The upstream response headers are malformed.");
    }
    if (head.state != ParseOutcome::Complete) {
        return head;
    }
    const FramingFields f = framingFields(r.headers);
    const QByteArray *connection = f.connection;
    r.keepAlive = r.versionMinor >= 1 ? !(connection && headerHasToken(*connection, "close"))
                                      : (connection && headerHasToken(*connection, "keep-alive"));
    if (requestWasHead || (status >= 100 && status < 200) || status == 204 || status == 304) {
        r.hasBody = false;
        r.bodyKind = BodyKind::None;
        r.contentLength = 0;
        return head;
    }
    if (f.transferEncodings > 0) {
        if (checkTransferEncoding(r.headers) == 0) {
            r.bodyKind = BodyKind::Chunked;
        } else {
            r.bodyKind = BodyKind::None; // other codings: the body runs until the connection closes
            r.contentLength = -1;
            r.keepAlive = false;
        }
        return head;
    }
    if (const QByteArray *cl = f.contentLength) {
        qint64 length = 0;
        if (f.contentLengths > 1 || !parseDecimal(*cl, &length)) {
            return error(502, "The upstream response has an invalid Content-Length.");
        }
        r.bodyKind = BodyKind::Length;
        r.contentLength = length;
        return head;
    }
    r.bodyKind = BodyKind::None;
    r.contentLength = -1; // until close
    r.keepAlive = false;
    return head;
}

} // namespace ga::http
