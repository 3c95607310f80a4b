// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/usertext.h"

#include <QCoreApplication>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>

#include <algorithm>

namespace ga::logging {
namespace {

// A registered pattern, compiled into an anchored expression: each %N a lazy group (a repeated %N a
// back-reference), the rest literal.
struct Compiled
{
    const UserText *text = nullptr;
    QRegularExpression expression;
    QList<int> groupArg; // capture group i+1 holds %groupArg[i]
    qsizetype fixedChars = 0;
};

struct Match
{
    const UserText *text = nullptr;
    QHash<int, QString> args;
};

struct Registry
{
    QMutex mutex;
    QList<const UserText *> texts;
    QList<Compiled> compiled; // by fixedChars, most first; rebuilt when texts grew
    qsizetype compiledFrom = -1;
    // What each recent text matched (the pattern and its arguments, not a language): a Keys page with thousands
    // of keys asks for the same few sentences again on every refresh, and each miss tries every pattern.
    QHash<QString, Match> recent;
    static constexpr qsizetype kRecentMax = 4096;
};

Registry &registry()
{
    static Registry r;
    return r;
}

// Splits `pattern` at %1…%99: calls `literal(text)` and `placeholder(n)` in order.
template<typename Literal, typename Placeholder>
void scan(const QString &pattern, Literal literal, Placeholder placeholder)
{
    qsizetype from = 0;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        if (pattern.at(i) != u'%' || i + 1 >= pattern.size() || !pattern.at(i + 1).isDigit()
            || pattern.at(i + 1) == u'0') {
            continue;
        }
        int n = pattern.at(i + 1).digitValue();
        qsizetype end = i + 2;
        if (end < pattern.size() && pattern.at(end).isDigit()) {
            n = n * 10 + pattern.at(end).digitValue();
            ++end;
        }
        literal(pattern.mid(from, i - from));
        placeholder(n);
        from = end;
        i = end - 1;
    }
    literal(pattern.mid(from));
}

Compiled compile(const UserText *text)
{
    Compiled c;
    c.text = text;
    QString re = QStringLiteral("\\A(?:");
    scan(
        text->text(),
        [&](const QString &literal) {
            re += QRegularExpression::escape(literal);
            c.fixedChars += literal.size();
        },
        [&](int n) {
            if (const qsizetype seen = c.groupArg.indexOf(n); seen >= 0) {
                re += QStringLiteral("\\g{%1}").arg(seen + 1);
            } else {
                c.groupArg.append(n);
                re += QStringLiteral("(.*?)");
            }
        });
    re += QStringLiteral(")\\z");
    c.expression = QRegularExpression(re, QRegularExpression::DotMatchesEverythingOption);
    return c;
}

const QList<Compiled> &compiledLocked(Registry &r)
{
    if (r.compiledFrom != r.texts.size()) {
        r.compiled.clear();
        for (const UserText *t : std::as_const(r.texts)) {
            r.compiled.append(compile(t));
        }
        std::stable_sort(r.compiled.begin(), r.compiled.end(),
            [](const Compiled &a, const Compiled &b) { return a.fixedChars > b.fixedChars; });
        r.compiledFrom = r.texts.size();
        r.recent.clear();
    }
    return r.compiled;
}

Match match(const QString &text)
{
    Registry &r = registry();
    QMutexLocker lock(&r.mutex);
    const QList<Compiled> &compiled = compiledLocked(r);
    if (const auto seen = r.recent.constFind(text); seen != r.recent.constEnd()) {
        return *seen;
    }
    Match out;
    for (const Compiled &c : compiled) {
        const QRegularExpressionMatch m = c.expression.match(text);
        if (!m.hasMatch()) {
            continue;
        }
        out.text = c.text;
        for (qsizetype i = 0; i < c.groupArg.size(); ++i) {
            out.args.insert(c.groupArg.at(i), m.captured(int(i + 1)));
        }
        break;
    }
    if (r.recent.size() >= Registry::kRecentMax) {
        r.recent.clear();
    }
    r.recent.insert(text, out);
    return out;
}

QString translatedAt(const QString &text, int depth)
{
    if (text.isEmpty() || depth > 4) {
        return text;
    }
    const Match m = match(text);
    if (!m.text) {
        return text;
    }
    const QString pattern = QCoreApplication::translate(m.text->context(), m.text->source());
    QString out;
    scan(
        pattern, [&](const QString &literal) { out += literal; },
        [&](int n) {
            const auto it = m.args.constFind(n);
            out += it == m.args.constEnd() ? QStringLiteral("%%1").arg(n) : translatedAt(*it, depth + 1);
        });
    return out;
}

} // namespace

UserText::UserText(const char *context, const char *source)
    : m_context(context)
    , m_source(source)
{
    Registry &r = registry();
    QMutexLocker lock(&r.mutex);
    r.texts.append(this);
}

QString translated(const QString &text)
{
    return translatedAt(text, 0);
}

QString translatedAfterPrefix(const QString &text)
{
    if (match(text).text) {
        return translated(text);
    }
    for (qsizetype at = text.indexOf(u": "); at >= 0; at = text.indexOf(u": ", at + 2)) {
        const QString tail = text.mid(at + 2);
        if (match(tail).text) {
            return text.left(at + 2) + translated(tail);
        }
    }
    return text;
}

QString matchingPattern(const QString &text)
{
    const Match m = match(text);
    return m.text ? QString::fromUtf8(m.text->context()) + u'\x1f' + m.text->text() : QString();
}

QStringList userTextPatterns()
{
    Registry &r = registry();
    QMutexLocker lock(&r.mutex);
    QStringList out;
    for (const UserText *t : std::as_const(r.texts)) {
        out.append(QString::fromUtf8(t->context()) + u'\x1f' + t->text());
    }
    return out;
}

} // namespace ga::logging
