// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/usagesniffer.h"

#include "http/search.h"
#include "memory/recycler.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <utility>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace ga::proxy {
namespace {

constexpr qsizetype kWindow = 64 * 1024;

// The quote that ends the JSON string whose text starts at `p` (escapes passed over), or `end`. 16 bytes a step where
// SSE2 is there: the names and values of a usage object are most of its bytes.
const char *closingQuote(const char *p, const char *end)
{
#if defined(__SSE2__) || defined(_M_X64)
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const auto mask = unsigned(_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
        if (mask == 0) {
            p += 16;
            continue;
        }
        p += std::countr_zero(mask);
        if (*p == '"') {
            return p;
        }
        if (end - p < 2) {
            return end; // a backslash the text ends with (no pointer past its end is made)
        }
        p += 2; // a backslash and the byte it escapes
    }
#endif
    for (; p < end; ++p) {
        if (*p == '"') {
            return p;
        }
        if (*p == '\\' && ++p == end) {
            break;
        }
    }
    return end;
}

// The next byte from `p` on that a scan of JSON's nesting stops at ('{', '[', '}', ']' or '"'), or `end`. '{' and
// '[' differ in one bit (0x20), as '}' and ']' do: two comparisons find the four. Google indents its JSON: most bytes
// are spaces and digits, passed over 16 at a time where SSE2 is there.
const char *nextStructural(const char *p, const char *end)
{
#if defined(__SSE2__) || defined(_M_X64)
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
        const __m128i opens = _mm_cmpeq_epi8(folded, _mm_set1_epi8('{'));
        const __m128i closes = _mm_cmpeq_epi8(folded, _mm_set1_epi8('}'));
        const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
        if (const auto mask = unsigned(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(opens, closes), quote)))) {
            return p + std::countr_zero(mask);
        }
        p += 16;
    }
#endif
    for (; p < end; ++p) {
        const char folded = char(*p | 0x20);
        if (*p == '"' || folded == '{' || folded == '}') {
            return p;
        }
    }
    return end;
}

const char *skipJsonSpace(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        ++p;
    }
    return p;
}

// The whole numbers of `fields` among the top-level members of the JSON object that begins `text` (at its '{'), set
// only when the object ends in `text` (then true; the ones not present are 0). One scan instead of a QJsonDocument
// (one usage object per answer, on the hot path), which also finds where the object ends. It goes from one
// structural byte to the next (nextStructural); a string is passed over whole, and only one at the object's own
// level followed by ':' is a member name, compared with the fields' names.
bool topLevelNumbers(QByteArrayView text, std::initializer_list<std::pair<QByteArrayView, qint64 *>> fields)
{
    std::array<qint64, 4> found {};
    Q_ASSERT(fields.size() <= found.size());
    const char *p = text.data();
    const char *const end = p + text.size();
    int depth = 0;
    while ((p = nextStructural(p, end)) != end) {
        const char c = *p++;
        if (char(c | 0x20) == '{') {
            ++depth;
            continue;
        }
        if (char(c | 0x20) == '}') {
            if (--depth == 0) {
                size_t k = 0;
                for (const auto &field : fields) {
                    *field.second = found[k++];
                }
                return true;
            }
            continue;
        }
        const char *const name = p; // a string
        p = closingQuote(p, end);
        if (p == end) {
            return false;
        }
        const qsizetype nameSize = p - name;
        ++p;
        if (depth != 1) {
            continue;
        }
        const char *q = skipJsonSpace(p, end);
        if (q == end || *q != ':') {
            continue; // a value
        }
        size_t k = 0;
        for (const auto &field : fields) {
            if (nameSize == field.first.size() && std::memcmp(name, field.first.data(), size_t(nameSize)) == 0) {
                break;
            }
            ++k;
        }
        p = q + 1;
        if (k == fields.size()) {
            continue;
        }
        q = skipJsonSpace(p, end);
        qint64 v = 0;
        for (int digits = 0; q < end && *q >= '0' && *q <= '9' && digits < 18; ++q, ++digits) {
            v = v * 10 + (*q - '0');
        }
        found[k] = v;
        p = q;
    }
    return false;
}

// The start of the last `"usage` that lies wholly in [begin, end), or nullptr. Searched from the end, 16 bytes a
// step where SSE2 is there (every x86-64): both of its first two bytes compared at once, the rest only where they
// match (std::boyer_moore_horspool_searcher over the six bytes cost ~380 instructions an event, a sixth of it).
const char *lastUsageQuote(const char *begin, const char *end)
{
    static constexpr std::string_view kRest = "sage";
    if (end - begin < 6) {
        return nullptr;
    }
    const char *p = end - 6; // the last place it can start
#if defined(__SSE2__) || defined(_M_X64)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i u = _mm_set1_epi8('u');
    while (p - 15 >= begin) {
        const char *block = p - 15; // starts block[0..15], their next bytes block[1..16] (p + 1 at most)
        const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i *>(block));
        const __m128i second = _mm_loadu_si128(reinterpret_cast<const __m128i *>(block + 1));
        auto mask = unsigned(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(first, quote), _mm_cmpeq_epi8(second, u))));
        while (mask != 0) {
            const int bit = std::bit_width(mask) - 1; // the latest start first
            if (std::memcmp(block + bit + 2, kRest.data(), kRest.size()) == 0) {
                return block + bit;
            }
            mask &= ~(1u << bit);
        }
        p -= 16;
    }
#endif
    for (; p >= begin; --p) {
        if (p[0] == '"' && p[1] == 'u' && std::memcmp(p + 2, kRest.data(), kRest.size()) == 0) {
            return p;
        }
    }
    return nullptr;
}

// A usage name ("usageMetadata" or "usage", quoted) that begins at `at` in `text`: its length; 0 when the name
// there is another one ("usageLimits", an escaped quote inside a string), -1 when `text` ends before it does.
qsizetype usageNameLength(std::string_view text, size_t at)
{
    static constexpr std::string_view kUsage = "\"usage";
    static constexpr std::string_view kMetadata = "Metadata\"";
    const std::string_view after = text.substr(at + kUsage.size());
    if (after.substr(0, kMetadata.size()) == kMetadata) {
        return qsizetype(kUsage.size() + kMetadata.size());
    }
    if (!after.empty() && after.front() == '"') {
        return qsizetype(kUsage.size() + 1);
    }
    return after.size() < kMetadata.size() && kMetadata.substr(0, after.size()) == after ? -1 : 0;
}

} // namespace

void UsageSniffer::feed(QByteArrayView data)
{
    // The last bytes of the previous chunk count as if they stood in front of this one, so a name cut in two is found
    // whole; a name that ends inside them was found before. Positions below are in that text (tail, then chunk); it
    // is never put together: a name wholly in the chunk is found in the chunk, one that begins in the tail in a few
    // bytes on the stack, and what is kept is copied from the two parts (joining each chunk to the tail cost a copy
    // and two appends per event).
    static constexpr qsizetype kLongestName = 15; // "usageMetadata" with its quotes
    // Searched for from the end (the candidate is the last name), lastUsageQuote().
    m_result.reset();
    const qsizetype tailSize = m_tailSize;
    const qsizetype textSize = tailSize + data.size();
    // The last complete names of `text` (up to two, the latest first) that end after the tail; the second only on an
    // earlier line than the first (see the header). So with one event a chunk, the usual case, the search ends at
    // the first name instead of going on through the whole event (a sixth of an event's instructions, profile.sh).
    qsizetype found[2] = { -1, -1 };
    const int wanted = m_oneObject ? 1 : 2;
    int count = 0;
    bool earlierLines = true; // a line ends in this chunk before found[0]
    auto collect = [&](std::string_view text, qsizetype offset, qsizetype startsBefore) {
        for (const char *to = text.data() + text.size(); count < wanted;) {
            const char *hit = lastUsageQuote(text.data(), to);
            if (!hit) {
                return;
            }
            to = hit;
            const qsizetype at = qsizetype(hit - text.data());
            const qsizetype length = usageNameLength(text, size_t(at));
            if (length > 0 && offset + at + length > tailSize && offset + at < startsBefore) {
                found[count++] = offset + at;
                if (count == 1 && wanted == 2) {
                    const qsizetype newline = http::lastIndexOf(QByteArrayView(text.data(), at), '\n');
                    if (newline < 0) {
                        earlierLines = false;
                        return;
                    }
                    to = text.data() + newline;
                }
            }
        }
    };
    collect(std::string_view(data.data(), size_t(data.size())), tailSize, textSize);
    if (count < wanted && tailSize > 0 && earlierLines) {
        // A name that begins in the tail and ends in this chunk: before any found in the chunk.
        char edge[kTail + kLongestName];
        const qsizetype fromChunk = std::min(data.size(), kLongestName);
        std::memcpy(edge, m_tail, size_t(tailSize));
        std::memcpy(edge + tailSize, data.data(), size_t(fromChunk));
        collect(std::string_view(edge, size_t(tailSize + fromChunk)), 0, tailSize);
    }
    // [from, to) of the text into `out` (resized, or appended to): its storage is reused, as the two buffers trade
    // places when a newer name comes, and a stream's events are much alike in size, so after the first few no event
    // allocates.
    auto copyText = [&](Text &out, qsizetype from, qsizetype to, bool append) {
        const qsizetype at = append ? out.size() : 0;
        char *p = out.resize(at + (to - from), false) + at; // at its size: every held stream has one
        if (from < tailSize) {
            const qsizetype inTail = std::min(tailSize, to) - from;
            p = std::copy_n(m_tail + from, inTail, p);
            from += inTail;
        }
        std::copy_n(data.data() + (from - tailSize), to - from, p);
    };
    if (count > 0) {
        if (count == 2) {
            copyText(m_previous, found[1], found[0], false);
        } else if (!m_oneObject && (earlierLines || m_lineEnded)) {
            // The candidate so far, with what of this chunk came before the newer name (its object's end) unless the
            // text so far ended an SSE event (a blank line): nothing after that is part of its object. A stream's
            // chunk is usually one whole event, and this copy was a third of the sniffer's cost an event.
            m_previous.swap(m_candidate);
            const char *end = m_tail + m_tailSize; // the tail holds 14 bytes unless all that was fed is shorter
            const bool eventEnded = m_tailSize >= 2 && end[-1] == '\n'
                && (end[-2] == '\n' || (m_tailSize >= 3 && end[-2] == '\r' && end[-3] == '\n'));
            if (!m_previous.isEmpty() && !eventEnded && found[0] > tailSize && m_previous.size() < kWindow) {
                copyText(
                    m_previous, tailSize, tailSize + std::min(found[0] - tailSize, kWindow - m_previous.size()), true);
            }
        } // else the candidate so far was on the newer name's line: nested, dropped (m_previous stays)
        copyText(m_candidate, found[0], found[0] + std::min(textSize - found[0], kWindow), false);
        if (!m_oneObject) {
            const qsizetype after = std::max<qsizetype>(0, found[0] - tailSize);
            m_lineEnded = std::memchr(data.data() + after, '\n', size_t(data.size() - after)) != nullptr;
        }
    } else if (!m_candidate.isEmpty()) {
        if (m_candidate.size() < kWindow) {
            const QByteArrayView more = data.first(std::min(data.size(), kWindow - m_candidate.size()));
            const qsizetype at = m_candidate.size();
            std::memcpy(m_candidate.resize(at + more.size(), true) + at, more.data(), size_t(more.size()));
        }
        m_lineEnded = m_lineEnded || (!m_oneObject && std::memchr(data.data(), '\n', size_t(data.size())) != nullptr);
    }
    // The new tail: the text's last bytes (a constant-size copy from a chunk that holds them all; else assembled on
    // the stack, as they may be taken from the old tail).
    if (data.size() >= kTail) {
        std::memcpy(m_tail, data.data() + (data.size() - kTail), size_t(kTail));
        m_tailSize = kTail;
        return;
    }
    const qsizetype newTail = std::min(textSize, kTail);
    char last[kTail];
    const qsizetype fromOld = std::max<qsizetype>(0, newTail - data.size());
    std::memcpy(last, m_tail + (tailSize - fromOld), size_t(fromOld));
    std::memcpy(last + fromOld, data.data() + (data.size() - (newTail - fromOld)), size_t(newTail - fromOld));
    m_tailSize = newTail;
    std::memcpy(m_tail, last, size_t(newTail));
}

namespace {

// A text of up to this many bytes (a usual answer's usage object to its end: ~300; an SSE event's ~250) is a block of
// this size that the worker keeps for the next one (memory/recycler.h): a sniffer lives for one request, made and freed
// on the worker, and under load many run at once (one spare buffer a thread, as it was, missed nearly every request).
constexpr qsizetype kTextBlock = 384;

char *newText(qsizetype capacity)
{
    return capacity == kTextBlock ? static_cast<char *>(memory::takeBlock(size_t(kTextBlock)))
                                  : new char[size_t(capacity)];
}

void deleteText(char *bytes, qsizetype capacity)
{
    if (capacity == kTextBlock) {
        memory::giveBlock(bytes, size_t(kTextBlock));
    } else {
        delete[] bytes;
    }
}

} // namespace

UsageSniffer::Text::~Text()
{
    deleteText(m_bytes, m_capacity);
}

char *UsageSniffer::Text::resize(qsizetype size, bool doubling)
{
    if (size > m_capacity) {
        qsizetype capacity = doubling ? std::max(size, m_capacity + m_capacity / 2) : size;
        if (capacity < kTextBlock) {
            capacity = kTextBlock;
        }
        char *bytes = newText(capacity);
        if (const qsizetype kept = std::min(m_size, size); kept > 0) {
            std::memcpy(bytes, m_bytes, size_t(kept));
        }
        deleteText(std::exchange(m_bytes, bytes), m_capacity);
        m_capacity = capacity;
    }
    m_size = size;
    return m_bytes;
}

keys::Usage UsageSniffer::result() const
{
    if (m_result) {
        return *m_result;
    }
    keys::Usage &u = m_result.emplace();
    for (const Text *text : { &m_candidate, &m_previous }) {
        const QByteArrayView candidate = text->view();
        const qsizetype nameLength = candidate.isEmpty()
            ? 0
            : usageNameLength(std::string_view(candidate.data(), size_t(candidate.size())), 0);
        const qsizetype open = nameLength > 0 ? candidate.indexOf('{', nameLength) : -1;
        if (open < 0) {
            continue;
        }
        const QByteArrayView obj = candidate.sliced(open);
        if (http::startsWith(candidate, "\"usageMetadata\"")) {
            qint64 candidates = 0;
            qint64 thoughts = 0;
            if (!topLevelNumbers(obj,
                    { { "promptTokenCount", &u.promptTokens }, { "candidatesTokenCount", &candidates },
                        { "thoughtsTokenCount", &thoughts }, { "totalTokenCount", &u.totalTokens } })) {
                continue; // cut before its end: the one before counts
            }
            u.outputTokens = candidates + thoughts;
        } else if (!topLevelNumbers(obj,
                       { { "prompt_tokens", &u.promptTokens }, { "completion_tokens", &u.outputTokens },
                           { "total_tokens", &u.totalTokens } })) {
            continue;
        }
        break;
    }
    u.known = u.totalTokens > 0 || u.promptTokens > 0;
    return u;
}

QByteArrayView modelBytesOf(QByteArrayView path, QByteArrayView body)
{
    const qsizetype at = http::indexOf(path, "/models/");
    if (at >= 0) {
        QByteArrayView rest = path.sliced(at + 8);
        const qsizetype end = http::indexOf(rest, ':');
        if (end >= 0) {
            rest = rest.first(end);
        }
        if (const qsizetype slash = http::indexOf(rest, '/'); slash >= 0) {
            rest = rest.first(slash);
        }
        return rest;
    }
    if (http::contains(path, "/openai/") && !body.isEmpty()) {
        // The compat body names the model: {"model": "gemini-2.5-flash", ...} (sometimes "models/…").
        const qsizetype key = http::indexOf(body, "\"model\"");
        if (key >= 0) {
            const qsizetype open = body.indexOf('"', body.indexOf(':', key) + 1);
            const qsizetype close = open < 0 ? -1 : body.indexOf('"', open + 1);
            if (close > open) {
                QByteArrayView m = body.sliced(open + 1, close - open - 1);
                if (m.startsWith("models/")) {
                    m = m.sliced(7);
                }
                return m;
            }
        }
    }
    return {};
}

} // namespace ga::proxy
