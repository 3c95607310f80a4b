// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/headers.h"

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

} // namespace ga::proxy
