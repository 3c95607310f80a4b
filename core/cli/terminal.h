// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace ga::cli {

bool stdinIsTerminal();

// Reads one line from the controlling terminal (not stdin) with echo off, after printing `prompt` to it.
// Returns nullopt when the process has no terminal (a service, CI, a pipe with no tty).
std::optional<QByteArray> promptHidden(const QString &prompt);

// The most a command reads from standard input or an input file: more is refused, not allocated.
inline constexpr qint64 kMaxInputBytes = 64 * 1024 * 1024;
// How long standard input that is not a terminal (or a pipe named as an input file) may send nothing before the
// command gives up; a terminal waits for its user. $GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS sets it (tests shorten it).
inline constexpr int kSilentInputTimeoutMs = 30'000;
inline constexpr const char *kStdinTimeoutEnvVar = "GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS";

struct Input
{
    QByteArray data;
    QString error; // one sentence when the input was refused (too large, silent, unreadable); `data` is then empty
    bool ok() const { return error.isEmpty(); }
};

// Reads standard input to the end; when it is a terminal, echo is switched off meanwhile so pasted keys do not stay
// on screen. Refuses more than `maxBytes`, and a non-terminal input silent for the timeout (a pipe that is never
// written to or never closed). `what` names the input in the refusal ("the keys"); `example` shows how to pipe it.
Input readStandardInput(const QString &what, const QString &example, qint64 maxBytes = kMaxInputBytes);
// Reads a file to the end with the same limits; a named pipe without a writer gives up instead of waiting forever.
Input readInputFile(const QString &path, qint64 maxBytes = kMaxInputBytes);
// A password read from standard input: the line ends after it (typed, or from echo) are not part of it; spaces are.
QByteArray passwordLine(QByteArray input);

// `text` safe to print: every control character (config::schema::isControlCharacter) shown as an escape —
// \n, \r, \t, \x1b, \u202e — so a value cannot move the cursor, fake a line or drive the terminal. With
// `keepNewlines`, line breaks stay (messages of several lines).
QString printable(const QString &text, bool keepNewlines = false);

} // namespace ga::cli
