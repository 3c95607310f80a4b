// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace ga::keys {

struct PoolKey
{
    QString id;
    QByteArray secret;
};

// The keys the proxy may use right now, shared by all worker threads. Round-robin until the key-pool
// issue brings health and weights. Readers take a snapshot; setKeys swaps it atomically.
class KeyRing
{
public:
    using Snapshot = std::shared_ptr<const std::vector<PoolKey>>;

    void setKeys(std::vector<PoolKey> keys);
    Snapshot snapshot() const;
    qsizetype size() const;

    // The next key in round-robin order whose id is not in `tried`. False when every key was tried.
    bool next(const std::vector<QString> &tried, PoolKey *out);

private:
    mutable QMutex m_mutex;
    Snapshot m_keys = std::make_shared<const std::vector<PoolKey>>();
    std::atomic<quint64> m_cursor { 0 };
};

} // namespace ga::keys
