// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/cliapp.h"

#include "cli/commands.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "version.h"

#include <QCoreApplication>
#include <QHash>

#include <cstdio>

namespace ga::cli {
namespace {

const char kHelp[] = R"(Usage: gemini-aggregatord [GLOBAL OPTIONS] [COMMAND] [ARGS]

A local proxy for the Google Gemini API that spreads requests over many API keys.
Without a command, 'run' is assumed.

Commands:
  run                                Serve until SIGINT/SIGTERM
  keys add [--label L] [--weight N] [--group G]
                                     Add keys read from standard input, one per line
  keys list [--json]                 Show keys (secrets masked), their state and today's requests
  keys stats [--json]                Usage per key, model and day (requests, errors, tokens)
  keys test [ID...]                  Check keys with a cheap call: valid / invalid / quota / network
  keys remove|enable|disable ID      Remove, enable or disable a key
  keys import FILE [--label L] [--group G]
                                     Add keys from a file: one per line, CSV (key,label,weight,group),
                                     or an export; prints added / skipped / invalid
  keys doctor [--fix]                List secrets no config entry names (left by an interrupted command,
                                     or found in the store); --fix removes them (exit 1: some are left)
  export [--with-secrets] [--output FILE]
                                     Keys and instances as JSON; secrets only with --with-secrets,
                                     encrypted with a passphrase ($GEMINI_AGGREGATOR_EXPORT_PASSPHRASE)
  files list [--json]                Files uploaded or listed through the proxy: owner key, size, expiry
  files show NAME                    One file (NAME: files/ID or ID)
  files delete NAME                  Delete a file at Google with its owner's key (needs the running daemon)
  caches list [--json]               Cached contents made through the proxy, with their owner key
  caches delete NAME                 Delete a cached content (needs the running daemon)
  instances add --name N --url URL   Register a relay instance (Deno Deploy, Cloudflare Workers); its
                                     secret is read from stdin, or generated and printed once
  instances test [ID...]             Check relays: reachable? secret accepted? can they reach Google?
  instances list [--json]            Show relay instances
  instances remove ID                Remove an instance (its keys are unbound)
  bind KEY_ID INSTANCE_ID            Send a key's traffic through one instance
  unbind KEY_ID                      Let a key use any instance
  mode [local|serverless|hybrid]     Show or set the routing mode
  config get [PATH]                  Show one setting, or the whole effective config
  config set PATH VALUE              Change a setting (for example: config set listen.port 3146)
  config check                       Validate the config file
  config path                        Print where the config file is
  token show [NAME]                  Print an access token (the 'default' one is created on first use)
  token add NAME [--requests-per-minute N] [--requests-per-day N] [--streams N]
                                     Create a named access token (one per tool) and print it
  token list [--json]                Show token names and their limits (never the tokens)
  token revoke NAME                  Stop accepting a token
  token rotate [NAME]                Replace a token's value (default: 'default')
  token show --admin | token rotate --admin
                                     The admin API's token (separate from access tokens)
  token jwt-secret                   Store the HS256 secret for JWTs (from stdin, or generated)
  token jwt-mint --sub NAME [--ttl S]
                                     Print an HS256 JWT signed with that secret

Global options:
  --config PATH             Config file (default: $GEMINI_AGGREGATOR_CONFIG or the platform location)
  --secret-store KIND       keychain (default) or file; also $GEMINI_AGGREGATOR_SECRET_STORE
  --log-level LEVEL         debug, info, warning or error
  --log-format FORMAT       text (default) or json (one JSON object per line)
  --remote URL              Carry the command out on a running daemon through its admin API (JSON answers);
                            the admin token comes from $GEMINI_AGGREGATOR_ADMIN_TOKEN or a prompt.
                            Available: status, history, keys list|stats|add|enable|disable|remove|test,
                            instances list|add|remove|test, bind, unbind, mode, config get|set,
                            token list|add|revoke|rotate, files list|show|delete, caches list|delete
  -h, --help                Show this help
  -V, --version             Show the version

The file secret store takes its passphrase from $GEMINI_AGGREGATOR_PASSPHRASE or asks on the terminal.
Input is read up to 64 MiB (imports: 1,000,000 lines); piped input that sends nothing for 30 s
($GEMINI_AGGREGATOR_STDIN_TIMEOUT_MS) ends the command, a terminal waits.
Exit codes: 0 success, 1 failure, 2 usage error.
)";

struct Command
{
    int (*run)(Context &, const QStringList &);
    QStringList options; // command-specific options it accepts
};

const QHash<QString, Command> &commands()
{
    static const QHash<QString, Command> table = {
        { QStringLiteral("run"), { runCommand, {} } },
        { QStringLiteral("keys"),
            { keysCommand,
                { QStringLiteral("label"), QStringLiteral("weight"), QStringLiteral("group"), QStringLiteral("json"),
                    QStringLiteral("fix") } } },
        { QStringLiteral("export"), { exportCommand, { QStringLiteral("with-secrets"), QStringLiteral("output") } } },
        { QStringLiteral("instances"),
            { instancesCommand, { QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("json") } } },
        { QStringLiteral("files"), { filesCommand, { QStringLiteral("json") } } },
        { QStringLiteral("caches"), { cachesCommand, { QStringLiteral("json") } } },
        { QStringLiteral("bind"), { bindCommand, {} } },
        { QStringLiteral("unbind"), { unbindCommand, {} } },
        { QStringLiteral("mode"), { modeCommand, {} } },
        { QStringLiteral("config"), { configCommand, {} } },
        { QStringLiteral("token"),
            { tokenCommand,
                { QStringLiteral("json"), QStringLiteral("requests-per-minute"), QStringLiteral("requests-per-day"),
                    QStringLiteral("streams"), QStringLiteral("sub"), QStringLiteral("ttl"),
                    QStringLiteral("admin") } } },
    };
    return table;
}

const QList<OptionSpec> &optionSpecs()
{
    static const QList<OptionSpec> specs = {
        { QStringLiteral("config"), true, {} },
        { QStringLiteral("secret-store"), true, {} },
        { QStringLiteral("log-level"), true, {} },
        { QStringLiteral("log-format"), true, {} },
        { QStringLiteral("help"), false, u'h' },
        { QStringLiteral("version"), false, u'V' },
        { QStringLiteral("label"), true, {} },
        { QStringLiteral("weight"), true, {} },
        { QStringLiteral("group"), true, {} },
        { QStringLiteral("json"), false, {} },
        { QStringLiteral("name"), true, {} },
        { QStringLiteral("url"), true, {} },
        { QStringLiteral("requests-per-minute"), true, {} },
        { QStringLiteral("requests-per-day"), true, {} },
        { QStringLiteral("streams"), true, {} },
        { QStringLiteral("sub"), true, {} },
        { QStringLiteral("ttl"), true, {} },
        { QStringLiteral("with-secrets"), false, {} },
        { QStringLiteral("admin"), false, {} },
        { QStringLiteral("output"), true, {} },
        { QStringLiteral("remote"), true, {} },
        { QStringLiteral("fix"), false, {} },
    };
    return specs;
}

int usageError(const QString &sentence)
{
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for the list of commands.\n", kDaemonName,
        logging::Redactor::redact(sentence).toLocal8Bit().constData(), kDaemonName);
    return kExitUsage;
}

} // namespace

int runCli(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QLatin1String(kAppName));
    QCoreApplication::setOrganizationName(QLatin1String(kOrganization));
    QCoreApplication::setApplicationVersion(QLatin1String(kVersion));
    logging::installMessageHandler();

    Args args;
    QString error;
    if (!args.parse(QCoreApplication::arguments().mid(1), optionSpecs(), &error)) {
        return usageError(error);
    }
    if (args.has(QStringLiteral("help"))) {
        std::fputs(kHelp, stdout);
        return kExitOk;
    }
    if (args.has(QStringLiteral("version"))) {
        std::printf("%s %s\n", kDaemonName, kVersion);
        return kExitOk;
    }

    QStringList words = args.positionals();
    if (args.has(QStringLiteral("remote"))) {
        logging::setLogLevel(logging::LogLevel::Warning);
        Context ctx(args);
        return words.isEmpty() ? usageError(QStringLiteral("--remote needs a command, e.g. --remote URL status"))
                               : remoteCommand(ctx, words);
    }
    const QString name = words.isEmpty() ? QStringLiteral("run") : words.takeFirst();
    const auto it = commands().constFind(name);
    if (it == commands().constEnd()) {
        return usageError(QStringLiteral("'%1' is not a command").arg(name));
    }
    static const QStringList global = { QStringLiteral("config"), QStringLiteral("secret-store"),
        QStringLiteral("log-level"), QStringLiteral("log-format") };
    for (const QString &option : args.optionNames()) {
        if (!global.contains(option) && !it->options.contains(option)) {
            return usageError(QStringLiteral("'%1' does not take --%2").arg(name, option));
        }
    }

    // Commands print what they did; log lines are for `run`, or when asked for.
    logging::LogLevel level = name == u"run" ? logging::LogLevel::Info : logging::LogLevel::Warning;
    if (args.has(QStringLiteral("log-level"))) {
        const auto parsed = logging::parseLogLevel(args.value(QStringLiteral("log-level")));
        if (!parsed) {
            return usageError(QStringLiteral("'%1' is not a log level; use debug, info, warning or error")
                                  .arg(args.value(QStringLiteral("log-level"))));
        }
        level = *parsed;
    }
    logging::setLogLevel(level);
    if (args.has(QStringLiteral("log-format"))) {
        const auto format = logging::parseLogFormat(args.value(QStringLiteral("log-format")));
        if (!format) {
            return usageError(QStringLiteral("'%1' is not a log format; use text or json")
                                  .arg(args.value(QStringLiteral("log-format"))));
        }
        logging::setLogFormat(*format);
    }
    if (const QString store = args.value(QStringLiteral("secret-store"));
        args.has(QStringLiteral("secret-store")) && store != u"keychain" && store != u"file") {
        return usageError(QStringLiteral("'%1' is not a secret store; use keychain or file").arg(store));
    }

    Context ctx(args);
    return it->run(ctx, words);
}

} // namespace ga::cli
