// SPDX-License-Identifier: GPL-3.0-or-later
// Adding, changing and removing API keys: the one implementation behind `keys add|import|enable|disable|remove`,
// `bind`/`unbind`, the admin API's /keys routes (and so `--remote`) and the desktop app's Keys page.
#pragma once

#include "app/workspace.h"
#include "keys/keyexchange.h"

#include <optional>

namespace ga::app {

// Fields left unset stay as they are.
struct KeyChange
{
    std::optional<QString> label;
    std::optional<QString> group;
    std::optional<int> weight;
    std::optional<QString> instance; // an instance id; empty: unbind
    std::optional<bool> enabled; // enabling also clears what the proxy learned (invalid, cooling)
    bool clearMarks = false; // a passing test: forget the learned state without changing `enabled`
};

class KeyOps
{
public:
    explicit KeyOps(Workspace &workspace)
        : m_ws(workspace)
    { }

    // One key given as text (a field, a paste line): its item, or Invalid at "secret"/"weight", or Conflict when
    // the key is configured already.
    std::optional<keys::ImportItem> newKey(
        const QByteArray &secret, const QString &label, const QString &group, int weight, Outcome *refused) const;

    using Added = std::function<void(const Outcome &, const QList<config::KeyEntry> &added)>;
    // Stores the secrets (one batch, named by the secrets journal until the config names them), then the entries;
    // the secrets are removed again when the config refuses. Keys configured in the meantime are refused (Conflict).
    void add(const QList<keys::ImportItem> &items, Added done);

    // Changes every key in `ids` (all must exist: NotFound otherwise) and saves once. `changed` gets the entries
    // as saved.
    Outcome change(const QStringList &ids, const KeyChange &change, QList<config::KeyEntry> *changed = nullptr);

    // Removes the entries first (a running proxy stops using them at once), then their secrets; the journal names
    // the secrets in between.
    void remove(const QStringList &ids, Done done);

private:
    Workspace &m_ws;
};

} // namespace ga::app
