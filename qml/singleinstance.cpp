// SPDX-License-Identifier: GPL-3.0-or-later
#include "singleinstance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QLocalSocket>

namespace ga::ui {

namespace {
constexpr QByteArrayView kShow = "show\n";
}

SingleInstance::SingleInstance(const QString &key, QObject *parent)
    : QObject(parent)
{
    // Socket names are short on some systems (104 bytes on macOS): a hash of the user's home and the key.
    const QByteArray digest
        = QCryptographicHash::hash((QDir::homePath() + u'\n' + key).toUtf8(), QCryptographicHash::Sha256).toHex();
    m_name = QStringLiteral("gemini-aggregator-") + QString::fromLatin1(digest.left(16));
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    connect(&m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = m_server.nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
                if (socket->canReadLine() && socket->readLine() == kShow.toByteArray()) {
                    socket->write("ok\n");
                    socket->flush();
                    Q_EMIT activationRequested();
                }
            });
        }
    });
}

bool SingleInstance::notifyRunning(int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(m_name);
    if (!socket.waitForConnected(timeoutMs)) {
        return false;
    }
    socket.write(kShow.data(), kShow.size());
    // The answer proves a live instance handled it (not a stale socket file).
    return socket.waitForBytesWritten(timeoutMs) && socket.waitForReadyRead(timeoutMs) && socket.readLine() == "ok\n";
}

bool SingleInstance::listen(QString *error)
{
    if (m_server.listen(m_name)) {
        return true;
    }
    // A socket file left by a crashed instance (Unix): nobody answered notifyRunning(), so take it over.
    if (m_server.serverError() == QAbstractSocket::AddressInUseError) {
        QLocalServer::removeServer(m_name);
        if (m_server.listen(m_name)) {
            return true;
        }
    }
    *error = m_server.errorString();
    return false;
}

} // namespace ga::ui
