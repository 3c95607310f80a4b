// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/helptext.h"

#include "version.h"

#include <algorithm>
#include <utility>

namespace ga::cli {
namespace {

constexpr qsizetype kIndent = 2;
constexpr qsizetype kCommandColumn = 37; // where a command's description starts
constexpr qsizetype kWidth = 118;
constexpr QChar kKeepTogether = QChar(0x00A0); // a space wrapped() does not break at

// What holds for every command; the commands and options themselves come from the tables.
const char kNotes[]
    = "The file secret store takes its passphrase from $GEMINI_AGGREGATOR_PASSPHRASE, from the file "
      "$GEMINI_AGGREGATOR_PASSPHRASE_FILE names, from systemd's credential "
      "$CREDENTIALS_DIRECTORY/passphrase, or asks on the terminal. Input is read up to 64 MiB (imports: "
      "1,000,000 lines); piped input that sends nothing for 30 s ($GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS) "
      "ends the command, a terminal waits.\n"
      "Exit codes: 0 success, 1 failure, 2 usage error.\n";

QString daemon()
{
    return QString::fromLatin1(kDaemonName);
}

// `text` from `column` on, wrapped at kWidth; the first line continues a line that is `used` wide.
QString wrapped(const QString &text, qsizetype column, qsizetype used)
{
    QString out = QString(column - used, u' ');
    qsizetype width = column;
    bool first = true;
    for (const QString &word : text.split(u' ', Qt::SkipEmptyParts)) {
        if (!first && width + 1 + word.size() > kWidth) {
            out += u'\n' + QString(column, u' ');
            width = column;
            first = true;
        }
        if (!first) {
            out += u' ';
            ++width;
        }
        out += word;
        width += word.size();
        first = false;
    }
    return out.replace(kKeepTogether, u' ') + u'\n';
}

// Two columns; a left text that reaches the description column gets a line of its own.
QString table(const QList<std::pair<QString, QString>> &rows, qsizetype column)
{
    QString out;
    for (const auto &[left, description] : rows) {
        const QString start = QString(kIndent, u' ') + left;
        if (start.size() + 2 > column) {
            out += start + u'\n' + wrapped(description, column, 0);
        } else {
            out += start + wrapped(description, column, start.size());
        }
    }
    return out;
}

QString optionLeft(const QCommandLineOption &option)
{
    QStringList words;
    for (const QString &name : option.names()) {
        words.append((name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name);
    }
    const QString left = words.join(QStringLiteral(", "));
    return option.valueName().isEmpty() ? left : left + u' ' + option.valueName();
}

QString optionDescription(const QCommandLineOption &option)
{
    if (option.names().constLast() == u"remote") {
        // "keys add|list" stays on one line.
        QStringList entries = remoteCommands().split(QStringLiteral(", "));
        entries.replaceInStrings(QStringLiteral(" "), QString(kKeepTogether));
        return option.description() + QStringLiteral(". Available: ") + entries.join(QStringLiteral(", "));
    }
    return option.description();
}

QString formatOptions(const QList<QCommandLineOption> &options)
{
    qsizetype widest = 0;
    for (const QCommandLineOption &option : options) {
        widest = std::max(widest, optionLeft(option).size());
    }
    QList<std::pair<QString, QString>> rows;
    for (const QCommandLineOption &option : options) {
        rows.append({ optionLeft(option), optionDescription(option) });
    }
    return table(rows, std::min(kIndent + widest + 2, kCommandColumn));
}

QString globalOptions()
{
    QList<QCommandLineOption> options;
    for (const OptionDef &option : optionTable()) {
        if (option.global) {
            options.append(commandLineOption(option.name));
        }
    }
    return QStringLiteral("Global options (with every command):\n") + formatOptions(options);
}

QString formatCommands(const QList<const CommandDef *> &commands)
{
    QList<std::pair<QString, QString>> rows;
    for (const CommandDef *command : commands) {
        rows.append({ synopsis(*command), command->description });
    }
    return table(rows, kCommandColumn);
}

QString sentence(const QString &text)
{
    return text.endsWith(u'.') || text.endsWith(u')') ? text : text + u'.';
}

} // namespace

QString synopsis(const CommandDef &command)
{
    QStringList parts { command.words() };
    if (!command.args.isEmpty()) {
        parts.append(command.args);
    }
    for (const QString &name : command.options) {
        const OptionDef *option = findOption(name);
        const QString word = option && !option->valueName.isEmpty()
            ? QStringLiteral("--%1 %2").arg(name, option->valueName)
            : QStringLiteral("--") + name;
        parts.append(command.required.contains(name) ? word : u'[' + word + u']');
    }
    return parts.join(u' ');
}

QString overviewHelp()
{
    QList<const CommandDef *> local;
    QList<const CommandDef *> remoteOnly;
    for (const CommandDef &command : commandTable()) {
        (command.where == Where::RemoteOnly ? remoteOnly : local).append(&command);
    }
    QString out = QStringLiteral("Usage: %1 [GLOBAL OPTIONS] [COMMAND] [ARGS]\n\n"
                                 "A local proxy for the Google Gemini API that spreads requests over many API keys.\n"
                                 "Without a command, 'run' is assumed.\n\nCommands:\n")
                      .arg(daemon());
    out += formatCommands(local);
    out += QStringLiteral("\nOnly with --remote URL (they ask a running daemon):\n") + formatCommands(remoteOnly);
    out += u'\n' + globalOptions();
    out += QStringLiteral("\nRun '%1 COMMAND --help' (or '%1 help COMMAND') for one command's usage and options.\n\n")
               .arg(daemon());
    for (const QString &paragraph : QString::fromUtf8(kNotes).split(u'\n', Qt::SkipEmptyParts)) {
        out += wrapped(paragraph, 0, 0);
    }
    return out;
}

QString commandHelp(const CommandDef &command)
{
    QString out = QStringLiteral("Usage: %1 [GLOBAL OPTIONS] %2\n\n").arg(daemon(), synopsis(command));
    out += wrapped(sentence(command.description), 0, 0);
    switch (command.where) {
    case Where::Local:
        out += QStringLiteral("Runs on this machine only (not with --remote).\n");
        break;
    case Where::LocalAndRemote:
        out += QStringLiteral("With --remote URL, a running daemon carries it out.\n");
        break;
    case Where::RemoteOnly:
        out += QStringLiteral("Only with --remote URL: it asks a running daemon.\n");
        break;
    }
    if (!command.options.isEmpty()) {
        QList<QCommandLineOption> own;
        for (const QString &name : command.options) {
            own.append(commandLineOption(name));
        }
        out += QStringLiteral("\nOptions:\n") + formatOptions(own);
    }
    out += u'\n' + globalOptions();
    return out;
}

QString groupHelp(const QString &name)
{
    const QList<const CommandDef *> rows = commandRows(name);
    QString out = QStringLiteral("Usage: %1 [GLOBAL OPTIONS] %2 COMMAND [ARGS]\n\nCommands:\n").arg(daemon(), name);
    out += formatCommands(rows);
    out += QStringLiteral("\nRun '%1 %2 COMMAND --help' for one command's usage and options.\n\n").arg(daemon(), name);
    out += globalOptions();
    return out;
}

} // namespace ga::cli
