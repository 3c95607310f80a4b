// SPDX-License-Identifier: GPL-3.0-or-later
// The command line's tables (core/cli/commandtable.h): the per-command parsers and the help are made from them.
// Every command has generated help, `COMMAND --help` lists its options, an option of another command is refused
// with exit 2 naming the command that takes it; the parsing rules, in process.
#include "cli/commandline.h"
#include "cli/commandtable.h"
#include "cli/helptext.h"
#include "testsupport.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using ga::cli::CommandDef;
using ga::cli::CommandLine;
using ga::cli::OptionDef;
using ga::test::CliResult;
using ga::test::runCli;
using ga::test::Sandbox;

Q_DECLARE_METATYPE(const CommandDef *)

namespace {

QStringList wordsOf(const CommandDef &command)
{
    return command.sub.isEmpty() ? QStringList { command.name } : QStringList { command.name, command.sub };
}

QStringList globalOptions()
{
    QStringList names;
    for (const OptionDef &option : ga::cli::optionTable()) {
        if (option.global) {
            names.append(option.name);
        }
    }
    return names;
}

// An option some other command takes (with a value when it needs one), or empty.
QStringList foreignOption(const CommandDef &command)
{
    for (const OptionDef &option : ga::cli::optionTable()) {
        if (!option.global && !command.takes(option.name)) {
            QStringList words { QStringLiteral("--") + option.name };
            if (!option.valueName.isEmpty()) {
                words.append(QStringLiteral("x"));
            }
            return words;
        }
    }
    return {};
}

void addCommandRows()
{
    QTest::addColumn<const CommandDef *>("command");
    for (const CommandDef &command : ga::cli::commandTable()) {
        QTest::newRow(qPrintable(command.words())) << &command;
    }
}

} // namespace

class TestCliParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tablesAgree()
    {
        QSet<QString> options;
        QSet<QChar> shortNames;
        for (const OptionDef &option : ga::cli::optionTable()) {
            QVERIFY2(!options.contains(option.name), qPrintable(option.name));
            options.insert(option.name);
            QVERIFY2(!option.description.isEmpty(), qPrintable(option.name));
            if (!option.shortName.isNull()) {
                QVERIFY2(!shortNames.contains(option.shortName), qPrintable(option.name));
                shortNames.insert(option.shortName);
            }
            if (!option.global) {
                QVERIFY2(!ga::cli::commandsTaking(option.name).isEmpty(),
                    qPrintable(QStringLiteral("no command takes --%1").arg(option.name)));
            }
        }
        QSet<QString> commands;
        for (const CommandDef &command : ga::cli::commandTable()) {
            QVERIFY2(!commands.contains(command.words()), qPrintable(command.words()));
            commands.insert(command.words());
            QVERIFY2(!command.description.isEmpty(), qPrintable(command.words()));
            // A command has subcommands on every row or on none.
            for (const CommandDef *row : ga::cli::commandRows(command.name)) {
                QCOMPARE(row->sub.isEmpty(), command.sub.isEmpty());
            }
            QCOMPARE(command.run == nullptr, command.where == ga::cli::Where::RemoteOnly);
            for (const QString &name : command.options + command.required) {
                const OptionDef *option = ga::cli::findOption(name);
                QVERIFY2(option && !option->global, qPrintable(command.words() + QStringLiteral(": --") + name));
            }
            for (const QString &name : command.required) {
                QVERIFY2(command.takes(name), qPrintable(command.words() + QStringLiteral(": --") + name));
            }
        }
    }

    void everyCommandHasGeneratedHelp_data() { addCommandRows(); }

    void everyCommandHasGeneratedHelp()
    {
        QFETCH(const CommandDef *, command);
        const QString help = ga::cli::commandHelp(*command);
        QVERIFY2(help.startsWith(QStringLiteral("Usage: gemini-aggregatord [GLOBAL OPTIONS] ")
                     + ga::cli::synopsis(*command) + u'\n'),
            qPrintable(help));
        QVERIFY2(help.contains(command->description.section(u' ', 0, 2)), qPrintable(help));
        for (const QString &name : command->options + globalOptions()) {
            QVERIFY2(help.contains(QStringLiteral("--") + name), qPrintable(name + QStringLiteral(" in:\n") + help));
        }
        const QString overview = ga::cli::overviewHelp();
        QVERIFY2(overview.contains(QStringLiteral("  ") + ga::cli::synopsis(*command)), qPrintable(overview));
        if (!command->sub.isEmpty()) {
            QVERIFY(ga::cli::groupHelp(command->name).contains(ga::cli::synopsis(*command)));
        }
    }

    void helpOfEachCommandListsItsOptions_data() { addCommandRows(); }

    void helpOfEachCommandListsItsOptions()
    {
        QFETCH(const CommandDef *, command);
        Sandbox sb;
        const QStringList words = wordsOf(*command);
        const CliResult r = runCli(sb, words + QStringList { QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.isEmpty(), r.err.constData());
        QCOMPARE(r.outText(), ga::cli::commandHelp(*command));
        for (const QString &name : command->options + globalOptions()) {
            QVERIFY2(r.outText().contains(QStringLiteral("--") + name), qPrintable(name));
        }
        // The same from `help COMMAND` and from -h standing before the command.
        QCOMPARE(runCli(sb, QStringList { QStringLiteral("help") } + words).outText(), r.outText());
        QCOMPARE(runCli(sb, QStringList { QStringLiteral("-h") } + words).outText(), r.outText());
        QVERIFY(!QFile::exists(sb.configPath()));
    }

    void optionOfAnotherCommandIsRefused_data() { addCommandRows(); }

    void optionOfAnotherCommandIsRefused()
    {
        QFETCH(const CommandDef *, command);
        const QStringList foreign = foreignOption(*command);
        QVERIFY(!foreign.isEmpty());
        const QString option = foreign.constFirst().mid(2);
        Sandbox sb;
        const CliResult r = runCli(sb, wordsOf(*command) + foreign);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.errText().contains(QStringLiteral("'%1' does not take --%2").arg(command->words(), option)),
            qPrintable(r.errText()));
        const QString taker = ga::cli::commandsTaking(option).constFirst();
        QVERIFY2(r.errText().contains(taker), qPrintable(taker + QStringLiteral(" not in: ") + r.errText()));
        QVERIFY2(r.errText().contains(QStringLiteral("--help")), qPrintable(r.errText()));
        QVERIFY(!QFile::exists(sb.configPath()));
    }

    void overviewAndGroups()
    {
        Sandbox sb;
        CliResult r = runCli(sb, { QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.outText(), ga::cli::overviewHelp());
        QCOMPARE(runCli(sb, { QStringLiteral("help") }).outText(), r.outText());
        // Wrapped over lines in the help; the same list word for word.
        QVERIFY2(r.outText().simplified().contains(QStringLiteral("Available: ") + ga::cli::remoteCommands()),
            qPrintable(r.outText()));

        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.outText(), ga::cli::groupHelp(QStringLiteral("keys")));
        r = runCli(sb, { QStringLiteral("help"), QStringLiteral("frobnicate") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
    }

    // The --remote list in the help and the check before anything is sent come from the table; it matches what
    // remotecommands.cpp maps to the admin API.
    void remoteCommandsComeFromTheTable()
    {
        const auto expand = [](const QString &list) {
            QSet<QString> out;
            for (const QString &entry : list.split(QStringLiteral(", "))) {
                const QString name = entry.section(u' ', 0, 0);
                const QString subs = entry.section(u' ', 1);
                if (subs.isEmpty()) {
                    out.insert(name);
                }
                for (const QString &sub : subs.split(u'|', Qt::SkipEmptyParts)) {
                    out.insert(name + u' ' + sub);
                }
            }
            return out;
        };
        const QString fromRemoteCommandsCpp = QStringLiteral(
            "status, history, keys list|stats|add|enable|disable|remove|test, instances list|add|remove|test, bind, "
            "unbind, mode, config get|set, token list|add|revoke|rotate, files list|show|delete, caches list|delete, "
            "cluster status, proxy password");
        QCOMPARE(expand(ga::cli::remoteCommands()), expand(fromRemoteCommandsCpp));
        for (const CommandDef &command : ga::cli::commandTable()) {
            const CommandLine line = ga::cli::parseCommandLine(
                QStringList { QStringLiteral("--remote"), QStringLiteral("http://127.0.0.1:9") } + wordsOf(command));
            if (command.where == ga::cli::Where::Local) {
                QCOMPARE(line.action, CommandLine::Action::Usage);
                QVERIFY2(line.error.contains(QStringLiteral("remotely available: ") + ga::cli::remoteCommands()),
                    qPrintable(line.error));
            } else {
                QVERIFY2(line.action == CommandLine::Action::Run, qPrintable(command.words() + line.error));
                QCOMPARE(line.words, wordsOf(command));
            }
        }
    }

    void parse_data()
    {
        QTest::addColumn<QStringList>("words");
        QTest::addColumn<int>("action");
        QTest::addColumn<QString>("command"); // Run/Help: the command's words; Usage: a part of the sentence
        QTest::addColumn<QStringList>("positionals"); // Run: what the command gets
        QTest::addColumn<QString>("options"); // Run: "name=value name" of the options given

        const int run = int(CommandLine::Action::Run);
        const int help = int(CommandLine::Action::Help);
        const int usage = int(CommandLine::Action::Usage);
        const auto w = [](const char *line) { return QString::fromUtf8(line).split(u' ', Qt::SkipEmptyParts); };
        QTest::newRow("bare means run") << QStringList() << run << "run" << w("run") << "";
        QTest::newRow("global option alone") << w("--config /c.json") << run << "run" << w("run") << "config=/c.json";
        QTest::newRow("option after the command")
            << w("keys list --json") << run << "keys list" << w("keys list") << "json=";
        QTest::newRow("option before the command")
            << w("--json keys list") << run << "keys list" << w("keys list") << "json=";
        QTest::newRow("opt=value") << w("keys add --label=a --weight 3") << run << "keys add" << w("keys add")
                                   << "label=a weight=3";
        QTest::newRow("-- ends options") << w("config get -- --json") << run << "config get" << w("config get --json")
                                         << "";
        QTest::newRow("value that looks like an option")
            << w("keys add --label --json") << run << "keys add" << w("keys add") << "label=--json";
        QTest::newRow("remote") << w("--remote http://h:1 keys add --group g") << run << "keys add" << w("keys add")
                                << "group=g remote=http://h:1";
        QTest::newRow("help") << w("-h") << help << "" << QStringList() << "";
        QTest::newRow("help command") << w("token jwt-mint --help") << help << "token jwt-mint" << QStringList() << "";
        QTest::newRow("help word") << w("help token add") << help << "token add" << QStringList() << "";
        QTest::newRow("version") << w("-V") << int(CommandLine::Action::Version) << "" << QStringList() << "";
        QTest::newRow("unknown option") << w("keys list --colour") << usage << "unknown option '--colour'"
                                        << QStringList() << "";
        QTest::newRow("unknown short option")
            << w("keys list -x") << usage << "unknown option '-x'" << QStringList() << "";
        QTest::newRow("missing value") << w("keys add --label") << usage << "'--label' needs a value" << QStringList()
                                       << "";
        QTest::newRow("value for a flag")
            << w("keys list --json=yes") << usage << "'--json' takes no value" << QStringList() << "";
        QTest::newRow("other subcommand's option")
            << w("keys list --label x") << usage << "'keys list' does not take --label; 'keys add' and 'keys import'"
            << QStringList() << "";
        QTest::newRow("unknown command") << w("frobnicate") << usage << "'frobnicate' is not a command" << QStringList()
                                         << "";
        QTest::newRow("unknown subcommand")
            << w("keys frob") << usage << "'keys frob' is not a command; 'keys' has" << QStringList() << "";
        QTest::newRow("missing subcommand")
            << w("config") << usage << "'config' needs a subcommand: get, set" << QStringList() << "";
        QTest::newRow("local only, remotely")
            << w("--remote http://h:1 config check") << usage << "remotely available: " << QStringList() << "";
        QTest::newRow("remote only, locally") << w("status") << usage << "--remote URL status" << QStringList() << "";
        QTest::newRow("remote without a command")
            << w("--remote http://h:1") << usage << "--remote needs a command" << QStringList() << "";
    }

    void parse()
    {
        QFETCH(QStringList, words);
        QFETCH(int, action);
        QFETCH(QString, command);
        QFETCH(QStringList, positionals);
        QFETCH(QString, options);
        const CommandLine line = ga::cli::parseCommandLine(words);
        QVERIFY2(int(line.action) == action, qPrintable(line.error));
        if (line.action == CommandLine::Action::Usage) {
            QVERIFY2(line.error.contains(command), qPrintable(line.error));
            return;
        }
        QCOMPARE(line.command ? line.command->words() : QString(), command);
        if (line.action == CommandLine::Action::Run) {
            QCOMPARE(line.words, positionals);
            QStringList given;
            for (const QString &name : line.args.optionNames()) {
                given.append(name + u'=' + line.args.value(name));
            }
            given.sort();
            QCOMPARE(given.join(u' '),
                options.split(u' ', Qt::SkipEmptyParts)
                    .replaceInStrings(QRegularExpression(QStringLiteral("^([^=]*)$")), QStringLiteral("\\1="))
                    .join(u' '));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliParser)
#include "tst_cliparser.moc"
