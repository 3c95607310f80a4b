// SPDX-License-Identifier: GPL-3.0-or-later
// The Service's HTTPS listener: its certificate (files or the local CA), swapped for new connections when the files
// change, and its status.
#include "config/configpaths.h"
#include "daemon/service.h"
#include "logging/logging.h"
#include "proxy/proxyserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>

namespace ga::daemon {

QString Service::tlsUrl() const
{
    return m_proxy && m_proxy->tlsPort() != 0 ? urlOf("https", m_proxy->tlsPort()) : QString();
}

void Service::reloadTlsIdentity()
{
    const config::Config &cfg = m_config->config();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString error;
    std::optional<tls::Identity> identity;
    QString sourceKey;
    // ACME's certificate when it has one in date for the configured names; else the files; else the local CA's.
    if (!cfg.acmeDirectoryUrl.isEmpty()) {
        const QString dir = config::tlsDirectory(m_config->path());
        const QString certPath = QDir(dir).filePath(QStringLiteral("acme-cert.pem"));
        QString why;
        if (QFile::exists(certPath)) {
            identity = tls::loadIdentity(certPath, QDir(dir).filePath(QStringLiteral("acme-key.pem")), now, &why);
        }
        // One for fewer names than the config's now stays in service too: a new one is ordered (applyAcme()).
        if (identity) {
            identity->source = QStringLiteral("acme");
            sourceKey = QStringLiteral("acme");
        }
    }
    if (identity) {
        // ACME's, above
    } else if (!cfg.tlsCertFile.isEmpty()) {
        sourceKey = cfg.tlsCertFile + u'\n' + cfg.tlsKeyFile;
        identity = tls::loadIdentity(cfg.tlsCertFile, cfg.tlsKeyFile, now, &error);
    } else if (cfg.tlsSelfSigned) {
        // The listen host as a name too, when it is one other machines use (not a wildcard address).
        QStringList extra;
        if (const QHostAddress a(cfg.listenHost);
            a.isNull() || (a != QHostAddress::Any && a != QHostAddress::AnyIPv6 && a != QHostAddress::AnyIPv4)) {
            extra.append(cfg.listenHost);
        }
        sourceKey = QStringLiteral("self-signed\n") + extra.join(u',');
        identity = tls::localIdentity(config::tlsDirectory(m_config->path()), extra, now, &error);
    }
    if (!identity) {
        if (!cfg.acmeDirectoryUrl.isEmpty() && sourceKey.isEmpty()) {
            error = QStringLiteral("waiting for the first certificate from the ACME CA");
            sourceKey = QStringLiteral("acme");
        }
        if (!sourceKey.isEmpty()) {
            const bool inService = m_proxy && m_proxy->tlsConfiguration();
            qCWarning(lcProxy).noquote() << "HTTPS certificate not loaded:" << error
                                         << (inService ? "(the one in service stays)" : "");
            m_tlsStatus.lastError = error;
            Q_EMIT tlsStatusChanged();
        }
        watchTlsFiles(); // a fix written into the files later must be seen too
        return;
    }
    m_proxy->setTlsConfiguration(std::make_shared<const QSslConfiguration>(tls::serverConfiguration(*identity)));
    const QDateTime nextRenewal = m_tlsStatus.nextRenewal;
    const QString lastError = m_tlsStatus.lastError;
    m_tlsStatus = tls::statusOf(*identity);
    if (!cfg.acmeDirectoryUrl.isEmpty()) {
        m_tlsStatus.nextRenewal = nextRenewal; // ACME's schedule and its last failure outlive a reload
        m_tlsStatus.lastError = lastError;
    }
    m_tlsSourceKey = sourceKey;
    qCInfo(lcProxy).noquote() << "HTTPS certificate in service:" << m_tlsStatus.subject << "for"
                              << m_tlsStatus.names.join(QStringLiteral(", ")) << "until"
                              << m_tlsStatus.notAfter.toString(Qt::ISODate) << "(" << m_tlsStatus.source << ")";
    Q_EMIT tlsStatusChanged();
    watchTlsFiles();
}

void Service::watchTlsFiles()
{
    const config::Config &cfg = m_config->config();
    // Watch the files (and their folders: a replacement by rename ends the watch on the old file).
    if (!m_tlsWatcher) {
        m_tlsWatcher = new QFileSystemWatcher(this);
        m_tlsReloadTimer.setSingleShot(true);
        m_tlsReloadTimer.setInterval(300);
        connect(&m_tlsReloadTimer, &QTimer::timeout, this, [this] {
            if (m_config->config().tlsPort > 0) {
                reloadTlsIdentity();
            }
        });
        connect(m_tlsWatcher, &QFileSystemWatcher::fileChanged, this, [this] { m_tlsReloadTimer.start(); });
        connect(m_tlsWatcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_tlsReloadTimer.start(); });
    }
    const QStringList watched = m_tlsWatcher->files() + m_tlsWatcher->directories();
    if (!watched.isEmpty()) {
        m_tlsWatcher->removePaths(watched);
    }
    if (cfg.tlsPort > 0 && !cfg.tlsCertFile.isEmpty()) {
        m_tlsWatcher->addPaths({ cfg.tlsCertFile, cfg.tlsKeyFile, QFileInfo(cfg.tlsCertFile).absolutePath(),
            QFileInfo(cfg.tlsKeyFile).absolutePath() });
    }
}

bool Service::applyTlsListener(QString *error)
{
    const config::Config &cfg = m_config->config();
    if (cfg.tlsPort == 0) {
        if (m_proxy->tlsPort() != 0) {
            m_proxy->closeTls();
            qCInfo(lcProxy) << "stopped the HTTPS listener";
        }
        m_proxy->setTlsConfiguration({});
        applyAcme(); // stops it
        m_tlsStatus = tls::CertificateStatus();
        Q_EMIT tlsStatusChanged();
        m_tlsSourceKey.clear();
        if (m_tlsWatcher) {
            watchTlsFiles(); // with HTTPS off: nothing
        }
        return true;
    }
    reloadTlsIdentity();
    applyAcme();
    if (!m_proxy->tlsConfiguration()) {
        *error = QStringLiteral("HTTPS on port %1 has no certificate: %2").arg(cfg.tlsPort).arg(m_tlsStatus.lastError);
        return false;
    }
    const bool wasListening = m_proxy->tlsPort() != 0;
    if (!m_proxy->listenTls(cfg.listenHost, quint16(cfg.tlsPort), error)) {
        return false;
    }
    if (!wasListening) {
        qCInfo(lcProxy).noquote() << "listening for HTTPS on" << tlsUrl();
    }
    return true;
}

} // namespace ga::daemon
