// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/configstore.h"

#include <QObject>

namespace ga::secrets {
class SecretStore;
}

namespace ga::daemon {

// The running aggregator, shared by the headless daemon and the GUI: it follows the config file and
// (from the proxy issue on) owns the listener. Neither store is owned.
class Service final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Service)

public:
    Service(config::ConfigStore *config, secrets::SecretStore *secrets, QObject *parent = nullptr);
    ~Service() override;

    // Writes the default config on first run and starts following the file. Returns false with a
    // one-sentence reason when it cannot.
    bool start(QString *error);
    const config::Config &config() const { return m_config->config(); }
    // --log-level given: log.level edits no longer change the level.
    void pinLogLevel() { m_logLevelPinned = true; }

Q_SIGNALS:
    // A valid edit is in force; `changes` reads like "routing.mode: local → hybrid".
    void configApplied(const QStringList &changes);
    void configRejected(const QString &reason);

private:
    void onConfigChanged();

    config::ConfigStore *m_config;
    secrets::SecretStore *m_secrets;
    QJsonObject m_effective;
    bool m_logLevelPinned = false;
};

// Settings that differ between two config documents, as "path: old → new" (lists as counts).
QStringList describeChanges(const QJsonObject &before, const QJsonObject &after);

} // namespace ga::daemon
