// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QStringList>

class QCommandLineOption;
class QCommandLineParser;

namespace ga::cli {

// What the commands read of the command line: the positional words and the options that were given, by long name.
// A view filled from a QCommandLineParser, so options may stand anywhere ("keys list --json"), values come as
// "--opt value" or "--opt=value", and "--" ends the options. `gemini-aggregatord` fills it from the parser of the
// command being run (commandline.h).
class Args
{
public:
    // The parser's positionals and every option of `options` it saw, named by its last (long) name.
    static Args fromParser(const QCommandLineParser &parser, const QList<QCommandLineOption> &options);

    const QStringList &positionals() const { return m_positionals; }
    bool has(const QString &name) const { return m_options.contains(name); }
    QString value(const QString &name) const { return m_options.value(name); }
    QStringList optionNames() const { return m_options.keys(); }

private:
    QStringList m_positionals;
    QHash<QString, QString> m_options;
};

// Why `parser` refused the words (after parse() returned false), as one sentence: an unknown option, an option
// without its value, or a value given to a flag. `options` are those the parser was given.
QString parserError(const QCommandLineParser &parser, const QList<QCommandLineOption> &options);
// How an option is written: "--label", or "-h" for a one-letter name.
QString optionWord(const QString &name);

} // namespace ga::cli
