// SPDX-License-Identifier: GPL-3.0-or-later
// The incremental decoder for chunked request bodies (RFC 9112 §7.1): chunk sizes, extensions, trailers and their
// limits. Also reachable through http/requestparser.h.
#pragma once

#include "http/limits.h"

#include <QByteArray>
#include <QByteArrayView>

namespace ga::http {

// Incremental decoder for a chunked body: feed it bytes as they arrive.
class ChunkedDecoder
{
public:
    struct Step
    {
        qsizetype consumed = 0;
        bool done = false; // last chunk and trailers seen
        int errorStatus = 0; // 400 malformed, 413 too large, 431 trailers too large
        const char *reason = "";
        QByteArrayView data; // decode() only: the decoded bytes
    };
    explicit ChunkedDecoder(qint64 maxBodyBytes = Limits::kDefaultMaxBodyBytes);
    // Appends decoded data to *out; consumes as much of `in` as it can.
    Step feed(QByteArrayView in, QByteArray *out);
    // The same, without a copy where it can: Step::data is a view of `in` when the decoded bytes are one piece of it
    // (a read that holds one chunk, as a stream's event is), else of `*joined`, where the pieces are put together.
    // Either must outlive the use of Step::data.
    Step decode(QByteArrayView in, QByteArray *joined);
    void reset();
    qint64 bodyBytes() const { return m_total; }

private:
    // Consumes what it can of `in`, handing each piece of data to `piece` (a view of `in`).
    template<typename Piece>
    Step run(QByteArrayView in, Piece &&piece);

    enum class State
    {
        Size,
        Data,
        DataCrlf,
        Trailer,
        Done
    };
    State m_state = State::Size;
    qint64 m_remaining = 0;
    qint64 m_total = 0;
    qint64 m_max;
    qsizetype m_trailerBytes = 0;
};

} // namespace ga::http
