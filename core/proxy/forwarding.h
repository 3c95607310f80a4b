// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/buffer.h"
#include "http/headers.h"

#include <QVarLengthArray>

namespace ga::proxy {

// The request paths the proxy forwards: the native API (/v1beta/, /v1/, /v1alpha/, including Google's
// OpenAI-compatible /v1beta/openai/) and uploads (/upload/).
bool isForwardedPath(QByteArrayView path);
// OpenAI-compatible endpoints take the key as "Authorization: Bearer", the native API as x-goog-api-key.
bool usesBearerAuth(QByteArrayView path);

// The Live API's WebSocket path as the upstream knows it ("/ws/google.ai.generativelanguage.v1beta.GenerativeService.
// BidiGenerateContent" or "…Constrained"), found also behind a base path and after the "//ws/" @google/genai sends;
// empty when `path` is not one.
QByteArray livePathOf(QByteArrayView path);

// What the client sent where SDKs put their API key: x-goog-api-key, then "Authorization: Bearer",
// then the "key" query parameter (percent-decoded). Empty when none is there.
QByteArray clientCredential(const http::HeaderList &headers, QByteArrayView query);

// A request whose answer streams (streamGenerateContent, alt=sse, or an OpenAI-style "stream": true).
bool isStreamingRequest(QByteArrayView path, QByteArrayView query, QByteArrayView body);

// The query without its credential parameters ("key", "access_token", also percent-encoded as "k%65y");
// order and encoding of the rest kept.
QByteArray stripKeyParameter(QByteArrayView query);

// Client request headers as they go upstream: hop-by-hop headers, Host, framing, Expect and the
// client's credentials (x-goog-api-key, Authorization) removed.
http::HeaderList upstreamRequestHeaders(const http::HeaderList &clientHeaders);

// Upstream response headers as they go to the client: hop-by-hop, framing and Alt-Svc removed; an
// x-goog-upload-url (and x-goog-upload-control-url) is pointed at the proxy (`proxyOrigin`, e.g.
// "http://127.0.0.1:3145") without its key.
http::HeaderList clientResponseHeaders(const http::HeaderList &upstreamHeaders, QByteArrayView proxyOrigin);

// The hop-by-hop headers of a message: the fixed ones and those its Connection header names.
class HopByHopFilter
{
public:
    explicit HopByHopFilter(const http::HeaderList &headers);
    bool drops(QByteArrayView name) const
    {
        // By length first (inline): most of a message's headers are none of these.
        switch (name.size()) {
        case 2: // te
        case 7: // trailer, upgrade
        case 10: // connection, keep-alive
        case 16: // proxy-connection
        case 17: // transfer-encoding
        case 18: // proxy-authenticate
        case 19: // proxy-authorization
            return dropsNamed(name);
        default:
            return !m_listed.isEmpty() && dropsNamed(name);
        }
    }

    // Whether the message's Connection header names any (then what is dropped depends on the message).
    bool listsAny() const { return !m_listed.isEmpty(); }

private:
    bool dropsNamed(QByteArrayView name) const;

    QVarLengthArray<QByteArrayView, 4> m_listed; // named by Connection, views into the headers
};

// Whether clientResponseHeaders() leaves an upstream response header out: hop-by-hop ones, Content-Length, Alt-Svc.
inline bool dropsFromClientResponse(const HopByHopFilter &hopByHop, QByteArrayView name)
{
    return hopByHop.drops(name) || (name.size() == 14 && http::equalsIgnoreCase(name, "content-length"))
        || (name.size() == 7 && http::equalsIgnoreCase(name, "alt-svc"));
}

// An x-goog-upload-url (or -control-url) value pointed at the proxy, without its key; null when `name` is not one of
// those or the URL has no path to keep (then it goes as it is).
QByteArray uploadUrlAtProxy(QByteArrayView name, QByteArrayView url, QByteArrayView proxyOrigin);

// One upstream response header as it goes to the client: `emit(name, value)`, or nothing when it is left out. True
// when its value was rewritten (an upload URL pointed at the proxy).
template<typename Emit>
bool emitClientResponseHeader(
    const HopByHopFilter &hopByHop, const http::Header &h, QByteArrayView proxyOrigin, Emit &&emit)
{
    if (dropsFromClientResponse(hopByHop, h.name)) {
        return false;
    }
    if (h.name.size() == 17 || h.name.size() == 25) { // the upload URLs' names
        if (const QByteArray url = uploadUrlAtProxy(h.name, h.value, proxyOrigin); !url.isNull()) {
            emit(QByteArrayView(h.name), QByteArrayView(url));
            return true;
        }
    }
    emit(QByteArrayView(h.name), QByteArrayView(h.value));
    return false;
}

// clientResponseHeaders() without making the list: `emit(name, value)` for each header that goes to the client, in
// order. A response head is written straight from them (copying the list cost ~1,200 instructions an answer).
template<typename Emit>
void forEachClientResponseHeader(const http::HeaderList &upstreamHeaders, QByteArrayView proxyOrigin, Emit &&emit)
{
    const HopByHopFilter hopByHop(upstreamHeaders);
    for (const http::Header &h : upstreamHeaders) {
        emitClientResponseHeader(hopByHop, h, proxyOrigin, emit);
    }
}

// forEachClientResponseHeader() written as "Name: value\r\n" lines by `w`. An upstream repeats its headers from one
// answer to the next (Google's: the content type, three Vary, Date, Server and three security headers before a
// Server-Timing that differs every time), and the parser hands the same stored bytes for a field it met recently
// (http/fieldsyntax.cpp). So this thread's last lines are kept with the fields they were made from, and copied for
// as long as the fields are the same storage, in order (held here, that storage cannot become another field's);
// from the first that differs the lines are made again and kept. Nothing is kept from a rewritten upload URL on,
// or when a Connection header names other fields.
void writeClientResponseHeaders(
    http::ByteWriter &w, const http::HeaderList &upstreamHeaders, QByteArrayView proxyOrigin);

} // namespace ga::proxy
