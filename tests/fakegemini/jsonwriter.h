// SPDX-License-Identifier: GPL-3.0-or-later
// An order-preserving, allocation-light JSON writer with the spacing styles the Gemini API uses.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace ga::test::fake {

class JsonWriter
{
public:
    enum class Style
    {
        Pretty, // 2-space indent, "key": value, one member per line (generateContent, errors)
        Sse, // one line, space after ':' but none after ',' (streamGenerateContent?alt=sse)
        Spaced, // one line, ": " and ", " (errors of the OpenAI-compatible endpoints)
        Compact, // no spaces at all (OpenAI-compatible replies)
    };

    JsonWriter(QByteArray &out, Style style)
        : m_out(out)
        , m_style(style)
    { }

    JsonWriter &beginObject()
    {
        beforeValue();
        push(true);
        m_out += '{';
        return *this;
    }
    JsonWriter &endObject()
    {
        pop();
        m_out += '}';
        return *this;
    }
    JsonWriter &beginArray()
    {
        beforeValue();
        push(false);
        m_out += '[';
        return *this;
    }
    JsonWriter &endArray()
    {
        pop();
        m_out += ']';
        return *this;
    }
    // Keys are plain ASCII identifiers: written as given.
    JsonWriter &key(QByteArrayView k)
    {
        beforeValue();
        m_out += '"';
        m_out += k;
        m_out += m_style == Style::Compact ? QByteArrayView("\":") : QByteArrayView("\": ");
        m_afterKey = true;
        return *this;
    }
    JsonWriter &str(QByteArrayView utf8)
    {
        beforeValue();
        appendEscaped(m_out, utf8);
        return *this;
    }
    JsonWriter &str(const QByteArray &utf8) { return str(QByteArrayView(utf8)); }
    JsonWriter &str(const char *utf8) { return str(QByteArrayView(utf8)); }
    JsonWriter &str(const QString &s) { return str(QByteArrayView(s.toUtf8())); }
    JsonWriter &num(qint64 v)
    {
        beforeValue();
        m_out += QByteArray::number(v);
        return *this;
    }
    JsonWriter &raw(QByteArrayView literal)
    {
        beforeValue();
        m_out += literal;
        return *this;
    }
    JsonWriter &boolean(bool v) { return raw(v ? QByteArrayView("true") : QByteArrayView("false")); }
    JsonWriter &null() { return raw("null"); }

    // Shorthands for "key": value.
    JsonWriter &field(QByteArrayView k, QByteArrayView utf8) { return key(k).str(utf8); }
    JsonWriter &field(QByteArrayView k, const char *utf8) { return key(k).str(QByteArrayView(utf8)); }
    JsonWriter &field(QByteArrayView k, const QByteArray &utf8) { return key(k).str(QByteArrayView(utf8)); }
    JsonWriter &field(QByteArrayView k, const QString &s) { return key(k).str(s); }
    JsonWriter &field(QByteArrayView k, qint64 v) { return key(k).num(v); }
    JsonWriter &field(QByteArrayView k, int v) { return key(k).num(v); }
    JsonWriter &fieldRaw(QByteArrayView k, QByteArrayView literal) { return key(k).raw(literal); }
    JsonWriter &fieldBool(QByteArrayView k, bool v) { return key(k).boolean(v); }

    static void appendEscaped(QByteArray &out, QByteArrayView utf8)
    {
        static const char hex[] = "0123456789abcdef";
        out += '"';
        qsizetype start = 0;
        for (qsizetype i = 0; i < utf8.size(); ++i) {
            const auto c = static_cast<unsigned char>(utf8[i]);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(utf8.data() + start, i - start);
            start = i + 1;
            switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default: {
                const char esc[] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };
                out.append(esc, 6);
            }
            }
        }
        out.append(utf8.data() + start, utf8.size() - start);
        out += '"';
    }

private:
    struct Level
    {
        bool object = false;
        int count = 0;
    };

    void beforeValue()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (m_depth == 0 || m_depth > kMaxDepth) {
            return;
        }
        Level &l = m_stack[m_depth - 1];
        if (l.count > 0) {
            m_out += ',';
            if (m_style == Style::Spaced) {
                m_out += ' ';
            }
        }
        ++l.count;
        if (m_style == Style::Pretty) {
            newline(m_depth);
        }
    }
    void push(bool object)
    {
        if (m_depth < kMaxDepth) {
            m_stack[m_depth] = Level { object, 0 };
        }
        ++m_depth;
    }
    void pop()
    {
        --m_depth;
        const bool hadMembers = m_depth < kMaxDepth && m_stack[m_depth].count > 0;
        if (m_style == Style::Pretty && hadMembers) {
            newline(m_depth);
        }
    }
    void newline(int depth)
    {
        m_out += '\n';
        for (int i = 0; i < depth; ++i) {
            m_out += "  ";
        }
    }

    static constexpr int kMaxDepth = 32;
    QByteArray &m_out;
    Style m_style;
    Level m_stack[kMaxDepth];
    int m_depth = 0;
    bool m_afterKey = false;
};

} // namespace ga::test::fake
