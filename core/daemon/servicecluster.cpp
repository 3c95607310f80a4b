// SPDX-License-Identifier: GPL-3.0-or-later
// Cluster mode (core/cluster): the service joins the Redis that cluster.redis names, with the password from the
// secret store, hands the cluster's request windows to the rate limiter and its state to /readyz and /metrics.
#include "cluster/clusterpassword.h"
#include "config/redisurl.h"
#include "daemon/service.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"

#include <QCryptographicHash>
#include <QSysInfo>

namespace ga::daemon {

cluster::ClusterStatus Service::clusterStatus() const
{
    return m_cluster ? m_cluster->status() : cluster::ClusterStatus();
}

void Service::publishClusterStatus()
{
    if (!m_proxy || !m_cluster) {
        return;
    }
    const cluster::ClusterStatus s = m_cluster->status();
    m_proxy->setClusterState(int(s.state), s.published, s.received, s.reconnects);
}

void Service::applyCluster()
{
    if (!m_cluster) {
        m_cluster = std::make_unique<cluster::ClusterNode>(m_keys, m_resources, m_router);
        // The same name at every start of this daemon (this machine, this config file): its usage totals in Redis
        // are rewritten by a restart, not added to. The host name in front is for people reading `cluster status`.
        QString host = QSysInfo::machineHostName();
        for (QChar &c : host) {
            const bool kept = (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9')
                || c == u'.' || c == u'-';
            c = kept ? c : QChar(u'-');
        }
        const QByteArray seed = QSysInfo::machineUniqueId() + '\n' + host.toUtf8() + '\n' + m_config->path().toUtf8();
        m_cluster->setNodeId(host.left(32) + u'-'
            + QString::fromLatin1(QCryptographicHash::hash(seed, QCryptographicHash::Sha256).toHex().left(8)));
        connect(m_cluster.get(), &cluster::ClusterNode::windowsChanged, this, [this] {
            if (m_proxy) {
                m_proxy->rateLimiter()->setShared(m_cluster->windows());
            }
        });
        connect(m_cluster.get(), &cluster::ClusterNode::statusChanged, this, &Service::publishClusterStatus);
    }
    const config::Config &cfg = m_config->config();
    m_cluster->setKeys(cfg.keys);
    m_cluster->setRelays(cfg.instances);
    const quint64 generation = ++m_clusterGeneration;
    if (cfg.clusterRedis.isEmpty()) {
        m_cluster->configure(std::nullopt, {});
        publishClusterStatus();
        return;
    }
    config::RedisAddress address;
    if (QString error; !config::parseRedisUrl(cfg.clusterRedis, &address, &error)) {
        qCWarning(lcCluster).noquote() << "cluster.redis:" << error; // (validation refuses it before it gets here)
        return;
    }
    m_secrets->read(QString::fromLatin1(cluster::kPasswordEntry), this,
        [this, generation, address](const secrets::SecretResult &r) {
            if (generation != m_clusterGeneration) {
                return; // a newer config is being applied
            }
            QByteArray password;
            if (r.ok()) {
                password = r.value;
                if (!password.isEmpty()) {
                    logging::Redactor::addSecret(password);
                }
            } else if (r.error != secrets::SecretError::NotFound) {
                qCWarning(lcCluster).noquote()
                    << "the Redis password cannot be read (" + r.message + "): connecting without one";
            }
            m_cluster->configure(address, password);
            publishClusterStatus();
        });
}

} // namespace ga::daemon
