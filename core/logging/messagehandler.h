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

std::optional<LogLevel> parseLogLevel(const QString &text);
QString logLevelName(LogLevel level);

// Routes every Qt message through the redactor to stderr as "time level category: message".
void installMessageHandler();

// Sets the threshold for all "ga.*" categories (QT_LOGGING_RULES still wins for finer control).
void setLogLevel(LogLevel level);

} // namespace ga::logging
