// SPDX-License-Identifier: GPL-3.0-or-later
#include "tunnelproxies.h"

#include <QHostAddress>
#include <QTimer>

#include <functional>
#include <initializer_list>
#include <memory>

namespace ga::test {

void pipeSockets(QTcpSocket *a, QTcpSocket *b)
{
    QObject::connect(a, &QIODevice::readyRead, b, [a, b] { b->write(a->readAll()); });
    QObject::connect(b, &QIODevice::readyRead, a, [a, b] { a->write(b->readAll()); });
    QObject::connect(a, &QAbstractSocket::disconnected, b, [b] { b->disconnectFromHost(); });
    QObject::connect(b, &QAbstractSocket::disconnected, a, [a] { a->disconnectFromHost(); });
}

namespace {

// Connects to host:port and, once there, writes `first` to the client and joins the two; what the client sent
// after its request goes on first.
void openTunnel(QObject *owner, QTcpSocket *client, const QString &host, quint16 port, QByteArray early,
    std::function<void()> opened)
{
    auto *upstream = new QTcpSocket(owner);
    QObject::connect(upstream, &QTcpSocket::connected, owner, [client, upstream, early, opened] {
        opened();
        if (!early.isEmpty()) {
            upstream->write(early);
        }
        pipeSockets(client, upstream);
        if (client->bytesAvailable()) {
            upstream->write(client->readAll());
        }
    });
    upstream->connectToHost(host, port);
}

QByteArray bytes(std::initializer_list<char> list)
{
    return QByteArray(list.begin(), qsizetype(list.size()));
}

// Writes `bytes` a byte at a time, 5 ms apart.
void writeSlowly(QTcpSocket *socket, QByteArray bytes)
{
    if (bytes.isEmpty()) {
        return;
    }
    socket->write(bytes.left(1));
    QTimer::singleShot(5, socket, [socket, rest = bytes.mid(1)] { writeSlowly(socket, rest); });
}

} // namespace

void ConnectProxy::incomingConnection(qintptr fd)
{
    auto *client = new QTcpSocket(this);
    client->setSocketDescriptor(fd);
    auto buffer = std::make_shared<QByteArray>();
    connect(client, &QIODevice::readyRead, this, [this, client, buffer] {
        *buffer += client->readAll();
        for (;;) {
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            const QByteArray head = buffer->left(end + 4);
            buffer->remove(0, end + 4);
            lastHead = head;
            if (silent) {
                client->disconnect(this);
                return;
            }
            lastConnectLine = head.left(head.indexOf("\r\n"));
            QByteArray login;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("proxy-authorization:")) {
                    login = line.mid(20).trimmed();
                }
            }
            logins.append(login);
            if (!challenge.isEmpty() && !(acceptsLogin && !login.isEmpty() && acceptsLogin(login))) {
                client->write("HTTP/1.1 407 Proxy Authentication Required\r\n" + challenge
                    + (closeAfter407 ? "Connection: close\r\n" : "") + "Content-Length: 12\r\n\r\nlog in first");
                if (closeAfter407) {
                    client->disconnect(this);
                    client->disconnectFromHost();
                    return;
                }
                continue; // the next CONNECT on this connection
            }
            client->disconnect(this);
            const QList<QByteArray> parts = lastConnectLine.split(' ');
            auto reply = [this, client] {
                const QByteArray bytes = answer + afterAnswer;
                if (answerByteByByte) {
                    writeSlowly(client, bytes);
                } else {
                    client->write(bytes);
                }
            };
            if (parts.size() != 3 || parts.at(0) != "CONNECT") {
                client->write("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                client->disconnectFromHost();
                return;
            }
            if (!answer.startsWith("HTTP/1.1 2") && !answer.startsWith("HTTP/1.0 2")) {
                reply();
                client->disconnectFromHost();
                return;
            }
            QByteArray hostPort = parts.at(1);
            const qsizetype colon = hostPort.lastIndexOf(':');
            QString host = QString::fromLatin1(hostPort.left(colon));
            if (host.startsWith(u'[')) {
                host = host.mid(1, host.size() - 2);
            }
            openTunnel(this, client, host, hostPort.mid(colon + 1).toUShort(), *buffer, [this, reply] {
                ++tunnels;
                reply();
            });
            return;
        }
    });
}

void Socks5Proxy::incomingConnection(qintptr fd)
{
    auto *client = new QTcpSocket(this);
    client->setSocketDescriptor(fd);
    auto buffer = std::make_shared<QByteArray>();
    enum Stage
    {
        Greeting,
        Login,
        Request
    };
    auto stage = std::make_shared<Stage>(Greeting);
    connect(client, &QIODevice::readyRead, this, [this, client, buffer, stage] {
        *buffer += client->readAll();
        if (*stage == Greeting) {
            if (buffer->size() < 2 || buffer->size() < 2 + quint8(buffer->at(1))) {
                return;
            }
            methodsOffered = buffer->mid(2, quint8(buffer->at(1)));
            buffer->remove(0, 2 + quint8(buffer->at(1)));
            const char wanted = user.isEmpty() ? 0x00 : 0x02;
            if (!methodsOffered.contains(wanted)) {
                client->write(QByteArray("\x05\xff", 2));
                client->disconnectFromHost();
                return;
            }
            client->write(bytes({ 0x05, wanted }));
            *stage = user.isEmpty() ? Request : Login;
        }
        if (*stage == Login) {
            // 01, ULEN, UNAME, PLEN, PASSWD
            if (buffer->size() < 2 || buffer->size() < 3 + quint8(buffer->at(1))) {
                return;
            }
            const qsizetype ulen = quint8(buffer->at(1));
            const qsizetype plen = quint8(buffer->at(2 + ulen));
            if (buffer->size() < 3 + ulen + plen) {
                return;
            }
            const bool ok = buffer->mid(2, ulen) == user && buffer->mid(3 + ulen, plen) == password;
            buffer->remove(0, 3 + ulen + plen);
            client->write(bytes({ 0x01, ok ? char(0x00) : char(0x01) }));
            if (!ok) {
                client->disconnectFromHost();
                return;
            }
            *stage = Request;
        }
        if (buffer->size() < 5) {
            return;
        }
        const quint8 atyp = quint8(buffer->at(3));
        qsizetype need = 0;
        QString host;
        if (atyp == 1) {
            need = 4 + 4 + 2;
            if (buffer->size() < need) {
                return;
            }
            host = QHostAddress(quint32((quint8(buffer->at(4)) << 24) | (quint8(buffer->at(5)) << 16)
                                    | (quint8(buffer->at(6)) << 8) | quint8(buffer->at(7))))
                       .toString();
        } else if (atyp == 4) {
            need = 4 + 16 + 2;
            if (buffer->size() < need) {
                return;
            }
            host = QHostAddress(reinterpret_cast<const quint8 *>(buffer->constData() + 4)).toString();
        } else if (atyp == 3) {
            need = 5 + quint8(buffer->at(4)) + 2;
            if (buffer->size() < need) {
                return;
            }
            host = QString::fromLatin1(buffer->mid(5, quint8(buffer->at(4))));
        } else {
            client->disconnectFromHost();
            return;
        }
        lastAddressType = atyp;
        lastHost = host;
        lastPort = quint16((quint8(buffer->at(need - 2)) << 8) | quint8(buffer->at(need - 1)));
        buffer->remove(0, need);
        client->disconnect(this);
        if (reply != 0) {
            client->write(bytes({ 0x05, char(reply), 0x00, 0x01, 0, 0, 0, 0, 0, 0 }));
            client->disconnectFromHost();
            return;
        }
        openTunnel(this, client, lastHost, lastPort, *buffer, [this, client] {
            ++tunnels;
            client->write(QByteArray("\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00", 10));
        });
    });
}

} // namespace ga::test
