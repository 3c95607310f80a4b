// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/logging.h"

Q_LOGGING_CATEGORY(lcConfig, "ga.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSecrets, "ga.secrets", QtInfoMsg)
Q_LOGGING_CATEGORY(lcKeys, "ga.keys", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDaemon, "ga.daemon", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCli, "ga.cli", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProxy, "ga.proxy", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "ga.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRouting, "ga.routing", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "ga.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSecurity, "ga.security", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "ga.ui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAccess, "ga.access", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMetrics, "ga.metrics", QtInfoMsg)
