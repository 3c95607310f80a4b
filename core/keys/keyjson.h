// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "keys/keypool.h"

#include <QJsonObject>

namespace ga::keys {

// The JSON views of a key shared by `keys list --json`, `keys stats --json` and the admin API. Masked
// key, never the secret.
QJsonObject keyListJson(const config::KeyEntry &key, const KeyReport &report);
QJsonObject keyStatsJson(const KeyReport &report);

} // namespace ga::keys
