// SPDX-License-Identifier: GPL-3.0-or-later
// Registering, changing and removing relay instances: the one implementation behind `instances add|remove`, the
// admin API's /instances routes (and `--remote`) and the desktop app's Relays page.
#pragma once

#include "app/workspace.h"

#include <optional>

namespace ga::app {

// The secret store entry holding a relay's secret.
QString relaySecretName(const QString &instanceId);

struct InstanceChange
{
    std::optional<QString> name;
    std::optional<QString> url;
    std::optional<bool> enabled;
};

class InstanceOps
{
public:
    explicit InstanceOps(Workspace &workspace)
        : m_ws(workspace)
    { }

    // The rules `add` checks before it changes anything (an empty secret is generated): the problems, by field.
    static QList<config::Problem> check(const QString &name, const QString &url, const QByteArray &secret);

    using Added = std::function<void(const Outcome &, const config::InstanceEntry &added, const QByteArray &made)>;
    // `secret` empty: one is generated and handed to `done` (shown once: it is the relay's RELAY_SECRET). The
    // secret first, named by the journal until the config names the relay.
    void add(const QString &name, const QString &url, QByteArray secret, Added done);
    Outcome change(const QString &id, const InstanceChange &change, config::InstanceEntry *changed = nullptr);
    // The entry goes (its keys are unbound, listed in `unbound`), then its secret.
    void remove(const QString &id, std::function<void(const Outcome &, const QStringList &unbound)> done);

private:
    Workspace &m_ws;
};

} // namespace ga::app
