// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/upstreampool.h"

#include "logging/logging.h"

#include <QSslConfiguration>
#include <QSslSocket>

namespace ga::proxy {

UpstreamPool::UpstreamPool(QObject *parent)
    : QObject(parent)
{ }

UpstreamPool::~UpstreamPool()
{
    clear();
}

QByteArray UpstreamPool::poolKey(const UpstreamSettings &s)
{
    QByteArray key = (s.tls ? "https://" : "http://") + s.host.toUtf8() + ':' + QByteArray::number(s.port);
    if (s.proxy.type() != QNetworkProxy::NoProxy) {
        key += '|' + QByteArray::number(int(s.proxy.type())) + s.proxy.hostName().toUtf8() + ':'
            + QByteArray::number(s.proxy.port());
    }
    return key;
}

QTcpSocket *UpstreamPool::acquire(const UpstreamSettings &settings, bool *reused)
{
    const QByteArray key = poolKey(settings);
    // Most recently used first: the freshest connection is the least likely to have been closed.
    for (auto it = m_idle.rbegin(); it != m_idle.rend(); ++it) {
        if (it->key != key) {
            continue;
        }
        QTcpSocket *socket = it->socket;
        m_idle.erase(std::next(it).base());
        socket->disconnect(this);
        if (socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0) {
            *reused = true;
            return socket;
        }
        socket->deleteLater(); // closed by the server, or stray bytes: not safe to reuse
        return acquire(settings, reused);
    }

    *reused = false;
    ++m_opened;
    QTcpSocket *socket = nullptr;
    if (settings.tls) {
        auto *ssl = new QSslSocket;
        QSslConfiguration conf = upstream::sslConfiguration(settings);
        conf.setAllowedNextProtocols({ QSslConfiguration::NextProtocolHttp1_1 });
        ssl->setSslConfiguration(conf);
        socket = ssl;
    } else {
        socket = new QTcpSocket;
    }
    socket->setProxy(settings.proxy);
    socket->setReadBufferSize(256 * 1024); // bounded: a paused reader pushes back on the upstream via TCP
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        ssl->connectToHostEncrypted(settings.host, settings.port);
    } else {
        socket->connectToHost(settings.host, settings.port);
    }
    return socket;
}

void UpstreamPool::release(QTcpSocket *socket, const UpstreamSettings &settings)
{
    socket->disconnect();
    if (socket->state() != QAbstractSocket::ConnectedState
        || qsizetype(m_idle.size()) >= settings.maxIdleConnectionsPerWorker) {
        socket->deleteLater();
        return;
    }
    // An idle connection the server closes is dropped at once, not found broken on the next request.
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] {
        std::erase_if(m_idle, [socket](const Idle &i) { return i.socket == socket; });
        socket->deleteLater();
    });
    connect(socket, &QIODevice::readyRead, this, [socket] { socket->abort(); });
    m_idle.push_back(Idle { poolKey(settings), socket });
}

void UpstreamPool::clear()
{
    for (const Idle &i : m_idle) {
        i.socket->disconnect(this);
        i.socket->abort();
        i.socket->deleteLater();
    }
    m_idle.clear();
}

} // namespace ga::proxy
