// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/args.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

namespace ga::cli {

Args Args::fromParser(const QCommandLineParser &parser, const QList<QCommandLineOption> &options)
{
    Args args;
    args.m_positionals = parser.positionalArguments();
    for (const QCommandLineOption &option : options) {
        if (parser.isSet(option)) {
            args.m_options.insert(
                option.names().constLast(), option.valueName().isEmpty() ? QString() : parser.value(option));
        }
    }
    return args;
}

QString optionWord(const QString &name)
{
    return (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name;
}

QString parserError(const QCommandLineParser &parser, const QList<QCommandLineOption> &options)
{
    if (!parser.unknownOptionNames().isEmpty()) {
        return QStringLiteral("unknown option '%1'").arg(optionWord(parser.unknownOptionNames().constFirst()));
    }
    // The parser's other mistakes quote the option: "Missing value after '--label'.", "Unexpected value after
    // '--json'.". Which one it is follows from the option.
    const QString word = parser.errorText().section(u'\'', 1, 1);
    const QString name = word.mid(word.startsWith(QLatin1String("--")) ? 2 : 1);
    for (const QCommandLineOption &option : options) {
        if (!name.isEmpty() && option.names().contains(name)) {
            const QString longWord = optionWord(option.names().constLast());
            return option.valueName().isEmpty()
                ? QStringLiteral("option '%1' takes no value").arg(longWord)
                : QStringLiteral("option '%1' needs a value: %1 %2 or %1=%2").arg(longWord, option.valueName());
        }
    }
    return parser.errorText();
}

} // namespace ga::cli
