// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourcemap.h"
#include "cluster/redisclient.h"
#include "cluster/sharedwindows.h"
#include "config/config.h"
#include "config/redisurl.h"
#include "keys/keypool.h"
#include "routing/router.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace ga::cluster {

// What `cluster status`, GET /readyz, /metrics and the admin API say about cluster mode.
struct ClusterStatus
{
    enum class State
    {
        Off, // cluster.redis is empty: this node alone
        Connecting,
        Connected,
        Down // Redis unreachable or silent: going on with this node's state, reconnecting
    };
    State state = State::Off;
    QString address; // config::RedisAddress::display(): nothing secret
    QString nodeId; // stable across restarts of the same daemon (its machine and config): names its usage in Redis
    qint64 sinceMs = 0; // when the state began
    QString lastError;
    quint64 published = 0; // events sent to the other nodes
    quint64 received = 0; // events from them, applied here
    quint64 reconnects = 0;
    qint64 lastResyncMs = -1; // how long the last resync (push + pull) took
    int unknownKeys = 0; // fingerprints the cluster refers to that this node lacks
};
QString clusterStateName(ClusterStatus::State state); // off, connecting, connected, down

// One daemon's membership of a cluster: several daemons sharing their keys' state in Redis (cluster.redis).
// What this node learns (cooldowns Google named, invalid marks, breakers, clears, resource owners, relay health,
// usage) is written to Redis and published; what the others publish is applied here. The local view is what
// requests read: forwarding never waits on Redis (the one exception: requests of tokens or addresses with limits
// per minute or day count those in Redis, RedisWindows, with a 50 ms cap). When Redis is down the node goes on
// with its own state, warns, reconnects with backoff (at most kMaxBackoffMs apart) and resyncs: what it learned
// meanwhile is written, its state pushed, everyone else's pulled. Lives in the service's (main) thread.
class ClusterNode final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClusterNode)

public:
    ClusterNode(
        keys::KeyPool &keys, affinity::ResourceMap &resources, routing::Router &router, QObject *parent = nullptr);
    ~ClusterNode() override;

    static constexpr int kMinBackoffMs = 250;
    static constexpr int kMaxBackoffMs = 2000;
    static constexpr int kUsageFlushMs = 1000;
    static constexpr int kUsageDays = 31;
    static constexpr int kMaxBacklog = 100'000; // changes kept while Redis is down, to write when it is back

    // A name for this daemon that stays the same across its restarts (the service derives it from the machine and the
    // config file): its usage totals in Redis are kept under it, so a restart rewrites them instead of adding.
    void setNodeId(const QString &id);
    // Starts, restarts (address or password changed) or stops cluster mode; nullopt: off.
    void configure(const std::optional<config::RedisAddress> &address, const QByteArray &password);
    // The keys and relays as configured here: ids ↔ fingerprints (the same on every node) and relay URLs.
    void setKeys(const QList<config::KeyEntry> &keys);
    void setRelays(const QList<config::InstanceEntry> &relays);

    ClusterStatus status() const;
    // The per-minute and per-day request windows in Redis (for the rate limiter); null when off.
    std::shared_ptr<RedisWindows> windows() const { return m_windows; }
    // Writes the usage counted since the last flush now (tests; shutdown).
    void flushUsage();
    // Reads everything the cluster knows again (when connected): the key pool got keys it did not have when the last
    // pull ran (at start-up the node joins before the secret store handed over the keys).
    void pullAgain();

Q_SIGNALS:
    void statusChanged();
    // windows() changed (cluster mode on, off, or another Redis).
    void windowsChanged();
    // A resync finished (the pull of everything the cluster knows was applied).
    void resynced();

private:
    void connectBoth();
    void disconnectBoth();
    void onOpened();
    void onClosed(const QString &reason);
    void setState(ClusterStatus::State state, const QString &error = {});
    void resync();
    void pull(const QByteArray &cursor, qint64 startedMs);
    void pullDone(qint64 startedMs);
    void onMessage(const QByteArray &payload);

    // Local → cluster.
    void shareFacts();
    void shareResources();
    void shareRelay(const QString &id, bool healthy, qint64 untilMs, const QString &reason);
    void writeFact(const keys::SharedFact &fact, bool publish);
    void writeResource(const affinity::ResourceMap::SharedChange &change, bool publish, bool onlyIfAbsent = false);
    void publish(const QJsonObject &event);

    // Cluster → local.
    void applyFact(const QJsonObject &o);
    void applyResource(const QJsonObject &o);
    void applyRelay(const QJsonObject &o);
    void applyUsageHash(const QString &day, const QString &node, const RedisValue &hash);
    void refreshUsage(const QString &node, const QStringList &days);
    void writeUsage(const std::vector<keys::UsageEntry> &entries);
    // A clear at `sinceMs` (of a key named by its fingerprint): facts learned before it are stale.
    void noteCleared(const QString &fingerprint, qint64 sinceMs);
    void pushUsageToPool();
    // The local key for a fingerprint (or, failing that, a key of the same group); empty when this node lacks it.
    QString localKey(const QString &fingerprint, const QString &group);

    keys::KeyPool &m_keys;
    affinity::ResourceMap &m_resources;
    routing::Router &m_router;
    RedisClient m_cmd; // commands and publications
    RedisClient m_sub; // the event channel
    std::optional<config::RedisAddress> m_address;
    QByteArray m_password;
    std::shared_ptr<RedisWindows> m_windows;
    ClusterStatus m_status;
    QTimer m_reconnect;
    int m_backoffMs = kMinBackoffMs;
    QTimer m_usageTimer;
    QTimer m_usageRefresh; // coalesces usage refreshes after events
    QSet<QPair<QString, QString>> m_usageDue; // (node, day) to read again
    QString m_instance; // this process (the nodeId may be shared with an earlier run): echo suppression
    QHash<QString, qint64> m_clearedAt; // fingerprint → the latest clear known (tombstones ga:clr:<fp>)
    QHash<QString, QString> m_fpOfId;
    QHash<QString, QString> m_idOfFp;
    QHash<QString, QString> m_groupOfId;
    QHash<QString, QString> m_keyOfGroup;
    QHash<QString, QString> m_urlOfRelay;
    QHash<QString, QStringList> m_relaysOfUrl;
    QSet<QString> m_unknownLogged;
    std::vector<keys::SharedFact> m_factBacklog; // learned while Redis was down
    std::vector<affinity::ResourceMap::SharedChange> m_resourceBacklog;
    // The other nodes' totals: day → node → fingerprint → model → usage.
    std::map<QString, std::map<QString, std::map<QString, std::map<QString, keys::DayUsage>>>> m_usage;
    bool m_cmdOpen = false;
    bool m_subOpen = false;
    bool m_pulling = false;
    bool m_pullQueued = false;
    quint64 m_toldPublished = 0;
    quint64 m_toldReceived = 0;
};

} // namespace ga::cluster
