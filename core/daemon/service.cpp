// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon/service.h"

#include "config/configschema.h"
#include "keys/apikey.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>

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

QStringList describeChanges(const QJsonObject &before, const QJsonObject &after)
{
    QStringList out;
    for (const QString &path : config::schema::settingPaths()) {
        const QJsonValue a = config::schema::valueAt(before, path);
        const QJsonValue b = config::schema::valueAt(after, path);
        if (a != b) {
            out.append(QStringLiteral("%1: %2 → %3").arg(path, shortText(a), shortText(b)));
        }
    }
    for (const char *list : { "keys.items", "instances.items" }) {
        const QString path = QString::fromLatin1(list);
        const QJsonArray a = config::schema::valueAt(before, path).toArray();
        const QJsonArray b = config::schema::valueAt(after, path).toArray();
        if (a != b) {
            const QString name = path.section(u'.', 0, 0);
            out.append(a.size() == b.size() ? QStringLiteral("%1: %2 edited").arg(name).arg(b.size())
                                            : QStringLiteral("%1: %2 → %3").arg(name).arg(a.size()).arg(b.size()));
        }
    }
    return out;
}

Service::Service(config::ConfigStore *config, secrets::SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_secrets(secrets)
{ }

Service::~Service() = default;

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

bool Service::applyProxyConfig(QString *error)
{
    const config::Config &cfg = m_config->config();
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(cfg, error);
    if (!settings) {
        return false;
    }
    m_proxy->applySettings(settings);
    return m_proxy->listen(cfg.listenHost, quint16(cfg.listenPort), error);
}

void Service::loadKeys()
{
    const quint64 generation = ++m_keyGeneration;
    struct Pending
    {
        int outstanding = 0;
        std::vector<keys::PoolKey> loaded;
    };
    auto pending = std::make_shared<Pending>();
    QList<config::KeyEntry> wanted;
    for (const config::KeyEntry &k : m_config->config().keys) {
        if (k.enabled) {
            wanted.append(k);
        }
    }
    if (wanted.isEmpty()) {
        m_keys.setKeys({});
        qCWarning(lcKeys).noquote() << "no enabled API key; add one with: gemini-aggregatord keys add";
        Q_EMIT keysLoaded(0);
        return;
    }
    pending->outstanding = int(wanted.size());
    pending->loaded.resize(size_t(wanted.size()));
    for (qsizetype i = 0; i < wanted.size(); ++i) {
        const config::KeyEntry entry = wanted.at(i);
        m_secrets->read(keys::secretEntryName(entry.id), this,
            [this, pending, generation, i, entry](const secrets::SecretResult &r) {
                if (generation != m_keyGeneration) {
                    return; // a newer load superseded this one
                }
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    pending->loaded[size_t(i)] = keys::PoolKey { entry.id, r.value };
                } else {
                    qCWarning(lcKeys).noquote() << "key" << entry.id << "is not usable:" << r.message;
                }
                if (--pending->outstanding > 0) {
                    return;
                }
                std::erase_if(pending->loaded, [](const keys::PoolKey &k) { return k.secret.isEmpty(); });
                const int count = int(pending->loaded.size());
                m_keys.setKeys(std::move(pending->loaded));
                qCInfo(lcKeys) << "keys in use:" << count;
                Q_EMIT keysLoaded(count);
            });
    }
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
    m_proxy = std::make_unique<proxy::ProxyServer>(&m_keys, m_workerCount);
    if (!applyProxyConfig(error)) {
        m_proxy.reset();
        return false;
    }
    loadKeys();
    connect(m_config, &config::ConfigStore::changed, this, &Service::onConfigChanged);
    // ConfigStore logs the reason; the GUI shows it from this signal.
    connect(m_config, &config::ConfigStore::rejected, this, &Service::configRejected);
    m_config->watch();
    return true;
}

void Service::onConfigChanged()
{
    const QJsonObject effective = config::schema::effectiveDocument(m_config->document());
    const QStringList changes = describeChanges(m_effective, effective);
    m_effective = effective;
    if (changes.isEmpty()) {
        return;
    }
    if (!m_logLevelPinned) {
        if (const auto level = logging::parseLogLevel(m_config->config().logLevel)) {
            logging::setLogLevel(*level);
        }
    }
    QString error;
    if (!applyProxyConfig(&error)) {
        qCWarning(lcConfig).noquote() << "the new listen or upstream settings could not be applied:" << error
                                      << "- still serving on" << listenUrl();
    } else if (changes.join(u' ').contains(QStringLiteral("listen."))) {
        qCInfo(lcProxy).noquote() << "listening on" << listenUrl();
    }
    if (changes.join(u' ').contains(QStringLiteral("keys"))) {
        loadKeys();
    }
    qCInfo(lcConfig).noquote() << "config applied:" << changes.join(QStringLiteral("; "));
    Q_EMIT configApplied(changes);
}

} // namespace ga::daemon
