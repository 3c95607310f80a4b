// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/keypool.h"

#include <QByteArray>

#include <memory>
#include <optional>
#include <utility>

namespace ga::proxy {

// Finds token usage in a response as it streams past, without buffering it: Gemini's "usageMetadata"
// (cumulative, so the last one in a stream counts) and OpenAI's "usage". Keeps only what may still matter.
class UsageSniffer
{
public:
    // `oneObject`: the answer is one JSON object (a unary request's), not a stream of them. Its usage is the last
    // usage name's object; there is no earlier event to fall back to when that object is cut, and in an indented
    // answer a name on an earlier line is one nested in the content (a function call's argument), never a fallback.
    // So only the last name is looked for: a unary answer's search ended a third of the way back from its end,
    // where looking on for a fallback went through the whole answer (~350 instructions a request, profile.sh).
    explicit UsageSniffer(bool oneObject = false)
        : m_oneObject(oneObject)
    { }
    void feed(QByteArrayView data);
    keys::Usage result() const;

private:
    // A usage object is not parsed as it passes (Google sends one in every chunk of a stream, and only the last
    // counts): the text from the last usage name on is kept as the candidate, and result() parses it. When a newer
    // name arrives on a later line, the candidate before it becomes the fallback, for a stream cut inside its last
    // object. A stream's events are a line each, and an event's own usage comes after its content: a name earlier
    // on the same line (a function call's argument) is nested, and never the fallback.
    // The last bytes of what was fed (a name may have been cut in two), held inline: one byte less than
    // "usageMetadata" with its quotes.
    static constexpr qsizetype kTail = 14;
    char m_tail[kTail] = {};
    qsizetype m_tailSize = 0;
    // Text kept from chunk to chunk, sized without a call into Qt (QByteArray::resize() was ~35 instructions an
    // event): its storage is kept and grows to what is asked (by half again at least for appends), and as a stream's
    // events are much alike in size only the first few allocate. Up to 384 bytes (a usual usage object to the answer's
    // end) it is a block the worker keeps for the next request's (memory/recycler.h).
    class Text
    {
    public:
        Text() = default;
        ~Text();
        Text(const Text &) = delete;
        Text &operator=(const Text &) = delete;
        qsizetype size() const { return m_size; }
        bool isEmpty() const { return m_size == 0; }
        QByteArrayView view() const { return { m_bytes, m_size }; }
        // The storage for `size` bytes, those it held kept; with `doubling` it grows by half again at least.
        char *resize(qsizetype size, bool doubling);
        void swap(Text &other) noexcept
        {
            std::swap(m_bytes, other.m_bytes);
            std::swap(m_size, other.m_size);
            std::swap(m_capacity, other.m_capacity);
        }

    private:
        char *m_bytes = nullptr; // kTextBlock bytes from memory/recycler.h, larger ones new[]
        qsizetype m_size = 0;
        qsizetype m_capacity = 0;
    };
    Text m_candidate; // from the last usage name to the end of what was fed (bounded)
    Text m_previous; // the last name of an earlier line than the candidate's, up to where the next one began
    bool m_lineEnded = false; // a line ended after the candidate's name
    bool m_oneObject = false;
    // result() is asked twice per request (the key's usage, the access record): parsed once per change.
    mutable std::optional<keys::Usage> m_result;
};

// The model a request is for, as UTF-8 bytes (a part of `path` or `body`): "gemini-2.5-flash" from
// ".../models/gemini-2.5-flash:generateContent", or the "model" field of an OpenAI-compatible body; empty when the
// request names none.
QByteArrayView modelBytesOf(QByteArrayView path, QByteArrayView body);

} // namespace ga::proxy
