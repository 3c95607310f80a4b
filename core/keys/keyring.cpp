// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keyring.h"

#include <algorithm>

namespace ga::keys {

void KeyRing::setKeys(std::vector<PoolKey> keys)
{
    auto fresh = std::make_shared<const std::vector<PoolKey>>(std::move(keys));
    QMutexLocker lock(&m_mutex);
    m_keys = std::move(fresh);
}

KeyRing::Snapshot KeyRing::snapshot() const
{
    QMutexLocker lock(&m_mutex);
    return m_keys;
}

qsizetype KeyRing::size() const
{
    return qsizetype(snapshot()->size());
}

bool KeyRing::next(const std::vector<QString> &tried, PoolKey *out)
{
    const Snapshot keys = snapshot();
    const size_t n = keys->size();
    if (n == 0) {
        return false;
    }
    const quint64 start = m_cursor.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < n; ++i) {
        const PoolKey &k = (*keys)[(start + i) % n];
        if (std::find(tried.begin(), tried.end(), k.id) == tried.end()) {
            *out = k;
            return true;
        }
    }
    return false;
}

} // namespace ga::keys
