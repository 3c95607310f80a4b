// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cli/args.h"
#include "cli/commandtable.h"

namespace ga::cli {

// What the words of `gemini-aggregatord` ask for, decided from the tables (commandtable.h) before anything runs.
struct CommandLine
{
    enum class Action
    {
        Run, // `command` with `args`
        Help, // `command`'s help, or `group`'s, or (both empty) the overview
        Version,
        Usage, // a mistake: `error`
    };
    Action action = Action::Usage;
    const CommandDef *command = nullptr;
    QString group; // Help: a command with subcommands, asked without one ("keys --help")
    Args args; // Run: what the command reads
    QStringList words; // Run: the positional words, starting with the command's name ("run" when none was given)
    QString error; // Usage: one sentence
    QString helpTopic; // Usage: the command whose --help to point at ("keys add"); empty: the overview
};

// Two passes: a parser that knows every option finds the command words wherever the options stand, then that
// command's own QCommandLineParser (its options and the global ones) reads the words again.
// "help [COMMAND [SUBCOMMAND]]" is the same as "[COMMAND [SUBCOMMAND]] --help"; no words at all mean `run`.
CommandLine parseCommandLine(const QStringList &words);

} // namespace ga::cli
