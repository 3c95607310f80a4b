// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/redisurl.h"
#include "security/ratelimiter.h"

#include <QByteArray>

#include <atomic>

namespace ga::cluster {

// Request windows (requests per minute and per day of a token or an address) counted in Redis, for every node
// together: one script run per admitted request (an exact sliding minute, a day of 15-minute slots that never lets
// more through than the limit, Redis's own clock, all of a request's windows or none). Each proxy worker thread keeps its own blocking
// connection with short timeouts; when Redis does not answer within kTimeoutMs, or is known to be down, admit()
// says nullopt at once and the limiter counts on this node alone. Only requests of limited tokens and addresses
// come here: everything else never waits on Redis.
class RedisWindows final : public security::SharedWindows
{
public:
    RedisWindows(config::RedisAddress address, QByteArray password);
    ~RedisWindows() override;

    static constexpr int kTimeoutMs = 50;
    static constexpr int kRetryAfterFailureMs = 1000; // a worker whose call failed leaves Redis alone this long

    std::optional<Verdict> admit(const std::vector<Window> &windows) override;
    // The node's own connection went down or came back: while down, no worker tries.
    void setReachable(bool up) { m_reachable.store(up, std::memory_order_relaxed); }

    static QByteArray script(); // the Lua script (tests read it)

private:
    config::RedisAddress m_address;
    QByteArray m_password;
    QByteArray m_sha;
    std::atomic<bool> m_reachable { true };
    const quint64 m_generation; // thread-local connections belong to one instance
};

} // namespace ga::cluster
