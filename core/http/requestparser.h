// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/chunkeddecoder.h" // ChunkedDecoder, for the callers of this header
#include "http/headers.h"
#include "http/limits.h"

namespace ga::http {

enum class BodyKind
{
    None,
    Length,
    Chunked
};

struct Request
{
    QByteArray method;
    QByteArray target; // as sent: path plus optional "?query"
    QByteArray path; // target up to '?'
    QByteArray query; // after '?', without it; empty when none
    int versionMinor = 1; // HTTP/1.<minor>
    HeaderList headers;
    BodyKind bodyKind = BodyKind::None;
    qint64 contentLength = 0;
    bool keepAlive = true;
    bool expectContinue = false;
    QByteArray body; // filled by the connection once read
};

struct ParseOutcome
{
    enum State
    {
        Incomplete,
        Complete,
        Error
    };
    State state = Incomplete;
    int status = 0; // HTTP status for Error
    const char *reason = ""; // one sentence for the error body
    qsizetype consumed = 0; // bytes of the head (request line, headers, final CRLF) when Complete
};

// Strict HTTP/1.1 request-head parser (RFC 9112). Pure: looks only at `data`, which holds the bytes
// received so far. Rejects what request smuggling and sloppy clients rely on: bare LF line ends,
// obs-fold, control characters, whitespace before the colon, both Content-Length and Transfer-Encoding,
// duplicate or invalid Content-Length, unknown transfer codings, missing or repeated Host, "." / ".." path
// segments. An absolute-form target's authority replaces the Host header's value (RFC 9112 §3.2.2).
ParseOutcome parseRequestHead(QByteArrayView data, const Limits &limits, Request *out);

// Response head from an upstream server (status line + headers). Lenient only where real servers
// differ harmlessly (reason phrase may be empty); still refuses bare LF and obs-fold.
struct Response
{
    int status = 0;
    int versionMinor = 1;
    QByteArray reason;
    HeaderList headers;
    BodyKind bodyKind = BodyKind::None;
    qint64 contentLength = -1; // -1: read until close (when bodyKind == None and hasBody)
    bool hasBody = true;
    bool keepAlive = true;
};
ParseOutcome parseResponseHead(QByteArrayView data, bool requestWasHead, qsizetype maxHeaderBytes, Response *out);

} // namespace ga::http
