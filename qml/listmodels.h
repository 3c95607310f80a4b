// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rowlistmodel.h"

#include <QTimer>

namespace ga::daemon {
class Service;
}

namespace ga::ui {

// The configured keys with what the pool knows of them. Roles: id, label, masked ("AIza…x9Q2"), group,
// weight, instance (bound relay id or ""), instanceName, enabled, state (active|cooling|invalid|disabled),
// reason, untilMs (cooling: when it ends, UTC ms; else -1), coolingModels, requestsToday, tokensToday,
// lastError, lastUsedMs.
class KeysModel final : public RowListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the keys come from Backend.keys")

public:
    explicit KeysModel(daemon::Service *service, QObject *parent = nullptr);
    Q_INVOKABLE void refresh();

private:
    daemon::Service *m_service;
};

// Relay instances with their health. Roles: id, name, url, enabled, health (unknown|healthy|unhealthy),
// usable, latencyMs (-1 unknown), lastError, unhealthyUntilMs, boundKeys.
class InstancesModel final : public RowListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the instances come from Backend.instances")

public:
    explicit InstancesModel(daemon::Service *service, QObject *parent = nullptr);
    Q_INVOKABLE void refresh();

private:
    daemon::Service *m_service;
};

// Access token names (never the tokens). Roles: id (= name), name, created, rotated (ISO strings or ""),
// requestsPerMinute, requestsPerDay, concurrentStreams (-1: the global default applies).
class TokensModel final : public RowListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the tokens come from Backend.tokens")

public:
    explicit TokensModel(daemon::Service *service, QObject *parent = nullptr);
    Q_INVOKABLE void refresh();

private:
    daemon::Service *m_service;
};

} // namespace ga::ui
