// SPDX-License-Identifier: GPL-3.0-or-later
// The Service's listener: binding, stopping and starting, listen changes that cannot be bound.
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/orphansecrets.h"
#include "daemon/service.h"
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

QString Service::urlOf(const char *scheme, quint16 port) const
{
    const QHostAddress a = m_proxy->address();
    const QString host
        = a.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(a.toString()) : a.toString();
    return QStringLiteral("%1://%2:%3").arg(QLatin1String(scheme), host).arg(port);
}

QString Service::listenUrl() const
{
    return m_proxy && m_proxy->isListening() ? urlOf("http", m_proxy->port()) : QString();
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
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(cfg, error, m_proxyPassword);
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
    // HTTPS beside it: a certificate or port problem is logged and leaves HTTP serving.
    if (QString why; !applyTlsListener(&why)) {
        qCWarning(lcProxy).noquote() << "no HTTPS listener:" << why;
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

} // namespace ga::daemon
