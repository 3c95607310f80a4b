// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"

#include <QVariantMap>

class QQmlEngine;

namespace ga::ui {

// The Settings page's form and its fields: what a setting is (by dotted config path: "listen.port",
// "upstream.proxy", …), which typed values would be refused, and saving all of them or none.
class SettingsController final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(SettingsController)

    // Set while the configured listen address cannot be bound: the page shows it at listen.port.
    Q_PROPERTY(QString listenProblem READ listenProblem NOTIFY listenProblemChanged)
    // The HTTPS listener's certificate: {present, subject, names, issuer, notAfter, daysLeft, source, nextRenewal,
    // lastError, url} (core/tls toJson); shown under the HTTPS settings.
    Q_PROPERTY(QVariantMap tlsStatus READ tlsStatus NOTIFY tlsStatusChanged)

public:
    explicit SettingsController(daemon::Service *service, QObject *parent = nullptr);

    // QML_SINGLETON: the one the Backend made.
    static SettingsController *create(QQmlEngine *engine, QJSEngine *js);

    QString listenProblem() const;
    QVariantMap tlsStatus() const;

    // {value, default, kind: bool|int|string|enum, choices, min, max, unit, description}; {} for no setting.
    Q_INVOKABLE QVariantMap setting(const QString &path) const;
    // {path: message} for every value that would be refused; empty when all are valid. Nothing is saved.
    Q_INVOKABLE QVariantMap checkSettings(const QVariantMap &values) const;
    // Saves all of `values` or none → settingsSaved, or failed with a problem per refused path (fault "conflict"
    // when the new listen address cannot be bound).
    Q_INVOKABLE int saveSettings(const QVariantMap &values);
    int saveSettings(const QVariantMap &values, Report report);
    // upstream.proxy's password into the secret store (empty: removed), never the config file → proxyPasswordSaved.
    Q_INVOKABLE int saveProxyPassword(const QString &password);

Q_SIGNALS:
    void listenProblemChanged();
    void tlsStatusChanged();
    void settingsSaved(int request);
    void proxyPasswordSaved(int request);
};

} // namespace ga::ui
