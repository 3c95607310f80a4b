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

// Reads standard input to the end; when it is a terminal, echo is switched off meanwhile so pasted keys
// do not stay on screen.
QByteArray readStandardInput();

} // namespace ga::cli
