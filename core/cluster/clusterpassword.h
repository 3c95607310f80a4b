// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace ga::cluster {

// The secret store entry of the cluster's Redis password (`gemini-aggregatord cluster password` writes it).
inline constexpr const char *kPasswordEntry = "cluster/redis";

} // namespace ga::cluster
