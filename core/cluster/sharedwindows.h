// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/redisurl.h"
#include "security/ratelimiter.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>

#include <atomic>

namespace ga::cluster {

// Request windows (requests per minute and per day of a token or an address) counted in Redis, for every node
// together: a script run admits a request — or a lease of several, at this node's pace (sharedwindows.cpp says why a
// lease never lets more than the limit through) — on Redis's clock, all of a request's windows or none. While a
// lease lasts (a second) the node admits from it without asking. Each proxy worker thread keeps its own blocking
// connection with short timeouts; when Redis does not answer within kTimeoutMs, or is known to be down, admit()
// says nullopt at once and the limiter counts on this node alone. Only requests of limited tokens and addresses
// come here: everything else never waits on Redis.
class RedisWindows final : public security::SharedWindows
{
public:
    RedisWindows(config::RedisAddress address, QByteArray password);
    ~RedisWindows() override;

    static constexpr int kTimeoutMs = 50;
    static constexpr qint64 kLeaseMs = 1000; // a lease's life: admissions granted and not used by then are dropped
    static constexpr int kMaxLease = 256;
    static constexpr qsizetype kMaxLeases = 10'000;
    static constexpr int kRetryAfterFailureMs = 1000; // a worker whose call failed leaves Redis alone this long

    std::optional<Verdict> admit(const std::vector<Window> &windows) override;
    // The node's own connection went down or came back: while down, no worker tries.
    void setReachable(bool up) { m_reachable.store(up, std::memory_order_relaxed); }

    static QByteArray script(); // the Lua script (tests read it)

private:
    // Admissions granted to this node for one subject and not used yet.
    struct Lease
    {
        int left = 0;
        qint64 endsMs = 0;
        int used = 0; // admitted under this lease: the next one asks for as many
        int perMinute = 0; // the limits it was granted for (a changed limit asks again)
        int perDay = 0;
    };
    struct Full
    {
        qint64 untilMs = 0;
        bool perDay = false;
        int perMinute = 0; // the limits it was full for (a raised limit asks again)
        int perDayLimit = 0;
    };
    // One admission from this node's leases for every window, when it has them all. False otherwise; `refused`
    // then says when a window Redis said was full is known to be full still (no need to ask).
    bool takeFromLeases(const std::vector<Window> &windows, qint64 now, Verdict *refused);

    config::RedisAddress m_address;
    QMutex m_leaseMutex;
    QHash<QString, Lease> m_leases;
    QHash<QString, Full> m_full; // subjects Redis refused, until their window frees room
    QByteArray m_password;
    QByteArray m_sha;
    std::atomic<bool> m_reachable { true };
    const quint64 m_generation; // thread-local connections belong to one instance
};

} // namespace ga::cluster
