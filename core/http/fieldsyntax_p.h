// SPDX-License-Identifier: GPL-3.0-or-later
// Inside http/: the field syntax (RFC 9110 tokens, field values, OWS) and the header section with its limits,
// shared by the request and response parsers and the chunked decoder. Not for use outside core/http.
#pragma once

#include "http/headers.h"
#include "http/requestparser.h"

#include <vector>

namespace ga::http::detail {

// RFC 9110 token: one or more tchar.
bool isToken(QByteArrayView v);
// field-value: VCHAR, SP, HTAB, obs-text. No other control characters (NUL, CR, LF, DEL, ...).
bool isFieldValue(QByteArrayView v);
// `v` without the optional white space (spaces, tabs) at its ends. Inline: every header value goes through it.
inline QByteArrayView trimOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t')) {
        v = v.sliced(1);
    }
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t')) {
        v.chop(1);
    }
    return v;
}

// `bytes` as a QByteArray, shared with an equal field value this thread parsed recently when there is one (see
// parseHeaderLines): a request target, a reason phrase. Bytes that are no field value are copied, not shared.
void shareValue(QByteArrayView bytes, QByteArray *out);

// An Error outcome with `status` and the one-sentence `reason`.
ParseOutcome error(int status, const char *reason);

// The header lines of the last complete head one thread parsed in one place (its requests, or its answers), with the
// fields they gave: a client sends the same lines with every request, an upstream most of its answer's lines (see
// parseHeaderLines).
struct HeadMemo
{
    QByteArray lines; // from the first header line to the last one's CRLF
    std::vector<qsizetype> ends; // where each line ends in `lines` (after its CRLF)
    HeaderList fields; // what each line gave
};

// Parses header lines from `pos` to the blank line into *headers, refusing bare LF, obs-fold, malformed names,
// control characters in values, more than `maxHeaderBytes` of head and more than `maxHeaderCount` fields (431).
// Returns Complete with `consumed` = end of head, Incomplete while the blank line has not arrived.
// With a memo, the lines that are byte for byte those of the memo's head at the same place, from the first on, give
// the fields they gave then without being parsed again (a line's field depends on its bytes alone; the limits are
// applied as to any line), and a complete head becomes the memo.
ParseOutcome parseHeaderLines(QByteArrayView data, qsizetype pos, qsizetype maxHeaderBytes, int maxHeaderCount,
    HeaderList *headers, HeadMemo *memo = nullptr);

// A Content-Length value: 1 to 18 decimal digits, nothing else.
bool parseDecimal(QByteArrayView v, qint64 *out);

// The combined Transfer-Encoding list: 0 = only "chunked", 400 = chunked not last / empty, 501 = other coding.
int checkTransferEncoding(const HeaderList &headers);

// The fields that decide a message's framing and its connection, found in one pass over the headers (a scan each
// was ~120 instructions, six to eight of them a message). Pointers into the list: valid while it is not changed.
struct FramingFields
{
    qsizetype hosts = 0;
    qsizetype transferEncodings = 0;
    qsizetype contentLengths = 0;
    qsizetype expects = 0;
    const QByteArray *contentLength = nullptr; // the first of each
    const QByteArray *expect = nullptr;
    const QByteArray *connection = nullptr;
};
FramingFields framingFields(const HeaderList &headers);

} // namespace ga::http::detail
