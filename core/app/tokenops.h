// SPDX-License-Identifier: GPL-3.0-or-later
// Access tokens and the admin token: the one implementation behind `token add|rotate|revoke|show`, the admin API's
// /tokens routes (and `--remote`), the desktop app's token actions and the first start (which makes the 'default'
// token and the admin token).
#pragma once

#include "app/workspace.h"

#include <QJsonArray>

#include <optional>

namespace ga::app {

class TokenOps
{
public:
    explicit TokenOps(Workspace &workspace)
        : m_ws(workspace)
    { }

    // The token list as the CLI (--json) and the admin API show it: names, limits and the limits in force, never a
    // token.
    static QJsonArray listJson(const config::Config &cfg);

    // A new token's own limits; one not given follows the global per-token limit (limits.perToken).
    struct Limits
    {
        std::optional<int> requestsPerMinute;
        std::optional<int> requestsPerDay;
        std::optional<int> concurrentStreams;
    };
    // The rules `add` checks before it changes anything: the problems, by field.
    static QList<config::Problem> check(const QString &name, const Limits &limits);

    using Made = std::function<void(const Outcome &, const QByteArray &token)>;
    // A new named token: Invalid name or limit, Conflict when the name is taken. The token goes to `done` once.
    // `given`: the token to store (the same token on several daemons of a cluster); empty: a new one is made.
    void add(const QString &name, const Limits &limits, Made done, const QByteArray &given = {});
    // A fresh value for an existing token (NotFound otherwise); running proxies re-read it at once.
    void rotate(const QString &name, Made done);
    // The entry first (running proxies stop accepting the token), then its stored copy.
    void revoke(const QString &name, Done done);

    using Ensured = std::function<void(const Outcome &, const QByteArray &token, bool created)>;
    // The 'default' access token, made on first use (or when its secret was lost).
    void ensureAccess(Ensured done);
    // The admin API's token, made on first use; `rotate` replaces it.
    void ensureAdmin(bool rotate, Ensured done);
    // The stored value of token `name` (NotFound when there is none).
    void read(const QString &name, Made done);

private:
    // Writes `token` as `name`'s secret, then runs `change` on the config; a new name is journaled in between and its
    // secret removed again when the config refuses.
    void store(const QString &name, bool isNew, const QByteArray &token, config::ConfigStore::Change change, Made done);

    Workspace &m_ws;
};

} // namespace ga::app
