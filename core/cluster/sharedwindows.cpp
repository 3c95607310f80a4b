// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster/sharedwindows.h"

#include "logging/logging.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>

#ifdef GA_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include <memory>

namespace ga::cluster {
namespace {

// KEYS: none (a standalone Redis; the keys are built from the prefix). ARGV: prefix, lease ms, n, then n × (subject,
// perMinute, perDay, wanted). Returns {1, granted…} when counted, {0, window index, 0 minute | 1 day, retry after ms}
// when refused.
// A node may take a lease of several admissions at once (it then admits that many requests without asking again
// within the lease's life): they are counted as made at the END of the lease, so whenever the node really uses
// them, the window holds them for a full minute (or day) after: never more than the limit goes through. What a
// lease grants is at most an eighth of what is left, so nodes that stop using theirs waste little.
// A minute limit up to 1,000 is exact: a sorted set of the counted times (at most the limit of them). Larger ones
// count 61 one-second slots, a day 97 slots of 15 minutes: a request counts until its whole slot has left the
// window, so neither ever lets more than the limit through (a refusal may come up to a slot early).
const char kScript[] = R"lua(
local prefix = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local sec = tonumber(t[1])
local nowMs = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local atMs = nowMs + leaseMs
local atSec = math.floor(atMs / 1000)
local function slotsCount(key, slot, slots)
  local now = math.floor(atSec / slot)
  local names = {}
  for i = slots - 1, 0, -1 do names[#names + 1] = key .. (now - i) end
  local vals = redis.call('MGET', unpack(names))
  local total = 0
  for i = 1, #vals do vals[i] = tonumber(vals[i]) or 0; total = total + vals[i] end
  return total, vals, now
end
local function slotsRetry(vals, now, total, limit, slot)
  local remaining = total
  for i = 1, #vals do
    remaining = remaining - vals[i]
    if remaining < limit then return math.max(1, (now + i) * slot * 1000 - nowMs) end
  end
  return slot * 1000
end
-- Room left in a window (a huge number when it has no limit), and when a refusal may retry.
local function minuteRoom(key, limit)
  if limit <= 0 then return 1e15, 0 end
  if limit > 1000 then
    local total, vals, now = slotsCount(key .. ':s:', 1, 61)
    return limit - total, slotsRetry(vals, now, total, limit, 1)
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs - 60000)
  local count = redis.call('ZCARD', key)
  if count < limit then return limit - count, 0 end
  local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return 0, math.max(1, tonumber(oldest[2]) + 60000 - nowMs + 1)
end
local function dayRoom(key, limit)
  if limit <= 0 then return 1e15, 0 end
  local total, vals, now = slotsCount(key, 900, 97)
  return limit - total, slotsRetry(vals, now, total, limit, 900)
end
local grants = {}
for i = 0, n - 1 do
  local key = prefix .. ARGV[4 + i * 4]
  local pm = tonumber(ARGV[5 + i * 4])
  local pd = tonumber(ARGV[6 + i * 4])
  local want = tonumber(ARGV[7 + i * 4])
  local mroom, mretry = minuteRoom(key .. ':m', pm)
  if mroom < 1 then return {0, i, 0, mretry} end
  local droom, dretry = dayRoom(key .. ':d:', pd)
  if droom < 1 then return {0, i, 1, dretry} end
  local room = math.min(mroom, droom)
  grants[i + 1] = math.max(1, math.min(want, math.floor(room / 8)))
end
local out = {1}
for i = 0, n - 1 do
  local key = prefix .. ARGV[4 + i * 4]
  local pm = tonumber(ARGV[5 + i * 4])
  local g = grants[i + 1]
  if pm > 1000 then
    local b = key .. ':m:s:' .. atSec
    redis.call('INCRBY', b, g)
    redis.call('EXPIRE', b, 63 + math.ceil(leaseMs / 1000))
  elseif pm > 0 then
    local z = key .. ':m'
    local seq = redis.call('INCRBY', key .. ':seq', g)
    for j = 1, g do redis.call('ZADD', z, atMs, atMs .. ':' .. (seq - j)) end
    redis.call('PEXPIRE', z, 61000 + leaseMs)
    redis.call('PEXPIRE', key .. ':seq', 61000 + leaseMs)
  end
  if tonumber(ARGV[6 + i * 4]) > 0 then
    local b = key .. ':d:' .. math.floor(atSec / 900)
    redis.call('INCRBY', b, g)
    redis.call('EXPIRE', b, 88200)
  end
  out[#out + 1] = g
end
return out
)lua";

std::atomic<quint64> g_generations { 0 };

#ifdef GA_HAVE_HIREDIS
struct ThreadConnection
{
    quint64 generation = 0;
    redisContext *ctx = nullptr;
    qint64 failedAtMs = -1;
    ~ThreadConnection() { reset(); }
    void reset()
    {
        if (ctx) {
            redisFree(ctx);
            ctx = nullptr;
        }
    }
};
thread_local ThreadConnection t_conn;

struct ReplyDeleter
{
    void operator()(redisReply *r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply run(redisContext *c, const QByteArrayList &args)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    return Reply(static_cast<redisReply *>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data())));
}
#endif

} // namespace

RedisWindows::RedisWindows(config::RedisAddress address, QByteArray password)
    : m_address(std::move(address))
    , m_password(std::move(password))
    , m_sha(QCryptographicHash::hash(QByteArray(kScript), QCryptographicHash::Sha1).toHex())
    , m_generation(++g_generations)
{ }

RedisWindows::~RedisWindows() = default;

QByteArray RedisWindows::script()
{
    return QByteArray(kScript);
}

bool RedisWindows::takeFromLeases(const std::vector<Window> &windows, qint64 now, Verdict *refused)
{
    QMutexLocker lock(&m_leaseMutex);
    for (size_t i = 0; i < windows.size(); ++i) {
        // Refused by Redis until then (a window frees room only as its counted requests age out).
        const auto full = m_full.constFind(windows[i].key);
        if (full != m_full.constEnd() && full->untilMs > now && full->perMinute == windows[i].perMinute
            && full->perDayLimit == windows[i].perDay) {
            refused->allowed = false;
            refused->window = int(i);
            refused->perDay = full->perDay;
            refused->retryAfterMs = full->untilMs - now;
            return false;
        }
    }
    for (const Window &w : windows) {
        const auto it = m_leases.constFind(w.key);
        if (it == m_leases.constEnd() || it->left <= 0 || it->endsMs <= now || it->perMinute != w.perMinute
            || it->perDay != w.perDay) {
            return false;
        }
    }
    for (const Window &w : windows) {
        Lease &l = m_leases[w.key];
        --l.left;
        ++l.used;
    }
    return true;
}

std::optional<security::SharedWindows::Verdict> RedisWindows::admit(const std::vector<Window> &windows)
{
#ifdef GA_HAVE_HIREDIS
    if (!m_reachable.load(std::memory_order_relaxed) || windows.empty()) {
        return std::nullopt;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (Verdict cached; takeFromLeases(windows, now, &cached)) {
        return Verdict(); // within what this node was granted: no round trip
    } else if (!cached.allowed) {
        return cached;
    }
    ThreadConnection &conn = t_conn;
    if (conn.generation != m_generation) {
        conn.reset();
        conn.generation = m_generation;
        conn.failedAtMs = -1;
    }
    if (conn.failedAtMs >= 0 && now - conn.failedAtMs < kRetryAfterFailureMs) {
        return std::nullopt;
    }
    auto failed = [&conn, now](const char *what) {
        qCDebug(lcCluster) << "shared rate limit window not counted in Redis:" << what;
        conn.reset();
        conn.failedAtMs = now;
        return std::nullopt;
    };
    if (!conn.ctx) {
        const timeval tv { 0, kTimeoutMs * 1000 };
        conn.ctx = m_address.isUnix()
            ? redisConnectUnixWithTimeout(QFile::encodeName(m_address.socketPath).constData(), tv)
            : redisConnectWithTimeout(m_address.host.toUtf8().constData(), m_address.port, tv);
        if (!conn.ctx || conn.ctx->err || redisSetTimeout(conn.ctx, tv) != REDIS_OK) {
            return failed("connect");
        }
        if (!m_password.isEmpty()) {
            QByteArrayList auth { "AUTH" };
            if (!m_address.user.isEmpty()) {
                auth << m_address.user.toUtf8();
            }
            auth << m_password;
            const Reply r = run(conn.ctx, auth);
            if (!r || r->type == REDIS_REPLY_ERROR) {
                return failed("AUTH");
            }
        }
        const Reply r = run(conn.ctx, { "SELECT", QByteArray::number(m_address.db) });
        if (!r || r->type == REDIS_REPLY_ERROR) {
            return failed("SELECT");
        }
    }
    QByteArrayList args { "EVALSHA", m_sha, "0", "ga:rl:", QByteArray::number(kLeaseMs),
        QByteArray::number(qsizetype(windows.size())) };
    {
        // What to ask for: as many as this node admitted for the subject during its last lease (its pace), so a
        // busy node asks about once per lease and a quiet one takes one at a time.
        QMutexLocker lock(&m_leaseMutex);
        for (const Window &w : windows) {
            const Lease l = m_leases.value(w.key);
            // Used up before its end: the pace is higher than the lease was; ask for twice as many.
            const int used = l.left <= 0 && l.endsMs > now ? l.used * 2 : l.used;
            const int pace = l.perMinute == w.perMinute && l.perDay == w.perDay ? used : 0;
            args << w.key.toUtf8() << QByteArray::number(w.perMinute) << QByteArray::number(w.perDay)
                 << QByteArray::number(std::clamp(pace, 1, kMaxLease));
        }
    }
    Reply r = run(conn.ctx, args);
    if (r && r->type == REDIS_REPLY_ERROR && QByteArray(r->str, qsizetype(r->len)).startsWith("NOSCRIPT")) {
        args[0] = "EVAL";
        args[1] = QByteArray(kScript);
        r = run(conn.ctx, args);
    }
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 || r->element[0]->type != REDIS_REPLY_INTEGER) {
        return failed(r && r->type == REDIS_REPLY_ERROR ? r->str : "no answer");
    }
    Verdict v;
    if (r->element[0]->integer == 1) {
        if (r->elements != windows.size() + 1) {
            return failed("short answer");
        }
        QMutexLocker lock(&m_leaseMutex);
        for (size_t i = 0; i < windows.size(); ++i) {
            Lease &l = m_leases[windows[i].key];
            const int granted = int(r->element[i + 1]->integer);
            l = Lease { granted - 1, now + kLeaseMs, 1, windows[i].perMinute, windows[i].perDay }; // one used now
        }
        if (m_leases.size() > kMaxLeases) { // subjects not seen for a while
            for (auto it = m_leases.begin(); it != m_leases.end();) {
                it = it->endsMs < now ? m_leases.erase(it) : std::next(it);
            }
        }
        return v;
    }
    if (r->elements < 4) {
        return failed("short answer");
    }
    v.allowed = false;
    v.window = int(r->element[1]->integer);
    v.perDay = r->element[2]->integer == 1;
    v.retryAfterMs = r->element[3]->integer;
    if (v.window >= 0 && size_t(v.window) < windows.size()) {
        QMutexLocker lock(&m_leaseMutex);
        const Window &w = windows[size_t(v.window)];
        m_full.insert(w.key, Full { now + v.retryAfterMs, v.perDay, w.perMinute, w.perDay });
        if (m_full.size() > kMaxLeases) {
            for (auto it = m_full.begin(); it != m_full.end();) {
                it = it->untilMs < now ? m_full.erase(it) : std::next(it);
            }
        }
    }
    return v;
#else
    Q_UNUSED(windows);
    return std::nullopt;
#endif
}

} // namespace ga::cluster
