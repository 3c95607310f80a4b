// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/context.h"

#include "cli/terminal.h"
#include "config/configpaths.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "secrets/filesecretstore.h"
#include "secrets/keychainsecretstore.h"
#include "version.h"

#include <QFileInfo>

#include <cstdio>

namespace ga::cli {
namespace {

// A daemon's transaction or another command's takes well under a second; a keychain prompt may take longer.
constexpr int kJournalWaitMs = 10'000;

} // namespace

Context::Context(Args args)
    : m_args(std::move(args))
    , m_out(stdout)
    , m_err(stderr)
{
    m_configPath = config::resolveConfigPath(m_args.value(QStringLiteral("config")));
}

Context::~Context()
{
    m_out.flush();
    m_err.flush();
}

int Context::fail(const QString &sentence)
{
    m_out.flush();
    m_lastError = printable(logging::Redactor::redact(sentence), true);
    m_err << kDaemonName << ": " << m_lastError << Qt::endl;
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

config::ConfigStore *Context::loadConfig()
{
    if (m_config) {
        return m_config.get();
    }
    auto store = std::make_unique<config::ConfigStore>(m_configPath);
    const config::ParseResult result = store->load();
    for (const config::Problem &w : result.warnings()) {
        note(w.toString(m_configPath));
    }
    if (result.hasErrors()) {
        for (const config::Problem &e : result.errors()) {
            note(e.toString(m_configPath));
        }
        fail(QStringLiteral("the config file %1 is not valid and was left unchanged; fix the lines above by hand "
                            "(or move the file away to start from defaults)")
                 .arg(m_configPath));
        return nullptr;
    }
    m_config = std::move(store);
    return m_config.get();
}

QString Context::secretStoreName() const
{
    QString kind = m_args.value(QStringLiteral("secret-store"));
    if (kind.isEmpty()) {
        kind = qEnvironmentVariable(kSecretStoreEnvVar);
    }
    if (kind.isEmpty() && m_config) {
        kind = config::secretStoreKindName(m_config->config().secretStore);
    }
    return kind.isEmpty() ? QStringLiteral("keychain") : kind;
}

std::optional<QByteArray> Context::passphraseFor(const QString &path, bool fileExists)
{
    if (qEnvironmentVariableIsSet(kPassphraseEnvVar)) {
        return qgetenv(kPassphraseEnvVar);
    }
    if (fileExists) {
        return promptHidden(QStringLiteral("Passphrase for %1: ").arg(path));
    }
    const auto first = promptHidden(QStringLiteral("New passphrase for the secret file %1: ").arg(path));
    if (!first) {
        return std::nullopt;
    }
    const auto second = promptHidden(QStringLiteral("Repeat the passphrase: "));
    if (!second || *second != *first) {
        fail(QStringLiteral("the two passphrases differ; nothing was created"));
        return QByteArray();
    }
    return first;
}

secrets::SecretStore *Context::openSecrets()
{
    if (m_secrets) {
        return m_secrets.get();
    }
    if (!loadConfig()) {
        return nullptr;
    }
    const QString kind = secretStoreName();
    if (kind == u"keychain") {
        m_secrets = std::make_unique<secrets::KeychainSecretStore>();
        return m_secrets.get();
    }
    if (kind != u"file") {
        usage(QStringLiteral("'%1' is not a secret store; use keychain or file").arg(kind));
        return nullptr;
    }
    const QString path = config::secretFilePath(m_config->config());
    const bool exists = QFileInfo::exists(path);
    const std::optional<QByteArray> passphrase = passphraseFor(path, exists);
    if (!passphrase) {
        fail(QStringLiteral("the encrypted secret file %1 needs a passphrase: set %2 or run from a terminal")
                 .arg(path, QLatin1String(kPassphraseEnvVar)));
        return nullptr;
    }
    if (passphrase->isEmpty()) {
        fail(QStringLiteral("an empty passphrase would not protect the secret file; choose a real one"));
        return nullptr;
    }
    auto store = std::make_unique<secrets::FileSecretStore>(path, *passphrase);
    if (const secrets::SecretResult check = store->check(); !check.ok()) {
        fail(check.message);
        return nullptr;
    }
    m_secrets = std::move(store);
    return m_secrets.get();
}

void Context::setKeychainWaitObserver(std::function<void(bool waiting)> observer)
{
    m_keychainWaitObserver = std::move(observer);
}

void Context::keychainWaiting(bool waiting) const
{
    if (m_keychainWaitObserver) {
        m_keychainWaitObserver(waiting);
    }
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

bool Context::journalSecrets(const QStringList &names)
{
    if (!m_journal) {
        m_journal = std::make_unique<secrets::SecretJournal>(config::secretJournalPath(m_configPath));
    }
    QString error;
    if (!m_journal->lock(kJournalWaitMs, &error) || !m_journal->add(names, &error)) {
        if (m_journaled.isEmpty()) {
            m_journal->unlock();
        }
        fail(error);
        return false;
    }
    m_journaled.append(names);
    return true;
}

void Context::settleSecrets(const QStringList &names)
{
    if (!m_journal || !m_journal->isLocked()) {
        return;
    }
    QString error;
    if (!m_journal->drop(names, &error)) {
        // The lines stay: the next start finds the config naming them (or removes the orphans), so only say it.
        qCWarning(lcSecrets).noquote() << error;
    }
    m_journaled.removeIf([&names](const QString &name) { return names.contains(name); });
    if (m_journaled.isEmpty()) {
        m_journal->unlock();
    }
}

} // namespace ga::cli
