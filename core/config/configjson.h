// SPDX-License-Identifier: GPL-3.0-or-later
// The config's entries as the JSON objects of the file's lists (keys.items, instances.items, auth.tokens.items).
// Reading them back is the validator's job (it checks each field). Also reachable through config/configschema.h.
#pragma once

#include "config/config.h"

#include <QJsonObject>

namespace ga::config::schema {

QJsonObject toJson(const KeyEntry &key);
QJsonObject toJson(const InstanceEntry &instance);
QJsonObject toJson(const TokenEntry &token);

} // namespace ga::config::schema
