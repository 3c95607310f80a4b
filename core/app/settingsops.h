// SPDX-License-Identifier: GPL-3.0-or-later
// Changing settings: the one implementation behind `config set`, `mode`, the admin API's PATCH /config and
// PUT /mode (and `--remote`) and the desktop app's Settings page.
#pragma once

#include "app/workspace.h"
#include "config/configschema.h"

#include <QJsonObject>

namespace ga::app {

// How a new listen address is checked before it is saved. The running service binds it at once (and keeps the old
// listener until then); a command probes whether it could be bound.
struct ListenGate
{
    std::function<bool(const QString &host, int port, QString *why)> prepare;
    std::function<void()> undo; // the save failed after prepare() succeeded
};

class SettingsOps
{
public:
    explicit SettingsOps(Workspace &workspace)
        : m_ws(workspace)
    { }

    // Sets each setting path to its JSON value. The whole result is validated before anything is written: all of
    // it applies, or none (Invalid with the problems). A new listen address that `gate` cannot bind is refused
    // (Conflict at listen.port or listen.host) and nothing is written.
    Outcome set(const QJsonObject &values, const ListenGate &gate = {});
    // What set() checks before it writes, and nothing more: Invalid with every problem, or success with the result
    // in `result` (the console's live validation and its preview).
    Outcome check(const QJsonObject &values, config::ParseResult *result = nullptr) const;
    // routing.mode: local, serverless or hybrid (Invalid at "mode" otherwise).
    Outcome setMode(const QString &mode);
    // upstream.proxy's password into the secret store (empty: removed), never the config file; then
    // upstream.proxyPasswordSetAt is stamped, so running daemons read it again. Behind `proxy password` and the
    // desktop app's proxy password field.
    void setProxyPassword(const QByteArray &password, Done done);

private:
    Workspace &m_ws;
};

} // namespace ga::app
