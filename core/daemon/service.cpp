// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon/service.h"

#include "config/configschema.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"

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
    qCInfo(lcConfig).noquote() << "config applied:" << changes.join(QStringLiteral("; "));
    Q_EMIT configApplied(changes);
}

} // namespace ga::daemon
