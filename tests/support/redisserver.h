// SPDX-License-Identifier: GPL-3.0-or-later
// Debian's redis-server on a free loopback port (no persistence), for the cluster mode tests: started, killed and
// started again on the same port by the test itself.
#pragma once

#include <QProcess>
#include <QTemporaryDir>

namespace ga::test {

class RedisServer
{
public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    static bool available(); // redis-server is installed
    // Starts it (on the port it had before, after a kill); false with *error when it does not answer PING in 10 s.
    bool start(QString *error);
    void kill(); // SIGKILL: the cluster's Redis "crashes"
    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT/0
    // One command over a fresh connection (redis-cli), its output trimmed.
    QByteArray cli(const QStringList &args) const;

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace ga::test
