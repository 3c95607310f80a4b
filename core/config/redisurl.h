// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace ga::config {

// Where the cluster's Redis is (cluster.redis): redis://[user@]host[:port][/db] or unix:///path/redis.sock[?db=N].
// A password never goes in the URL (the config file is not secret): it lives in the secret store.
struct RedisAddress
{
    QString host; // empty for a unix socket
    int port = 6379;
    QString socketPath; // unix:// only
    QString user; // Redis 6 ACL user (optional)
    int db = 0;

    bool isUnix() const { return !socketPath.isEmpty(); }
    // "redis://host:port/db" or "unix:///path?db=N": for logs and status (holds nothing secret).
    QString display() const;
};

// False with one sentence saying what to write instead.
bool parseRedisUrl(const QString &url, RedisAddress *out, QString *error);

} // namespace ga::config
