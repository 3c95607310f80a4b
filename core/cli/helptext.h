// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cli/commandtable.h"

namespace ga::cli {

// The help of `gemini-aggregatord`, made from the tables (commandtable.h) and the QCommandLineOptions its parsers
// are built from, so it lists exactly what the parsers accept.

// `--help`: every command, the global options and the notes that hold for all.
QString overviewHelp();
// `keys add --help`, `help keys add`: the command's usage, its options and the global options.
QString commandHelp(const CommandDef &command);
// `keys --help`: the subcommands of one command.
QString groupHelp(const QString &name);
// One line of usage: "keys add [--label L] [--weight N] [--group G]".
QString synopsis(const CommandDef &command);

} // namespace ga::cli
