// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "config/configjson.h" // schema::toJson(entry), kept reachable from here
#include "config/jsonpath.h" // schema::valueAt / setValueAt, kept reachable from here

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <optional>

namespace ga::config {

// The largest config file any reader accepts; a save whose result would be larger is refused.
inline constexpr qint64 kMaxConfigBytes = 16 * 1024 * 1024;

// Longest text a field may hold, in UTF-16 code units (QString::size()).
inline constexpr qsizetype kMaxLabelChars = 200; // key labels and groups, instance names
inline constexpr qsizetype kMaxUrlChars = 2048; // URLs, proxy settings, JWT audience and issuer
inline constexpr qsizetype kMaxTextChars = 4096; // any other single value: a file path, a host, a time
inline constexpr qsizetype kMaxListChars = 16384; // comma-separated lists (hosts, origins, CIDR blocks, …)

struct Problem
{
    enum class Severity
    {
        Error,
        Warning
    };
    Severity severity = Severity::Error;
    QString path; // dotted path, empty for the whole file
    QString message; // reason and, where it helps, the fix; never contains a secret
    int line = 0; // 1-based, 0 when unknown

    bool isError() const { return severity == Severity::Error; }
    // "config.json:5: listen.port: 70000 is not a port (1–65535)"
    QString toString(const QString &fileName = {}) const;
};

struct ParseResult
{
    Config config;
    QJsonObject document; // the file's own object (unknown members kept, defaults not filled in)
    QList<Problem> problems;

    bool hasErrors() const;
    QList<Problem> errors() const;
    QList<Problem> warnings() const;
};

// The config file's shape: every setting with its type, default and rule, in one table.
namespace schema {

// Parses JSON text; problems carry line numbers. Bad JSON gives a single problem with line:column. What every
// reader (load, reload, `config check`) applies: text that breaks the rules for text (control characters,
// length) is only a warning, so a file an older version wrote keeps loading.
ParseResult parse(const QByteArray &text);
// Validates an in-memory document (problems without line numbers), as parse() does.
ParseResult validate(const QJsonObject &document);
// What a save must pass (ConfigStore::update, and the admin API and the app before they ask for one): all that
// parse() checks, with the rules for text as errors — except for a value `previous` (the file as it is) already
// holds at the same place, which stays a warning — and at most kMaxConfigBytes, checked before anything else.
ParseResult parseForSave(const QByteArray &text, const QJsonObject &previous);

// Characters no text field may hold: C0 and C1 controls (NUL, ESC, newline, tab, …), the Unicode line and
// paragraph separators and the bidirectional embeddings, overrides and isolates (they reorder what is shown).
bool isControlCharacter(QChar c);

QJsonObject defaultDocument();
// The document with every default filled in: what `config get` shows.
QJsonObject effectiveDocument(const QJsonObject &document);
QByteArray serialize(const QJsonObject &document);

QStringList settingPaths();
bool isSetting(const QString &path);
QString settingHelp(const QString &path);
// What a form needs to edit a setting. `kind` is bool, int, string or enum; empty when `path` is not one.
struct SettingInfo
{
    QString kind;
    QJsonValue defaultValue;
    int min = 0;
    int max = 0;
    QStringList choices;
    QString help;
    QString unit;
};
SettingInfo settingInfo(const QString &path);
// Converts command-line text to the setting's JSON type ("3145" → 3145, "on" → true).
std::optional<QJsonValue> valueFromText(const QString &path, const QString &text, QString *error);

// valueAt() and setValueAt() (dotted paths) are in config/jsonpath.h, toJson() of the entries in
// config/configjson.h; both are included above.

// Why `url` cannot serve as an upstream or relay URL; empty when it can.
QString httpUrlProblem(const QString &url);

// Entry ids: lowercase letters, digits, '-' and '_', 1–32 characters.
bool isValidId(const QString &id);

} // namespace schema
} // namespace ga::config
