// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/clusternode.h"

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

// HSET a cooldown, and keep the hash until its longest cooldown ends.
const QByteArray kCooldownScript = QByteArrayLiteral(R"lua(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local cur = redis.call('PEXPIRETIME', KEYS[1])
if cur < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return 1
)lua");

// One usage batch of a node, applied once however often it is sent (a reply lost with the connection is resent).
// ARGV: batch id, ttl seconds, then (hash, field, increment) triples.
const QByteArray kUsageScript = QByteArrayLiteral(R"lua(
if not redis.call('SET', 'ga:flush:' .. ARGV[1], '1', 'NX', 'EX', 86400) then return 0 end
for i = 3, #ARGV, 3 do
  redis.call('HINCRBY', ARGV[i], ARGV[i + 1], ARGV[i + 2])
  redis.call('EXPIRE', ARGV[i], ARGV[2])
end
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
    m_status.nodeId = QString::number(QRandomGenerator::system()->generate64(), 16);
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
        const QStringList days(m_usageDaysDue.cbegin(), m_usageDaysDue.cend());
        m_usageDaysDue.clear();
        refreshUsage(days);
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
    m_flushInFlight.clear();
    m_usage.clear();
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
        m_reconnect.start(m_backoffMs);
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
    if (!m_flushInFlight.isEmpty()) {
        m_cmd.command(m_flushInFlight, [this](const RedisValue &v) {
            if (!v.isError()) {
                m_flushInFlight.clear();
            }
        });
    }
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
                const QString day = key.mid(kUsagePrefix.size());
                m_cmd.command({ "HGETALL", k.str }, [this, day](const RedisValue &h) { applyUsageHash(day, h); });
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
    e.insert(QStringLiteral("n"), m_status.nodeId);
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
    QJsonObject o { { QStringLiteral("t"), QStringLiteral("fact") }, { QStringLiteral("k"), factKindName(fact.kind) },
        { QStringLiteral("fp"), fp } };
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
    const qint64 ttl = fact.untilMs - nowMs();
    switch (fact.kind) {
    case keys::SharedFact::Kind::Cooldown:
        if (ttl <= 0) {
            return;
        }
        m_cmd.command({ "EVAL", kCooldownScript, "1", (kCooldownPrefix + fp).toUtf8(), fact.model.toUtf8(), json,
            QByteArray::number(fact.untilMs) });
        break;
    case keys::SharedFact::Kind::Invalid:
        m_cmd.command({ "SET", (kInvalidPrefix + fp).toUtf8(), json });
        break;
    case keys::SharedFact::Kind::Breaker:
        if (ttl <= 0) {
            return;
        }
        m_cmd.command({ "SET", (kBreakerPrefix + fp).toUtf8(), json, "PX", QByteArray::number(ttl) });
        break;
    case keys::SharedFact::Kind::Cleared:
        m_cmd.command(
            { "DEL", (kCooldownPrefix + fp).toUtf8(), (kInvalidPrefix + fp).toUtf8(), (kBreakerPrefix + fp).toUtf8() });
        break;
    }
    if (announce) {
        publish(o);
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
    if (o.value(u"n").toString() == m_status.nodeId) {
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
        for (const QJsonValue &d : o.value(u"days").toArray()) {
            m_usageDaysDue.insert(d.toString());
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
    const QString id = localKey(o.value(u"fp").toString(), o.value(u"g").toString());
    if (id.isEmpty()) {
        return;
    }
    keys::SharedFact f;
    f.kind = *kind;
    f.keyId = id;
    f.model = o.value(u"m").toString();
    f.untilMs = qint64(o.value(u"u").toDouble());
    f.reason = o.value(u"r").toString();
    m_keys.applySharedFact(f);
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
    if (m_status.state != ClusterStatus::State::Connected || !m_flushInFlight.isEmpty()) {
        return; // the deltas wait in the pool (or behind the batch not yet acknowledged)
    }
    const std::vector<keys::UsageDelta> deltas = m_keys.takeUsageDeltas();
    if (deltas.empty()) {
        return;
    }
    QByteArrayList args { "EVAL", kUsageScript, "0", (m_status.nodeId + u':' + QString::number(++m_flushSeq)).toUtf8(),
        QByteArray::number(qint64(kUsageDays) * 86400) };
    QSet<QString> days;
    auto add = [&args](const QByteArray &hash, const QByteArray &field, qint64 n) {
        if (n != 0) {
            args << hash << field << QByteArray::number(n);
        }
    };
    for (const keys::UsageDelta &d : deltas) {
        const QString fp = m_fpOfId.value(d.keyId);
        if (fp.isEmpty()) {
            continue;
        }
        days.insert(d.day);
        const QByteArray hash = (kUsagePrefix + d.day).toUtf8();
        add(hash, usageField(fp, d.model, QStringLiteral("req")), d.usage.requests);
        add(hash, usageField(fp, d.model, QStringLiteral("pt")), d.usage.promptTokens);
        add(hash, usageField(fp, d.model, QStringLiteral("ot")), d.usage.outputTokens);
        add(hash, usageField(fp, d.model, QStringLiteral("tt")), d.usage.totalTokens);
        for (auto e = d.usage.errors.constBegin(); e != d.usage.errors.constEnd(); ++e) {
            add(hash, usageField(fp, d.model, QStringLiteral("e:") + e.key()), e.value());
        }
    }
    if (args.size() <= 5) {
        return;
    }
    m_flushInFlight = args;
    const QStringList dayList(days.cbegin(), days.cend());
    m_cmd.command(args, [this, dayList](const RedisValue &v) {
        if (v.isError()) {
            return; // kept in m_flushInFlight: resent (idempotently) after the reconnect
        }
        m_flushInFlight.clear();
        publish(QJsonObject { { QStringLiteral("t"), QStringLiteral("usage") },
            { QStringLiteral("days"), QJsonArray::fromStringList(dayList) } });
        refreshUsage(dayList);
    });
}

void ClusterNode::refreshUsage(const QStringList &days)
{
    for (const QString &day : days) {
        m_cmd.command({ "HGETALL", (kUsagePrefix + day).toUtf8() }, [this, day](const RedisValue &h) {
            if (h.type == RedisValue::Type::Array) {
                applyUsageHash(day, h);
                pushUsageToPool();
            }
        });
    }
}

void ClusterNode::applyUsageHash(const QString &day, const RedisValue &hash)
{
    if (hash.type != RedisValue::Type::Array) {
        return;
    }
    auto &byFp = m_usage[day];
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
    keys::UsageByKey byKey;
    for (const auto &[day, byFp] : m_usage) {
        for (const auto &[fp, models] : byFp) {
            const QString id = m_idOfFp.value(fp);
            if (!id.isEmpty()) {
                byKey[id][day] = models;
            }
        }
    }
    m_keys.setSharedUsage(std::move(byKey));
}

} // namespace ga::cluster
