// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QStringList>

#include <optional>

namespace ga::config {

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

// Parses JSON text; problems carry line numbers. Bad JSON gives a single problem with line:column.
ParseResult parse(const QByteArray &text);
// Validates an in-memory document (problems without line numbers).
ParseResult validate(const QJsonObject &document);

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

QJsonValue valueAt(const QJsonObject &document, const QString &path);
void setValueAt(QJsonObject &document, const QString &path, const QJsonValue &value);

QJsonObject toJson(const KeyEntry &key);
QJsonObject toJson(const InstanceEntry &instance);
QJsonObject toJson(const TokenEntry &token);

// Why `url` cannot serve as an upstream or relay URL; empty when it can.
QString httpUrlProblem(const QString &url);

// Entry ids: lowercase letters, digits, '-' and '_', 1–32 characters.
bool isValidId(const QString &id);

} // namespace schema
} // namespace ga::config
