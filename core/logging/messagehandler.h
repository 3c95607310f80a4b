// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QtGlobal>

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

// Routes every Qt message through the redactor to stderr (and the log file, when one is set). Returns the handler
// it replaced, for restoreMessageHandler().
QtMessageHandler installMessageHandler();
void restoreMessageHandler(QtMessageHandler previous);

// Moves the writing of lines to a thread of its own (the daemon and the GUI, not the one-shot CLI commands, whose
// messages must interleave with what they print): a thread that logs queues its line and goes on; the writer takes
// all that is queued at once and writes it with one write per sink. Warnings and errors still return only once
// written, with everything before them. The writer sleeps while nothing is queued; at exit it drains and stops.
void startLogWriter();
void stopLogWriter(); // drains the queue; writes are synchronous again
void flushLog(); // returns once every line logged before the call is written

// Writes `utf8` as a message of `category` through this handler's formatting and sinks, without the redaction
// pass over the whole text: for a caller that has made every part that can hold text safe itself (the access
// record). False, writing nothing, when this handler is not installed (the caller then logs through Qt).
bool writeSafeMessage(QtMsgType type, const char *category, const QByteArray &utf8);

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
