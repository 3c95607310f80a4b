// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>

namespace ga::logging {

enum class LogLevel
{
    Debug,
    Info,
    Warning,
    Error
};

enum class LogFormat
{
    Text, // "time level category: message"
    Json // one JSON object per line: time, level, category, message (access records as an object)
};

std::optional<LogLevel> parseLogLevel(const QString &text);
QString logLevelName(LogLevel level);
std::optional<LogFormat> parseLogFormat(const QString &text);

// Routes every Qt message through the redactor to stderr (and the log file, when one is set).
void installMessageHandler();

// Sets the threshold for all "ga.*" categories, then per-category overrides such as
// "proxy=debug, access=warning" (QT_LOGGING_RULES still wins for finer control). False with the bad item
// in `error` when `perCategory` does not parse.
bool setLogLevel(LogLevel level, const QString &perCategory = {}, QString *error = nullptr);

void setLogFormat(LogFormat format);
LogFormat logFormat();

// Also writes every line to `path`, rotated by size: when the next line would take the file past
// `maxBytes`, it becomes path.1 (path.1 becomes path.2, …; at most `keep` old files). A line is never split
// across files. False with a one-sentence reason when the file cannot be opened.
bool setLogFile(const QString &path, qint64 maxBytes, int keep, QString *error);
void closeLogFile();
QString logFilePath();

} // namespace ga::logging
