// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/redisurl.h"

#include <QByteArrayList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace ga::cluster {

// One Redis reply, copied out of hiredis.
struct RedisValue
{
    enum class Type
    {
        Nil,
        Integer,
        String,
        Status,
        Error,
        Array,
        Disconnected // no reply: the connection went away first
    };
    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray str;
    std::vector<RedisValue> elements;

    bool isError() const { return type == Type::Error || type == Type::Disconnected; }
};

// True when this build can talk to Redis (it was built with hiredis).
bool redisAvailable();

// An asynchronous Redis connection on the Qt event loop of the thread it lives in (hiredis's async API, driven by
// QSocketNotifier). open() connects, authenticates (the password from the secret store, when there is one) and
// selects the database; opened() or closed(reason) follow. Commands sent while it is not open fail at once with
// Type::Disconnected. A PING every second that goes unanswered for kStallMs closes it: a Redis that stopped
// answering counts as down.
class RedisClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisClient)

public:
    using Callback = std::function<void(const RedisValue &)>;

    explicit RedisClient(QObject *parent = nullptr);
    ~RedisClient() override;

    static constexpr int kConnectTimeoutMs = 2000;
    static constexpr int kStallMs = 3000;

    void open(const config::RedisAddress &address, const QByteArray &password);
    void close();
    bool isOpen() const { return m_open; }

    void command(const QByteArrayList &args, Callback done = {});
    // Subscribe mode (this connection then takes no other command): message() for every publication.
    void subscribe(const QByteArray &channel);

Q_SIGNALS:
    void opened();
    void closed(const QString &reason);
    void message(const QByteArray &channel, const QByteArray &payload);
    // Redis confirmed a subscription: publications from now on reach message().
    void subscribed(const QByteArray &channel);

private:
    struct Impl;
    friend struct Impl;
    void fail(const QString &reason);
    std::unique_ptr<Impl> d;
    bool m_open = false;
    QTimer m_connectTimer;
    QTimer m_pingTimer;
    qint64 m_pingSentMs = -1; // the unanswered PING's send time, -1 when none is outstanding
};

} // namespace ga::cluster
