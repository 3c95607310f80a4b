// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/usagesniffer.h"

#include <algorithm>
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
void topLevelNumbers(QByteArrayView obj, std::initializer_list<std::pair<const char *, qint64 *>> fields)
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
            if (name == QByteArrayView(field)) {
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

} // namespace

void UsageSniffer::feed(QByteArrayView data)
{
    // Only what may still matter is kept between chunks: a usage object that has not fully arrived, or the last few
    // bytes (a name cut in two). The rest of an answer is looked at once, where it lies, and never copied.
    m_result.reset();
    QByteArrayView text = data;
    if (!m_tail.isEmpty()) {
        m_tail.append(data);
        text = m_tail;
    }
    qsizetype keep = scan(text);
    keep = std::max(keep, text.size() - kWindow);
    QByteArray rest = text.sliced(keep).toByteArray(); // before m_tail changes: `text` may be a view of it
    m_tail = std::move(rest);
}

qsizetype UsageSniffer::scan(QByteArrayView text)
{
    static constexpr std::string_view kUsage = "\"usage";
    static constexpr std::string_view kMetadata = "Metadata\"";
    // Usage is cumulative, so only the last complete usage object matters, and Google puts it at the end of each
    // chunk: the name is searched for from the end backwards, and the search stops at the first complete object.
    // Boyer-Moore-Horspool over the reversed name: searching for the quote that begins it and comparing the rest cost
    // a call per quote in the answer (every string), half of a stream's cost in the proxy (profile.sh STREAM=1).
    static constexpr std::string_view kReversedUsage = "egasu\"";
    static const std::boyer_moore_horspool_searcher reversedName(kReversedUsage.begin(), kReversedUsage.end());
    using Back = std::reverse_iterator<const char *>;
    const char *const begin = text.data();
    const char *const end = begin + text.size();
    // Where the next chunk's scan must begin: an object (or a name) that has not fully arrived is looked at again
    // with it; otherwise only the last bytes, where a name may have been cut in two.
    qsizetype keep = std::max<qsizetype>(0, text.size() - qsizetype(kUsage.size() + kMetadata.size()) + 1);
    for (const char *to = end;;) {
        const auto match = reversedName(Back(to), Back(begin));
        if (match.first == Back(begin)) {
            break;
        }
        const char *hit = match.second.base(); // where the name begins
        to = hit; // the next search looks before this name
        const std::string_view after(hit + kUsage.size(), size_t(end - hit) - kUsage.size());
        const qsizetype at = qsizetype(hit - begin);
        qsizetype nameLength = 0;
        if (after.substr(0, kMetadata.size()) == kMetadata) {
            nameLength = qsizetype(kUsage.size() + kMetadata.size()); // "usageMetadata"
        } else if (!after.empty() && after.front() == '"') {
            nameLength = qsizetype(kUsage.size() + 1); // "usage"
        } else if (after.size() < kMetadata.size() && kMetadata.substr(0, after.size()) == after) {
            keep = at; // the name is not complete yet
            continue;
        } else {
            continue; // "usageSomethingElse"
        }
        const qsizetype open = text.indexOf('{', at + nameLength);
        const QByteArrayView obj = open < 0 ? QByteArrayView() : objectAt(text, open);
        if (obj.isEmpty()) {
            keep = at; // the object has not fully arrived
            continue;
        }
        m_lastObject = text.sliced(at, nameLength).toByteArray() + obj.toByteArray();
        break;
    }
    return keep;
}

keys::Usage UsageSniffer::result() const
{
    if (m_result) {
        return *m_result;
    }
    keys::Usage &u = m_result.emplace();
    if (m_lastObject.isEmpty()) {
        return u;
    }
    const QByteArrayView obj = QByteArrayView(m_lastObject).sliced(m_lastObject.indexOf('{'));
    if (m_lastObject.startsWith("\"usageMetadata\"")) {
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
    u.known = u.totalTokens > 0 || u.promptTokens > 0;
    return u;
}

QString modelOf(QByteArrayView path, QByteArrayView body)
{
    const qsizetype at = path.indexOf("/models/");
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
    if (path.contains("/openai/") && !body.isEmpty()) {
        // The compat body names the model: {"model": "gemini-2.5-flash", ...} (sometimes "models/…").
        const qsizetype key = body.indexOf("\"model\"");
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
