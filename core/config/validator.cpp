// SPDX-License-Identifier: GPL-3.0-or-later
// The config validator: every problem with its path and line, unknown members, secrets in the file, the rules
// a save must meet.
#include "config/jsonlocator.h"
#include "config/settingstable_p.h"
#include "logging/redact.h"

#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <functional>

namespace ga::config::schema::detail {

class Validator
{
public:
    explicit Validator(const QHash<QString, int> &lines, Mode mode = Mode::Read, const QJsonObject &previous = {})
        : m_lines(lines)
        , m_mode(mode)
        , m_previous(previous)
    { }

    void error(const QString &path, const QString &message) { add(Problem::Severity::Error, path, message); }
    void warning(const QString &path, const QString &message) { add(Problem::Severity::Warning, path, message); }

    ParseResult run(const QJsonObject &doc)
    {
        m_result.document = doc;
        checkVersion(doc);
        checkUnknown(doc, QString());
        for (const Setting &s : settings()) {
            checkSetting(doc, s);
        }
        checkInstances(doc);
        checkKeys(doc);
        checkTokens(doc);
        checkListenPolicy();
        scanForSecrets(doc, QString());
        return m_result;
    }

private:
    void add(Problem::Severity severity, const QString &path, const QString &message)
    {
        // Messages quote values (ids, URLs, member names); none of them may carry a secret out of the file.
        Problem p { severity, logging::Redactor::redact(path), logging::Redactor::redact(message), lineOf(path) };
        m_result.problems.append(p);
    }

    int lineOf(QString path) const
    {
        while (!path.isEmpty()) {
            if (const auto it = m_lines.constFind(path); it != m_lines.constEnd()) {
                return *it;
            }
            const qsizetype cut = std::max(path.lastIndexOf(u'.'), path.lastIndexOf(u'['));
            path = cut > 0 ? path.left(cut) : QString();
        }
        return 0;
    }

    // The rules for text. `held` tells whether the file being replaced holds this very value at this place; on a
    // save, only such a value is let through (with a warning). Returns false when the value is refused.
    bool checkText(const QString &path, const QString &value, qsizetype max, const std::function<bool()> &held)
    {
        const QString reason = textProblem(value, max);
        if (reason.isEmpty()) {
            return true;
        }
        if (m_mode == Mode::Save && !held()) {
            error(path, reason);
            return false;
        }
        warning(path, reason + QStringLiteral(" (kept as it was written; change it)"));
        return true;
    }

    // Whether the previous file's list that `itemPath` ("keys.items[3]") is in has an item whose `field` is `value`
    // (by value, not index: removing an earlier item moves the later ones up).
    bool heldInList(const QString &itemPath, const QString &field, const QString &value) const
    {
        const QString list = itemPath.left(itemPath.lastIndexOf(u'['));
        const QJsonArray items = valueAt(m_previous, list).toArray();
        return std::any_of(items.begin(), items.end(),
            [&](const QJsonValue &item) { return item.toObject().value(field) == QJsonValue(value); });
    }

    // Listening beyond loopback without remote access and a token is refused by `run`, so by every reader and save.
    void checkListenPolicy()
    {
        for (const Problem &p : std::as_const(m_result.problems)) {
            if (p.isError()
                && (p.path == u"listen.host" || p.path == u"listen.allowRemote" || p.path.startsWith(u"auth."))) {
                return; // what it depends on is broken, and reported on its own
            }
        }
        if (QString why; !listenPolicyAllows(m_result.config, &why)) {
            error(QStringLiteral("listen.host"), why);
        }
    }

    void checkVersion(const QJsonObject &doc)
    {
        const QJsonValue v = doc.value(u"version");
        if (v.isUndefined()) {
            return;
        }
        if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble())) {
            error(QStringLiteral("version"), QStringLiteral("expected a whole number, got %1").arg(jsonTypeName(v)));
            return;
        }
        const int version = v.toInt();
        if (version > kConfigVersion) {
            error(QStringLiteral("version"),
                QStringLiteral("the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2)"
                               " — update the program")
                    .arg(version)
                    .arg(kConfigVersion));
        } else if (version < 1) {
            error(QStringLiteral("version"), QStringLiteral("%1 is not a config format version (1)").arg(version));
        }
    }

    void checkUnknown(const QJsonObject &obj, const QString &prefix)
    {
        QStringList known = settingPaths();
        known += QStringList(structuralPaths().begin(), structuralPaths().end());
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            const QString path = prefix.isEmpty() ? it.key() : prefix + u'.' + it.key();
            if (structuralPaths().contains(path)) {
                if (it.value().isObject() && path != u"version") {
                    checkUnknown(it.value().toObject(), path);
                } else if (!it.value().isObject() && !path.endsWith(u".items") && path != u"version") {
                    error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(it.value())));
                }
                continue;
            }
            if (!findSetting(path)) {
                warning(path, QStringLiteral("unknown setting, ignored%1").arg(suggestion(path, known)));
            }
        }
    }

    void checkSetting(const QJsonObject &doc, const Setting &s)
    {
        const QString path = QLatin1String(s.path);
        QJsonValue v = valueAt(doc, path);
        if (v.isUndefined()) {
            v = s.defaultValue;
        } else if (!checkValue(path, s, v)) {
            return;
        }
        s.apply(m_result.config, v);
    }

    bool checkValue(const QString &path, const Setting &s, const QJsonValue &v)
    {
        switch (s.kind) {
        case Kind::Int: {
            if (!v.isDouble()) {
                error(path, QStringLiteral("expected a whole number, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            const double d = v.toDouble();
            if (d != std::floor(d)) {
                error(path, QStringLiteral("%1 is not a whole number").arg(d));
                return false;
            }
            if (d < s.min || d > s.max) {
                const QString unit = *s.unit ? QStringLiteral(" ") + QLatin1String(s.unit) : QString();
                const QString what
                    = path == u"listen.port" ? QStringLiteral("is not a port") : QStringLiteral("is out of range");
                error(path, QStringLiteral("%1 %2 (%3–%4%5)").arg(shown(v), what).arg(s.min).arg(s.max).arg(unit));
                return false;
            }
            return true;
        }
        case Kind::Bool:
            if (!v.isBool()) {
                error(path, QStringLiteral("expected true or false, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            return true;
        case Kind::Enum:
            if (!v.isString() || !s.choices.contains(v.toString())) {
                error(path, QStringLiteral("%1 is not one of %2").arg(shown(v), s.choices.join(QStringLiteral(", "))));
                return false;
            }
            return true;
        case Kind::String:
            if (!v.isString()) {
                error(path, QStringLiteral("expected a string, got %1 %2").arg(jsonTypeName(v), shown(v)));
                return false;
            }
            if (!checkText(path, v.toString(), maxCharsOf(path), [&] { return valueAt(m_previous, path) == v; })) {
                return false;
            }
            if (s.check) {
                if (const QString reason = s.check(v.toString()); !reason.isEmpty()) {
                    error(path, logging::Redactor::redact(reason));
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    // Reads "<section>.items" as a list of objects; returns false when absent or broken.
    bool itemsOf(const QJsonObject &doc, const QString &section, QJsonArray *out)
    {
        const QString path = section + QStringLiteral(".items");
        const QJsonValue v = valueAt(doc, path);
        if (v.isUndefined()) {
            return false;
        }
        if (!v.isArray()) {
            error(path, QStringLiteral("expected a list, got %1").arg(jsonTypeName(v)));
            return false;
        }
        *out = v.toArray();
        return true;
    }

    // `max`: the longest text allowed; 0 when the field has a stricter rule of its own (ids, names).
    bool stringField(
        const QJsonObject &o, const QString &path, const QString &name, bool required, QString *out, qsizetype max)
    {
        const QJsonValue v = o.value(name);
        if (v.isUndefined()) {
            if (required) {
                error(path, QStringLiteral("'%1' is missing").arg(name));
                return false;
            }
            return true;
        }
        if (!v.isString()) {
            error(path + u'.' + name, QStringLiteral("expected a string, got %1").arg(jsonTypeName(v)));
            return false;
        }
        *out = v.toString();
        return max == 0 || checkText(path + u'.' + name, *out, max, [&] { return heldInList(path, name, *out); });
    }

    bool checkEntryId(const QJsonObject &o, const QString &path, QSet<QString> &seen, QString *id)
    {
        if (!stringField(o, path, QStringLiteral("id"), true, id, 0)) {
            return false;
        }
        if (!isValidId(*id)) {
            error(path + QStringLiteral(".id"),
                QStringLiteral("'%1' is not a valid id (lowercase letters, digits, - and _; at most 32)").arg(*id));
            return false;
        }
        if (seen.contains(*id)) {
            error(path + QStringLiteral(".id"), QStringLiteral("id '%1' is used twice").arg(*id));
            return false;
        }
        seen.insert(*id);
        return true;
    }

    void warnUnknownFields(const QJsonObject &o, const QString &path, const QStringList &known)
    {
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!known.contains(it.key())) {
                warning(path + u'.' + it.key(),
                    QStringLiteral("unknown field, ignored%1").arg(suggestion(it.key(), known)));
            }
        }
    }

    void checkInstances(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("instances"), &items)) {
            return;
        }
        static const QStringList known
            = { QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("enabled") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("instances.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            InstanceEntry e;
            QString url;
            bool ok = checkEntryId(o, path, seen, &e.id);
            ok = stringField(o, path, QStringLiteral("name"), true, &e.name, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("url"), true, &url, kMaxUrlChars) && ok;
            if (ok && !url.isEmpty()) {
                if (const QString reason = checkHttpUrl(url); !reason.isEmpty()) {
                    error(path + QStringLiteral(".url"), reason);
                    ok = false;
                }
            }
            const QJsonValue enabled = o.value(u"enabled");
            if (!enabled.isUndefined() && !enabled.isBool()) {
                error(path + QStringLiteral(".enabled"), QStringLiteral("expected true or false"));
                ok = false;
            }
            if (ok) {
                e.url = QUrl(url);
                e.enabled = enabled.toBool(true);
                m_result.config.instances.append(e);
            }
        }
    }

    void checkKeys(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("keys"), &items)) {
            return;
        }
        static const QStringList known = { QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("group"),
            QStringLiteral("instance"), QStringLiteral("fingerprint"), QStringLiteral("hint"), QStringLiteral("weight"),
            QStringLiteral("enabled"), QStringLiteral("added"), QStringLiteral("resetAt") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("keys.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            KeyEntry e;
            QString added;
            QString resetAt;
            bool ok = checkEntryId(o, path, seen, &e.id);
            ok = stringField(o, path, QStringLiteral("label"), false, &e.label, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("group"), false, &e.group, kMaxLabelChars) && ok;
            ok = stringField(o, path, QStringLiteral("instance"), false, &e.instance, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("fingerprint"), false, &e.fingerprint, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("hint"), false, &e.hint, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("added"), false, &added, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("resetAt"), false, &resetAt, kMaxTextChars) && ok;
            if (!e.instance.isEmpty() && !m_result.config.findInstance(e.instance)) {
                error(path + QStringLiteral(".instance"),
                    QStringLiteral("bound to instance '%1', which does not exist (run: gemini-aggregatord unbind %2)")
                        .arg(e.instance, e.id));
                ok = false;
            }
            if (e.hint.size() > 4) {
                error(path + QStringLiteral(".hint"), QStringLiteral("holds at most the last 4 characters of the key"));
                ok = false;
            }
            const QJsonValue weight = o.value(u"weight");
            if (!weight.isUndefined()) {
                if (!weight.isDouble() || weight.toDouble() != std::floor(weight.toDouble()) || weight.toInt() < 1
                    || weight.toInt() > 1000) {
                    error(path + QStringLiteral(".weight"),
                        QStringLiteral("%1 is not a weight (whole number 1–1000)").arg(shown(weight)));
                    ok = false;
                }
            }
            const QJsonValue enabled = o.value(u"enabled");
            if (!enabled.isUndefined() && !enabled.isBool()) {
                error(path + QStringLiteral(".enabled"), QStringLiteral("expected true or false"));
                ok = false;
            }
            if (ok) {
                e.weight = weight.toInt(1);
                e.enabled = enabled.toBool(true);
                e.added = QDateTime::fromString(added, Qt::ISODate);
                e.resetAt = QDateTime::fromString(resetAt, Qt::ISODateWithMs);
                m_result.config.keys.append(e);
            }
        }
    }

    void checkTokens(const QJsonObject &doc)
    {
        QJsonArray items;
        if (!itemsOf(doc, QStringLiteral("auth.tokens"), &items)) {
            return;
        }
        static const QStringList known = { QStringLiteral("name"), QStringLiteral("created"), QStringLiteral("rotated"),
            QStringLiteral("requestsPerMinute"), QStringLiteral("requestsPerDay"),
            QStringLiteral("concurrentStreams") };
        QSet<QString> seen;
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString path = QStringLiteral("auth.tokens.items[%1]").arg(i);
            if (!items.at(i).isObject()) {
                error(path, QStringLiteral("expected an object, got %1").arg(jsonTypeName(items.at(i))));
                continue;
            }
            const QJsonObject o = items.at(i).toObject();
            warnUnknownFields(o, path, known);
            TokenEntry e;
            QString created;
            bool ok = stringField(o, path, QStringLiteral("name"), true, &e.name, 0);
            if (ok && !isValidId(e.name)) {
                error(path + QStringLiteral(".name"),
                    QStringLiteral("'%1' is not a valid token name (lowercase letters, digits, - and _; at most 32)")
                        .arg(e.name));
                ok = false;
            } else if (ok && seen.contains(e.name)) {
                error(path + QStringLiteral(".name"), QStringLiteral("name '%1' is used twice").arg(e.name));
                ok = false;
            }
            seen.insert(e.name);
            QString rotated;
            ok = stringField(o, path, QStringLiteral("created"), false, &created, kMaxTextChars) && ok;
            ok = stringField(o, path, QStringLiteral("rotated"), false, &rotated, kMaxTextChars) && ok;
            e.rotated = QDateTime::fromString(rotated, Qt::ISODateWithMs);
            int *limits[] = { &e.limits.requestsPerMinute, &e.limits.requestsPerDay, &e.limits.concurrentStreams };
            const char *names[] = { "requestsPerMinute", "requestsPerDay", "concurrentStreams" };
            for (int f = 0; f < 3; ++f) {
                const QJsonValue v = o.value(QLatin1String(names[f]));
                if (v.isUndefined()) {
                    continue;
                }
                if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < 0
                    || v.toDouble() > 100000000) {
                    error(path + u'.' + QLatin1String(names[f]),
                        QStringLiteral("%1 is not a limit (whole number ≥ 0; 0 = no limit)").arg(shown(v)));
                    ok = false;
                    continue;
                }
                *limits[f] = v.toInt();
            }
            if (ok) {
                e.created = QDateTime::fromString(created, Qt::ISODate);
                m_result.config.tokens.append(e);
            }
        }
    }

    // The config file must never hold a secret: a key or token pasted by hand is an error.
    void scanForSecrets(const QJsonValue &v, const QString &path)
    {
        static const QRegularExpression secretShape(QStringLiteral(
            R"(AIza[0-9A-Za-z_\-]{35}|gat_[0-9A-Za-z_\-]{20,}|eyJ[0-9A-Za-z_\-]{8,}\.eyJ[0-9A-Za-z_\-]{8,}\.)"));
        if (v.isString()) {
            if (secretShape.match(v.toString()).hasMatch()) {
                error(path,
                    QStringLiteral("holds what looks like an API key or access token; secrets belong in the "
                                   "secret store — remove it here and use 'gemini-aggregatord keys add'"));
            }
        } else if (v.isObject()) {
            const QJsonObject o = v.toObject();
            for (auto it = o.begin(); it != o.end(); ++it) {
                const QString member = path.isEmpty() ? it.key() : path + u'.' + it.key();
                if (secretShape.match(it.key()).hasMatch()) {
                    error(member,
                        QStringLiteral("this member name looks like an API key or access token; secrets "
                                       "belong in the secret store — remove it here and use "
                                       "'gemini-aggregatord keys add'"));
                }
                scanForSecrets(it.value(), member);
            }
        } else if (v.isArray()) {
            const QJsonArray a = v.toArray();
            for (qsizetype i = 0; i < a.size(); ++i) {
                scanForSecrets(a.at(i), path + QStringLiteral("[%1]").arg(i));
            }
        }
    }

    const QHash<QString, int> &m_lines;
    const Mode m_mode;
    const QJsonObject m_previous;
    ParseResult m_result;
};

ParseResult parseText(const QByteArray &text, Mode mode, const QJsonObject &previous)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError) {
        // QJsonParseError::offset points just past the character that broke the parse (at it only for garbage
        // after the document). Past it can be the next line when that character ends a line ("tru\n").
        qsizetype at = err.offset;
        if (err.error != QJsonParseError::GarbageAtEnd && at > 0) {
            --at;
        }
        int line = 0;
        int column = 0;
        lineColumnAt(text, at, &line, &column);
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("column %1: not valid JSON (%2)").arg(column).arg(err.errorString()), line });
        return r;
    }
    if (!doc.isObject()) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(),
            QStringLiteral("the file must hold a JSON object ({ … }), not a list or value"), 1 });
        return r;
    }
    const QHash<QString, int> lines = locateJsonPaths(text);
    return Validator(lines, mode, previous).run(doc.object());
}

ParseResult validateDocument(const QJsonObject &document)
{
    const QHash<QString, int> noLines;
    return Validator(noLines).run(document);
}

} // namespace ga::config::schema::detail
