// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "security/adminsessions.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMutex>
#include <QString>

#include <atomic>
#include <memory>

namespace ga::security {

class JwtVerifier;

// Who may use the proxy: the named local access tokens, JWTs (when configured) and, if the user
// switched it on, anonymous clients on this machine. Shared by every proxy worker; thread-safe.
class Authenticator
{
public:
    struct Token
    {
        QString name;
        QByteArray secret;
    };
    enum class Kind
    {
        None,
        Token,
        Jwt,
        Anonymous,
        UploadSession, // the bytes of an upload an authenticated client started (decided by the proxy)
        EphemeralToken // a Live session opened with an ephemeral token created through the proxy (decided by it)
    };
    struct Result
    {
        Kind kind = Kind::None; // None: refused
        QString client; // token name, "jwt:<sub>" or "anonymous"; safe to log
        QString reason; // why it was refused, for the log only (never sent to the client)
        bool ok() const { return kind != Kind::None; }
    };

    Authenticator();
    ~Authenticator();
    Authenticator(const Authenticator &) = delete;
    Authenticator &operator=(const Authenticator &) = delete;

    void setTokens(const QList<Token> &tokens);
    void setJwtVerifier(std::shared_ptr<const JwtVerifier> verifier); // null: JWTs are refused
    void setAllowAnonymousLoopback(bool allow);
    void setAdminToken(const QByteArray &token); // empty: the admin API refuses everyone
    // Constant-time check of the admin API's token (never an access token, never anonymous).
    bool isAdmin(QByteArrayView credential) const;
    // The web console: the admin token (once) for a session, its cookie value back for the session (refused once
    // the admin token has been replaced), and signing out.
    std::optional<AdminSession> openAdminSession(QByteArrayView adminToken, qint64 nowMs);
    std::optional<AdminSession> adminSession(QByteArrayView id, qint64 nowMs);
    void closeAdminSession(QByteArrayView id);

    // What one connection last authenticated as: a client sends the same token with every request, and hashing it
    // each time costs more than the rest of the check. Valid only while the tokens stay as they were (any
    // setTokens(), rotation or revocation makes a new state); only access tokens are remembered (a JWT expires).
    struct Memo
    {
        quint64 generation = 0; // of the tokens it was made under (0: none)
        QByteArray credential;
        Result result;
    };

    // `credential` is what the client sent where an SDK puts its API key (may be empty).
    // `loopbackPeer`: the connection comes from this machine. `memo`: the connection's, or null.
    Result authenticate(QByteArrayView credential, bool loopbackPeer, qint64 nowSeconds, Memo *memo = nullptr) const;

    int tokenCount() const;
    bool jwtEnabled() const;

private:
    struct State;
    std::shared_ptr<const State> snapshot() const;
    void publishLocked(std::shared_ptr<const State> next); // under m_mutex
    mutable QMutex m_mutex;
    std::shared_ptr<const State> m_state;
    // Advanced with every new state (under m_mutex), read without it: a connection's memo is checked against it
    // instead of a copy of m_state taken under the mutex (a lock, an unlock and a reference count up and down: four
    // locked instructions a request).
    std::atomic<quint64> m_generation; // unique in the process (never 0)
    AdminSessions m_sessions;
};

} // namespace ga::security
