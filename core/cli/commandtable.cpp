// SPDX-License-Identifier: GPL-3.0-or-later
// The command line's one table of options and one of commands. The parsers (commandline.cpp), the help
// (helptext.cpp) and the --remote check are all made from these; add a command or an option here only.
#include "cli/commandtable.h"

#include "cli/commands.h"

namespace ga::cli {
namespace {

// Keeps the rows below readable.
QString s(const char *text)
{
    return QString::fromUtf8(text);
}

QStringList list(std::initializer_list<const char *> names)
{
    QStringList out;
    for (const char *name : names) {
        out.append(QString::fromLatin1(name));
    }
    return out;
}

} // namespace

const QList<OptionDef> &optionTable()
{
    static const QList<OptionDef> table = {
        // Global: valid with every command.
        { s("config"), {}, s("PATH"), s("Config file (default: $GEMINI_AGGREGATOR_CONFIG or the platform location)"),
            true },
        { s("secret-store"), {}, s("KIND"), s("keychain (default) or file; also $GEMINI_AGGREGATOR_SECRET_STORE"),
            true },
        { s("log-level"), {}, s("LEVEL"), s("debug, info, warning or error"), true },
        { s("log-format"), {}, s("FORMAT"), s("text (default) or json (one JSON object per line)"), true },
        { s("remote"), {}, s("URL"),
            s("Carry the command out on a running daemon through its admin API (JSON answers); the admin token "
              "comes from $GEMINI_AGGREGATOR_ADMIN_TOKEN or a prompt"),
            true },
        { s("help"), u'h', {}, s("Show this help; 'COMMAND --help' or 'help COMMAND' shows one command's"), true },
        { s("version"), u'V', {}, s("Show the version"), true },
        // Taken by the commands that list them.
        { s("json"), {}, {}, s("Print JSON instead of a table") },
        { s("csv"), {}, {}, s("Print CSV instead of a table") },
        { s("since"), {}, s("T"), s("From this time: ISO 8601 (2026-12-04T10:00:00Z) or a time ago (15m, 2h, 7d)") },
        { s("until"), {}, s("T"), s("Before this time (as --since)") },
        { s("status"), {}, s("N"), s("Only this status code (429), or class (5: every 5xx)") },
        { s("key-id"), {}, s("ID"), s("Only requests answered with this key") },
        { s("model"), {}, s("M"), s("Only requests for this model") },
        { s("route"), {}, s("R"), s("Only requests that went this route: direct, or a relay's id") },
        { s("limit"), {}, s("N"), s("At most N records (default 100)") },
        { s("label"), {}, s("L"), s("Label for the keys (numbered 'L 1', 'L 2'... when several come at once)") },
        { s("weight"), {}, s("N"), s("Share of the traffic relative to the other keys, 1 to 1000 (default 1)") },
        { s("group"), {}, s("G"), s("Group (Google project) the keys belong to") },
        { s("fix"), {}, {}, s("Remove the orphaned secrets (exit 1: some are left)") },
        { s("with-secrets"), {}, {},
            s("Include the secrets, encrypted with a passphrase ($GEMINI_AGGREGATOR_EXPORT_PASSPHRASE or a "
              "prompt)") },
        { s("output"), {}, s("FILE"), s("Write to FILE instead of standard output") },
        { s("name"), {}, s("N"), s("The instance's name") },
        { s("url"), {}, s("URL"), s("The relay's URL") },
        { s("requests-per-minute"), {}, s("N"), s("Requests per minute the token may make (0: no limit)") },
        { s("requests-per-day"), {}, s("N"), s("Requests per day the token may make (0: no limit)") },
        { s("streams"), {}, s("N"), s("Streams the token may hold open at once (0: no limit)") },
        { s("admin"), {}, {}, s("The admin API's token (separate from access tokens)") },
        { s("from-stdin"), {}, {},
            s("Store the token read from standard input (the same token on every daemon of a cluster)") },
        { s("sub"), {}, s("NAME"), s("Whom the JWT is for (its subject)") },
        { s("ttl"), {}, s("S"), s("Seconds until the JWT expires (default 3600)") },
    };
    return table;
}

const QList<CommandDef> &commandTable()
{
    using enum Where;
    static const QList<CommandDef> table = {
        { s("run"), {}, {}, s("Serve until SIGINT/SIGTERM (what a bare invocation does)"), {}, {}, Local, runCommand },
        { s("keys"), s("add"), {}, s("Add keys read from standard input, one per line"),
            list({ "label", "weight", "group" }), {}, LocalAndRemote, keysCommand },
        { s("keys"), s("list"), {}, s("Show keys (secrets masked), their state and today's requests"), list({ "json" }),
            {}, LocalAndRemote, keysCommand },
        { s("keys"), s("stats"), {}, s("Usage per key, model and day (requests, errors, tokens)"), list({ "json" }), {},
            LocalAndRemote, keysCommand },
        { s("keys"), s("test"), s("[ID...]"),
            s("Check keys with a cheap call: valid / invalid / quota / network (with --remote: one ID)"), {}, {},
            LocalAndRemote, keysCommand },
        { s("keys"), s("remove"), s("ID"), s("Remove a key and its secret"), {}, {}, LocalAndRemote, keysCommand },
        { s("keys"), s("enable"), s("ID"), s("Use a key again (clears its invalid and cooling marks)"), {}, {},
            LocalAndRemote, keysCommand },
        { s("keys"), s("disable"), s("ID"), s("Stop using a key"), {}, {}, LocalAndRemote, keysCommand },
        { s("keys"), s("import"), s("FILE"),
            s("Add keys from a file: one per line, CSV (key,label,weight,group), or an export; prints added / "
              "skipped / invalid"),
            list({ "label", "group" }), {}, Local, keysCommand },
        { s("keys"), s("doctor"), {},
            s("List secrets no config entry names (left by an interrupted command, or found in the store)"),
            list({ "fix" }), {}, Local, keysCommand },
        { s("export"), {}, {},
            s("Keys and instances as JSON; secrets only with --with-secrets, encrypted with a passphrase"),
            list({ "with-secrets", "output" }), {}, Local, exportCommand },
        { s("files"), s("list"), {}, s("Files uploaded or listed through the proxy: owner key, size, expiry"),
            list({ "json" }), {}, LocalAndRemote, filesCommand },
        { s("files"), s("show"), s("NAME"), s("One file (NAME: files/ID or ID)"), {}, {}, LocalAndRemote,
            filesCommand },
        { s("files"), s("delete"), s("NAME"),
            s("Delete a file at Google with its owner's key (needs the running daemon)"), {}, {}, LocalAndRemote,
            filesCommand },
        { s("caches"), s("list"), {}, s("Cached contents made through the proxy, with their owner key"),
            list({ "json" }), {}, LocalAndRemote, cachesCommand },
        { s("caches"), s("delete"), s("NAME"), s("Delete a cached content (needs the running daemon)"), {}, {},
            LocalAndRemote, cachesCommand },
        { s("instances"), s("add"), {},
            s("Register a relay instance (Deno Deploy, Cloudflare Workers); its secret is read from stdin, or "
              "generated and printed once"),
            list({ "name", "url" }), list({ "name", "url" }), LocalAndRemote, instancesCommand },
        { s("instances"), s("test"), s("[ID...]"),
            s("Check relays: reachable? secret accepted? can they reach Google? (with --remote: one ID)"), {}, {},
            LocalAndRemote, instancesCommand },
        { s("instances"), s("list"), {}, s("Show relay instances"), list({ "json" }), {}, LocalAndRemote,
            instancesCommand },
        { s("instances"), s("remove"), s("ID"), s("Remove an instance (its keys are unbound)"), {}, {}, LocalAndRemote,
            instancesCommand },
        { s("bind"), {}, s("KEY_ID INSTANCE_ID"), s("Send a key's traffic through one instance"), {}, {},
            LocalAndRemote, bindCommand },
        { s("unbind"), {}, s("KEY_ID"), s("Let a key use any instance"), {}, {}, LocalAndRemote, unbindCommand },
        { s("mode"), {}, s("[local|serverless|hybrid]"), s("Show or set the routing mode"), {}, {}, LocalAndRemote,
            modeCommand },
        { s("config"), s("get"), s("[PATH]"),
            s("Show one setting, or the whole effective config (with --remote: the whole)"), {}, {}, LocalAndRemote,
            configCommand },
        { s("config"), s("set"), s("PATH VALUE"), s("Change a setting (for example: config set listen.port 3146)"), {},
            {}, LocalAndRemote, configCommand },
        { s("config"), s("check"), {}, s("Validate the config file"), {}, {}, Local, configCommand },
        { s("config"), s("path"), {}, s("Print where the config file is"), {}, {}, Local, configCommand },
        { s("tls"), s("status"), {},
            s("The HTTPS listener's certificate: names, issuer, expiry, source, or why it cannot be used"),
            list({ "json" }), {}, Local, tlsCommand },
        { s("tls"), s("trust"), {}, s("Where the local CA of listen.tls.selfSigned is, and how to trust it"), {}, {},
            Local, tlsCommand },
        { s("cluster"), s("password"), {},
            s("Store the password of cluster.redis's Redis (from stdin; empty input removes it)"), {}, {}, Local,
            clusterCommand },
        { s("proxy"), s("password"), {},
            s("Store the password of upstream.proxy's user (from stdin; empty input removes it)"), {}, {},
            LocalAndRemote, proxyCommand },
        { s("cluster"), s("status"), {},
            s("Cluster mode: the Redis in use, this node's state, events sent and received, the last resync"),
            list({ "json" }), {}, RemoteOnly, nullptr },
        { s("token"), s("show"), s("[NAME]"),
            s("Print an access token (the 'default' one is created on first use), or with --admin the admin "
              "API's"),
            list({ "admin" }), {}, Local, tokenCommand },
        { s("token"), s("add"), s("NAME"), s("Create a named access token (one per tool) and print it"),
            list({ "requests-per-minute", "requests-per-day", "streams", "from-stdin" }), {}, LocalAndRemote,
            tokenCommand },
        { s("token"), s("list"), {}, s("Show token names and their limits (never the tokens)"), list({ "json" }), {},
            LocalAndRemote, tokenCommand },
        { s("token"), s("revoke"), s("NAME"), s("Stop accepting a token"), {}, {}, LocalAndRemote, tokenCommand },
        { s("token"), s("rotate"), s("[NAME]"),
            s("Replace a token's value (default: 'default'; with --remote NAME is needed), or with --admin the admin "
              "API's"),
            list({ "admin" }), {}, LocalAndRemote, tokenCommand },
        { s("token"), s("jwt-secret"), {}, s("Store the HS256 secret for JWTs (from stdin, or generated)"), {}, {},
            Local, tokenCommand },
        { s("token"), s("jwt-mint"), {}, s("Print an HS256 JWT signed with that secret"), list({ "sub", "ttl" }),
            list({ "sub" }), Local, tokenCommand },
        { s("status"), {}, {}, s("The daemon's mode, endpoint, key and relay counts"), {}, {}, RemoteOnly, nullptr },
        { s("history"), {}, {},
            s("The request history (kept on disk by the daemon), the newest in time order: filter by time, status, "
              "key, "
              "model, route; print as a table, JSON or CSV"),
            list({ "since", "until", "status", "key-id", "model", "route", "limit", "json", "csv" }), {},
            LocalAndRemote, historyCommand },
    };
    return table;
}

const OptionDef *findOption(const QString &name)
{
    for (const OptionDef &option : optionTable()) {
        if (option.name == name) {
            return &option;
        }
    }
    return nullptr;
}

QList<const CommandDef *> commandRows(const QString &name)
{
    QList<const CommandDef *> rows;
    for (const CommandDef &command : commandTable()) {
        if (command.name == name) {
            rows.append(&command);
        }
    }
    return rows;
}

const CommandDef *findCommand(const QString &name, const QString &sub)
{
    for (const CommandDef &command : commandTable()) {
        if (command.name == name && command.sub == sub) {
            return &command;
        }
    }
    return nullptr;
}

QStringList commandsTaking(const QString &option)
{
    QStringList names;
    for (const CommandDef &command : commandTable()) {
        if (command.takes(option)) {
            names.append(u'\'' + command.words() + u'\'');
        }
    }
    return names;
}

QString remoteCommands()
{
    QStringList names; // in table order, one entry per command: "keys add|list|stats"
    QList<QStringList> subs;
    for (const CommandDef &command : commandTable()) {
        if (command.where == Where::Local) {
            continue;
        }
        qsizetype at = names.indexOf(command.name);
        if (at < 0) {
            names.append(command.name);
            subs.append(QStringList());
            at = names.size() - 1;
        }
        if (!command.sub.isEmpty()) {
            subs[at].append(command.sub);
        }
    }
    QStringList out;
    for (qsizetype i = 0; i < names.size(); ++i) {
        out.append(subs.at(i).isEmpty() ? names.at(i) : names.at(i) + u' ' + subs.at(i).join(u'|'));
    }
    return out.join(QStringLiteral(", "));
}

QCommandLineOption commandLineOption(const QString &name)
{
    const OptionDef *option = findOption(name);
    Q_ASSERT(option);
    if (!option) {
        return QCommandLineOption(name);
    }
    QStringList names;
    if (!option->shortName.isNull()) {
        names.append(QString(option->shortName));
    }
    names.append(option->name);
    return QCommandLineOption(names, option->description, option->valueName);
}

QList<QCommandLineOption> commandLineOptions(const CommandDef &command)
{
    QList<QCommandLineOption> options;
    for (const QString &name : command.options) {
        options.append(commandLineOption(name));
    }
    for (const OptionDef &option : optionTable()) {
        if (option.global) {
            options.append(commandLineOption(option.name));
        }
    }
    return options;
}

QList<QCommandLineOption> allCommandLineOptions()
{
    QList<QCommandLineOption> options;
    for (const OptionDef &option : optionTable()) {
        options.append(commandLineOption(option.name));
    }
    return options;
}

} // namespace ga::cli
