// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourceref.h"
#include "time/clock.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QObject>

#include <list>
#include <optional>
#include <vector>

namespace ga::affinity {

// Who owns a resource: the key that created (or first listed) it, and that key's group (Google project). Any
// key of the group may use it; a key without a group is its own project.
struct Resource
{
    QString name;
    Kind kind = Kind::File;
    QString keyId;
    QString group;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
    qint64 lastUsedMs = 0;
    qint64 sizeBytes = -1;
    QString displayName;
    QString mimeType;
    QString model;
};

// One resource as JSON (resources.json, the admin API, `files list --json`): name, kind, key, group, created,
// expires, lastUsed, sizeBytes, displayName, mimeType, model (the optional ones only when known).
QJsonObject toJson(const Resource &r);

// Resource → owner, for every worker thread (thread-safe). Entries expire with the resource (files 48 h, cached
// contents at their expireTime, upload sessions after 24 h) and the map is bounded: beyond maxEntries() the least
// recently used entry goes (logged). Saved by the daemon beside keystate.json (see README).
class ResourceMap final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResourceMap)

public:
    explicit ResourceMap(const time::Clock &clock = time::Clock::system(), QObject *parent = nullptr);
    ~ResourceMap() override;

    static constexpr int kDefaultMaxEntries = 100'000;
    static constexpr qint64 kUploadLifetimeMs = 24LL * 3600 * 1000;
    static constexpr qint64 kFileLifetimeMs = 48LL * 3600 * 1000;
    static constexpr qint64 kCacheLifetimeMs = 3600LL * 1000; // Google's default TTL when an answer has none
    static constexpr qint64 kOtherLifetimeMs = 7LL * 24 * 3600 * 1000; // batches, stores, operations
    static qint64 defaultLifetimeMs(Kind kind);

    void setMaxEntries(int max);
    int maxEntries() const;

    // Records (or refreshes) an owner. An entry that exists keeps its creation time; a learned expiry replaces the
    // old one. expiresMs <= 0: now + the kind's default lifetime.
    void remember(Resource r);
    // The owner, if known and not expired; counts as a use (LRU).
    std::optional<Resource> find(const QString &name);
    void forget(const QString &name);
    // An upload session an authenticated client started through this proxy, not finished, not expired.
    bool isOpenUpload(QByteArrayView uploadId);

    // Live entries, newest first; `kind` filters.
    std::vector<Resource> list(std::optional<Kind> kind = std::nullopt) const;
    int size() const;

    // Cluster mode (core/cluster): while sharing is on, every owner remembered or forgotten here is queued for
    // takeShared() (sharedPending() says when the queue stops being empty). rememberShared()/forgetShared() apply
    // what another node learned without queueing it back.
    struct SharedChange
    {
        Resource resource; // the entry as kept (for a forget: only the name)
        bool forgotten = false;
    };
    void setSharing(bool on);
    std::vector<SharedChange> takeShared();
    void rememberShared(Resource r);
    void forgetShared(const QString &name);

    QJsonObject save() const;
    // Replaces the contents; expired entries are dropped. False (nothing changed) when the object is not ours.
    bool load(const QJsonObject &state, QString *error = nullptr);

Q_SIGNALS:
    void changed(); // something worth saving changed (emitted outside the lock)
    void sharedPending(); // cluster mode: the first change queued since the last takeShared()

private:
    struct Entry
    {
        Resource r;
        std::list<QString>::iterator lru;
    };
    void insertLocked(Resource r, qint64 now, int *evicted);
    void dropExpiredLocked(qint64 now);
    void rememberImpl(Resource r, bool share);
    void forgetImpl(const QString &name, bool share);
    // Under the lock: queues a change when sharing; true when it is the first since the last take.
    bool shareLocked(SharedChange change);

    const time::Clock &m_clock;
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries;
    std::list<QString> m_lru; // front: most recently used
    int m_max = kDefaultMaxEntries;
    qint64 m_nextSweepMs = 0;
    bool m_sharing = false;
    std::vector<SharedChange> m_shared;
};

} // namespace ga::affinity
