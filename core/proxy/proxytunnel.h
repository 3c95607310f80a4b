// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QNetworkProxy>
#include <QString>

namespace ga::proxy {

// The opening of a tunnel through `upstream.proxy` to the upstream's host and port, as bytes: an HTTP CONNECT
// (RFC 9110 §9.3.6; Basic's login, RFC 7617, where the proxy asks for it) or a SOCKS5 CONNECT (RFC 1928, with RFC
// 1929's user name and password when the proxy has them). No socket: the caller writes start()'s bytes on a plain
// connection to the proxy, feeds it what the proxy answers and writes what each answer asks for, until the tunnel is
// Open (the next byte on the connection is the upstream's) or Failed (errorString() says why, in a sentence for the
// client's 502). For connections whose TLS the proxy does itself over such a tunnel (proxy/upstreampool.h); Qt's proxy
// engines serve the others.
class ProxyTunnel
{
public:
    enum class State
    {
        Opening,
        Open,
        Failed
    };

    // How an HTTP proxy with a user name takes the login, as learnt from its 407: not known (the CONNECT goes without
    // it, as Qt's engine sends it), Basic (sent with the CONNECT from then on), or a scheme only Qt's engine answers
    // (Digest, NTLM, Negotiate: its connections go through Qt, README.md).
    enum class Login
    {
        Unknown,
        Basic,
        ThroughQt
    };

    // Whether `proxy` is one this class opens: SOCKS5 and HTTP (the connection's TLS goes through Qt otherwise).
    static bool handles(const QNetworkProxy &proxy);

    // "the proxy host:port refused the user name and password (HTTP 407)", for Qt's engine's refusals too; and what
    // a proxy that asks for a login is told when the setting has no password (none stored).
    static QString loginRefused(const QString &host, quint16 port);
    static QString credentialsWanted(const QString &host, quint16 port);
    // "the proxy host:port could not be reached: `why`": a connection to the proxy itself failed.
    static QString unreachable(const QString &host, quint16 port, const QString &why);

    // `login`: what the proxy is known to ask for (Login::ThroughQt is not one this class opens).
    ProxyTunnel(const QNetworkProxy &proxy, const QString &host, quint16 port, Login login = Login::Unknown);

    // The first bytes to send to the proxy (empty and Failed when the host or a credential cannot be sent).
    QByteArray start();
    // What the proxy sent; `out` gets the bytes to send next. Bytes after the proxy's last answer end the tunnel
    // (Failed): the upstream speaks only after the client's TLS hello.
    State feed(QByteArrayView in, QByteArray &out);

    State state() const { return m_state; }
    QString errorString() const { return m_error; }
    // Failed on a 407 that a new connection can answer: how it should log in (Unknown: the failure is final).
    Login learnt() const { return m_learnt; }
    const QNetworkProxy &proxy() const { return m_proxy; }

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
    State loginAsked(QByteArrayView head);
    State socksMethod(QByteArray &out);
    State socksLogin(QByteArray &out);
    State socksAnswer(QByteArray &out);
    QByteArray socksConnect() const;
    bool offersLogin() const; // the setting has a user name or a password
    QString proxyName() const;
    QString target() const;

    QNetworkProxy m_proxy;
    QString m_host;
    quint16 m_port;
    Login m_login;
    Login m_learnt = Login::Unknown;
    Step m_step = Step::HttpAnswer;
    State m_state = State::Opening;
    QByteArray m_in; // the proxy's bytes not used yet
    QString m_error;
};

} // namespace ga::proxy
