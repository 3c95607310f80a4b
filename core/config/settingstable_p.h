// SPDX-License-Identifier: GPL-3.0-or-later
// Inside config/: the settings table and the validator that configschema.cpp's public functions are built on.
// Not for use outside core/config.
#pragma once

#include "config/configschema.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace ga::config::schema::detail {

enum class Kind
{
    String,
    Int,
    Bool,
    Enum
};

using Check = QString (*)(const QString &);
using Apply = void (*)(Config &, const QJsonValue &);

// One setting of the table (settingstable.cpp): its dotted path, type, default, range or choices, extra rule,
// and how it lands in Config.
struct Setting
{
    const char *path;
    Kind kind;
    QJsonValue defaultValue;
    int min = 0;
    int max = 0;
    QStringList choices;
    Check check = nullptr; // extra rule for strings; returns the reason, or empty when fine
    Apply apply = nullptr;
    const char *help = "";
    const char *unit = ""; // shown with ranges: "(100–600000 ms)"
};

// settingstable.cpp
const QList<Setting> &settings();
const Setting *findSetting(const QString &path);
// The longest value a text setting may hold.
qsizetype maxCharsOf(const QString &path);
// Members that hold more than a plain setting.
const QSet<QString> &structuralPaths();
QString jsonTypeName(const QJsonValue &v);
QString shown(const QJsonValue &v);
// " (did you mean …?)" for a path close to one of `candidates`, else empty.
QString suggestion(const QString &path, const QStringList &candidates);
// Why `value` cannot be saved as text of at most `max` characters (0: no length rule here); empty when it can.
QString textProblem(const QString &value, qsizetype max);
QString checkHttpUrl(const QString &v);
QString checkRedisUrl(const QString &v);
RoutingMode modeFrom(const QString &s);
KeyStrategy strategyFrom(const QString &s);

// validator.cpp
enum class Mode
{
    Read,
    Save
};
// Parses and validates a config file's text (Save: also the rules only writes must meet, against `previous`).
ParseResult parseText(const QByteArray &text, Mode mode, const QJsonObject &previous);
// Validates a document that has no text (no line numbers).
ParseResult validateDocument(const QJsonObject &document);

} // namespace ga::config::schema::detail
