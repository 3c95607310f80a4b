// SPDX-License-Identifier: GPL-3.0-or-later
// app::Runtime over a daemon::Service.
#include "app/runtime.h"
#include "daemon/service.h"

namespace ga::app {
namespace {

// On the service's thread a two-step write waits this long for another one (a CLI transaction takes milliseconds).
constexpr int kServiceJournalWaitMs = 3000;

class ServiceRuntime final : public Runtime
{
public:
    explicit ServiceRuntime(daemon::Service &service)
        : m_service(service)
        , m_workspace(service.configStore(), service.secretStore(), kServiceJournalWaitMs)
    { }

    Workspace &workspace() override { return m_workspace; }
    QObject *owner() override { return &m_service; }
    keys::KeyPool &keyPool() override { return m_service.keyPool(); }
    routing::Router &router() override { return m_service.router(); }
    affinity::ResourceMap &resources() override { return m_service.resources(); }
    void flushResources() override { m_service.flushResources(); }
    proxy::ProxyServer *proxyServer() override { return m_service.proxyServer(); }
    metrics::HistoryStore *historyStore() override { return m_service.historyStore(); }
    QString listenUrl() const override { return m_service.listenUrl(); }
    QString tlsUrl() const override { return m_service.tlsUrl(); }
    tls::CertificateStatus tlsStatus() const override { return m_service.tlsStatus(); }
    cluster::ClusterStatus clusterStatus() const override { return m_service.clusterStatus(); }
    QString upstreamProxyPassword() const override { return m_service.upstreamProxyPassword(); }
    ListenGate listenGate() override
    {
        daemon::Service *service = &m_service;
        return ListenGate { [service](const QString &host, int port, QString *why) {
                               return service->prepareListen(host, port, why);
                           },
            [service] { service->reapplyListen(); } };
    }
    void setAdminHandler(std::unique_ptr<proxy::AdminHandler> handler) override
    {
        m_service.setAdminHandler(std::move(handler));
    }

private:
    daemon::Service &m_service;
    Workspace m_workspace;
};

} // namespace

std::unique_ptr<Runtime> serviceRuntime(daemon::Service &service)
{
    return std::make_unique<ServiceRuntime>(service);
}

} // namespace ga::app
