// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/session.h"

#include "config/configpaths.h"
#include "logging/usertext.h"
#include "secrets/filesecretstore.h"
#include "secrets/keychainsecretstore.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
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
const logging::UserText kTwoPassphrases(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "both %1 and %2 are set; set only one of them"));
const logging::UserText kPassphraseFileUnreadable(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "cannot read the passphrase file %1 (named by %2): %3"));
const logging::UserText kPassphraseFileTooLarge("ga::app",
    QT_TRANSLATE_NOOP(
        "ga::app", "the passphrase file %1 (named by %2) is over %3 bytes: it must hold the passphrase only"));
const logging::UserText kPassphraseFileEmpty("ga::app",
    QT_TRANSLATE_NOOP("ga::app", "the passphrase file %1 (named by %2) is empty; write the passphrase into it"));

// A passphrase file holds one line; anything this large is the wrong file.
constexpr qint64 kMaxPassphraseFileBytes = 64 * 1024;

void wipe(QByteArray &bytes)
{
    volatile char *p = bytes.data();
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        p[i] = 0;
    }
    bytes.clear();
}

// The passphrase in the file at `path` (`source`: what named it, for the messages).
std::optional<QByteArray> readPassphraseFile(const QString &path, const QString &source, Outcome *why)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *why = Outcome::failed(kPassphraseFileUnreadable.text().arg(path, source, file.errorString()));
        return std::nullopt;
    }
    QByteArray bytes = file.read(kMaxPassphraseFileBytes + 1);
    if (file.error() != QFileDevice::NoError) {
        wipe(bytes);
        *why = Outcome::failed(kPassphraseFileUnreadable.text().arg(path, source, file.errorString()));
        return std::nullopt;
    }
    if (bytes.size() > kMaxPassphraseFileBytes) {
        wipe(bytes);
        *why = Outcome::failed(
            kPassphraseFileTooLarge.text().arg(path, source, QString::number(kMaxPassphraseFileBytes)));
        return std::nullopt;
    }
    // `echo secret > file` and editors end the line; the newline is not part of the passphrase (only one is dropped).
    if (bytes.endsWith('\n')) {
        bytes.chop(1);
        if (bytes.endsWith('\r')) {
            bytes.chop(1);
        }
    }
    if (bytes.isEmpty()) {
        *why = Outcome::failed(kPassphraseFileEmpty.text().arg(path, source));
        return std::nullopt;
    }
    return bytes;
}
} // namespace

std::optional<QByteArray> passphraseFromEnvironment(Outcome *why)
{
    const bool hasValue = qEnvironmentVariableIsSet(kPassphraseEnvVar);
    const bool hasFile = qEnvironmentVariableIsSet(kPassphraseFileEnvVar);
    if (hasValue && hasFile) {
        *why = Outcome::failed(
            kTwoPassphrases.text().arg(QLatin1String(kPassphraseEnvVar), QLatin1String(kPassphraseFileEnvVar)));
        return std::nullopt;
    }
    if (hasValue) {
        return qgetenv(kPassphraseEnvVar);
    }
    if (hasFile) {
        return readPassphraseFile(qEnvironmentVariable(kPassphraseFileEnvVar),
            QStringLiteral("$") + QLatin1String(kPassphraseFileEnvVar), why);
    }
    const QString credentials = qEnvironmentVariable(kCredentialsDirEnvVar);
    if (!credentials.isEmpty()) {
        const QString path = QDir(credentials).filePath(QLatin1String(kPassphraseCredential));
        if (QFileInfo::exists(path)) {
            return readPassphraseFile(path, QStringLiteral("$") + QLatin1String(kCredentialsDirEnvVar), why);
        }
    }
    return std::nullopt;
}

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
    Outcome fromEnvironment;
    std::optional<QByteArray> passphrase = passphraseFromEnvironment(&fromEnvironment);
    if (!fromEnvironment.ok()) {
        *why = fromEnvironment;
        return nullptr;
    }
    if (!passphrase && m_options.passphrase) {
        passphrase = m_options.passphrase(path, QFileInfo::exists(path));
    }
    if (!passphrase) {
        *why = Outcome::failed(kNeedsPassphrase.text().arg(path,
            QLatin1String(kPassphraseEnvVar) + QStringLiteral(" (or ") + QLatin1String(kPassphraseFileEnvVar) + u')'));
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
