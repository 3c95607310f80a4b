// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QNetworkProxy>
#include <QString>

namespace ga::proxy {

// The opening of a tunnel through `upstream.proxy` to the upstream's host and port, as bytes: an HTTP CONNECT
// (RFC 9110 §9.3.6) or a SOCKS5 CONNECT (RFC 1928, with RFC 1929's user name and password when the proxy has them).
// No socket: the caller writes start()'s bytes on a plain connection to the proxy, feeds it what the proxy answers
// and writes what each answer asks for, until the tunnel is Open (the next byte on the connection is the upstream's)
// or Failed (errorString() says why, in a sentence for the client's 502). For connections whose TLS the proxy does
// itself over such a tunnel (proxy/upstreampool.h); Qt's proxy engines serve the others.
class ProxyTunnel
{
public:
    enum class State
    {
        Opening,
        Open,
        Failed
    };

    // Whether `proxy` is one this class opens: SOCKS5, and HTTP without credentials. An HTTP proxy with a user name
    // may ask for Digest or NTLM after a 407; Qt's engine answers those, so those go through Qt.
    static bool handles(const QNetworkProxy &proxy);

    ProxyTunnel(const QNetworkProxy &proxy, const QString &host, quint16 port);

    // The first bytes to send to the proxy (empty and Failed when the host or a credential cannot be sent).
    QByteArray start();
    // What the proxy sent; `out` gets the bytes to send next. Bytes after the proxy's last answer end the tunnel
    // (Failed): the upstream speaks only after the client's TLS hello.
    State feed(QByteArrayView in, QByteArray &out);

    State state() const { return m_state; }
    QString errorString() const { return m_error; }

private:
    enum class Step
    {
        HttpAnswer,
        SocksMethod,
        SocksLogin,
        SocksAnswer
    };

    State fail(const QString &reason);
    State httpAnswer(QByteArray &out);
    State socksMethod(QByteArray &out);
    State socksLogin(QByteArray &out);
    State socksAnswer(QByteArray &out);
    QByteArray socksConnect() const;
    bool offersLogin() const; // SOCKS5: the setting has a user name or a password
    QString proxyName() const;
    QString target() const;

    QNetworkProxy m_proxy;
    QString m_host;
    quint16 m_port;
    Step m_step = Step::HttpAnswer;
    State m_state = State::Opening;
    QByteArray m_in; // the proxy's bytes not used yet
    QString m_error;
};

} // namespace ga::proxy
