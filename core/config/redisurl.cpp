// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/redisurl.h"

#include "logging/usertext.h"

#include <QUrl>
#include <QUrlQuery>

namespace ga::config {
namespace {
// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kNotARedisUrl("ga::config",
    QT_TRANSLATE_NOOP(
        "ga::config", "'%1' is not a Redis address (use redis://host:6379/0 or unix:///run/redis/redis.sock?db=0)"));
const logging::UserText kNoPasswordInUrl("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "the Redis address must not hold a password (the config file is not secret); store it with: "
        "gemini-aggregatord cluster password"));
const logging::UserText kNoRedisTls("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "rediss:// (Redis over TLS) is not available: Debian 12's hiredis has no TLS; reach Redis over a private "
        "network or a unix socket (unix:///run/redis/redis.sock)"));
const logging::UserText kBadRedisDb(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "'%1' is not a Redis database number (0–15 on a default Redis)"));
} // namespace

QString RedisAddress::display() const
{
    const QString who = user.isEmpty() ? QString() : user + u'@';
    if (isUnix()) {
        return QStringLiteral("unix://%1%2?db=%3").arg(who, socketPath).arg(db);
    }
    const QString h = host.contains(u':') ? u'[' + host + u']' : host;
    return QStringLiteral("redis://%1%2:%3/%4").arg(who, h).arg(port).arg(db);
}

bool parseRedisUrl(const QString &text, RedisAddress *out, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    auto fail = [&](const QString &why) {
        if (error) {
            *error = why;
        }
        return false;
    };
    if (scheme == u"rediss") {
        return fail(kNoRedisTls.text());
    }
    if (!url.isValid() || (scheme != u"redis" && scheme != u"unix")) {
        return fail(kNotARedisUrl.text().arg(text.left(200)));
    }
    if (!url.password().isEmpty()) {
        return fail(kNoPasswordInUrl.text());
    }
    RedisAddress a;
    a.user = url.userName();
    QString dbText;
    if (scheme == u"unix") {
        if (!url.host().isEmpty() || url.path().isEmpty() || !url.path().startsWith(u'/')) {
            return fail(kNotARedisUrl.text().arg(text.left(200)));
        }
        a.socketPath = url.path();
        dbText = QUrlQuery(url).queryItemValue(QStringLiteral("db"));
    } else {
        if (url.host().isEmpty() || url.hasQuery() || url.hasFragment()) {
            return fail(kNotARedisUrl.text().arg(text.left(200)));
        }
        a.host = url.host();
        a.port = url.port(6379);
        const QString path = url.path();
        if (!path.isEmpty() && path != u"/") {
            dbText = path.mid(1);
        }
    }
    if (!dbText.isEmpty()) {
        bool ok = false;
        a.db = dbText.toInt(&ok);
        if (!ok || a.db < 0 || a.db > 1'000'000) {
            return fail(kBadRedisDb.text().arg(dbText.left(40)));
        }
    }
    if (out) {
        *out = a;
    }
    return true;
}

} // namespace ga::config
