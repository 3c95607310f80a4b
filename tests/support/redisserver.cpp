// SPDX-License-Identifier: GPL-3.0-or-later
#include "redisserver.h"

#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

namespace ga::test {

RedisServer::RedisServer() = default;

RedisServer::~RedisServer()
{
    kill();
}

bool RedisServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty();
}

bool RedisServer::start(QString *error)
{
    if (m_port == 0) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            *error = QStringLiteral("no free port");
            return false;
        }
        m_port = probe.serverPort();
    }
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("redis.log")), QIODevice::Append);
    m_process.start(QStringLiteral("redis-server"),
        { QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
            QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--protected-mode"), QStringLiteral("no") });
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("redis-server did not start: %1").arg(m_process.errorString());
        return false;
    }
    // Ready when it answers PING (connection refused until it listens).
    const QDeadlineTimer deadline(10'000);
    while (!deadline.hasExpired()) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (s.waitForConnected(200)) {
            s.write("PING\r\n");
            if (s.waitForReadyRead(1000) && s.readAll().startsWith("+PONG")) {
                return true;
            }
        }
        if (m_process.state() == QProcess::NotRunning) {
            break;
        }
        m_process.waitForFinished(50); // a pause that also notices an exit
    }
    *error = QStringLiteral("redis-server on port %1 did not answer PING").arg(m_port);
    return false;
}

void RedisServer::kill()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1/0").arg(m_port);
}

QByteArray RedisServer::cli(const QStringList &args) const
{
    QProcess p;
    p.start(QStringLiteral("redis-cli"), QStringList { QStringLiteral("-p"), QString::number(m_port) } + args);
    p.waitForFinished(5000);
    return p.readAllStandardOutput().trimmed();
}

} // namespace ga::test
