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
struct bio_st;

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

    // `resume`: a session kept from an earlier connection to the same server (newSession()), or empty.
    ClientSession(std::shared_ptr<ClientContext> context, const QString &host, const QByteArray &resume);
    ~ClientSession();

    State state() const { return m_state; }
    QString errorString() const { return m_error; }
    // Failed because the server's certificate was not accepted (not trusted, not for the host, out of date).
    bool certificateRejected() const { return m_certificateRejected; }
    const std::shared_ptr<ClientContext> &context() const { return m_context; }
    // Whether the handshake resumed the session given to the constructor.
    bool resumed() const;

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
    // serialized (OpenSSL's DER, as Qt keeps them), once; empty when none came since the last call.
    QByteArray takeNewSession() { return std::exchange(m_newSession, QByteArray()); }

private:
    friend struct SessionAccess;
    void failed(int sslError);
    void closeNotified();

    std::shared_ptr<ClientContext> m_context;
    ssl_st *m_ssl = nullptr;
    QByteArrayView m_in; // what arrived and OpenSSL has not read yet
    QByteArray *m_out = nullptr; // where OpenSSL's output goes during a call
    QByteArray m_newSession;
    QString m_error;
    State m_state = State::Handshaking;
    bool m_offeredResume = false;
    bool m_certificateRejected = false;
};

} // namespace ga::tls
