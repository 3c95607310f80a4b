// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commandline.h"

#include "version.h"

#include <QCommandLineParser>

namespace ga::cli {
namespace {

CommandLine usage(const QString &sentence, const QString &helpTopic = {})
{
    CommandLine line;
    line.action = CommandLine::Action::Usage;
    line.error = sentence;
    line.helpTopic = helpTopic;
    return line;
}

bool parse(QCommandLineParser &parser, const QList<QCommandLineOption> &options, const QStringList &words)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsCompactedShortOptions);
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    parser.addOptions(options);
    return parser.parse(QStringList { QString::fromLatin1(kDaemonName) } + words);
}

// "a", "a and b", "a, b and c"
QString joined(const QStringList &items)
{
    if (items.size() < 2) {
        return items.join(QString());
    }
    return items.mid(0, items.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" and ") + items.constLast();
}

QStringList subcommands(const QString &name)
{
    QStringList subs;
    for (const CommandDef *row : commandRows(name)) {
        subs.append(row->sub);
    }
    return subs;
}

// The command the words name; nullptr with `line` set to the mistake. A command with subcommands takes two words.
const CommandDef *resolve(const QStringList &positionals, CommandLine *line)
{
    const QString name = positionals.value(0);
    const QList<const CommandDef *> rows = commandRows(name);
    if (rows.isEmpty()) {
        *line = usage(QStringLiteral("'%1' is not a command").arg(name));
        return nullptr;
    }
    if (rows.size() == 1 && rows.constFirst()->sub.isEmpty()) {
        return rows.constFirst();
    }
    const QString sub = positionals.value(1);
    if (sub.isEmpty()) {
        *line = usage(
            QStringLiteral("'%1' needs a subcommand: %2").arg(name, subcommands(name).join(QStringLiteral(", "))),
            name);
        return nullptr;
    }
    const CommandDef *command = findCommand(name, sub);
    if (!command) {
        *line = usage(QStringLiteral("'%1 %2' is not a command; '%1' has: %3")
                          .arg(name, sub, subcommands(name).join(QStringLiteral(", "))),
            name);
    }
    return command;
}

CommandLine help(QStringList positionals)
{
    CommandLine line;
    line.action = CommandLine::Action::Help;
    if (positionals.isEmpty()) {
        return line;
    }
    const QList<const CommandDef *> rows = commandRows(positionals.constFirst());
    if (rows.size() > 1 && positionals.size() == 1) {
        line.group = positionals.constFirst();
        return line;
    }
    line.command = resolve(positionals, &line);
    return line;
}

} // namespace

CommandLine parseCommandLine(const QStringList &words)
{
    // First pass: every option, so the command words are found wherever the options stand.
    const QList<QCommandLineOption> every = allCommandLineOptions();
    QCommandLineParser first;
    if (!parse(first, every, words)) {
        return usage(parserError(first, every));
    }
    QStringList positionals = first.positionalArguments();
    if (first.isSet(QStringLiteral("help"))) {
        return help(positionals);
    }
    if (positionals.value(0) == u"help") {
        return help(positionals.mid(1));
    }
    if (first.isSet(QStringLiteral("version"))) {
        CommandLine line;
        line.action = CommandLine::Action::Version;
        return line;
    }
    const bool remote = first.isSet(QStringLiteral("remote"));
    if (positionals.isEmpty()) {
        if (remote) {
            return usage(QStringLiteral("--remote needs a command, e.g. --remote URL status"));
        }
        positionals.append(QStringLiteral("run"));
    }
    CommandLine line;
    const CommandDef *command = resolve(positionals, &line);
    if (!command) {
        return line;
    }

    // Second pass: the command's own parser.
    const QList<QCommandLineOption> options = commandLineOptions(*command);
    QCommandLineParser parser;
    if (!parse(parser, options, words)) {
        const QStringList unknown = parser.unknownOptionNames();
        if (unknown.isEmpty()) {
            return usage(parserError(parser, options), command->words());
        }
        const QString option = unknown.constFirst();
        QString sentence = QStringLiteral("'%1' does not take %2").arg(command->words(), optionWord(option));
        if (const QStringList takers = commandsTaking(option); !takers.isEmpty()) {
            sentence += QStringLiteral("; %1 %2 it")
                            .arg(joined(takers), takers.size() == 1 ? QLatin1String("takes") : QLatin1String("take"));
        }
        return usage(sentence, command->words());
    }
    if (remote && command->where == Where::Local) {
        return usage(QStringLiteral("'%1' cannot be run with --remote; remotely available: %2")
                         .arg(command->words(), remoteCommands()),
            command->words());
    }
    if (!remote && command->where == Where::RemoteOnly) {
        return usage(
            QStringLiteral("'%1' asks a running daemon: gemini-aggregatord --remote URL %1").arg(command->words()),
            command->words());
    }
    line.action = CommandLine::Action::Run;
    line.command = command;
    line.args = Args::fromParser(parser, options);
    line.words = positionals;
    return line;
}

} // namespace ga::cli
