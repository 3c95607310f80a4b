// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/session.h"

#include "config/configpaths.h"
#include "logging/usertext.h"
#include "secrets/filesecretstore.h"
#include "secrets/keychainsecretstore.h"

#include <QEventLoop>
#include <QFileInfo>

namespace ga::app {
namespace {
// Why a session cannot open (logging/usertext.h): English here, translated where the window shows it.
const logging::UserText kConfigNotValid("ga::app",
    QT_TRANSLATE_NOOP("ga::app",
        "the config file %1 is not valid and was left unchanged; fix the lines above by hand (or move the file away "
        "to start from defaults)"));
const logging::UserText kNotASecretStore(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "'%1' is not a secret store; use keychain or file"));
const logging::UserText kNeedsPassphrase("ga::app",
    QT_TRANSLATE_NOOP("ga::app", "the encrypted secret file %1 needs a passphrase: set %2 or run from a terminal"));
const logging::UserText kEmptyPassphrase("ga::app",
    QT_TRANSLATE_NOOP("ga::app", "an empty passphrase would not protect the secret file; choose a real one"));
} // namespace

Session::Session(Options options)
    : m_options(std::move(options))
    , m_configPath(config::resolveConfigPath(m_options.configPath))
{ }

Session::~Session() = default;

config::ConfigStore *Session::config(Outcome *why)
{
    if (m_config) {
        return m_config.get();
    }
    auto store = std::make_unique<config::ConfigStore>(m_configPath);
    const config::ParseResult result = store->load();
    auto note = [this](const config::Problem &p) {
        if (m_options.note) {
            m_options.note(p.toString(m_configPath));
        }
    };
    for (const config::Problem &w : result.warnings()) {
        note(w);
    }
    if (result.hasErrors()) {
        for (const config::Problem &e : result.errors()) {
            note(e);
        }
        *why = Outcome::failed(kConfigNotValid.text().arg(m_configPath));
        return nullptr;
    }
    m_config = std::move(store);
    return m_config.get();
}

QString Session::secretStoreName() const
{
    QString kind = m_options.secretStore;
    if (kind.isEmpty()) {
        kind = qEnvironmentVariable(kSecretStoreEnvVar);
    }
    if (kind.isEmpty() && m_config) {
        kind = config::secretStoreKindName(m_config->config().secretStore);
    }
    return kind.isEmpty() ? QStringLiteral("keychain") : kind;
}

secrets::SecretStore *Session::secrets(Outcome *why)
{
    if (m_secrets) {
        return m_secrets.get();
    }
    if (!config(why)) {
        return nullptr;
    }
    const QString kind = secretStoreName();
    if (kind == u"keychain") {
        m_secrets = std::make_unique<secrets::KeychainSecretStore>();
        return m_secrets.get();
    }
    if (kind != u"file") {
        *why = Outcome::invalid(kNotASecretStore.text().arg(kind));
        return nullptr;
    }
    const QString path = config::secretFilePath(m_config->config());
    std::optional<QByteArray> passphrase;
    if (qEnvironmentVariableIsSet(kPassphraseEnvVar)) {
        passphrase = qgetenv(kPassphraseEnvVar);
    } else if (m_options.passphrase) {
        passphrase = m_options.passphrase(path, QFileInfo::exists(path));
    }
    if (!passphrase) {
        *why = Outcome::failed(kNeedsPassphrase.text().arg(path, QLatin1String(kPassphraseEnvVar)));
        return nullptr;
    }
    if (passphrase->isEmpty()) {
        *why = Outcome::failed(kEmptyPassphrase.text());
        return nullptr;
    }
    auto store = std::make_unique<secrets::FileSecretStore>(path, *passphrase);
    if (const secrets::SecretResult check = store->check(); !check.ok()) {
        *why = Outcome::failed(check.message);
        return nullptr;
    }
    m_secrets = std::move(store);
    return m_secrets.get();
}

Workspace *Session::workspace(bool withSecrets, Outcome *why)
{
    config::ConfigStore *store = config(why);
    if (!store) {
        return nullptr;
    }
    if (!m_workspace) {
        m_workspace = std::make_unique<Workspace>(store, nullptr, m_options.journalWaitMs);
    }
    if (withSecrets && !m_workspace->secretStore()) {
        secrets::SecretStore *opened = secrets(why);
        if (!opened) {
            return nullptr;
        }
        m_workspace->setSecretStore(opened);
    }
    return m_workspace.get();
}

Outcome await(const std::function<void(Done)> &start)
{
    QEventLoop loop;
    std::optional<Outcome> result;
    start([&result, &loop](const Outcome &outcome) {
        result = outcome;
        loop.quit();
    });
    if (!result) {
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    return *result;
}

} // namespace ga::app
