// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/cliapp.h"

#include "cli/commandline.h"
#include "cli/commands.h"
#include "cli/helptext.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "version.h"

#include <QCoreApplication>

#include <cstdio>

namespace ga::cli {
namespace {

int usageError(const QString &sentence, const QString &helpTopic)
{
    const QString pointer = helpTopic.isEmpty()
        ? QStringLiteral("Run '%1 --help' for the list of commands.").arg(QLatin1String(kDaemonName))
        : QStringLiteral("Run '%1 %2 --help' for how to use it.").arg(QLatin1String(kDaemonName), helpTopic);
    std::fprintf(stderr, "%s: %s\n%s\n", kDaemonName, logging::Redactor::redact(sentence).toLocal8Bit().constData(),
        pointer.toLocal8Bit().constData());
    return kExitUsage;
}

QString helpFor(const CommandLine &line)
{
    if (line.command) {
        return commandHelp(*line.command);
    }
    return line.group.isEmpty() ? overviewHelp() : groupHelp(line.group);
}

} // namespace

int runCli(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QLatin1String(kAppName));
    QCoreApplication::setOrganizationName(QLatin1String(kOrganization));
    QCoreApplication::setApplicationVersion(QLatin1String(kVersion));
    logging::installMessageHandler();

    const CommandLine line = parseCommandLine(QCoreApplication::arguments().mid(1));
    switch (line.action) {
    case CommandLine::Action::Usage:
        return usageError(line.error, line.helpTopic);
    case CommandLine::Action::Help:
        std::fputs(helpFor(line).toLocal8Bit().constData(), stdout);
        return kExitOk;
    case CommandLine::Action::Version:
        std::printf("%s %s\n", kDaemonName, kVersion);
        return kExitOk;
    case CommandLine::Action::Run:
        break;
    }
    const Args &args = line.args;
    if (args.has(QStringLiteral("remote"))) {
        logging::setLogLevel(logging::LogLevel::Warning);
        Context ctx(args);
        return remoteCommand(ctx, line.words);
    }

    // Commands print what they did; log lines are for `run`, or when asked for.
    const QString name = line.command->name;
    logging::LogLevel level = name == u"run" ? logging::LogLevel::Info : logging::LogLevel::Warning;
    if (args.has(QStringLiteral("log-level"))) {
        const auto parsed = logging::parseLogLevel(args.value(QStringLiteral("log-level")));
        if (!parsed) {
            return usageError(QStringLiteral("'%1' is not a log level; use debug, info, warning or error")
                                  .arg(args.value(QStringLiteral("log-level"))),
                {});
        }
        level = *parsed;
    }
    logging::setLogLevel(level);
    if (args.has(QStringLiteral("log-format"))) {
        const auto format = logging::parseLogFormat(args.value(QStringLiteral("log-format")));
        if (!format) {
            return usageError(QStringLiteral("'%1' is not a log format; use text or json")
                                  .arg(args.value(QStringLiteral("log-format"))),
                {});
        }
        logging::setLogFormat(*format);
    }
    if (const QString store = args.value(QStringLiteral("secret-store"));
        args.has(QStringLiteral("secret-store")) && store != u"keychain" && store != u"file") {
        return usageError(QStringLiteral("'%1' is not a secret store; use keychain or file").arg(store), {});
    }

    Context ctx(args);
    return line.command->run(ctx, line.words.mid(1));
}

} // namespace ga::cli
