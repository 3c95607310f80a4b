// SPDX-License-Identifier: GPL-3.0-or-later
// The TLS client of the proxy's upstream connections, done with OpenSSL directly (README: why not QSslSocket).
// It knows no socket: the caller hands it the bytes that arrived and sends the bytes it produces, so the proxy's own
// reads and writes (proxy/socketio.h) carry the ciphertext without another buffer per connection.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QSslCertificate>
#include <QString>

#include <memory>
#include <utility>

// OpenSSL's types, declared as OpenSSL declares them (openssl/types.h), so that this header does not include it.
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;

namespace ga::tls {

// What every upstream connection under one CA list shares: OpenSSL's context with the trust store (the system's CAs
// and `extraCas`), peer verification on, TLS 1.2 or newer, ALPN http/1.1. Making one costs more than a resumed
// handshake, so a thread keeps one per CA list (proxy/upstreampool.h). Used by one thread at a time.
class ClientContext
{
    Q_DISABLE_COPY_MOVE(ClientContext)

public:
    // Null, with the reason in `error`, when OpenSSL cannot make one.
    static std::shared_ptr<ClientContext> create(const QList<QSslCertificate> &extraCas, QString *error);
    ~ClientContext();
    const QList<QSslCertificate> &extraCas() const { return m_extraCas; }

private:
    ClientContext() = default;
    friend class ClientSession;
    ssl_ctx_st *m_ctx = nullptr;
    QList<QSslCertificate> m_extraCas;
};

// A TLS session kept for resumption: OpenSSL's DER (what QSslConfiguration::sessionTicket() holds, so Qt's sockets
// can resume it too) and, once a connection of ours needed it, the parsed session, shared by every copy. Parsing one
// parses the server's certificate again: 1.5 million instructions (OpenSSL 3.0's key decoder) on every new
// connection when only the DER was kept.
class Session
{
public:
    Session() = default;
    explicit Session(QByteArray der); // empty: no session
    bool isEmpty() const { return !m_data; }
    QByteArray der() const { return m_data ? m_data->der : QByteArray(); }

private:
    friend class ClientSession;
    friend struct SessionAccess;
    struct Data
    {
        Q_DISABLE_COPY_MOVE(Data)
        Data() = default;
        ~Data();
        QByteArray der;
        ssl_session_st *parsed = nullptr; // one reference, or null until needed
    };
    std::shared_ptr<Data> m_data;
};

// One connection's TLS: the handshake (the server's certificate verified for `host`: its DNS name or IP address),
// then records both ways. Every call appends the bytes to send to the network to `out`; every byte given as input is
// used before the call returns (a record cut by the read waits inside OpenSSL for the rest).
class ClientSession
{
    Q_DISABLE_COPY_MOVE(ClientSession)

public:
    enum class State
    {
        Handshaking,
        Open,
        Closed, // the server ended the session (close_notify): nothing more will be read
        Failed, // errorString() says why
    };

    // `resume`: a session kept from an earlier connection to the same server (takeNewSession()), or empty.
    ClientSession(std::shared_ptr<ClientContext> context, const QString &host, const Session &resume);
    ~ClientSession();

    State state() const { return m_state; }
    QString errorString() const { return m_error; }
    // Failed because the server's certificate was not accepted (not trusted, not for the host, out of date).
    bool certificateRejected() const { return m_certificateRejected; }
    const std::shared_ptr<ClientContext> &context() const { return m_context; }

    // Starts or goes on with the handshake with the bytes that arrived (none on the first call). Bytes after the
    // handshake's end stay fed: read() them before `in` goes away.
    State handshake(QByteArrayView in, QByteArray &out);
    // Takes the bytes that arrived; read() then decrypts them.
    void feed(QByteArrayView in) { m_in = in; }
    // Decrypts into `to` (at most `max` bytes): how many; 0 when what was fed is used up (or the session is no longer
    // open: state() says); a record's worth at most per call.
    qsizetype read(char *to, qsizetype max, QByteArray &out);
    // Encrypts `data` (all of it) into `out`. False when the session is not open.
    bool write(QByteArrayView data, QByteArray &out);

    // Ends the session from this side (close_notify) when it is open or the server ended it.
    void close(QByteArray &out);

    // A session the server offered for resumption (TLS 1.2 when the handshake ends, TLS 1.3 in a ticket after it),
    // once; empty when none came since the last call.
    Session takeNewSession() { return std::exchange(m_newSession, Session()); }

private:
    friend struct SessionAccess;
    void failed(int sslError);

    std::shared_ptr<ClientContext> m_context;
    ssl_st *m_ssl = nullptr;
    QByteArrayView m_in; // what arrived and OpenSSL has not read yet
    QByteArray *m_out = nullptr; // where OpenSSL's output goes during a call
    Session m_newSession;
    QString m_error;
    State m_state = State::Handshaking;
    bool m_certificateRejected = false;
};

} // namespace ga::tls
