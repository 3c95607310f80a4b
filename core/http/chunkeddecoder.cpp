// SPDX-License-Identifier: GPL-3.0-or-later
// The chunked body decoder: chunk-size lines and extensions, chunk data and its CRLF, the trailer section, and the
// body and trailer limits.
#include "http/chunkeddecoder.h"

#include "http/fieldsyntax_p.h"
#include "http/search.h"

#include <algorithm>

namespace ga::http {

using detail::isFieldValue;

ChunkedDecoder::ChunkedDecoder(qint64 maxBodyBytes)
    : m_max(maxBodyBytes)
{ }

void ChunkedDecoder::reset()
{
    m_state = State::Size;
    m_remaining = 0;
    m_total = 0;
    m_trailerBytes = 0;
}

ChunkedDecoder::Step ChunkedDecoder::feed(QByteArrayView in, QByteArray *out)
{
    return run(in, [out](QByteArrayView piece) { out->append(piece); });
}

ChunkedDecoder::Step ChunkedDecoder::decode(QByteArrayView in, QByteArray *joined)
{
    QByteArrayView first;
    bool several = false;
    Step s = run(in, [&](QByteArrayView piece) {
        if (first.isEmpty() && !several) {
            first = piece;
            return;
        }
        if (!several) {
            joined->append(first);
            several = true;
        }
        joined->append(piece);
    });
    s.data = several ? QByteArrayView(*joined) : first;
    return s;
}

template<typename Piece>
ChunkedDecoder::Step ChunkedDecoder::run(QByteArrayView in, Piece &&piece)
{
    Step s;
    auto fail = [&s](int status, const char *reason) {
        s.errorStatus = status;
        s.reason = reason;
        return s;
    };
    qsizetype pos = 0;
    while (pos < in.size() && m_state != State::Done) {
        switch (m_state) {
        case State::Size: {
            const qsizetype nl = indexOf(in, '\n', pos);
            if (nl < 0) {
                if (in.size() - pos > Limits::kMaxChunkLineBytes) {
                    return fail(400, "A chunk-size line is too long.");
                }
                s.consumed = pos;
                return s;
            }
            if (nl - pos > Limits::kMaxChunkLineBytes) {
                return fail(400, "A chunk-size line is too long.");
            }
            if (nl == pos || in[nl - 1] != '\r') {
                return fail(400, "A chunk-size line must end with CRLF.");
            }
            const QByteArrayView line = in.sliced(pos, nl - 1 - pos);
            qsizetype i = 0;
            qint64 size = 0;
            while (i < line.size()) {
                const char c = line[i];
                int digit = -1;
                if (c >= '0' && c <= '9') {
                    digit = c - '0';
                } else if (c >= 'a' && c <= 'f') {
                    digit = c - 'a' + 10;
                } else if (c >= 'A' && c <= 'F') {
                    digit = c - 'A' + 10;
                }
                if (digit < 0) {
                    break;
                }
                if (i >= 15) {
                    return fail(400, "A chunk size is too large.");
                }
                size = size * 16 + digit;
                ++i;
            }
            if (i == 0) {
                return fail(400, "A chunk size is not a hexadecimal number.");
            }
            QByteArrayView rest = line.sliced(i);
            while (!rest.isEmpty() && (rest.front() == ' ' || rest.front() == '\t')) {
                rest = rest.sliced(1);
            }
            if (!rest.isEmpty() && rest.front() != ';') {
                return fail(400, "A chunk size is followed by something other than an extension.");
            }
            for (char c : rest) {
                const auto u = static_cast<unsigned char>(c);
                if (u != '\t' && (u < 0x20 || u == 0x7f)) {
                    return fail(400, "A chunk extension contains a control character.");
                }
            }
            if (m_total + size > m_max) {
                return fail(413, "The request body is larger than the server accepts.");
            }
            pos = nl + 1;
            if (size == 0) {
                m_state = State::Trailer;
            } else {
                m_remaining = size;
                m_state = State::Data;
            }
            break;
        }
        case State::Data: {
            const qsizetype take = qsizetype(std::min<qint64>(m_remaining, in.size() - pos));
            piece(in.sliced(pos, take));
            pos += take;
            m_remaining -= take;
            m_total += take;
            if (m_remaining == 0) {
                m_state = State::DataCrlf;
            }
            break;
        }
        case State::DataCrlf:
            if (in.size() - pos < 2) {
                if (in[pos] != '\r') {
                    return fail(400, "Chunk data must be followed by CRLF.");
                }
                s.consumed = pos;
                return s;
            }
            if (in[pos] != '\r' || in[pos + 1] != '\n') {
                return fail(400, "Chunk data must be followed by CRLF.");
            }
            pos += 2;
            m_state = State::Size;
            break;
        case State::Trailer: {
            const qsizetype nl = indexOf(in, '\n', pos);
            if (nl < 0) {
                if (m_trailerBytes + (in.size() - pos) > Limits::kMaxTrailerBytes) {
                    return fail(431, "The chunked trailer section is too large.");
                }
                s.consumed = pos;
                return s;
            }
            if (nl == pos || in[nl - 1] != '\r') {
                return fail(400, "Trailer lines must end with CRLF.");
            }
            const QByteArrayView line = in.sliced(pos, nl - 1 - pos);
            m_trailerBytes += nl + 1 - pos;
            if (m_trailerBytes > Limits::kMaxTrailerBytes) {
                return fail(431, "The chunked trailer section is too large.");
            }
            pos = nl + 1;
            if (line.isEmpty()) {
                m_state = State::Done;
            } else if (line.indexOf(':') <= 0 || line.front() == ' ' || line.front() == '\t' || !isFieldValue(line)) {
                return fail(400, "A trailer field is malformed.");
            }
            break;
        }
        case State::Done:
            break;
        }
    }
    s.consumed = pos;
    s.done = m_state == State::Done;
    return s;
}

} // namespace ga::http
