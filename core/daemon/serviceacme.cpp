// SPDX-License-Identifier: GPL-3.0-or-later
// The Service's automatic certificates (ACME, RFC 8555; core/acme): issued at start when none is in hand, renewed
// when two-thirds of the lifetime have passed (with jitter), retried with exponential backoff after a failure —
// while the certificate before it (ACME's last good one, the static files or the local CA's) stays in service.
#include "acme/renewal.h"
#include "config/configpaths.h"
#include "daemon/service.h"
#include "logging/logging.h"
#include "proxy/proxyserver.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>

namespace ga::daemon {
namespace {

QStringList acmeNames(const config::Config &cfg)
{
    QStringList out;
    for (const QString &n : cfg.acmeDomains.split(u',', Qt::SkipEmptyParts)) {
        if (const QString name = n.trimmed().toLower(); !name.isEmpty() && !out.contains(name)) {
            out.append(name);
        }
    }
    return out;
}

} // namespace

void Service::applyAcme()
{
    const config::Config &cfg = m_config->config();
    const bool on = cfg.tlsPort > 0 && !cfg.acmeDirectoryUrl.isEmpty() && !acmeNames(cfg).isEmpty();
    const QString wanted = on
        ? cfg.acmeDirectoryUrl + u'\n' + acmeNames(cfg).join(u',') + u'\n' + cfg.acmeEmail + u'\n' + cfg.acmeCaBundle
        : QString();
    if (wanted == m_acmeFor && (m_acme || !on)) {
        return;
    }
    m_acmeTimer.stop();
    m_acmeFailures = 0;
    if (m_acme) {
        m_acme->disconnect(this);
        m_acme->deleteLater();
        m_acme = nullptr;
    }
    m_acmeFor = wanted;
    if (m_proxy) {
        m_proxy->setAcmeChallenges(on ? &m_challenges : nullptr);
    }
    if (!on) {
        m_tlsStatus.nextRenewal = QDateTime();
        return;
    }
    acme::Options options;
    options.directoryUrl = QUrl(cfg.acmeDirectoryUrl);
    options.domains = acmeNames(cfg);
    options.contactEmail = cfg.acmeEmail;
    options.stateDir = config::tlsDirectory(m_config->path());
    if (!cfg.acmeCaBundle.isEmpty()) {
        options.extraCaCertificates = QSslCertificate::fromPath(cfg.acmeCaBundle, QSsl::Pem);
    }
    QDir().mkpath(options.stateDir);
    m_acme = new acme::AcmeClient(options, &m_challenges, this);
    connect(m_acme, &acme::AcmeClient::issued, this, &Service::onAcmeIssued);
    connect(m_acme, &acme::AcmeClient::failed, this, &Service::onAcmeFailed);
    m_acmeTimer.setSingleShot(true);
    disconnect(&m_acmeTimer, &QTimer::timeout, this, nullptr);
    connect(&m_acmeTimer, &QTimer::timeout, this, &Service::checkCertificateRenewal);
    // The certificate in hand (when it is ACME's, for all of these names) decides when; otherwise now.
    bool ours = m_tlsStatus.present && m_tlsStatus.source == u"acme";
    for (const QString &name : options.domains) {
        ours = ours && m_tlsStatus.names.contains(name, Qt::CaseInsensitive);
    }
    scheduleAcme(ours ? acme::renewalTimeMs(
                     m_tlsStatus.notBefore, m_tlsStatus.notAfter, QRandomGenerator::global()->bounded(2.0) - 1.0)
                      : 0);
}

void Service::scheduleAcme(qint64 atMs)
{
    m_acmeDueMs = atMs;
    if (atMs > 0) {
        m_tlsStatus.nextRenewal = QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC);
        Q_EMIT tlsStatusChanged();
    }
    const qint64 wait = std::clamp<qint64>(atMs - m_tlsClock->nowMs(), 0, 24LL * 3600 * 1000);
    m_acmeTimer.start(int(wait)); // at most a day ahead: checked again then (QTimer takes int milliseconds)
}

void Service::checkCertificateRenewal()
{
    if (!m_acme) {
        return;
    }
    if (m_acmeDueMs > m_tlsClock->nowMs()) {
        scheduleAcme(m_acmeDueMs);
        return;
    }
    if (!m_acme->isRunning()) {
        qCInfo(lcProxy).noquote() << "requesting a certificate from the ACME CA for"
                                  << acmeNames(m_config->config()).join(QStringLiteral(", "));
        m_acme->issue();
    }
}

void Service::onAcmeIssued(const acme::Issued &issued)
{
    const QString dir = config::tlsDirectory(m_config->path());
    const QString certPath = QDir(dir).filePath(QStringLiteral("acme-cert.pem"));
    const QString keyPath = QDir(dir).filePath(QStringLiteral("acme-key.pem"));
    // The key first: a certificate on disk always has its key beside it.
    QString error;
    if (!tls::writePrivateFile(keyPath, issued.privateKeyPem, &error)
        || !tls::writePrivateFile(certPath, issued.certificateChainPem, &error)) {
        onAcmeFailed(acme::Failure { QStringLiteral("could not store the new certificate: %1").arg(error), -1, false });
        return;
    }
    m_acmeFailures = 0;
    m_tlsStatus.lastError.clear();
    reloadTlsIdentity();
    if (m_proxy->tlsPort() == 0 && !m_paused && !applyTlsListener(&error)) {
        qCWarning(lcProxy).noquote() << "no HTTPS listener:" << error;
    }
    scheduleAcme(
        acme::renewalTimeMs(issued.notBefore, issued.notAfter, QRandomGenerator::global()->bounded(2.0) - 1.0));
    qCInfo(lcProxy).noquote() << "ACME certificate in service until" << issued.notAfter.toString(Qt::ISODate)
                              << "- renewal from" << m_tlsStatus.nextRenewal.toString(Qt::ISODate);
}

void Service::onAcmeFailed(const acme::Failure &failure)
{
    ++m_acmeFailures;
    m_tlsStatus.lastError = failure.message;
    const qint64 wait = acme::backoffMs(m_acmeFailures, failure.retryAfterMs);
    scheduleAcme(m_tlsClock->nowMs() + wait);
    qCWarning(lcProxy).noquote() << "ACME:" << failure.message << "- trying again in" << wait / 1000 << "s"
                                 << (m_proxy && m_proxy->tlsConfiguration() ? "(the certificate in service stays)"
                                                                            : "(no HTTPS until then)");
}

} // namespace ga::daemon
