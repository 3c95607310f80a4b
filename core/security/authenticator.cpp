// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/authenticator.h"

#include "security/jwt.h"
#include "text/permanent.h"

#include <QCryptographicHash>
#include <QMutexLocker>

#include <openssl/crypto.h>
#include <vector>

namespace ga::security {

struct Authenticator::State
{
    struct Digest
    {
        QString name;
        QByteArray sha256;
    };
    std::vector<Digest> tokens; // only digests are kept: a memory dump of this holds no usable token
    std::shared_ptr<const JwtVerifier> jwt;
    QByteArray adminSha256; // empty: no admin token
    bool anonymousLoopback = false;
};

namespace {
// Unique in the process: a memo shown another authenticator cannot match its generation by chance.
quint64 nextGeneration()
{
    static std::atomic<quint64> last { 0 };
    return last.fetch_add(1, std::memory_order_relaxed) + 1;
}
} // namespace

Authenticator::Authenticator()
    : m_state(std::make_shared<State>())
    , m_generation(nextGeneration())
{ }

Authenticator::~Authenticator() = default;

std::shared_ptr<const Authenticator::State> Authenticator::snapshot() const
{
    QMutexLocker lock(&m_mutex);
    return m_state;
}

void Authenticator::publishLocked(std::shared_ptr<const State> next)
{
    m_state = std::move(next);
    m_generation.store(nextGeneration(), std::memory_order_release);
}

void Authenticator::setTokens(const QList<Token> &tokens)
{
    QMutexLocker lock(&m_mutex);
    auto next = std::make_shared<State>(*m_state);
    next->tokens.clear();
    for (const Token &t : tokens) {
        if (!t.secret.isEmpty()) {
            next->tokens.push_back(
                { text::intern(t.name), QCryptographicHash::hash(t.secret, QCryptographicHash::Sha256) });
        }
    }
    publishLocked(std::move(next));
}

void Authenticator::setJwtVerifier(std::shared_ptr<const JwtVerifier> verifier)
{
    QMutexLocker lock(&m_mutex);
    auto next = std::make_shared<State>(*m_state);
    next->jwt = std::move(verifier);
    publishLocked(std::move(next));
}

void Authenticator::setAllowAnonymousLoopback(bool allow)
{
    QMutexLocker lock(&m_mutex);
    auto next = std::make_shared<State>(*m_state);
    next->anonymousLoopback = allow;
    publishLocked(std::move(next));
}

void Authenticator::setAdminToken(const QByteArray &token)
{
    QMutexLocker lock(&m_mutex);
    auto next = std::make_shared<State>(*m_state);
    next->adminSha256 = token.isEmpty() ? QByteArray() : QCryptographicHash::hash(token, QCryptographicHash::Sha256);
    publishLocked(std::move(next));
}

bool Authenticator::isAdmin(QByteArrayView credential) const
{
    const std::shared_ptr<const State> s = snapshot();
    if (s->adminSha256.isEmpty() || credential.isEmpty()) {
        return false;
    }
    const QByteArray digest = QCryptographicHash::hash(
        QByteArray::fromRawData(credential.data(), credential.size()), QCryptographicHash::Sha256);
    return CRYPTO_memcmp(digest.constData(), s->adminSha256.constData(), size_t(digest.size())) == 0;
}

std::optional<AdminSession> Authenticator::openAdminSession(QByteArrayView adminToken, qint64 nowMs)
{
    if (!isAdmin(adminToken)) {
        return std::nullopt;
    }
    return m_sessions.open(snapshot()->adminSha256, nowMs);
}

std::optional<AdminSession> Authenticator::adminSession(QByteArrayView id, qint64 nowMs)
{
    return m_sessions.find(id, snapshot()->adminSha256, nowMs);
}

void Authenticator::closeAdminSession(QByteArrayView id)
{
    m_sessions.close(id);
}

int Authenticator::tokenCount() const
{
    return int(snapshot()->tokens.size());
}

bool Authenticator::jwtEnabled() const
{
    const auto s = snapshot();
    return s->jwt && s->jwt->enabled();
}

Authenticator::Result Authenticator::authenticate(
    QByteArrayView credential, bool loopbackPeer, qint64 nowSeconds, Memo *memo) const
{
    // The same bytes as last time on this connection, under the same tokens: the same answer. Compared in constant
    // time; a length that differs says only that the client sent something else than it did before. The generation
    // is read before the state: a memo made from a state newer than its generation is only ever redone.
    const quint64 generation = m_generation.load(std::memory_order_acquire);
    if (memo && memo->generation == generation && !credential.isEmpty() && memo->credential.size() == credential.size()
        && CRYPTO_memcmp(memo->credential.constData(), credential.data(), size_t(credential.size())) == 0) {
        return memo->result;
    }
    const std::shared_ptr<const State> s = snapshot();
    Result r;
    if (!credential.isEmpty()) {
        // Every token is compared, whatever matched: the time taken says nothing about which one (or how much
        // of one) was right. Hashing first makes the comparison independent of the lengths.
        const QByteArray digest = QCryptographicHash::hash(
            QByteArray::fromRawData(credential.data(), credential.size()), QCryptographicHash::Sha256);
        const State::Digest *match = nullptr;
        for (const State::Digest &d : s->tokens) {
            const bool equal = CRYPTO_memcmp(d.sha256.constData(), digest.constData(), size_t(digest.size())) == 0;
            match = equal ? &d : match;
        }
        if (match) {
            r.kind = Kind::Token;
            r.client = match->name;
            if (memo) {
                memo->generation = generation;
                memo->credential = credential.toByteArray();
                memo->result = r;
            }
            return r;
        }
        if (s->jwt && s->jwt->enabled() && looksLikeJwt(credential)) {
            const JwtResult j = s->jwt->verify(credential, nowSeconds);
            if (j.ok) {
                r.kind = Kind::Jwt;
                r.client = QStringLiteral("jwt:") + j.subject;
                return r;
            }
            r.reason = QStringLiteral("JWT refused: ") + j.error;
        } else {
            r.reason = QStringLiteral("unknown access token");
        }
    } else {
        r.reason = QStringLiteral("no access token");
    }
    // People who switched tokens off for this machine often have to type *something* into a tool's
    // "API key" field: from loopback, whatever it is, the client is served as anonymous.
    if (s->anonymousLoopback && loopbackPeer) {
        r.kind = Kind::Anonymous;
        r.client = QStringLiteral("anonymous");
        r.reason.clear();
    }
    return r;
}

} // namespace ga::security
