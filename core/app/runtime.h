// SPDX-License-Identifier: GPL-3.0-or-later
// What the admin API (and anything else that serves a running proxy) sees of it: the workspace its writes go
// through, and the live state it reports. Narrow on purpose: the admin API does not know the daemon::Service, so it
// can serve any host that provides these (the daemon, the desktop app, a test).
#pragma once

#include "app/settingsops.h"
#include "app/workspace.h"
#include "cluster/clusternode.h"
#include "proxy/adminport.h"
#include "tls/tlsidentity.h"

#include <memory>

namespace ga::keys {
class KeyPool;
}
namespace ga::routing {
class Router;
}
namespace ga::affinity {
class ResourceMap;
}
namespace ga::proxy {
class ProxyServer;
}
namespace ga::metrics {
class HistoryStore;
}
namespace ga::daemon {
class Service;
}

namespace ga::app {

class Runtime
{
public:
    virtual ~Runtime() = default;

    virtual Workspace &workspace() = 0;
    // The object the admin API lives with (answers are produced on its thread).
    virtual QObject *owner() = 0;
    virtual keys::KeyPool &keyPool() = 0;
    virtual routing::Router &router() = 0;
    virtual affinity::ResourceMap &resources() = 0;
    // Writes what resources() knows now (after an admin action, so that the CLI reads what it just did).
    virtual void flushResources() = 0;
    // The listener and its workers; null while the proxy does not run.
    virtual proxy::ProxyServer *proxyServer() = 0;
    // The request history on disk; null when it is kept in memory only (metrics.historyRetentionDays 0).
    virtual metrics::HistoryStore *historyStore() = 0;
    virtual QString listenUrl() const = 0;
    // The HTTPS listener: its URL (empty when off) and its certificate.
    virtual QString tlsUrl() const = 0;
    virtual tls::CertificateStatus tlsStatus() const = 0;
    // Cluster mode: this node's membership (state Off when cluster.redis is empty).
    virtual cluster::ClusterStatus clusterStatus() const = 0;
    // upstream.proxy's password, read from the secret store (for upstream calls made outside the proxy's workers:
    // a key's test, a relay's probe). Empty where the host has none.
    virtual QString upstreamProxyPassword() const { return {}; }
    // Binds a new listen address before a settings change is saved (SettingsOps::set).
    virtual ListenGate listenGate() = 0;
    // Who serves /admin/api/v1/ on the proxy's listener.
    virtual void setAdminHandler(std::unique_ptr<proxy::AdminHandler> handler) = 0;
};

// The Runtime of a daemon::Service (the daemon's and the desktop app's). The service must outlive it.
std::unique_ptr<Runtime> serviceRuntime(daemon::Service &service);

} // namespace ga::app
