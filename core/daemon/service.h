// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/acmeclient.h"
#include "acme/challengestore.h"
#include "affinity/resourcemap.h"
#include "cluster/clusternode.h"
#include "config/configstore.h"
#include "keys/keypool.h"
#include "metrics/historystore.h"
#include "proxy/adminport.h"
#include "routing/router.h"
#include "time/clock.h"
#include "tls/tlsidentity.h"

#include <QDateTime>
#include <QFileSystemWatcher>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace ga::secrets {
class SecretStore;
}

namespace ga::proxy {
class ProxyServer;
}

namespace ga::keys {
class HealthChecker;
}

namespace ga::daemon {

// The running aggregator, shared by the headless daemon and the GUI: it follows the config file and
// (from the proxy issue on) owns the listener. Neither store is owned.
class Service final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Service)

public:
    Service(config::ConfigStore *config, secrets::SecretStore *secrets, QObject *parent = nullptr);
    ~Service() override;

    // Writes the default config on first run, loads the keys, starts the proxy listener and follows
    // the config file. Returns false with a one-sentence reason when it cannot.
    bool start(QString *error);
    // Where the proxy listens ("http://127.0.0.1:3145"); empty when it does not.
    QString listenUrl() const;
    proxy::ProxyServer *proxyServer() const { return m_proxy.get(); }
    keys::KeyPool &keyPool() { return m_keys; }
    routing::Router &router() { return m_router; }
    // Who owns each file, cached content, batch and upload session (saved to resources.json).
    affinity::ResourceMap &resources() { return m_resources; }
    // The request history on disk (null when history.retentionDays is 0): the CLI and the admin API query it.
    metrics::HistoryStore *historyStore() { return m_history.get(); }
    // The HTTPS listener's certificate: what is in service, where from, and the last failure (which left the
    // certificate before it in service).
    tls::CertificateStatus tlsStatus() const { return m_tlsStatus; }
    QString tlsUrl() const;
    // ACME: the clock renewals are measured with (tests move a ManualClock), and the check the renewal timer runs
    // (renews when two-thirds of the certificate's life have passed, or retries after a failure's backoff).
    void setTlsClock(const time::Clock *clock) { m_tlsClock = clock; }
    void checkCertificateRenewal();
    // Cluster mode (cluster.redis): the state of this node's membership.
    cluster::ClusterStatus clusterStatus() const;
    // upstream.proxy's password as read from the secret store (empty: none, or the setting names no user).
    QString upstreamProxyPassword() const { return m_proxyPassword; }
    cluster::ClusterNode *clusterNode() const { return m_cluster.get(); }
    // Writes resources.json now (after an admin action, so that the CLI reads what it just did).
    void flushResources();
    // Worker threads for the proxy (0: listen.workers, whose 0 is ProxyServer::defaultWorkerCount()); before start().
    void setWorkerCount(int workers) { m_workerCount = workers; }
    const config::Config &config() const { return m_config->config(); }
    config::ConfigStore *configStore() const { return m_config; }
    secrets::SecretStore *secretStore() const { return m_secrets; }
    // Who serves /admin/api/v1/ (the admin API, admin::install()); the proxy answers 503 without one. Set it before
    // start(). Also used in-process by the desktop app. The service sits below the admin API and knows only this port.
    void setAdminHandler(std::unique_ptr<proxy::AdminHandler> handler);
    proxy::AdminHandler *adminHandler() const { return m_admin.get(); }
    // --log-level given: log.level edits no longer change the level.
    void pinLogLevel() { m_logLevelPinned = true; }
    // --log-format given: log.format edits no longer change the format.
    void pinLogFormat() { m_logFormatPinned = true; }
    // Write the log file named by log.file (the daemon and the GUI do; tests may not).
    void setFileLogging(bool on) { m_fileLogging = on; }
    // Stop or start accepting connections (the GUI's Start/Stop). Stopping lets open exchanges finish;
    // while stopped, config edits are applied but nothing listens. False with the reason on failure.
    bool setListening(bool on, QString *error);
    bool isListening() const;
    // The desktop app: a listen address that cannot be bound at start-up does not fail start(); the service
    // runs without a listener and listenProblem() says why, until a listen change or setListening(true) binds.
    // Set before start().
    void setStartWithoutListener(bool on) { m_startWithoutListener = on; }
    // Why the proxy is not listening although it should (empty when it is, or when stopped on purpose).
    QString listenProblem() const { return m_listenProblem; }
    // Before a listen change is saved: binds host:port now (the old listener stays until the new one is bound)
    // and returns false with the reason when it cannot, so that the change is refused and nothing is written.
    // While stopped on purpose it only checks that the address can be bound.
    bool prepareListen(const QString &host, int port, QString *error);
    // After a prepared listen change could not be saved: back to the address in the config in force.
    void reapplyListen();

Q_SIGNALS:
    // The usable keys were (re)loaded from the secret store.
    void keysLoaded(int count);
    // After start(): keys, access tokens and relays (with their secrets) are in force; requests are served as
    // configured. Before it the listener is open but answers 503 with Retry-After: 1 (/healthz: 200).
    void ready(int usableKeys);
    // A valid edit is fully in force, secrets read included; `changes` reads like "routing.mode: local → hybrid".
    void configApplied(const QStringList &changes);
    void configRejected(const QString &reason);
    void listeningChanged(bool listening);
    void listenProblemChanged(const QString &problem);
    // The HTTPS certificate, its source, renewal or last error changed (tlsStatus()).
    void tlsStatusChanged();

private:
    void onConfigChanged();
    // Both run `done` once what they started is in force (or a newer load that superseded it is).
    void loadKeys(std::function<void()> done = {});
    void loadRelays(std::function<void()> done = {});
    void loadTokens(std::function<void()> done = {});
    // upstream.proxy's password from the secret store when the setting names a user (upstream/upstream.h), put in
    // force in the proxy's settings.
    void loadProxyPassword(std::function<void()> done = {});
    void applyLogging();
    void loadKeyState();
    void loadPastUsage();
    void noteStateWrite(const QString &path, const QString &error);
    void saveKeyState();
    void loadResources();
    // Opens, retunes or closes the request history on disk as metrics.historyRetentionDays says.
    void applyHistoryStore();
    void saveResources();
    void applyKeyStrategy();
    void applyHealthCheckInterval();
    void runHealthChecks();
    // `bindFailed`: false when the settings were refused, true when only the address could not be bound.
    bool applyProxyConfig(QString *error, bool *bindFailed = nullptr);
    void setListenProblem(const QString &problem);
    // The certificate for listen.tls.*: read (files) or made (local CA), put in service for new connections when it
    // is good; a bad one is logged and leaves the one in service. Watches the files while HTTPS is on.
    // "scheme://address:port" of the listening address ([…] around IPv6).
    QString urlOf(const char *scheme, quint16 port) const;
    void reloadTlsIdentity();
    // Watches listen.tls.certFile/keyFile and their folders (a replacement by rename ends a file's watch).
    void watchTlsFiles();
    bool applyTlsListener(QString *error);
    // Joins, rejoins (another Redis, a new password) or leaves the cluster as cluster.redis says.
    void applyCluster();
    void publishClusterStatus();
    // Starts, reschedules or stops the ACME client as listen.tls.acme.* say.
    void applyAcme();
    void scheduleAcme(qint64 atMs);
    void onAcmeIssued(const acme::Issued &issued);
    void onAcmeFailed(const acme::Failure &failure);
    // A listen change in the file that cannot be bound: the file gets back the address still in force.
    void restoreListenInFile(const QJsonValue &host, const QJsonValue &port, const QString &why);

    config::ConfigStore *m_config;
    secrets::SecretStore *m_secrets;
    QJsonObject m_effective;
    bool m_logLevelPinned = false;
    bool m_logFormatPinned = false;
    bool m_fileLogging = true;
    bool m_paused = false;
    bool m_startWithoutListener = false;
    QString m_listenProblem;
    keys::KeyPool m_keys;
    routing::Router m_router;
    affinity::ResourceMap m_resources;
    QTimer m_resourceSaveTimer;
    bool m_resourcesLoaded = false;
    quint64 m_relayGeneration = 0;
    // Before m_proxy: destroyed after it, so every record the proxy makes while stopping is written.
    std::unique_ptr<metrics::HistoryStore> m_history;
    std::unique_ptr<proxy::ProxyServer> m_proxy;
    std::unique_ptr<proxy::AdminHandler> m_admin; // destroyed before m_proxy: its replies go to proxy workers
    std::unique_ptr<cluster::ClusterNode> m_cluster; // destroyed first: it flushes usage from the key pool
    quint64 m_clusterGeneration = 0;
    QString m_proxyPassword; // upstream.proxy's, from the secret store (never the config file)
    quint64 m_proxyPasswordGeneration = 0;
    int m_workerCount = 0;
    quint64 m_keyGeneration = 0;
    std::vector<std::function<void()>> m_keyWaiters;
    std::vector<std::function<void()>> m_relayWaiters;
    int m_usableKeys = 0;
    quint64 m_tokenGeneration = 0;
    std::vector<std::function<void()>> m_tokenWaiters;
    bool m_stateLoaded = false;
    qint64 m_stateSavedAtMs = 0;
    QString m_pastUsageSavedFor; // the day keyusage.json was last written on (empty: not since the start)
    QHash<QString, QString> m_stateWriteErrors; // state file → the error its last write failed with (empty: none)
    QHash<QString, QDateTime> m_resetAt;
    QTimer m_saveTimer;
    QTimer m_healthTimer;
    keys::HealthChecker *m_checker = nullptr;
    tls::CertificateStatus m_tlsStatus;
    QString m_tlsSourceKey; // what the identity in service was made from (files, self-signed names)
    QFileSystemWatcher *m_tlsWatcher = nullptr;
    QTimer m_tlsReloadTimer; // gathers the events of one replacement (write, rename, chmod)
    const time::Clock *m_tlsClock = &time::Clock::system();
    acme::ChallengeStore m_challenges;
    acme::AcmeClient *m_acme = nullptr;
    QString m_acmeFor; // the directory, names and contact m_acme was made for
    QTimer m_acmeTimer; // single shot: the next renewal check (at most a day ahead)
    qint64 m_acmeDueMs = 0; // when the next issuance is due (0: now)
    int m_acmeFailures = 0;
};

// What an edit changed: lines for the log ("routing.mode: local → hybrid", lists as counts) and, typed, the
// sections whose secrets must be read again (decided from the paths, never from the text).
struct ConfigChanges
{
    QStringList lines;
    bool keys = false; // keys.items or a keys.* setting
    bool auth = false; // auth.tokens.items or an auth.* setting
    bool listen = false; // a listen.* setting

    bool isEmpty() const { return lines.isEmpty(); }
};

// Settings that differ between two config documents.
ConfigChanges describeChanges(const QJsonObject &before, const QJsonObject &after);

// How long after a key-state save (at most one a second while keys change) the next may follow: ten times what the
// last one took, from a second to a minute. The state of a large pool is large (bench_keypool: 1,000 keys with 30 days
// of usage, 6.6 MB of JSON made in ~65 ms), and was rewritten every second without pause.
int keyStateSaveIntervalMs(qint64 lastSaveMs);

} // namespace ga::daemon
