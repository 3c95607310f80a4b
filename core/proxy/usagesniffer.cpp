// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/usagesniffer.h"

#include "http/search.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <utility>

namespace ga::proxy {
namespace {

constexpr qsizetype kWindow = 64 * 1024;

// The JSON object that starts at `open` ('{'), or empty when it is not complete in `text`.
QByteArrayView objectAt(QByteArrayView text, qsizetype open)
{
    int depth = 0;
    bool inString = false;
    for (qsizetype i = open; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}' && --depth == 0) {
            return text.sliced(open, i - open + 1);
        }
    }
    return {};
}

// The whole numbers of `fields` among the top-level members of the JSON object `obj` (the ones not present stay 0).
// A scan instead of a QJsonDocument: one usage object per answer, on the hot path.
void topLevelNumbers(QByteArrayView obj, std::initializer_list<std::pair<QByteArrayView, qint64 *>> fields)
{
    int depth = 0;
    for (qsizetype i = 0; i < obj.size(); ++i) {
        const char c = obj[i];
        if (c == '{' || c == '[') {
            ++depth;
            continue;
        }
        if (c == '}' || c == ']') {
            --depth;
            continue;
        }
        if (c != '"') {
            continue;
        }
        const qsizetype start = i + 1; // a string: a member name when a ':' follows it at depth 1
        for (++i; i < obj.size() && obj[i] != '"'; ++i) {
            if (obj[i] == '\\') {
                ++i;
            }
        }
        const QByteArrayView name = obj.sliced(start, std::min(i, obj.size()) - start);
        qsizetype j = i + 1;
        while (j < obj.size() && (obj[j] == ' ' || obj[j] == '\t' || obj[j] == '\n' || obj[j] == '\r')) {
            ++j;
        }
        if (depth != 1 || j >= obj.size() || obj[j] != ':') {
            continue;
        }
        for (const auto &[field, out] : fields) {
            if (name == field) {
                ++j;
                while (j < obj.size() && (obj[j] == ' ' || obj[j] == '\t' || obj[j] == '\n' || obj[j] == '\r')) {
                    ++j;
                }
                qint64 v = 0;
                for (int digits = 0; j < obj.size() && obj[j] >= '0' && obj[j] <= '9' && digits < 18; ++j, ++digits) {
                    v = v * 10 + (obj[j] - '0');
                }
                *out = v;
                i = j - 1;
                break;
            }
        }
    }
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
    // The last bytes of the previous chunk go in front of this one, so a name cut in two is found whole; a name that
    // ends inside them was found before.
    static constexpr qsizetype kTail = 14; // one byte less than "usageMetadata" with its quotes
    // Searched for from the end (the candidate is the last name) with Boyer-Moore-Horspool over the reversed name:
    // searching for the quote that begins it and comparing the rest cost a call per string in the answer.
    static constexpr std::string_view kReversedUsage = "egasu\"";
    static const std::boyer_moore_horspool_searcher reversedName(kReversedUsage.begin(), kReversedUsage.end());
    using Back = std::reverse_iterator<const char *>;
    m_result.reset();
    // The joined bytes go into a buffer of the thread's, kept between calls (up to 64 KiB): an allocation and a free
    // per event were a tenth of an SSE event's instructions (profile.sh STREAM=1 INTERVAL_MS=3). Nothing keeps a
    // view of it after this call.
    static constexpr qsizetype kKeptScratch = 64 * 1024;
    thread_local QByteArray scratch;
    QByteArrayView text = data;
    const qsizetype tailSize = m_tail.size();
    if (tailSize > 0) {
        scratch.resize(0); // keeps the capacity
        scratch.reserve(tailSize + data.size());
        scratch.append(m_tail).append(data);
        text = scratch;
    }
    const std::string_view all(text.data(), size_t(text.size()));
    // The last two complete names in `text` that end after the tail.
    qsizetype found[2] = { -1, -1 };
    int count = 0;
    for (const char *to = text.data() + text.size(); count < 2;) {
        const auto match = reversedName(Back(to), Back(text.data()));
        if (match.first == Back(text.data())) {
            break;
        }
        const char *hit = match.second.base();
        to = hit;
        const qsizetype at = qsizetype(hit - text.data());
        const qsizetype length = usageNameLength(all, size_t(at));
        if (length > 0 && at + length > tailSize) {
            found[count++] = at;
        }
    }
    // Copied into storage the two buffers already have (they trade places as a newer name comes): a stream's events
    // are much alike in size, so after the first few no event allocates.
    auto copyInto = [](QByteArray &to, QByteArrayView bytes) {
        to.resize(bytes.size());
        std::memcpy(to.data(), bytes.data(), size_t(bytes.size()));
    };
    if (count > 0) {
        if (count == 2) {
            copyInto(m_previous, text.sliced(found[1], found[0] - found[1]));
        } else {
            // The candidate so far, with what of this chunk came before the newer name (its object's end).
            m_previous.swap(m_candidate);
            if (!m_previous.isEmpty() && found[0] > tailSize && m_previous.size() < kWindow) {
                m_previous.append(text.sliced(tailSize, std::min(found[0] - tailSize, kWindow - m_previous.size())));
            }
        }
        copyInto(m_candidate, text.sliced(found[0], std::min(text.size() - found[0], kWindow)));
    } else if (!m_candidate.isEmpty() && m_candidate.size() < kWindow) {
        m_candidate.append(data.first(std::min(data.size(), kWindow - m_candidate.size())));
    }
    // In place: the tail's own 14 bytes are reused from chunk to chunk.
    const QByteArrayView tail = text.last(std::min(text.size(), kTail));
    m_tail.resize(tail.size());
    std::memcpy(m_tail.data(), tail.data(), size_t(tail.size()));
    if (scratch.capacity() > kKeptScratch) {
        scratch = QByteArray(); // a big answer's chunk: not kept
    }
}

keys::Usage UsageSniffer::result() const
{
    if (m_result) {
        return *m_result;
    }
    keys::Usage &u = m_result.emplace();
    for (const QByteArray *candidate : { &m_candidate, &m_previous }) {
        const qsizetype nameLength = candidate->isEmpty() ? 0 : usageNameLength(std::string_view(*candidate), 0);
        const qsizetype open = nameLength > 0 ? candidate->indexOf('{', nameLength) : -1;
        const QByteArrayView obj = open < 0 ? QByteArrayView() : objectAt(*candidate, open);
        if (obj.isEmpty()) {
            continue; // cut before its end: the one before counts
        }
        if (candidate->startsWith("\"usageMetadata\"")) {
            qint64 candidates = 0;
            qint64 thoughts = 0;
            topLevelNumbers(obj,
                { { "promptTokenCount", &u.promptTokens }, { "candidatesTokenCount", &candidates },
                    { "thoughtsTokenCount", &thoughts }, { "totalTokenCount", &u.totalTokens } });
            u.outputTokens = candidates + thoughts;
        } else {
            topLevelNumbers(obj,
                { { "prompt_tokens", &u.promptTokens }, { "completion_tokens", &u.outputTokens },
                    { "total_tokens", &u.totalTokens } });
        }
        break;
    }
    u.known = u.totalTokens > 0 || u.promptTokens > 0;
    return u;
}

QString modelOf(QByteArrayView path, QByteArrayView body)
{
    const qsizetype at = http::indexOf(path, "/models/");
    if (at >= 0) {
        QByteArrayView rest = path.sliced(at + 8);
        const qsizetype end = rest.indexOf(':');
        if (end >= 0) {
            rest = rest.first(end);
        }
        if (const qsizetype slash = rest.indexOf('/'); slash >= 0) {
            rest = rest.first(slash);
        }
        return QString::fromUtf8(rest);
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
                return QString::fromUtf8(m);
            }
        }
    }
    return QString();
}

} // namespace ga::proxy
