// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QString>

namespace ga::config {

inline constexpr const char *kConfigEnvVar = "GEMINI_AGGREGATOR_CONFIG";

// <platform config location>/gemini-aggregator/config.json (~/.config/… on Linux). The GUI and the
// daemon have different executable names, so the generic location is used to share one file.
QString defaultConfigPath();
// --config PATH, else $GEMINI_AGGREGATOR_CONFIG, else the default.
QString resolveConfigPath(const QString &commandLinePath);
// <platform data location>/gemini-aggregator: state, logs, the encrypted secret file.
QString dataDirectory();
QString secretFilePath(const Config &config);
// The key pool's learned state (cooldowns, invalid marks, usage): keystate.json beside the config file.
QString keyStatePath(const QString &configPath);
// The key pool's usage of the days before today: keyusage.json beside the config file, written once a day.
QString keyUsagePath(const QString &configPath);
// Who owns each file, cached content, batch and upload session: resources.json beside the config file.
QString resourceStatePath(const QString &configPath);
// The request history on disk (metrics/historystore.h): history.sqlite beside the config file.
QString historyDatabasePath(const QString &configPath);
// Secret-store entries written or removed by a command whose config write has not happened yet: secrets.journal
// beside the config file (secrets/secretjournal.h).
QString secretJournalPath(const QString &configPath);
// The HTTPS listener's own files (the local CA and its certificate; ACME's account key and certificates): tls/
// beside the config file, 0700.
QString tlsDirectory(const QString &configPath);

} // namespace ga::config
