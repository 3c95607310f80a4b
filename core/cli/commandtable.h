// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QStringList>

namespace ga::cli {

class Context;

// Takes the words after the command name (for `keys add`: the words after `keys`) and returns an exit code.
using CommandFn = int (*)(Context &, const QStringList &);

// One option of `gemini-aggregatord`. Args names it by its long name.
struct OptionDef
{
    QString name; // long name, without dashes
    QChar shortName; // null: none
    QString valueName; // empty: a flag
    QString description;
    bool global = false; // valid with every command
};

// Where a command can run: here, here or on a daemon through --remote (remotecommands.cpp), or only there.
enum class Where
{
    Local,
    LocalAndRemote,
    RemoteOnly
};

// One command, or one subcommand of a command with subcommands (`keys add`).
struct CommandDef
{
    QString name; // "keys"
    QString sub; // "add"; empty for a command without subcommands
    QString args; // what follows the command words, for the help: "[ID...]"
    QString description;
    QStringList options; // the names (in optionTable()) it takes besides the global ones
    QStringList required; // of those, the ones it needs (shown without brackets)
    Where where = Where::Local;
    CommandFn run = nullptr; // null for commands only a daemon runs

    QString words() const { return sub.isEmpty() ? name : name + u' ' + sub; }
    bool takes(const QString &option) const { return options.contains(option); }
};

// The two tables everything else is made from: the parsers, the help, the checks.
const QList<OptionDef> &optionTable();
const QList<CommandDef> &commandTable();

const OptionDef *findOption(const QString &name);
// The rows of one command: one for a command without subcommands, one per subcommand otherwise; empty if unknown.
QList<const CommandDef *> commandRows(const QString &name);
const CommandDef *findCommand(const QString &name, const QString &sub);
// The commands that take a (non-global) option, as "'keys add'", in table order.
QStringList commandsTaking(const QString &option);
// Which commands --remote carries out, from the table: "keys add|list, bind, ...".
QString remoteCommands();

// The option as a QCommandLineOption (short name first, long name last); `name` must be in the table.
QCommandLineOption commandLineOption(const QString &name);
// What a command's parser takes: its own options, then the global ones.
QList<QCommandLineOption> commandLineOptions(const CommandDef &command);
// Every option in the table: the first pass, which finds the command before its parser is known.
QList<QCommandLineOption> allCommandLineOptions();

} // namespace ga::cli
