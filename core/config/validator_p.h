// SPDX-License-Identifier: GPL-3.0-or-later
// Inside config/: the validator that checks a document against the settings table. Its document-wide rules are in
// validator.cpp, the rules for the entry lists (instances, keys, access tokens) in entryrules.cpp. Not for use
// outside core/config; the rest of the folder reaches it through parseText() and validateDocument().
#pragma once

#include "config/settingstable_p.h"

#include <QJsonArray>

#include <functional>

namespace ga::config::schema::detail {

// Collects every problem of one document (with its path and, when `lines` knows it, its line) and the Config
// built from what passed.
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

    ParseResult run(const QJsonObject &doc);

private:
    // validator.cpp: the document as a whole.
    void add(Problem::Severity severity, const QString &path, const QString &message);
    int lineOf(QString path) const;
    // The rules for text. `held` tells whether the file being replaced holds this very value at this place; on a
    // save, only such a value is let through (with a warning). Returns false when the value is refused.
    bool checkText(const QString &path, const QString &value, qsizetype max, const std::function<bool()> &held);
    // Listening beyond loopback without remote access and a token is refused by `run`, so by every reader and save.
    void checkListenPolicy();
    void checkTls();
    void checkVersion(const QJsonObject &doc);
    void checkUnknown(const QJsonObject &obj, const QString &prefix);
    void checkSetting(const QJsonObject &doc, const Setting &s);
    bool checkValue(const QString &path, const Setting &s, const QJsonValue &v);
    // The config file must never hold a secret: a key or token pasted by hand is an error.
    void scanForSecrets(const QJsonValue &v, const QString &path);

    // entryrules.cpp: instances.items, keys.items and auth.tokens.items.
    // Whether the previous file's list that `itemPath` ("keys.items[3]") is in has an item whose `field` is `value`
    // (by value, not index: removing an earlier item moves the later ones up).
    bool heldInList(const QString &itemPath, const QString &field, const QString &value) const;
    // Reads "<section>.items" as a list of objects; returns false when absent or broken.
    bool itemsOf(const QJsonObject &doc, const QString &section, QJsonArray *out);
    // `max`: the longest text allowed; 0 when the field has a stricter rule of its own (ids, names).
    bool stringField(
        const QJsonObject &o, const QString &path, const QString &name, bool required, QString *out, qsizetype max);
    bool checkEntryId(const QJsonObject &o, const QString &path, QSet<QString> &seen, QString *id);
    void warnUnknownFields(const QJsonObject &o, const QString &path, const QStringList &known);
    void checkInstances(const QJsonObject &doc);
    void checkKeys(const QJsonObject &doc);
    void checkTokens(const QJsonObject &doc);

    const QHash<QString, int> &m_lines;
    const Mode m_mode;
    const QJsonObject m_previous;
    ParseResult m_result;
};

} // namespace ga::config::schema::detail
