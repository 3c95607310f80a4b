// SPDX-License-Identifier: GPL-3.0-or-later
// Key, instance and token entries as the JSON objects the config file's lists hold.
#include "config/configjson.h"

namespace ga::config::schema {

QJsonObject toJson(const KeyEntry &key)
{
    QJsonObject o { { QStringLiteral("id"), key.id }, { QStringLiteral("label"), key.label },
        { QStringLiteral("weight"), key.weight }, { QStringLiteral("enabled"), key.enabled },
        { QStringLiteral("hint"), key.hint }, { QStringLiteral("fingerprint"), key.fingerprint } };
    if (!key.group.isEmpty()) {
        o.insert(QStringLiteral("group"), key.group);
    }
    if (!key.instance.isEmpty()) {
        o.insert(QStringLiteral("instance"), key.instance);
    }
    if (key.added.isValid()) {
        o.insert(QStringLiteral("added"), key.added.toUTC().toString(Qt::ISODate));
    }
    if (key.resetAt.isValid()) {
        o.insert(QStringLiteral("resetAt"), key.resetAt.toUTC().toString(Qt::ISODateWithMs));
    }
    return o;
}

QJsonObject toJson(const InstanceEntry &instance)
{
    return QJsonObject { { QStringLiteral("id"), instance.id }, { QStringLiteral("name"), instance.name },
        { QStringLiteral("url"), instance.url.toString() }, { QStringLiteral("enabled"), instance.enabled } };
}

QJsonObject toJson(const TokenEntry &token)
{
    QJsonObject o { { QStringLiteral("name"), token.name } };
    if (token.created.isValid()) {
        o.insert(QStringLiteral("created"), token.created.toUTC().toString(Qt::ISODate));
    }
    if (token.rotated.isValid()) {
        o.insert(QStringLiteral("rotated"), token.rotated.toUTC().toString(Qt::ISODateWithMs));
    }
    const int values[]
        = { token.limits.requestsPerMinute, token.limits.requestsPerDay, token.limits.concurrentStreams };
    const char *names[] = { "requestsPerMinute", "requestsPerDay", "concurrentStreams" };
    for (int f = 0; f < 3; ++f) {
        if (values[f] >= 0) {
            o.insert(QLatin1String(names[f]), values[f]);
        }
    }
    return o;
}

} // namespace ga::config::schema
