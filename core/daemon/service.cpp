// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon/service.h"

#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/orphansecrets.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "security/authenticator.h"
#include "security/browserguard.h"
#include "security/jwt.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace ga::daemon {
namespace {

QString shortText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', 15);
    case QJsonValue::String:
        return v.toString().isEmpty() ? QStringLiteral("\"\"") : v.toString();
    case QJsonValue::Array:
        return QStringLiteral("%1 item(s)").arg(v.toArray().size());
    default:
        return QStringLiteral("-");
    }
}

} // namespace

ConfigChanges describeChanges(const QJsonObject &before, const QJsonObject &after)
{
    ConfigChanges out;
    auto mark = [&out](const QString &path) {
        const QStringView section = QStringView(path).left(path.indexOf(u'.'));
        out.keys = out.keys || section == u"keys";
        out.auth = out.auth || section == u"auth";
        out.listen = out.listen || section == u"listen";
    };
    for (const QString &path : config::schema::settingPaths()) {
        const QJsonValue a = config::schema::valueAt(before, path);
        const QJsonValue b = config::schema::valueAt(after, path);
        if (a != b) {
            out.lines.append(QStringLiteral("%1: %2 → %3").arg(path, shortText(a), shortText(b)));
            mark(path);
        }
    }
    for (const char *list : { "keys.items", "instances.items", "auth.tokens.items" }) {
        const QString path = QString::fromLatin1(list);
        const QJsonArray a = config::schema::valueAt(before, path).toArray();
        const QJsonArray b = config::schema::valueAt(after, path).toArray();
        if (a != b) {
            const QString name = path.section(u'.', -2, -2); // "keys", "instances", "tokens"
            out.lines.append(a.size() == b.size()
                    ? QStringLiteral("%1: %2 edited").arg(name).arg(b.size())
                    : QStringLiteral("%1: %2 → %3").arg(name).arg(a.size()).arg(b.size()));
            mark(path);
        }
    }
    return out;
}

Service::Service(config::ConfigStore *config, secrets::SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_secrets(secrets)
{ }

Service::~Service()
{
    if (m_proxy) {
        m_proxy->setAdminHandler(nullptr);
    }
    m_admin.reset();
    m_proxy.reset(); // workers stop reporting first
    if (m_stateLoaded) {
        saveKeyState();
    }
    if (m_resourcesLoaded) {
        saveResources();
    }
}

void Service::setAdminHandler(std::unique_ptr<proxy::AdminHandler> handler)
{
    if (m_proxy) {
        m_proxy->setAdminHandler(handler.get());
    }
    m_admin = std::move(handler); // the old one (if any) is no longer reachable from the proxy
}

void Service::applyLogging()
{
    const config::Config &cfg = m_config->config();
    if (!m_logLevelPinned) {
        const auto level = logging::parseLogLevel(cfg.logLevel);
        logging::setLogLevel(level.value_or(logging::LogLevel::Info), cfg.logCategories);
    }
    if (!m_logFormatPinned) {
        logging::setLogFormat(logging::parseLogFormat(cfg.logFormat).value_or(logging::LogFormat::Text));
    }
    if (!m_fileLogging) {
        return;
    }
    if (cfg.logFile == u"none") {
        logging::closeLogFile();
        return;
    }
    const QString path
        = cfg.logFile.isEmpty() ? config::dataDirectory() + QStringLiteral("/logs/gemini-aggregator.log") : cfg.logFile;
    QString error;
    const bool was = logging::logFilePath() == path;
    if (!logging::setLogFile(path, cfg.logMaxFileBytes, cfg.logMaxFiles, &error)) {
        qCWarning(lcDaemon).noquote() << error << "- logging to stderr only";
    } else if (!was) {
        qCInfo(lcDaemon).noquote() << "log file:" << path;
    }
}

void Service::runHealthChecks()
{
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(m_config->config(), &error, m_proxyPassword);
    if (!settings) {
        return;
    }
    if (!m_checker) {
        m_checker = new keys::HealthChecker(this);
        connect(m_checker, &keys::HealthChecker::finished, this, [this](const keys::HealthResult &r) {
            qCInfo(lcKeys).noquote() << "health check of key" << r.id << ":" << keys::healthVerdictName(r.verdict)
                                     << r.latencyMs << "ms" << logging::Redactor::redact(r.message);
            if (r.verdict == keys::HealthVerdict::Valid) {
                m_keys.clearKeyState(r.id);
            }
        });
    }
    for (const keys::KeyReport &r : m_keys.report()) {
        if (r.status != keys::KeyStatus::Invalid && r.status != keys::KeyStatus::Cooling) {
            continue;
        }
        const QString id = r.id;
        const upstream::UpstreamSettings upstream = settings->upstream;
        m_secrets->read(keys::secretEntryName(id), this, [this, id, upstream](const secrets::SecretResult &secret) {
            if (secret.ok() && m_checker) {
                m_checker->check(id, secret.value, upstream);
            }
        });
    }
}

void Service::applyHealthCheckInterval()
{
    const int seconds = m_config->config().healthCheckIntervalS;
    if (seconds <= 0) {
        m_healthTimer.stop();
        return;
    }
    m_healthTimer.start(seconds * 1000);
}

void Service::applyKeyStrategy()
{
    const QString name = config::keyStrategyName(m_config->config().keyStrategy);
    m_keys.setStrategy(keys::strategyFromName(name).value_or(keys::Strategy::RoundRobin));
}

bool Service::start(QString *error)
{
    if (!m_config->fileExists()) {
        const config::ConfigStore::UpdateResult created = m_config->ensureExists();
        if (!created.ok) {
            *error = created.error;
            return false;
        }
        qCInfo(lcConfig).noquote() << "wrote the default config to" << m_config->path();
    }
    m_effective = config::schema::effectiveDocument(m_config->document());
    applyLogging();
    // Before any secret is read: what a command killed between its secret and config writes left (logged by name).
    removeInterruptedSecrets(m_config->path(), m_secrets);
    applyKeyStrategy();
    connect(&m_healthTimer, &QTimer::timeout, this, &Service::runHealthChecks);
    applyHealthCheckInterval();
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(1000);
    connect(&m_saveTimer, &QTimer::timeout, this, &Service::saveKeyState);
    auto scheduleSave = [this] {
        if (!m_saveTimer.isActive()) {
            m_saveTimer.start();
        }
    };
    connect(&m_keys, &keys::KeyPool::stateChanged, this, scheduleSave);
    connect(&m_router, &routing::Router::relayHealthChanged, this, scheduleSave);
    // Owners of files, caches and uploads, before anything listens: a use right after a restart finds its owner.
    loadResources();
    m_resourceSaveTimer.setSingleShot(true);
    m_resourceSaveTimer.setInterval(1000);
    connect(&m_resourceSaveTimer, &QTimer::timeout, this, &Service::saveResources);
    connect(&m_resources, &affinity::ResourceMap::changed, this, [this] {
        if (!m_resourceSaveTimer.isActive()) {
            m_resourceSaveTimer.start();
        }
    });
    m_proxy = std::make_unique<proxy::ProxyServer>(
        &m_keys, m_workerCount > 0 ? m_workerCount : m_config->config().workers, &m_router, &m_resources);
    m_proxy->setAdminHandler(m_admin.get());
    m_proxy->recorder()->setHistorySize(m_config->config().historySize);
    applyHistoryStore(); // the last run's requests are back in the history before anything new is recorded
    // The port is bound now, so start-up errors ("port in use") are reported here; until the secrets are read
    // (below, asynchronously) the proxy answers 503 with Retry-After: 1 instead of a wrong 401 or "no key".
    m_proxy->setStarting(true);
    if (bool bindFailed = false; !applyProxyConfig(error, &bindFailed)) {
        if (!bindFailed || !m_startWithoutListener) {
            m_proxy.reset();
            return false;
        }
        // The desktop app opens on Settings with this shown, instead of a dialog that can only quit.
        m_paused = true;
        setListenProblem(*error);
        qCWarning(lcProxy).noquote() << "not listening:" << *error;
        error->clear();
    }
    if (m_config->config().allowAnonymousLoopback) {
        qCWarning(lcSecurity).noquote()
            << "auth.allowAnonymousLoopback is on: any program on this machine can use your API keys without an "
               "access token";
    }
    if (!security::isLoopbackAddress(m_config->config().listenHost)) {
        qCWarning(lcSecurity).noquote() << "remote access is on (listen.host" << m_config->config().listenHost
                                        << "): other machines can connect; only requests with an access token "
                                           "are served";
    }
    applyCluster(); // joins before the keys are in: what the cluster knows is applied as soon as they are
    auto remaining = std::make_shared<int>(4);
    auto settled = [this, remaining] {
        if (--*remaining == 0) {
            m_proxy->setStarting(false);
            Q_EMIT ready(m_usableKeys);
        }
    };
    loadProxyPassword(settled);
    loadTokens(settled);
    loadKeys(settled);
    loadRelays(settled);
    connect(m_config, &config::ConfigStore::changed, this, &Service::onConfigChanged);
    // ConfigStore logs the reason; the GUI shows it from this signal.
    connect(m_config, &config::ConfigStore::rejected, this, &Service::configRejected);
    m_config->watch();
    return true;
}

void Service::applyHistoryStore()
{
    const config::Config &c = m_config->config();
    if (c.historyRetentionDays <= 0) {
        // Records stop going to disk; the store itself stays until the proxy is gone (a worker may be handing it
        // a record right now).
        m_proxy->recorder()->setStore(nullptr);
        return;
    }
    if (m_history) {
        m_history->setRetention(c.historyRetentionDays, c.historyMaxRecords);
        m_proxy->recorder()->setStore(m_history.get());
        return;
    }
    m_history = std::make_unique<metrics::HistoryStore>(metrics::HistoryStore::Options {
        config::historyDatabasePath(m_config->path()), c.historyRetentionDays, c.historyMaxRecords });
    m_proxy->recorder()->restoreHistory(m_history->open(c.historySize));
    m_proxy->recorder()->setStore(m_history.get());
}

void Service::onConfigChanged()
{
    const QJsonObject effective = config::schema::effectiveDocument(m_config->document());
    const ConfigChanges changed = describeChanges(m_effective, effective);
    const QJsonObject previous = std::exchange(m_effective, effective);
    if (changed.isEmpty()) {
        return;
    }
    const QStringList &changes = changed.lines;
    applyLogging();
    m_proxy->recorder()->setHistorySize(m_config->config().historySize);
    applyHistoryStore();
    QString error;
    // Not listening because the address could not be bound (at start-up, say): every change is a new try.
    const bool retryListen = m_paused && !m_listenProblem.isEmpty();
    if (retryListen) {
        m_paused = false;
    }
    if (bool bindFailed = false; !applyProxyConfig(&error, &bindFailed)) {
        if (retryListen) {
            m_paused = true;
        }
        if (bindFailed && isListening()) {
            // Edited by hand or by a CLI that could not know: the file would name an address this daemon (and
            // the next start) cannot use. It gets back the one in force; later edits are applied as usual.
            const QJsonValue host = config::schema::valueAt(previous, QStringLiteral("listen.host"));
            const QJsonValue port = config::schema::valueAt(previous, QStringLiteral("listen.port"));
            QTimer::singleShot(0, this, [this, host, port, error] { restoreListenInFile(host, port, error); });
        } else if (bindFailed) {
            setListenProblem(error);
            qCWarning(lcConfig).noquote() << "still not listening:" << error;
        } else {
            qCWarning(lcConfig).noquote() << "the new listen or upstream settings could not be applied:" << error
                                          << "- still serving on" << listenUrl();
        }
    } else if (retryListen) {
        setListenProblem(QString());
        qCInfo(lcProxy).noquote() << "listening on" << listenUrl();
        Q_EMIT listeningChanged(true);
    } else if (!m_paused && changed.listen) {
        qCInfo(lcProxy).noquote() << "listening on" << listenUrl();
    }
    if (const int workers = m_config->config().workers;
        config::schema::valueAt(previous, QStringLiteral("listen.workers")).toInt() != workers) {
        qCInfo(lcConfig).noquote() << "listen.workers" << workers << "takes effect when the daemon starts again; now"
                                   << m_proxy->workerCount() << "worker thread(s)";
    }
    // "config applied" is said once the change is in force, secrets read included: a request sent after
    // that line never meets a relay or key still waiting for its secret.
    const bool keysChanged = changed.keys;
    const bool authChanged = changed.auth;
    // A new proxy user, or `proxy password` stamped the file: the password is read again.
    const bool proxyLoginChanged = [&] {
        for (const char *path : { "upstream.proxy", "upstream.proxyPasswordSetAt" }) {
            if (config::schema::valueAt(previous, QString::fromLatin1(path))
                != config::schema::valueAt(effective, QString::fromLatin1(path))) {
                return true;
            }
        }
        return false;
    }();
    auto remaining
        = std::make_shared<int>(1 + (keysChanged ? 1 : 0) + (authChanged ? 1 : 0) + (proxyLoginChanged ? 1 : 0));
    auto applied = [this, remaining, changes] {
        if (--*remaining == 0) {
            qCInfo(lcConfig).noquote() << "config applied:" << changes.join(QStringLiteral("; "));
            Q_EMIT configApplied(changes);
        }
    };
    // Routing (mode, fallback, relays, bindings) follows every change: cheap, and bindings live in keys.items.
    loadRelays(applied);
    applyCluster();
    if (keysChanged) {
        applyKeyStrategy();
        applyHealthCheckInterval();
        loadKeys(applied);
    }
    if (authChanged) {
        loadTokens(applied);
    }
    if (proxyLoginChanged) {
        loadProxyPassword(applied);
    }
}

} // namespace ga::daemon
