// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/context.h"

#include "cli/terminal.h"
#include "logging/redact.h"
#include "upstream/upstream.h"
#include "version.h"

namespace ga::cli {
namespace {

// A passphrase asked on the terminal: once to open the file, twice to create it. nullopt without a terminal; empty
// after saying the two differ.
std::optional<QByteArray> askPassphrase(Context *ctx, const QString &path, bool fileExists)
{
    if (fileExists) {
        return promptHidden(QStringLiteral("Passphrase for %1: ").arg(path));
    }
    const auto first = promptHidden(QStringLiteral("New passphrase for the secret file %1: ").arg(path));
    if (!first) {
        return std::nullopt;
    }
    const auto second = promptHidden(QStringLiteral("Repeat the passphrase: "));
    if (!second || *second != *first) {
        ctx->note(QStringLiteral("the two passphrases differ; nothing was created"));
        return QByteArray();
    }
    return first;
}

app::Session::Options sessionOptions(Context *ctx, const Args &args)
{
    app::Session::Options o;
    o.configPath = args.value(QStringLiteral("config"));
    o.secretStore = args.value(QStringLiteral("secret-store"));
    o.passphrase = [ctx](const QString &path, bool exists) { return askPassphrase(ctx, path, exists); };
    o.note = [ctx](const QString &line) { ctx->note(line); };
    return o;
}

} // namespace

Context::Context(Args args)
    : m_args(std::move(args))
    , m_out(stdout)
    , m_err(stderr)
    , m_session(sessionOptions(this, m_args))
{ }

Context::~Context()
{
    m_out.flush();
    m_err.flush();
}

int Context::fail(const QString &sentence)
{
    m_out.flush();
    m_err << kDaemonName << ": " << printable(logging::Redactor::redact(sentence), true) << Qt::endl;
    return kExitFailure;
}

int Context::usage(const QString &sentence)
{
    m_out.flush();
    m_err << kDaemonName << ": " << printable(logging::Redactor::redact(sentence), true) << Qt::endl
          << "Run '" << kDaemonName << " --help' for the list of commands." << Qt::endl;
    return kExitUsage;
}

void Context::note(const QString &sentence)
{
    m_out.flush();
    m_err << printable(logging::Redactor::redact(sentence), true) << Qt::endl;
}

void Context::refused(const app::Outcome &why)
{
    if (why.fault == app::Fault::Invalid) {
        usage(why.message);
    } else {
        fail(why.message);
    }
}

config::ConfigStore *Context::loadConfig()
{
    app::Outcome why;
    config::ConfigStore *store = m_session.config(&why);
    if (!store) {
        refused(why);
    }
    return store;
}

secrets::SecretStore *Context::openSecrets()
{
    app::Outcome why;
    secrets::SecretStore *store = m_session.secrets(&why);
    if (!store) {
        refused(why);
    }
    return store;
}

app::Workspace *Context::workspace(bool withSecrets)
{
    app::Outcome why;
    app::Workspace *ws = m_session.workspace(withSecrets, &why);
    if (!ws) {
        refused(why);
    }
    return ws;
}

secrets::SecretResult Context::readSecret(const QString &name)
{
    secrets::SecretStore *store = openSecrets();
    return secrets::waitFor([&](QObject *ctx, secrets::SecretStore::Callback done) { store->read(name, ctx, done); });
}

secrets::SecretResult Context::writeSecret(const QString &name, const QByteArray &value)
{
    secrets::SecretStore *store = openSecrets();
    return secrets::waitFor(
        [&](QObject *ctx, secrets::SecretStore::Callback done) { store->write(name, value, ctx, done); });
}

secrets::SecretResult Context::removeSecret(const QString &name)
{
    secrets::SecretStore *store = openSecrets();
    return secrets::waitFor([&](QObject *ctx, secrets::SecretStore::Callback done) { store->remove(name, ctx, done); });
}

QString Context::upstreamProxyPassword(const config::Config &config)
{
    if (!upstream::proxyNamesUser(config.upstreamProxy)) {
        return {};
    }
    const secrets::SecretResult r = readSecret(QString::fromLatin1(upstream::kProxyPasswordEntry));
    if (r.ok() && !r.value.isEmpty()) {
        logging::Redactor::addSecret(r.value);
    }
    return r.ok() ? QString::fromUtf8(r.value) : QString();
}

int Context::finish(const app::Outcome &outcome, const QString &notFoundHint)
{
    if (outcome.ok()) {
        return kExitOk;
    }
    for (const config::Problem &p : outcome.problems) {
        note(p.toString());
    }
    if (outcome.fault == app::Fault::NotFound && !notFoundHint.isEmpty()) {
        return fail(QStringLiteral("%1; %2").arg(outcome.message, notFoundHint));
    }
    return fail(outcome.message);
}

} // namespace ga::cli
