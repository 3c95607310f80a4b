// SPDX-License-Identifier: GPL-3.0-or-later
// Small real proxies on loopback for `upstream.proxy`: an HTTP CONNECT proxy and a SOCKS5 proxy that open tunnels
// to where they are asked, and can be told to answer the way a refusing or broken proxy does.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace ga::test {

// Joins two sockets both ways until either side closes.
void pipeSockets(QTcpSocket *a, QTcpSocket *b);

// "CONNECT host:port HTTP/1.1" → `answer`; a 2xx answer is followed by a tunnel to host:port.
class ConnectProxy : public QTcpServer
{
public:
    int tunnels = 0;
    QByteArray lastConnectLine;
    QByteArray lastHead; // the whole request head
    QByteArray answer = "HTTP/1.1 200 Connection established\r\n\r\n";
    QByteArray afterAnswer; // sent right behind the answer, as if the upstream had spoken first
    bool answerByteByByte = false; // one byte a write, 5 ms apart
    bool silent = false; // takes the request and never answers (nor closes)
    // A login: while `challenge` is set, a CONNECT without a Proxy-Authorization that `acceptsLogin` takes is
    // answered 407 with `challenge` (its Proxy-Authenticate fields), on a connection kept open unless `closeAfter407`.
    QByteArray challenge;
    std::function<bool(const QByteArray &)> acceptsLogin;
    bool closeAfter407 = false;
    QList<QByteArray> logins; // each CONNECT's Proxy-Authorization, empty when it had none

protected:
    void incomingConnection(qintptr fd) override;
};

// RFC 1928's CONNECT (an IPv4 or IPv6 address or a name), with RFC 1929's login when `user` is set.
class Socks5Proxy : public QTcpServer
{
public:
    int tunnels = 0;
    QByteArray user; // when set, the only method accepted is a login with `user` and `password`
    QByteArray password;
    quint8 reply = 0; // the answer to CONNECT: 0 opens the tunnel, 1–8 refuse it
    QByteArray methodsOffered; // by the last client's greeting
    quint8 lastAddressType = 0;
    QString lastHost;
    quint16 lastPort = 0;

protected:
    void incomingConnection(qintptr fd) override;
};

} // namespace ga::test
