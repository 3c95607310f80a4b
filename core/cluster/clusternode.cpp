// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/clusternode.h"

#include "keys/usageledger.h"
#include "logging/logging.h"
#include "time/clock.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

namespace ga::cluster {
namespace {

const QByteArray kChannel = QByteArrayLiteral("ga:events");
const QString kCooldownPrefix = QStringLiteral("ga:cd:");
const QString kInvalidPrefix = QStringLiteral("ga:inv:");
const QString kBreakerPrefix = QStringLiteral("ga:brk:");
const QString kResourcePrefix = QStringLiteral("ga:res:");
const QString kRelayPrefix = QStringLiteral("ga:relay:");
const QString kUsagePrefix = QStringLiteral("ga:usage:");
const QString kClearedPrefix = QStringLiteral("ga:clr:");
constexpr qint64 kTombstoneSeconds = 31LL * 86400;

// A fact about a key, written unless a clear of that key (its tombstone, ga:clr:<fp>) is at least as new, and then
// announced in the same step. KEYS: the fact's key, the tombstone. ARGV: learned at (ms), "hset" | "set", hash field,
// JSON, ends at (ms; 0: never), the channel, the event ("" : none).
const QByteArray kFactScript = QByteArrayLiteral(R"lua(
local cleared = tonumber(redis.call('GET', KEYS[2]) or '0')
if cleared >= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == 'hset' then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
  if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[5]) then redis.call('PEXPIREAT', KEYS[1], ARGV[5]) end
elseif ARGV[5] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[4], 'PXAT', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
if ARGV[7] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 1
)lua");

// A clear: the tombstone (kept 31 days, only ever moved forward) and the facts learned before it go; facts learned
// after it (by a node that saw the key fail again) stay. KEYS: tombstone, cooldown hash, invalid, breaker. ARGV:
// cleared at (ms), tombstone seconds, the channel, the event.
const QByteArray kClearScript = QByteArrayLiteral(R"lua(
local at = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < at then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
local function older(json) local ok, o = pcall(cjson.decode, json); return not ok or (tonumber(o.s) or 0) <= at end
local h = redis.call('HGETALL', KEYS[2])
for i = 1, #h, 2 do if older(h[i + 1]) then redis.call('HDEL', KEYS[2], h[i]) end end
for k = 3, 4 do
  local v = redis.call('GET', KEYS[k])
  if v and older(v) then redis.call('DEL', KEYS[k]) end
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
)lua");

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QString factKindName(keys::SharedFact::Kind kind)
{
    switch (kind) {
    case keys::SharedFact::Kind::Cooldown:
        return QStringLiteral("cd");
    case keys::SharedFact::Kind::Invalid:
        return QStringLiteral("inv");
    case keys::SharedFact::Kind::Breaker:
        return QStringLiteral("brk");
    case keys::SharedFact::Kind::Cleared:
        return QStringLiteral("clr");
    }
    return {};
}

std::optional<keys::SharedFact::Kind> factKindFrom(const QString &name)
{
    if (name == u"cd") {
        return keys::SharedFact::Kind::Cooldown;
    }
    if (name == u"inv") {
        return keys::SharedFact::Kind::Invalid;
    }
    if (name == u"brk") {
        return keys::SharedFact::Kind::Breaker;
    }
    if (name == u"clr") {
        return keys::SharedFact::Kind::Cleared;
    }
    return std::nullopt;
}

// Usage hash fields: "<fingerprint>|<model>|<counter>", counter req, pt, ot, tt or e:<failure kind>.
QByteArray usageField(const QString &fp, const QString &model, const QString &counter)
{
    return (fp + u'|' + model + u'|' + counter).toUtf8();
}

} // namespace

QString clusterStateName(ClusterStatus::State state)
{
    switch (state) {
    case ClusterStatus::State::Off:
        return QStringLiteral("off");
    case ClusterStatus::State::Connecting:
        return QStringLiteral("connecting");
    case ClusterStatus::State::Connected:
        return QStringLiteral("connected");
    case ClusterStatus::State::Down:
        return QStringLiteral("down");
    }
    return {};
}

ClusterNode::ClusterNode(
    keys::KeyPool &keys, affinity::ResourceMap &resources, routing::Router &router, QObject *parent)
    : QObject(parent)
    , m_keys(keys)
    , m_resources(resources)
    , m_router(router)
{
    m_instance = QString::number(QRandomGenerator::system()->generate64(), 16);
    m_status.nodeId = m_instance;
    m_status.sinceMs = nowMs();
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &ClusterNode::connectBoth);
    m_usageTimer.setInterval(kUsageFlushMs);
    connect(&m_usageTimer, &QTimer::timeout, this, [this] {
        flushUsage();
        // The event counters for /metrics: told at most once a flush interval.
        if (m_status.published != m_toldPublished || m_status.received != m_toldReceived) {
            m_toldPublished = m_status.published;
            m_toldReceived = m_status.received;
            Q_EMIT statusChanged();
        }
    });
    m_usageRefresh.setSingleShot(true);
    m_usageRefresh.setInterval(100);
    connect(&m_usageRefresh, &QTimer::timeout, this, [this] {
        const auto due = std::exchange(m_usageDue, {});
        for (const auto &[node, day] : due) {
            refreshUsage(node, { day });
        }
    });

    connect(&m_cmd, &RedisClient::opened, this, [this] {
        m_cmdOpen = true;
        onOpened();
    });
    connect(&m_sub, &RedisClient::opened, this, [this] { m_sub.subscribe(kChannel); });
    // Only once Redis confirmed the subscription: what others publish from then on arrives, and the resync's pull
    // covers everything written before.
    connect(&m_sub, &RedisClient::subscribed, this, [this] {
        m_subOpen = true;
        onOpened();
    });
    connect(&m_cmd, &RedisClient::closed, this, &ClusterNode::onClosed);
    connect(&m_sub, &RedisClient::closed, this, &ClusterNode::onClosed);
    connect(&m_sub, &RedisClient::message, this,
        [this](const QByteArray &, const QByteArray &payload) { onMessage(payload); });

    // Learned here (on any thread): handed over in this thread.
    connect(&m_keys, &keys::KeyPool::sharedFactsPending, this, &ClusterNode::shareFacts, Qt::QueuedConnection);
    connect(
        &m_resources, &affinity::ResourceMap::sharedPending, this, &ClusterNode::shareResources, Qt::QueuedConnection);
    connect(&m_router, &routing::Router::relayHealthLearned, this, &ClusterNode::shareRelay, Qt::QueuedConnection);
}

ClusterNode::~ClusterNode()
{
    if (m_status.state == ClusterStatus::State::Connected) {
        flushUsage(); // queued on the socket; best effort at exit
    }
    m_keys.setSharing(false);
    m_resources.setSharing(false);
}

void ClusterNode::setNodeId(const QString &id)
{
    if (!id.isEmpty()) {
        m_status.nodeId = id;
    }
}

void ClusterNode::configure(const std::optional<config::RedisAddress> &address, const QByteArray &password)
{
    const bool same = address.has_value() == m_address.has_value()
        && (!address || (address->display() == m_address->display() && password == m_password));
    if (same) {
        return;
    }
    m_reconnect.stop();
    disconnectBoth();
    m_address = address;
    m_password = password;
    m_usage.clear();
    m_clearedAt.clear();
    m_keys.setSharedUsage({});
    if (!address) {
        m_keys.setSharing(false);
        m_resources.setSharing(false);
        m_windows.reset();
        Q_EMIT windowsChanged();
        m_status.address.clear();
        setState(ClusterStatus::State::Off);
        qCInfo(lcCluster) << "cluster mode off: this node keeps its state alone";
        return;
    }
    if (!redisAvailable()) {
        m_status.address = address->display();
        setState(ClusterStatus::State::Down, QStringLiteral("this build has no Redis client (hiredis)"));
        qCWarning(lcCluster) << "cluster.redis is set, but this build has no Redis client (hiredis): running alone";
        return;
    }
    m_keys.setSharing(true);
    m_resources.setSharing(true);
    m_windows = std::make_shared<RedisWindows>(*address, password);
    m_windows->setReachable(false);
    Q_EMIT windowsChanged();
    m_status.address = address->display();
    m_backoffMs = kMinBackoffMs;
    qCInfo(lcCluster).noquote() << "cluster mode: joining" << m_status.address << "as node" << m_status.nodeId;
    connectBoth();
}

void ClusterNode::setKeys(const QList<config::KeyEntry> &keys)
{
    m_fpOfId.clear();
    m_idOfFp.clear();
    m_groupOfId.clear();
    m_keyOfGroup.clear();
    for (const config::KeyEntry &k : keys) {
        if (k.fingerprint.isEmpty()) {
            continue;
        }
        m_fpOfId.insert(k.id, k.fingerprint);
        m_idOfFp.insert(k.fingerprint, k.id);
        if (!k.group.isEmpty()) {
            m_groupOfId.insert(k.id, k.group);
            m_keyOfGroup.insert(k.group, k.id);
        }
    }
    m_unknownLogged.clear();
    m_status.unknownKeys = 0;
    pushUsageToPool();
}

void ClusterNode::setRelays(const QList<config::InstanceEntry> &relays)
{
    m_urlOfRelay.clear();
    m_relaysOfUrl.clear();
    for (const config::InstanceEntry &r : relays) {
        const QString url = r.url.toString(QUrl::StripTrailingSlash);
        m_urlOfRelay.insert(r.id, url);
        m_relaysOfUrl[url] << r.id;
    }
}

ClusterStatus ClusterNode::status() const
{
    return m_status;
}

void ClusterNode::setState(ClusterStatus::State state, const QString &error)
{
    if (!error.isEmpty()) {
        m_status.lastError = error;
    }
    if (m_status.state == state) {
        return;
    }
    m_status.state = state;
    m_status.sinceMs = nowMs();
    Q_EMIT statusChanged();
}

void ClusterNode::connectBoth()
{
    if (!m_address) {
        return;
    }
    if (m_status.state != ClusterStatus::State::Down) {
        setState(ClusterStatus::State::Connecting);
    }
    m_cmdOpen = m_subOpen = false;
    m_cmd.open(*m_address, m_password);
    m_sub.open(*m_address, m_password);
}

void ClusterNode::disconnectBoth()
{
    m_cmd.close();
    m_sub.close();
    m_cmdOpen = m_subOpen = false;
    m_pulling = false;
    m_pullQueued = false;
    m_usageTimer.stop();
    if (m_windows) {
        m_windows->setReachable(false);
    }
}

void ClusterNode::onOpened()
{
    if (!m_cmdOpen || !m_subOpen) {
        return;
    }
    const bool wasDown = m_status.state == ClusterStatus::State::Down;
    m_backoffMs = kMinBackoffMs;
    setState(ClusterStatus::State::Connected);
    if (wasDown) {
        ++m_status.reconnects;
        qCInfo(lcCluster).noquote() << "Redis at" << m_status.address << "is back: resyncing";
    } else {
        qCInfo(lcCluster).noquote() << "connected to Redis at" << m_status.address;
    }
    m_windows->setReachable(true);
    m_usageTimer.start();
    resync();
}

void ClusterNode::onClosed(const QString &reason)
{
    if (!m_address) {
        return;
    }
    disconnectBoth();
    const bool wasUp = m_status.state != ClusterStatus::State::Down;
    setState(ClusterStatus::State::Down, reason);
    if (wasUp) {
        qCWarning(lcCluster).noquote() << "Redis at" << m_status.address
                                       << "is unreachable (" + reason
                + "): this node goes on with its own state and reconnects";
    }
    if (!m_reconnect.isActive()) {
        // ±20 %: the nodes of a cluster that lost Redis together do not all knock in the same millisecond.
        const int jitter = int(QRandomGenerator::global()->bounded(m_backoffMs * 2 / 5 + 1)) - m_backoffMs / 5;
        m_reconnect.start(m_backoffMs + jitter);
        m_backoffMs = std::min(kMaxBackoffMs, m_backoffMs * 2);
    }
}

// After (re)connecting: what was learned meanwhile is written, this node's state pushed (a Redis that restarted
// empty gets it back), the others are told to pull, and this node pulls everything.
void ClusterNode::resync()
{
    const qint64 started = nowMs();
    std::vector<keys::SharedFact> backlog;
    backlog.swap(m_factBacklog);
    for (const keys::SharedFact &f : backlog) {
        writeFact(f, true);
    }
    std::vector<affinity::ResourceMap::SharedChange> resources;
    resources.swap(m_resourceBacklog);
    for (const auto &c : resources) {
        writeResource(c, true);
    }
    shareFacts();
    shareResources();
    for (const keys::SharedFact &f : m_keys.sharedSnapshot()) {
        writeFact(f, false);
    }
    for (const affinity::Resource &r : m_resources.list()) {
        writeResource({ r, false }, false, true);
    }
    m_keys.takeChangedUsage(); // the snapshot below has them
    writeUsage(m_keys.usageSnapshot()); // a Redis that restarted empty gets this node's totals back
    publish(QJsonObject { { QStringLiteral("t"), QStringLiteral("sync") } });
    m_pulling = true;
    pull("0", started);
}

void ClusterNode::pull(const QByteArray &cursor, qint64 startedMs)
{
    m_cmd.command({ "SCAN", cursor, "MATCH", "ga:*", "COUNT", "1000" }, [this, startedMs](const RedisValue &v) {
        if (v.type != RedisValue::Type::Array || v.elements.size() != 2) {
            m_pulling = false;
            return; // the connection went: the next resync pulls again
        }
        for (const RedisValue &k : v.elements[1].elements) {
            const QString key = QString::fromUtf8(k.str);
            if (key.startsWith(kCooldownPrefix)) {
                const QString fp = key.mid(kCooldownPrefix.size());
                m_cmd.command({ "HGETALL", k.str }, [this, fp](const RedisValue &h) {
                    for (size_t i = 0; i + 1 < h.elements.size(); i += 2) {
                        applyFact(QJsonDocument::fromJson(h.elements[i + 1].str).object());
                    }
                });
            } else if (key.startsWith(kInvalidPrefix) || key.startsWith(kBreakerPrefix)) {
                m_cmd.command({ "GET", k.str },
                    [this](const RedisValue &s) { applyFact(QJsonDocument::fromJson(s.str).object()); });
            } else if (key.startsWith(kResourcePrefix)) {
                m_cmd.command({ "GET", k.str },
                    [this](const RedisValue &s) { applyResource(QJsonDocument::fromJson(s.str).object()); });
            } else if (key.startsWith(kRelayPrefix)) {
                m_cmd.command({ "GET", k.str },
                    [this](const RedisValue &s) { applyRelay(QJsonDocument::fromJson(s.str).object()); });
            } else if (key.startsWith(kUsagePrefix)) {
                const QString rest = key.mid(kUsagePrefix.size()); // <day>:<node>
                const QString day = rest.section(u':', 0, 0);
                const QString node = rest.section(u':', 1);
                if (node != m_status.nodeId && !node.isEmpty()) {
                    m_cmd.command(
                        { "HGETALL", k.str }, [this, day, node](const RedisValue &h) { applyUsageHash(day, node, h); });
                }
            } else if (key.startsWith(kClearedPrefix)) {
                const QString fp = key.mid(kClearedPrefix.size());
                m_cmd.command({ "GET", k.str }, [this, fp](const RedisValue &s) {
                    if (s.type == RedisValue::Type::String) {
                        noteCleared(fp, s.str.toLongLong());
                    }
                });
            }
        }
        const QByteArray next = v.elements[0].str;
        if (next != "0") {
            pull(next, startedMs);
            return;
        }
        // Replies come in order: this PING's answer follows every read issued above.
        m_cmd.command({ "PING" }, [this, startedMs](const RedisValue &p) {
            if (!p.isError()) {
                pullDone(startedMs);
            }
        });
    });
}

void ClusterNode::pullAgain()
{
    if (m_status.state != ClusterStatus::State::Connected) {
        return; // the resync after the connection pulls
    }
    if (m_pulling) {
        m_pullQueued = true; // what this pull already applied may have missed the change: once more after it
        return;
    }
    m_pulling = true;
    pull("0", nowMs());
}

void ClusterNode::pullDone(qint64 startedMs)
{
    m_pulling = false;
    m_status.lastResyncMs = nowMs() - startedMs;
    pushUsageToPool();
    qCInfo(lcCluster).noquote() << "resynced with the cluster in" << m_status.lastResyncMs << "ms";
    Q_EMIT statusChanged();
    Q_EMIT resynced();
    if (std::exchange(m_pullQueued, false)) {
        pullAgain();
    }
}

void ClusterNode::publish(const QJsonObject &event)
{
    QJsonObject e = event;
    e.insert(QStringLiteral("n"), m_instance);
    m_cmd.command({ "PUBLISH", kChannel, compact(e) });
    ++m_status.published;
}

void ClusterNode::shareFacts()
{
    std::vector<keys::SharedFact> facts = m_keys.takeSharedFacts();
    if (m_status.state != ClusterStatus::State::Connected) {
        for (keys::SharedFact &f : facts) {
            if (m_factBacklog.size() < size_t(kMaxBacklog)) {
                m_factBacklog.push_back(std::move(f));
            }
        }
        return;
    }
    for (const keys::SharedFact &f : facts) {
        writeFact(f, true);
    }
}

void ClusterNode::writeFact(const keys::SharedFact &fact, bool announce)
{
    const QString fp = m_fpOfId.value(fact.keyId);
    if (fp.isEmpty()) {
        return;
    }
    const qint64 since = fact.sinceMs > 0 ? fact.sinceMs : nowMs();
    if (fact.kind != keys::SharedFact::Kind::Cleared && since <= m_clearedAt.value(fp, -1)) {
        return; // cleared since this node learned it
    }
    QJsonObject o { { QStringLiteral("t"), QStringLiteral("fact") }, { QStringLiteral("k"), factKindName(fact.kind) },
        { QStringLiteral("fp"), fp }, { QStringLiteral("s"), double(since) } };
    if (const QString group = m_groupOfId.value(fact.keyId); !group.isEmpty()) {
        o.insert(QStringLiteral("g"), group);
    }
    if (fact.kind == keys::SharedFact::Kind::Cooldown) {
        o.insert(QStringLiteral("m"), fact.model);
    }
    if (fact.untilMs > 0) {
        o.insert(QStringLiteral("u"), double(fact.untilMs));
    }
    if (!fact.reason.isEmpty()) {
        o.insert(QStringLiteral("r"), fact.reason.left(500));
    }
    const QByteArray json = compact(o);
    QJsonObject event = o;
    event.insert(QStringLiteral("n"), m_instance);
    const QByteArray announcement = announce ? compact(event) : QByteArray();
    const QByteArray tombstone = (kClearedPrefix + fp).toUtf8();
    auto write = [&](const QString &prefix, const QByteArray &mode, const QByteArray &field, qint64 until) {
        m_cmd.command({ "EVAL", kFactScript, "2", (prefix + fp).toUtf8(), tombstone, QByteArray::number(since), mode,
            field, json, QByteArray::number(until), kChannel, announcement });
    };
    switch (fact.kind) {
    case keys::SharedFact::Kind::Cooldown:
        if (fact.untilMs <= nowMs()) {
            return;
        }
        write(kCooldownPrefix, "hset", fact.model.toUtf8(), fact.untilMs);
        break;
    case keys::SharedFact::Kind::Invalid:
        write(kInvalidPrefix, "set", {}, 0);
        break;
    case keys::SharedFact::Kind::Breaker:
        if (fact.untilMs <= nowMs()) {
            return;
        }
        write(kBreakerPrefix, "set", {}, fact.untilMs);
        break;
    case keys::SharedFact::Kind::Cleared:
        m_clearedAt.insert(fp, std::max(m_clearedAt.value(fp, -1), since));
        m_cmd.command({ "EVAL", kClearScript, "4", tombstone, (kCooldownPrefix + fp).toUtf8(),
            (kInvalidPrefix + fp).toUtf8(), (kBreakerPrefix + fp).toUtf8(), QByteArray::number(since),
            QByteArray::number(kTombstoneSeconds), kChannel, compact(event) });
        ++m_status.published;
        return;
    }
    if (announce) {
        ++m_status.published;
    }
}

void ClusterNode::shareResources()
{
    std::vector<affinity::ResourceMap::SharedChange> changes = m_resources.takeShared();
    if (m_status.state != ClusterStatus::State::Connected) {
        for (auto &c : changes) {
            if (m_resourceBacklog.size() < size_t(kMaxBacklog)) {
                m_resourceBacklog.push_back(std::move(c));
            }
        }
        return;
    }
    for (const auto &c : changes) {
        writeResource(c, true);
    }
}

void ClusterNode::writeResource(const affinity::ResourceMap::SharedChange &change, bool announce, bool onlyIfAbsent)
{
    const affinity::Resource &r = change.resource;
    const QByteArray key = (kResourcePrefix + r.name).toUtf8();
    QJsonObject o;
    if (change.forgotten) {
        o = QJsonObject { { QStringLiteral("t"), QStringLiteral("resdel") }, { QStringLiteral("name"), r.name } };
        m_cmd.command({ "DEL", key });
    } else {
        const QString fp = m_fpOfId.value(r.keyId);
        const qint64 ttl = r.expiresMs - nowMs();
        if (fp.isEmpty() || ttl <= 0) {
            return;
        }
        o = affinity::toJson(r);
        o.remove(QStringLiteral("key")); // a local id: the fingerprint names the key on every node
        o.remove(QStringLiteral("lastUsed"));
        o.insert(QStringLiteral("t"), QStringLiteral("res"));
        o.insert(QStringLiteral("fp"), fp);
        o.insert(QStringLiteral("expiresMs"), double(r.expiresMs));
        o.insert(QStringLiteral("createdMs"), double(r.createdMs));
        QByteArrayList set { "SET", key, compact(o), "PX", QByteArray::number(ttl) };
        if (onlyIfAbsent) {
            set << "NX";
        }
        m_cmd.command(set);
    }
    if (announce) {
        publish(o);
    }
}

void ClusterNode::shareRelay(const QString &id, bool healthy, qint64 untilMs, const QString &reason)
{
    const QString url = m_urlOfRelay.value(id);
    if (url.isEmpty() || m_status.state != ClusterStatus::State::Connected) {
        return; // relay health is learned again from traffic soon enough: no backlog
    }
    const QByteArray key = (kRelayPrefix + url).toUtf8();
    QJsonObject o { { QStringLiteral("t"), QStringLiteral("relay") }, { QStringLiteral("url"), url },
        { QStringLiteral("h"), healthy } };
    if (healthy) {
        m_cmd.command({ "DEL", key });
    } else {
        const qint64 ttl = untilMs - nowMs();
        if (ttl <= 0) {
            return;
        }
        o.insert(QStringLiteral("u"), double(untilMs));
        o.insert(QStringLiteral("r"), reason.left(500));
        m_cmd.command({ "SET", key, compact(o), "PX", QByteArray::number(ttl) });
    }
    publish(o);
}

void ClusterNode::onMessage(const QByteArray &payload)
{
    const QJsonObject o = QJsonDocument::fromJson(payload).object();
    if (o.value(u"n").toString() == m_instance) {
        return; // our own
    }
    ++m_status.received;
    const QString type = o.value(u"t").toString();
    if (type == u"fact") {
        applyFact(o);
    } else if (type == u"res") {
        applyResource(o);
    } else if (type == u"resdel") {
        m_resources.forgetShared(o.value(u"name").toString());
    } else if (type == u"relay") {
        applyRelay(o);
    } else if (type == u"usage") {
        const QString node = o.value(u"node").toString();
        if (node.isEmpty() || node == m_status.nodeId) {
            return;
        }
        for (const QJsonValue &d : o.value(u"days").toArray()) {
            m_usageDue.insert({ node, d.toString() });
        }
        if (!m_usageRefresh.isActive()) {
            m_usageRefresh.start();
        }
    } else if (type == u"sync") {
        pullAgain(); // a node came back: whatever it pushed is pulled here too
    }
}

QString ClusterNode::localKey(const QString &fingerprint, const QString &group)
{
    if (const QString id = m_idOfFp.value(fingerprint); !id.isEmpty()) {
        return id;
    }
    if (const QString id = m_keyOfGroup.value(group); !group.isEmpty() && !id.isEmpty()) {
        return id;
    }
    if (!fingerprint.isEmpty() && !m_unknownLogged.contains(fingerprint)) {
        m_unknownLogged.insert(fingerprint);
        m_status.unknownKeys = int(m_unknownLogged.size());
        qCInfo(lcCluster).noquote() << "the cluster refers to a key this node does not have (fingerprint"
                                    << fingerprint.left(12) + "…): import it here (keys import) to share its state";
    }
    return {};
}

void ClusterNode::applyFact(const QJsonObject &o)
{
    const auto kind = factKindFrom(o.value(u"k").toString());
    if (!kind) {
        return;
    }
    const QString fp = o.value(u"fp").toString();
    const qint64 since = qint64(o.value(u"s").toDouble());
    if (*kind == keys::SharedFact::Kind::Cleared) {
        noteCleared(fp, since);
        return;
    }
    if (since <= m_clearedAt.value(fp, -1)) {
        return; // learned before the key was cleared (a node that missed the clear pushed it again)
    }
    const QString id = localKey(fp, o.value(u"g").toString());
    if (id.isEmpty()) {
        return;
    }
    keys::SharedFact f;
    f.kind = *kind;
    f.keyId = id;
    f.model = o.value(u"m").toString();
    f.untilMs = qint64(o.value(u"u").toDouble());
    f.reason = o.value(u"r").toString();
    f.sinceMs = since;
    m_keys.applySharedFact(f);
}

void ClusterNode::noteCleared(const QString &fingerprint, qint64 sinceMs)
{
    if (fingerprint.isEmpty() || sinceMs <= 0) {
        return;
    }
    qint64 &known = m_clearedAt[fingerprint];
    const bool newer = sinceMs > known;
    known = std::max(known, sinceMs);
    const QString id = m_idOfFp.value(fingerprint);
    if (!id.isEmpty() && newer) {
        keys::SharedFact f;
        f.kind = keys::SharedFact::Kind::Cleared;
        f.keyId = id;
        f.sinceMs = sinceMs;
        m_keys.applySharedFact(f); // undoes only what this node learned before the clear
    }
}

void ClusterNode::applyResource(const QJsonObject &o)
{
    const QString fp = o.value(u"fp").toString();
    const QString id = m_idOfFp.value(fp);
    if (id.isEmpty()) {
        localKey(fp, {}); // logged once; a resource is owned by one project: no stand-in key
        return;
    }
    const auto kind = affinity::kindFromName(o.value(u"kind").toString());
    if (!kind) {
        return;
    }
    affinity::Resource r;
    r.name = o.value(u"name").toString();
    r.kind = *kind;
    r.keyId = id;
    r.group = m_groupOfId.value(id);
    r.createdMs = qint64(o.value(u"createdMs").toDouble());
    r.expiresMs = qint64(o.value(u"expiresMs").toDouble());
    r.sizeBytes = qint64(o.value(u"sizeBytes").toDouble(-1));
    r.displayName = o.value(u"displayName").toString();
    r.mimeType = o.value(u"mimeType").toString();
    r.model = o.value(u"model").toString();
    if (r.expiresMs > nowMs()) {
        m_resources.rememberShared(std::move(r));
    }
}

void ClusterNode::applyRelay(const QJsonObject &o)
{
    const QString url = o.value(u"url").toString();
    for (const QString &id : m_relaysOfUrl.value(url)) {
        m_router.applySharedHealth(
            id, o.value(u"h").toBool(), qint64(o.value(u"u").toDouble()), o.value(u"r").toString());
    }
}

void ClusterNode::flushUsage()
{
    if (m_status.state != ClusterStatus::State::Connected) {
        return; // the changes stay noted in the pool; the resync writes everything anyway
    }
    writeUsage(m_keys.takeChangedUsage());
}

// This node's own totals go to its own hash per day (ga:usage:<day>:<node>), as absolute values: written again
// they change nothing, so a lost reply, a resync or a restart of the daemon never counts twice, and a Redis that
// lost everything gets every node's totals back at the next resync.
void ClusterNode::writeUsage(const std::vector<keys::UsageEntry> &entries)
{
    std::map<QString, QByteArrayList> byDay;
    for (const keys::UsageEntry &e : entries) {
        const QString fp = m_fpOfId.value(e.keyId);
        if (fp.isEmpty()) {
            continue;
        }
        QByteArrayList &args = byDay[e.day];
        auto add = [&args, &fp, &e](const QString &counter, qint64 n) {
            args << usageField(fp, e.model, counter) << QByteArray::number(n);
        };
        add(QStringLiteral("req"), e.usage.requests);
        add(QStringLiteral("pt"), e.usage.promptTokens);
        add(QStringLiteral("ot"), e.usage.outputTokens);
        add(QStringLiteral("tt"), e.usage.totalTokens);
        for (auto err = e.usage.errors.constBegin(); err != e.usage.errors.constEnd(); ++err) {
            add(QStringLiteral("e:") + err.key(), err.value());
        }
    }
    if (byDay.empty()) {
        return;
    }
    QStringList days;
    for (auto &[day, fields] : byDay) {
        const QByteArray key = (kUsagePrefix + day + u':' + m_status.nodeId).toUtf8();
        m_cmd.command(QByteArrayList { "HSET", key } + fields);
        m_cmd.command({ "EXPIRE", key, QByteArray::number(qint64(kUsageDays) * 86400) });
        days << day;
    }
    publish(QJsonObject { { QStringLiteral("t"), QStringLiteral("usage") }, { QStringLiteral("node"), m_status.nodeId },
        { QStringLiteral("days"), QJsonArray::fromStringList(days) } });
}

void ClusterNode::refreshUsage(const QString &node, const QStringList &days)
{
    for (const QString &day : days) {
        m_cmd.command(
            { "HGETALL", (kUsagePrefix + day + u':' + node).toUtf8() }, [this, day, node](const RedisValue &h) {
                if (h.type == RedisValue::Type::Array) {
                    applyUsageHash(day, node, h);
                    pushUsageToPool();
                }
            });
    }
}

void ClusterNode::applyUsageHash(const QString &day, const QString &node, const RedisValue &hash)
{
    if (hash.type != RedisValue::Type::Array) {
        return;
    }
    auto &byFp = m_usage[day][node];
    byFp.clear();
    for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
        const QList<QByteArray> parts = hash.elements[i].str.split('|');
        if (parts.size() != 3) {
            continue;
        }
        const qint64 n = hash.elements[i + 1].str.toLongLong();
        keys::DayUsage &u = byFp[QString::fromUtf8(parts[0])][QString::fromUtf8(parts[1])];
        const QByteArray &counter = parts[2];
        if (counter == "req") {
            u.requests = n;
        } else if (counter == "pt") {
            u.promptTokens = n;
        } else if (counter == "ot") {
            u.outputTokens = n;
        } else if (counter == "tt") {
            u.totalTokens = n;
        } else if (counter.startsWith("e:")) {
            u.errors.insert(QString::fromUtf8(counter.mid(2)), n);
        }
    }
    // Days beyond what keystate.json keeps are dropped.
    while (m_usage.size() > size_t(kUsageDays)) {
        m_usage.erase(m_usage.begin());
    }
}

void ClusterNode::pushUsageToPool()
{
    if (m_status.state == ClusterStatus::State::Off) {
        return;
    }
    keys::UsageByKey byKey; // the other nodes' totals, per local key id
    for (const auto &[day, byNode] : m_usage) {
        for (const auto &[node, byFp] : byNode) {
            for (const auto &[fp, models] : byFp) {
                const QString id = m_idOfFp.value(fp);
                if (id.isEmpty()) {
                    continue;
                }
                for (const auto &[model, u] : models) {
                    keys::addUsage(byKey[id][day][model], u);
                }
            }
        }
    }
    m_keys.setSharedUsage(std::move(byKey));
}

} // namespace ga::cluster
