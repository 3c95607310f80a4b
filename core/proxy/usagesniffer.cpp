// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/usagesniffer.h"

#include <QJsonDocument>
#include <QJsonObject>

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

} // namespace

void UsageSniffer::feed(QByteArrayView data)
{
    m_tail.append(data);
    scan();
    if (m_tail.size() > kWindow) {
        m_tail.remove(0, m_tail.size() - kWindow);
    }
}

void UsageSniffer::scan()
{
    for (const char *name : { "\"usageMetadata\"", "\"usage\"" }) {
        const qsizetype at = m_tail.lastIndexOf(name);
        if (at < 0) {
            continue;
        }
        const qsizetype open = m_tail.indexOf('{', at);
        if (open < 0) {
            continue;
        }
        const QByteArrayView obj = objectAt(m_tail, open);
        if (!obj.isEmpty()) {
            m_lastObject = QByteArray(name) + obj.toByteArray();
        }
    }
}

keys::Usage UsageSniffer::result() const
{
    keys::Usage u;
    if (m_lastObject.isEmpty()) {
        return u;
    }
    const qsizetype brace = m_lastObject.indexOf('{');
    const QJsonObject o = QJsonDocument::fromJson(m_lastObject.sliced(brace)).object();
    if (m_lastObject.startsWith("\"usageMetadata\"")) {
        u.promptTokens = o.value(u"promptTokenCount").toInteger();
        u.outputTokens = o.value(u"candidatesTokenCount").toInteger() + o.value(u"thoughtsTokenCount").toInteger();
        u.totalTokens = o.value(u"totalTokenCount").toInteger();
    } else {
        u.promptTokens = o.value(u"prompt_tokens").toInteger();
        u.outputTokens = o.value(u"completion_tokens").toInteger();
        u.totalTokens = o.value(u"total_tokens").toInteger();
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
