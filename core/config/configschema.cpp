// SPDX-License-Identifier: GPL-3.0-or-later
// The schema's public face: parse(), parseForSave(), validate(), the default and effective documents, what the
// settings are (paths, help, form info, text to value), ids and URLs. The table is settingstable.cpp, the checks
// validator.cpp, dotted paths jsonpath.cpp and entries as JSON configjson.cpp.
#include "config/configschema.h"

#include "config/jsonlocator.h"
#include "config/settingstable_p.h"
#include "logging/redact.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <functional>

namespace ga::config {

QString Problem::toString(const QString &fileName) const
{
    QString where = fileName;
    if (line > 0) {
        where += (where.isEmpty() ? QString() : QStringLiteral(":")) + QString::number(line);
    }
    QString out;
    if (!where.isEmpty()) {
        out += where + QStringLiteral(": ");
    }
    if (severity == Severity::Warning) {
        out += QStringLiteral("warning: ");
    }
    if (!path.isEmpty()) {
        out += path + QStringLiteral(": ");
    }
    return out + message;
}

bool ParseResult::hasErrors() const
{
    return std::any_of(problems.begin(), problems.end(), [](const Problem &p) { return p.isError(); });
}

QList<Problem> ParseResult::errors() const
{
    QList<Problem> out;
    std::copy_if(
        problems.begin(), problems.end(), std::back_inserter(out), [](const Problem &p) { return p.isError(); });
    return out;
}

QList<Problem> ParseResult::warnings() const
{
    QList<Problem> out;
    std::copy_if(
        problems.begin(), problems.end(), std::back_inserter(out), [](const Problem &p) { return !p.isError(); });
    return out;
}

namespace schema {
using namespace detail;

ParseResult parse(const QByteArray &text)
{
    return parseText(text, Mode::Read, QJsonObject());
}

ParseResult parseForSave(const QByteArray &text, const QJsonObject &previous)
{
    // The reader's limit, checked first: a result that large is not parsed, let alone written.
    if (text.size() > kMaxConfigBytes) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("the config would be %1 MiB, more than the %2 MiB a config file may be; nothing was saved")
                .arg(QString::number(double(text.size()) / (1024 * 1024), 'f', 1))
                .arg(kMaxConfigBytes / (1024 * 1024)),
            0 });
        return r;
    }
    return parseText(text, Mode::Save, previous);
}

ParseResult validate(const QJsonObject &document)
{
    return validateDocument(document);
}

QJsonObject defaultDocument()
{
    QJsonObject doc { { QStringLiteral("version"), kConfigVersion } };
    for (const Setting &s : settings()) {
        setValueAt(doc, QLatin1String(s.path), s.defaultValue);
    }
    setValueAt(doc, QStringLiteral("keys.items"), QJsonArray());
    setValueAt(doc, QStringLiteral("instances.items"), QJsonArray());
    setValueAt(doc, QStringLiteral("auth.tokens.items"), QJsonArray());
    return doc;
}

QJsonObject effectiveDocument(const QJsonObject &document)
{
    QJsonObject doc = document;
    doc.insert(QStringLiteral("version"), document.value(u"version").toInt(kConfigVersion));
    for (const Setting &s : settings()) {
        if (valueAt(doc, QLatin1String(s.path)).isUndefined()) {
            setValueAt(doc, QLatin1String(s.path), s.defaultValue);
        }
    }
    for (const char *list : { "keys.items", "instances.items", "auth.tokens.items" }) {
        if (valueAt(doc, QLatin1String(list)).isUndefined()) {
            setValueAt(doc, QLatin1String(list), QJsonArray());
        }
    }
    return doc;
}

QByteArray serialize(const QJsonObject &document)
{
    return QJsonDocument(document).toJson(QJsonDocument::Indented);
}

QStringList settingPaths()
{
    QStringList out;
    for (const Setting &s : settings()) {
        out.append(QLatin1String(s.path));
    }
    return out;
}

bool isSetting(const QString &path)
{
    return findSetting(path) != nullptr;
}

QString settingHelp(const QString &path)
{
    const Setting *s = findSetting(path);
    return s ? QString::fromUtf8(s->help) : QString();
}

SettingInfo settingInfo(const QString &path)
{
    const Setting *s = findSetting(path);
    if (!s) {
        return {};
    }
    static const QHash<Kind, QString> kinds
        = { { Kind::Bool, QStringLiteral("bool") }, { Kind::Int, QStringLiteral("int") },
              { Kind::String, QStringLiteral("string") }, { Kind::Enum, QStringLiteral("enum") } };
    return SettingInfo { kinds.value(s->kind), s->defaultValue, s->min, s->max, s->choices, QString::fromUtf8(s->help),
        QString::fromUtf8(s->unit) };
}

std::optional<QJsonValue> valueFromText(const QString &path, const QString &text, QString *error)
{
    const Setting *s = findSetting(path);
    if (!s) {
        *error = QStringLiteral("'%1' is not a setting%2").arg(path, suggestion(path, settingPaths()));
        return std::nullopt;
    }
    switch (s->kind) {
    case Kind::Int: {
        bool ok = false;
        const qlonglong n = text.trimmed().toLongLong(&ok);
        if (!ok) {
            *error = QStringLiteral("%1: '%2' is not a whole number").arg(path, text);
            return std::nullopt;
        }
        return QJsonValue(double(n));
    }
    case Kind::Bool: {
        const QString t = text.trimmed().toLower();
        if (t == u"true" || t == u"yes" || t == u"on" || t == u"1") {
            return QJsonValue(true);
        }
        if (t == u"false" || t == u"no" || t == u"off" || t == u"0") {
            return QJsonValue(false);
        }
        *error = QStringLiteral("%1: '%2' is not true or false").arg(path, text);
        return std::nullopt;
    }
    case Kind::Enum:
    case Kind::String:
        return QJsonValue(text);
    }
    return std::nullopt;
}

bool isControlCharacter(QChar c)
{
    const char16_t u = c.unicode();
    return u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x2028 || u == 0x2029 || (u >= 0x202a && u <= 0x202e)
        || (u >= 0x2066 && u <= 0x2069);
}

bool isValidId(const QString &id)
{
    // [a-z0-9][a-z0-9_-]{0,31}, by hand: every config load checks each entry's id, and a regular expression compiled
    // at start-up keeps PCRE2 and its JIT's pages resident for good (bench-startup.sh's idle figure).
    auto lowerOrDigit = [](QChar c) { return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9'); };
    if (id.isEmpty() || id.size() > 32 || !lowerOrDigit(id.front())) {
        return false;
    }
    return std::all_of(id.begin() + 1, id.end(), [&](QChar c) { return lowerOrDigit(c) || c == u'_' || c == u'-'; });
}

QString httpUrlProblem(const QString &url)
{
    return checkHttpUrl(url);
}

} // namespace schema
} // namespace ga::config
