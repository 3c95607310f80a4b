// SPDX-License-Identifier: GPL-3.0-or-later
#include "affinity/resourcemap.h"

#include "logging/logging.h"

#include <QJsonArray>

namespace ga::affinity {
namespace {

constexpr qint64 kSweepEveryMs = 60'000; // expired entries are dropped at most this often (and on lookup)
constexpr int kStateVersion = 1;

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

qint64 fromIso(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

} // namespace

ResourceMap::ResourceMap(const time::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{ }

ResourceMap::~ResourceMap() = default;

qint64 ResourceMap::defaultLifetimeMs(Kind kind)
{
    switch (kind) {
    case Kind::Upload:
        return kUploadLifetimeMs;
    case Kind::File:
        return kFileLifetimeMs;
    case Kind::CachedContent:
        return kCacheLifetimeMs;
    case Kind::Batch:
    case Kind::FileSearchStore:
    case Kind::Operation:
        return kOtherLifetimeMs;
    case Kind::AuthToken:
        return kCacheLifetimeMs; // Google's default: new sessions within 1 min, a token lives 30 min
    case Kind::LiveHandle:
        return 2LL * 3600 * 1000;
    }
    return kOtherLifetimeMs;
}

void ResourceMap::setMaxEntries(int max)
{
    QMutexLocker lock(&m_mutex);
    m_max = std::max(1, max);
}

int ResourceMap::maxEntries() const
{
    QMutexLocker lock(&m_mutex);
    return m_max;
}

void ResourceMap::insertLocked(Resource r, qint64 now, int *evicted)
{
    if (r.expiresMs <= 0) {
        r.expiresMs = now + defaultLifetimeMs(r.kind);
    }
    r.lastUsedMs = now;
    const auto it = m_entries.find(r.name);
    if (it != m_entries.end()) {
        r.createdMs = it->r.createdMs;
        // What an answer did not say (a list item without a size) keeps what was known.
        if (r.sizeBytes < 0) {
            r.sizeBytes = it->r.sizeBytes;
        }
        if (r.displayName.isEmpty()) {
            r.displayName = it->r.displayName;
        }
        if (r.mimeType.isEmpty()) {
            r.mimeType = it->r.mimeType;
        }
        if (r.model.isEmpty()) {
            r.model = it->r.model;
        }
        m_lru.splice(m_lru.begin(), m_lru, it->lru);
        it->r = std::move(r);
        return;
    }
    if (r.createdMs <= 0) {
        r.createdMs = now;
    }
    m_lru.push_front(r.name);
    const QString name = r.name;
    m_entries.insert(name, Entry { std::move(r), m_lru.begin() });
    while (m_entries.size() > m_max) {
        m_entries.remove(m_lru.back());
        m_lru.pop_back();
        ++*evicted;
    }
}

void ResourceMap::dropExpiredLocked(qint64 now)
{
    if (now < m_nextSweepMs) {
        return;
    }
    m_nextSweepMs = now + kSweepEveryMs;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->r.expiresMs <= now) {
            m_lru.erase(it->lru);
            it = m_entries.erase(it);
        } else {
            ++it;
        }
    }
}

void ResourceMap::remember(Resource r)
{
    rememberImpl(std::move(r), true);
}

void ResourceMap::rememberShared(Resource r)
{
    rememberImpl(std::move(r), false);
}

void ResourceMap::rememberImpl(Resource r, bool share)
{
    if (r.name.isEmpty() || r.keyId.isEmpty()) {
        return;
    }
    int evicted = 0;
    bool firstShared = false;
    {
        QMutexLocker lock(&m_mutex);
        const qint64 now = m_clock.nowMs();
        dropExpiredLocked(now);
        const QString name = r.name;
        insertLocked(std::move(r), now, &evicted);
        if (share) {
            if (const auto it = m_entries.constFind(name); it != m_entries.constEnd()) {
                firstShared = shareLocked({ it->r, false });
            }
        }
    }
    if (evicted > 0) {
        qCWarning(lcProxy).noquote() << "resource map full (" << maxEntries() << "entries): forgot the owner of"
                                     << evicted << "least recently used resource(s)";
    }
    Q_EMIT changed();
    if (firstShared) {
        Q_EMIT sharedPending();
    }
}

bool ResourceMap::shareLocked(SharedChange change)
{
    if (!m_sharing) {
        return false;
    }
    m_shared.push_back(std::move(change));
    return m_shared.size() == 1;
}

void ResourceMap::setSharing(bool on)
{
    QMutexLocker lock(&m_mutex);
    m_sharing = on;
    m_shared.clear();
}

std::vector<ResourceMap::SharedChange> ResourceMap::takeShared()
{
    QMutexLocker lock(&m_mutex);
    std::vector<SharedChange> out;
    out.swap(m_shared);
    return out;
}

std::optional<Resource> ResourceMap::find(const QString &name)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_entries.find(name);
    if (it == m_entries.end()) {
        return std::nullopt;
    }
    const qint64 now = m_clock.nowMs();
    if (it->r.expiresMs <= now) {
        m_lru.erase(it->lru);
        m_entries.erase(it);
        return std::nullopt;
    }
    it->r.lastUsedMs = now;
    m_lru.splice(m_lru.begin(), m_lru, it->lru);
    return it->r;
}

void ResourceMap::forget(const QString &name)
{
    forgetImpl(name, true);
}

void ResourceMap::forgetShared(const QString &name)
{
    forgetImpl(name, false);
}

void ResourceMap::forgetImpl(const QString &name, bool share)
{
    bool firstShared = false;
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_entries.find(name);
        if (it == m_entries.end()) {
            return;
        }
        m_lru.erase(it->lru);
        m_entries.erase(it);
        if (share) {
            Resource gone;
            gone.name = name;
            firstShared = shareLocked({ std::move(gone), true });
        }
    }
    Q_EMIT changed();
    if (firstShared) {
        Q_EMIT sharedPending();
    }
}

bool ResourceMap::isOpenUpload(QByteArrayView uploadId)
{
    if (uploadId.isEmpty()) {
        return false;
    }
    const std::optional<Resource> r = find(QStringLiteral("uploads/") + QString::fromLatin1(uploadId));
    return r && r->kind == Kind::Upload;
}

std::vector<Resource> ResourceMap::list(std::optional<Kind> kind) const
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock.nowMs();
    std::vector<Resource> out;
    for (const Entry &e : m_entries) {
        if (e.r.expiresMs > now && (!kind || e.r.kind == *kind)) {
            out.push_back(e.r);
        }
    }
    std::sort(out.begin(), out.end(), [](const Resource &a, const Resource &b) {
        return a.createdMs != b.createdMs ? a.createdMs > b.createdMs : a.name < b.name;
    });
    return out;
}

int ResourceMap::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_entries.size());
}

QJsonObject toJson(const Resource &r)
{
    QJsonObject o { { QStringLiteral("name"), r.name }, { QStringLiteral("kind"), kindName(r.kind) },
        { QStringLiteral("key"), r.keyId }, { QStringLiteral("created"), iso(r.createdMs) },
        { QStringLiteral("expires"), iso(r.expiresMs) }, { QStringLiteral("lastUsed"), iso(r.lastUsedMs) } };
    if (!r.group.isEmpty()) {
        o.insert(QStringLiteral("group"), r.group);
    }
    if (r.sizeBytes >= 0) {
        o.insert(QStringLiteral("sizeBytes"), double(r.sizeBytes));
    }
    if (!r.displayName.isEmpty()) {
        o.insert(QStringLiteral("displayName"), r.displayName);
    }
    if (!r.mimeType.isEmpty()) {
        o.insert(QStringLiteral("mimeType"), r.mimeType);
    }
    if (!r.model.isEmpty()) {
        o.insert(QStringLiteral("model"), r.model);
    }
    return o;
}

QJsonObject ResourceMap::save() const
{
    QJsonArray items;
    for (const Resource &r : list()) {
        items.append(toJson(r));
    }
    return { { QStringLiteral("version"), kStateVersion }, { QStringLiteral("resources"), items } };
}

bool ResourceMap::load(const QJsonObject &state, QString *error)
{
    if (state.value(u"version").toInt() != kStateVersion || !state.value(u"resources").isArray()) {
        if (error) {
            *error = QStringLiteral("not a resource map (version %1 expected)").arg(kStateVersion);
        }
        return false;
    }
    int evicted = 0;
    {
        QMutexLocker lock(&m_mutex);
        m_entries.clear();
        m_lru.clear();
        const qint64 now = m_clock.nowMs();
        const QJsonArray items = state.value(u"resources").toArray();
        // Oldest use first, so the LRU order comes back as it was.
        std::vector<Resource> loaded;
        for (const QJsonValue &v : items) {
            const QJsonObject o = v.toObject();
            Resource r;
            r.name = o.value(u"name").toString();
            const std::optional<Kind> kind = kindFromName(o.value(u"kind").toString());
            if (!kind || kindOfResource(r.name) != kind) {
                continue;
            }
            r.kind = *kind;
            r.keyId = o.value(u"key").toString();
            r.group = o.value(u"group").toString();
            r.createdMs = fromIso(o.value(u"created"));
            r.expiresMs = fromIso(o.value(u"expires"));
            r.lastUsedMs = fromIso(o.value(u"lastUsed"));
            r.sizeBytes = o.contains(u"sizeBytes") ? qint64(o.value(u"sizeBytes").toDouble()) : -1;
            r.displayName = o.value(u"displayName").toString();
            r.mimeType = o.value(u"mimeType").toString();
            r.model = o.value(u"model").toString();
            if (r.keyId.isEmpty() || r.expiresMs <= now) {
                continue;
            }
            loaded.push_back(std::move(r));
        }
        std::sort(loaded.begin(), loaded.end(),
            [](const Resource &a, const Resource &b) { return a.lastUsedMs < b.lastUsedMs; });
        for (Resource &r : loaded) {
            const qint64 used = r.lastUsedMs;
            insertLocked(std::move(r), now, &evicted);
            m_entries.find(m_lru.front())->r.lastUsedMs = used;
        }
    }
    return true;
}

} // namespace ga::affinity
