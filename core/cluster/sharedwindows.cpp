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

// KEYS: none (a standalone Redis; the keys are built from the prefix). ARGV: prefix, n, then n × (subject,
// perMinute, perDay). Returns {1} when counted, {0, window index, 0 minute | 1 day, retry after ms} when refused.
// A minute limit up to 1,000 is exact: a sorted set of the admitted requests' times (at most the limit of
// them), so no 60-second span ever holds more than the limit. Larger ones (where a set would hold too much) count
// 61 one-second slots, a day 97 slots of 15 minutes: a request counts until its whole slot has left the window, so
// neither ever lets more than the limit through (a refusal may come up to a slot early).
const char kScript[] = R"lua(
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local t = redis.call('TIME')
local sec = tonumber(t[1])
local nowMs = sec * 1000 + math.floor(tonumber(t[2]) / 1000)
local function slotsFull(key, limit, slot, slots)
  local now = math.floor(sec / slot)
  local names = {}
  for i = slots - 1, 0, -1 do names[#names + 1] = key .. (now - i) end
  local vals = redis.call('MGET', unpack(names))
  local total = 0
  for i = 1, #vals do total = total + (tonumber(vals[i]) or 0) end
  if total < limit then return -1 end
  local remaining = total
  for i = 1, #vals do
    remaining = remaining - (tonumber(vals[i]) or 0)
    if remaining < limit then
      return math.max(1, (now + i) * slot * 1000 - nowMs)
    end
  end
  return slot * 1000
end
local function minuteFull(key, limit)
  if limit > 1000 then return slotsFull(key .. ':s:', limit, 1, 61) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', nowMs - 60000)
  local count = redis.call('ZCARD', key)
  if count < limit then return -1 end
  local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 60000 - nowMs + 1)
end
for i = 0, n - 1 do
  local key = prefix .. ARGV[3 + i * 3]
  local pm = tonumber(ARGV[4 + i * 3])
  local pd = tonumber(ARGV[5 + i * 3])
  if pm > 0 then
    local r = minuteFull(key .. ':m', pm)
    if r >= 0 then return {0, i, 0, r} end
  end
  if pd > 0 then
    local r = slotsFull(key .. ':d:', pd, 900, 97)
    if r >= 0 then return {0, i, 1, r} end
  end
end
for i = 0, n - 1 do
  local key = prefix .. ARGV[3 + i * 3]
  local pm = tonumber(ARGV[4 + i * 3])
  if pm > 1000 then
    local b = key .. ':m:s:' .. sec
    redis.call('INCR', b)
    redis.call('EXPIRE', b, 62)
  elseif pm > 0 then
    local z = key .. ':m'
    redis.call('ZADD', z, nowMs, nowMs .. ':' .. redis.call('INCR', key .. ':seq'))
    redis.call('PEXPIRE', z, 61000)
    redis.call('PEXPIRE', key .. ':seq', 61000)
  end
  if tonumber(ARGV[5 + i * 3]) > 0 then
    local b = key .. ':d:' .. math.floor(sec / 900)
    redis.call('INCR', b)
    redis.call('EXPIRE', b, 88200)
  end
end
return {1}
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

std::optional<security::SharedWindows::Verdict> RedisWindows::admit(const std::vector<Window> &windows)
{
#ifdef GA_HAVE_HIREDIS
    if (!m_reachable.load(std::memory_order_relaxed) || windows.empty()) {
        return std::nullopt;
    }
    ThreadConnection &conn = t_conn;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
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
    QByteArrayList args { "EVALSHA", m_sha, "0", "ga:rl:", QByteArray::number(qsizetype(windows.size())) };
    for (const Window &w : windows) {
        args << w.key.toUtf8() << QByteArray::number(w.perMinute) << QByteArray::number(w.perDay);
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
        return v;
    }
    if (r->elements < 4) {
        return failed("short answer");
    }
    v.allowed = false;
    v.window = int(r->element[1]->integer);
    v.perDay = r->element[2]->integer == 1;
    v.retryAfterMs = r->element[3]->integer;
    return v;
#else
    Q_UNUSED(windows);
    return std::nullopt;
#endif
}

} // namespace ga::cluster
