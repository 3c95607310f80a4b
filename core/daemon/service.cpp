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

// State files (keystate.json, resources.json): written whole or not at all, readable by the user only.
bool writeStateFile(const QString &path, const QJsonObject &state, QJsonDocument::JsonFormat format, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = f.errorString();
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(state).toJson(format));
    if (!f.commit()) {
        *error = f.errorString();
        return false;
    }
    return true;
}

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

QString Service::listenUrl() const
{
    if (!m_proxy || !m_proxy->isListening()) {
        return QString();
    }
    const QHostAddress a = m_proxy->address();
    const QString host
        = a.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(a.toString()) : a.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_proxy->port());
}

bool Service::applyProxyConfig(QString *error, bool *bindFailed)
{
    if (bindFailed) {
        *bindFailed = false;
    }
    const config::Config &cfg = m_config->config();
    // Config validation applies the same rule (config/config.h), so a loaded config passes; asked again here
    // because this is where the socket is opened.
    if (!config::listenPolicyAllows(cfg, error)) {
        return false;
    }
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(cfg, error);
    if (!settings) {
        return false;
    }
    m_proxy->applySettings(settings);
    if (m_paused) {
        return true;
    }
    if (!m_proxy->listen(cfg.listenHost, quint16(cfg.listenPort), error)) {
        if (bindFailed) {
            *bindFailed = true;
        }
        return false;
    }
    return true;
}

bool Service::isListening() const
{
    return m_proxy && m_proxy->isListening();
}

void Service::setListenProblem(const QString &problem)
{
    if (problem == m_listenProblem) {
        return;
    }
    m_listenProblem = problem;
    Q_EMIT listenProblemChanged(problem);
}

bool Service::setListening(bool on, QString *error)
{
    if (!m_proxy) {
        *error = QStringLiteral("the service has not started");
        return false;
    }
    if (on == isListening()) {
        m_paused = !on;
        if (!on) {
            setListenProblem(QString()); // stopped on purpose now
        }
        return true;
    }
    if (!on) {
        m_paused = true;
        m_proxy->close();
        setListenProblem(QString());
        qCInfo(lcProxy) << "stopped listening; open requests finish";
        Q_EMIT listeningChanged(false);
        return true;
    }
    m_paused = false;
    if (!applyProxyConfig(error)) {
        m_paused = true;
        setListenProblem(*error);
        return false;
    }
    setListenProblem(QString());
    qCInfo(lcProxy).noquote() << "listening on" << listenUrl();
    Q_EMIT listeningChanged(true);
    return true;
}

bool Service::prepareListen(const QString &host, int port, QString *error)
{
    if (!m_proxy) {
        *error = QStringLiteral("the service has not started");
        return false;
    }
    if (m_paused && m_listenProblem.isEmpty()) {
        return proxy::ProxyServer::canListen(host, quint16(port), error); // stopped on purpose: stays stopped
    }
    if (!m_proxy->listen(host, quint16(port), error)) {
        return false;
    }
    if (m_paused) { // it could not listen before; now it does
        m_paused = false;
        setListenProblem(QString());
        qCInfo(lcProxy).noquote() << "listening on" << listenUrl();
        Q_EMIT listeningChanged(true);
    }
    return true;
}

void Service::reapplyListen()
{
    if (!m_proxy || (m_paused && m_listenProblem.isEmpty())) {
        return;
    }
    QString error;
    if (!applyProxyConfig(&error)) {
        m_proxy->close();
        m_paused = true;
        setListenProblem(error);
        Q_EMIT listeningChanged(false);
    }
}

void Service::restoreListenInFile(const QJsonValue &host, const QJsonValue &port, const QString &why)
{
    const config::ConfigStore::UpdateResult saved = m_config->update([&](QJsonObject &doc) {
        config::schema::setValueAt(doc, QStringLiteral("listen.host"), host);
        config::schema::setValueAt(doc, QStringLiteral("listen.port"), port);
        return QString();
    });
    if (saved.ok) {
        qCWarning(lcConfig).noquote() << "the new listen address cannot be used:" << why
                                      << QStringLiteral("- listen.host and listen.port are set back to %1:%2 in %3; "
                                                        "still serving on %4")
                                             .arg(host.toString())
                                             .arg(port.toInt())
                                             .arg(m_config->path(), listenUrl());
    } else {
        qCWarning(lcConfig).noquote() << "the new listen address cannot be used:" << why
                                      << "- and the config file could not be set back:" << saved.error;
    }
}

namespace {
void flush(std::vector<std::function<void()>> &waiters)
{
    std::vector<std::function<void()>> now;
    now.swap(waiters);
    for (const auto &fn : now) {
        fn();
    }
}
} // namespace

void Service::loadKeys(std::function<void()> done)
{
    const quint64 generation = ++m_keyGeneration;
    if (done) {
        m_keyWaiters.push_back(std::move(done));
    }
    struct Pending
    {
        int outstanding = 0;
        std::vector<keys::PoolKeyConfig> keys;
    };
    auto pending = std::make_shared<Pending>();
    const QList<config::KeyEntry> entries = m_config->config().keys;
    for (const config::KeyEntry &k : entries) {
        pending->keys.push_back(keys::PoolKeyConfig { k.id, QByteArray(), k.group, k.weight, k.enabled });
    }
    auto finish = [this, pending] {
        std::erase_if(pending->keys, [](const keys::PoolKeyConfig &k) { return k.enabled && k.secret.isEmpty(); });
        const int usable = int(std::count_if(
            pending->keys.begin(), pending->keys.end(), [](const keys::PoolKeyConfig &k) { return k.enabled; }));
        m_keys.setKeys(std::move(pending->keys));
        if (!m_stateLoaded) {
            m_stateLoaded = true;
            loadKeyState();
        }
        // `keys enable` or a passing `keys test` set resetAt: forget what the pool learned about that key.
        for (const config::KeyEntry &k : m_config->config().keys) {
            if (!k.resetAt.isValid()) {
                continue;
            }
            const auto seen = m_resetAt.constFind(k.id);
            const bool changed
                = seen == m_resetAt.constEnd() ? k.resetAt.toMSecsSinceEpoch() > m_stateSavedAtMs : *seen != k.resetAt;
            m_resetAt.insert(k.id, k.resetAt);
            if (changed) {
                m_keys.clearKeyState(k.id); // before saying so: a client that reads the line may send at once
                qCInfo(lcKeys).noquote() << "key" << k.id << "was re-enabled: back in rotation";
            }
        }
        if (usable == 0) {
            qCWarning(lcKeys).noquote() << "no enabled API key; add one with: gemini-aggregatord keys add";
        } else {
            qCInfo(lcKeys) << "keys in use:" << usable;
        }
        m_usableKeys = usable;
        Q_EMIT keysLoaded(usable);
        flush(m_keyWaiters);
    };
    for (const keys::PoolKeyConfig &k : pending->keys) {
        pending->outstanding += k.enabled ? 1 : 0;
    }
    if (pending->outstanding == 0) {
        finish();
        return;
    }
    for (size_t i = 0; i < pending->keys.size(); ++i) {
        if (!pending->keys[i].enabled) {
            continue;
        }
        const QString id = pending->keys[i].id;
        m_secrets->read(keys::secretEntryName(id), this,
            [this, pending, generation, i, id, finish](const secrets::SecretResult &r) {
                if (generation != m_keyGeneration) {
                    return; // a newer load superseded this one
                }
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    pending->keys[i].secret = r.value;
                } else {
                    qCWarning(lcKeys).noquote() << "key" << id << "is not usable:" << r.message;
                }
                if (--pending->outstanding == 0) {
                    finish();
                }
            });
    }
}

void Service::loadRelays(std::function<void()> done)
{
    const quint64 generation = ++m_relayGeneration;
    if (done) {
        m_relayWaiters.push_back(std::move(done));
    }
    const config::Config cfg = m_config->config();
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(cfg, &error);
    if (!settings) {
        flush(m_relayWaiters);
        return;
    }
    QHash<QString, QString> bindings;
    for (const config::KeyEntry &k : cfg.keys) {
        if (!k.instance.isEmpty()) {
            bindings.insert(k.id, k.instance);
        }
    }
    auto relays = std::make_shared<std::vector<routing::Relay>>();
    for (const config::InstanceEntry &i : cfg.instances) {
        routing::Relay r;
        r.id = i.id;
        r.name = i.name;
        r.enabled = i.enabled;
        r.upstream = upstream::upstreamAt(settings->upstream, i.url);
        r.upstream.connectTimeoutMs = cfg.relayConnectTimeoutMs;
        relays->push_back(r);
    }
    auto apply = [this, generation, relays, bindings, cfg] {
        if (generation != m_relayGeneration) {
            return;
        }
        m_router.configure(cfg.routingMode, cfg.fallbackToLocal, std::move(*relays), bindings);
        flush(m_relayWaiters);
    };
    if (relays->empty()) {
        apply();
        return;
    }
    // Mode and bindings apply now; relays become usable once their secrets are read (never direct by mistake).
    m_router.configure(cfg.routingMode, cfg.fallbackToLocal, *relays, bindings);
    auto pending = std::make_shared<int>(int(relays->size()));
    for (size_t i = 0; i < relays->size(); ++i) {
        const QString id = (*relays)[i].id;
        m_secrets->read(
            QStringLiteral("relay/") + id, this, [this, relays, pending, i, id, apply](const secrets::SecretResult &r) {
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    (*relays)[i].secret = r.value;
                } else {
                    qCWarning(lcRouting).noquote()
                        << "relay" << id << "has no usable secret and is skipped:" << r.message;
                }
                if (--*pending == 0) {
                    apply();
                }
            });
    }
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

void Service::loadTokens(std::function<void()> done)
{
    const quint64 generation = ++m_tokenGeneration;
    if (done) {
        m_tokenWaiters.push_back(std::move(done));
    }
    const config::Config cfg = m_config->config();
    struct Pending
    {
        int outstanding = 1; // released at the end of this function
        QList<security::Authenticator::Token> tokens;
        QByteArray hmacSecret;
        QByteArray adminToken;
    };
    auto pending = std::make_shared<Pending>();
    auto finish = [this, pending, generation, cfg] {
        if (--pending->outstanding > 0 || generation != m_tokenGeneration) {
            return;
        }
        security::Authenticator *auth = m_proxy->authenticator();
        auth->setTokens(pending->tokens);
        auth->setAllowAnonymousLoopback(cfg.allowAnonymousLoopback);
        auth->setAdminToken(pending->adminToken);
        std::shared_ptr<security::JwtVerifier> verifier;
        if (cfg.jwt.enabled()) {
            security::JwtConfig jc;
            jc.hmacSecret = pending->hmacSecret;
            jc.audience = cfg.jwt.audience;
            jc.issuer = cfg.jwt.issuer;
            jc.leewaySeconds = cfg.jwt.leewaySeconds;
            if (!cfg.jwt.publicKeyFile.isEmpty()) {
                QFile pem(cfg.jwt.publicKeyFile);
                if (pem.open(QIODevice::ReadOnly)) {
                    jc.publicKeyPem = pem.readAll();
                } else {
                    qCWarning(lcSecurity).noquote() << "auth.jwt.publicKeyFile: cannot read" << cfg.jwt.publicKeyFile
                                                    << "-" << pem.errorString() << "- RS256/ES256 JWTs are refused";
                }
            }
            verifier = std::make_shared<security::JwtVerifier>();
            QString error;
            if (!verifier->configure(jc, &error)) {
                qCWarning(lcSecurity).noquote() << "JWTs are refused:" << error;
                verifier.reset();
            }
        }
        auth->setJwtVerifier(verifier);
        qCInfo(lcSecurity).noquote() << "access tokens in use:" << pending->tokens.size()
                                     << (verifier ? QStringLiteral("(JWTs accepted)") : QString());
        flush(m_tokenWaiters);
    };
    for (const config::TokenEntry &t : cfg.tokens) {
        ++pending->outstanding;
        const QString name = t.name;
        m_secrets->read(security::tokenEntryName(name), this, [pending, finish, name](const secrets::SecretResult &r) {
            if (r.ok() && !r.value.isEmpty()) {
                logging::Redactor::addSecret(r.value);
                pending->tokens.append({ name, r.value });
            } else {
                qCWarning(lcSecurity).noquote()
                    << "access token" << name << "cannot be read and is not accepted:" << r.message;
            }
            finish();
        });
    }
    ++pending->outstanding;
    m_secrets->read(
        QString::fromLatin1(security::kAdminTokenEntry), this, [pending, finish](const secrets::SecretResult &r) {
            if (r.ok() && !r.value.isEmpty()) {
                logging::Redactor::addSecret(r.value);
                pending->adminToken = r.value;
            }
            finish();
        });
    if (cfg.jwt.hs256) {
        ++pending->outstanding;
        m_secrets->read(
            QString::fromLatin1(security::kJwtSecretEntry), this, [pending, finish](const secrets::SecretResult &r) {
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    pending->hmacSecret = r.value;
                } else {
                    qCWarning(lcSecurity).noquote()
                        << "auth.jwt.hs256 is on but the HS256 secret cannot be read (set it with: "
                           "gemini-aggregatord token jwt-secret):"
                        << r.message;
                }
                finish();
            });
    }
    finish();
}

void Service::loadKeyState()
{
    const QString path = config::keyStatePath(m_config->path());
    QFile f(path);
    if (!f.exists()) {
        return;
    }
    QJsonParseError error {};
    const QJsonDocument doc
        = f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll(), &error) : QJsonDocument();
    if (!doc.isObject()) {
        qCWarning(lcKeys).noquote() << "ignoring the key state file" << path << "(" << error.errorString()
                                    << "); it is rewritten with fresh state";
        return;
    }
    m_keys.loadState(doc.object());
    const QDateTime savedAt = QDateTime::fromString(doc.object().value(u"savedAt").toString(), Qt::ISODateWithMs);
    m_stateSavedAtMs = savedAt.isValid() ? savedAt.toMSecsSinceEpoch() : 0;
}

void Service::saveKeyState()
{
    const QString path = config::keyStatePath(m_config->path());
    QJsonObject state = m_keys.saveState();
    // Relay health, for `instances list` and the GUI (the router itself relearns it after a restart).
    QJsonObject relays;
    for (const routing::RelayReport &r : m_router.report()) {
        QJsonObject o { { QStringLiteral("health"), routing::relayHealthName(r.health) } };
        if (r.lastLatencyMs >= 0) {
            o.insert(QStringLiteral("latencyMs"), double(r.lastLatencyMs));
        }
        if (r.unhealthyUntilMs >= 0) {
            o.insert(QStringLiteral("unhealthyUntil"),
                QDateTime::fromMSecsSinceEpoch(r.unhealthyUntilMs, Qt::UTC).toString(Qt::ISODate));
        }
        if (!r.lastError.isEmpty()) {
            o.insert(QStringLiteral("lastError"), logging::Redactor::redact(r.lastError));
        }
        relays.insert(r.id, o);
    }
    state.insert(QStringLiteral("relays"), relays);
    if (QString error; !writeStateFile(path, state, QJsonDocument::Indented, &error)) {
        qCWarning(lcKeys).noquote() << "cannot write the key state file" << path << ":" << error;
    }
}

void Service::loadResources()
{
    m_resourcesLoaded = true;
    const QString path = config::resourceStatePath(m_config->path());
    QFile f(path);
    if (!f.exists()) {
        return;
    }
    QJsonParseError error {};
    const QJsonDocument doc
        = f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll(), &error) : QJsonDocument();
    f.close();
    QString why = error.error != QJsonParseError::NoError ? error.errorString() : f.errorString();
    if (doc.isObject() && m_resources.load(doc.object(), &why)) {
        qCInfo(lcProxy).noquote() << "resource owners loaded:" << m_resources.size() << "from" << path;
        return;
    }
    // Kept for a look, never overwritten: the next save starts a fresh file beside it.
    const QString kept = path + QStringLiteral(".bad-") + QDateTime::currentDateTimeUtc().toString(u"yyyyMMddTHHmmss");
    QFile::rename(path, kept);
    qCWarning(lcProxy).noquote() << "could not read the resource owners file" << path << "(" << why << "); kept as"
                                 << kept << "- files and caches made before are used with any key until listed again";
}

void Service::flushResources()
{
    m_resourceSaveTimer.stop();
    saveResources();
}

void Service::saveResources()
{
    const QString path = config::resourceStatePath(m_config->path());
    // Compact: it may hold 100,000 entries.
    if (QString error; !writeStateFile(path, m_resources.save(), QJsonDocument::Compact, &error)) {
        qCWarning(lcProxy).noquote() << "cannot write the resource owners file" << path << ":" << error;
    }
}

void Service::runHealthChecks()
{
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(m_config->config(), &error);
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
    m_proxy = std::make_unique<proxy::ProxyServer>(&m_keys, m_workerCount, &m_router, &m_resources);
    m_proxy->setAdminHandler(m_admin.get());
    m_proxy->recorder()->setHistorySize(m_config->config().historySize);
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
    auto remaining = std::make_shared<int>(3);
    auto settled = [this, remaining] {
        if (--*remaining == 0) {
            m_proxy->setStarting(false);
            Q_EMIT ready(m_usableKeys);
        }
    };
    loadTokens(settled);
    loadKeys(settled);
    loadRelays(settled);
    connect(m_config, &config::ConfigStore::changed, this, &Service::onConfigChanged);
    // ConfigStore logs the reason; the GUI shows it from this signal.
    connect(m_config, &config::ConfigStore::rejected, this, &Service::configRejected);
    m_config->watch();
    return true;
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
    // "config applied" is said once the change is in force, secrets read included: a request sent after
    // that line never meets a relay or key still waiting for its secret.
    const bool keysChanged = changed.keys;
    const bool authChanged = changed.auth;
    auto remaining = std::make_shared<int>(1 + (keysChanged ? 1 : 0) + (authChanged ? 1 : 0));
    auto applied = [this, remaining, changes] {
        if (--*remaining == 0) {
            qCInfo(lcConfig).noquote() << "config applied:" << changes.join(QStringLiteral("; "));
            Q_EMIT configApplied(changes);
        }
    };
    // Routing (mode, fallback, relays, bindings) follows every change: cheap, and bindings live in keys.items.
    loadRelays(applied);
    if (keysChanged) {
        applyKeyStrategy();
        applyHealthCheckInterval();
        loadKeys(applied);
    }
    if (authChanged) {
        loadTokens(applied);
    }
}

} // namespace ga::daemon
