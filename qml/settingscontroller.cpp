// SPDX-License-Identifier: GPL-3.0-or-later
#include "settingscontroller.h"

#include "backend.h"
#include "config/configschema.h"
#include "daemon/service.h"
#include "logging/usertext.h"
#include "tls/tlsidentity.h"

#include <QJsonObject>

namespace ga::ui {

SettingsController::SettingsController(daemon::Service *service, QObject *parent)
    : Controller(service, parent)
{
    connect(service, &daemon::Service::listenProblemChanged, this, &SettingsController::listenProblemChanged);
    connect(service, &daemon::Service::tlsStatusChanged, this, &SettingsController::tlsStatusChanged);
}

SettingsController *SettingsController::create(QQmlEngine *engine, QJSEngine *js)
{
    return exposed(Backend::create(engine, js)->settingsController());
}

QVariantMap SettingsController::tlsStatus() const
{
    QJsonObject o = tls::toJson(service()->tlsStatus());
    o.insert(QStringLiteral("url"), service()->tlsUrl());
    if (o.contains(u"lastError")) {
        o.insert(QStringLiteral("lastError"), logging::translated(o.value(u"lastError").toString()));
    }
    return o.toVariantMap();
}

QString SettingsController::listenProblem() const
{
    return logging::translated(service()->listenProblem());
}

QVariantMap SettingsController::setting(const QString &path) const
{
    const config::schema::SettingInfo info = config::schema::settingInfo(path);
    if (info.kind.isEmpty()) {
        return {};
    }
    const QJsonObject effective = config::schema::effectiveDocument(service()->configStore()->document());
    return { { QStringLiteral("value"), config::schema::valueAt(effective, path).toVariant() },
        { QStringLiteral("default"), info.defaultValue.toVariant() }, { QStringLiteral("kind"), info.kind },
        { QStringLiteral("choices"), info.choices }, { QStringLiteral("min"), info.min },
        { QStringLiteral("max"), info.max }, { QStringLiteral("unit"), info.unit },
        { QStringLiteral("description"), info.help } };
}

QVariantMap SettingsController::checkSettings(const QVariantMap &values) const
{
    QVariantMap problems;
    QJsonObject next = service()->configStore()->document();
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (!config::schema::isSetting(it.key())) {
            problems.insert(it.key(), tr("not a setting"));
            continue;
        }
        config::schema::setValueAt(next, it.key(), QJsonValue::fromVariant(it.value()));
    }
    // The validation a save applies (text rules, size, and the listen rule `run` applies) — not only the reader's.
    const config::ParseResult checked
        = config::schema::parseForSave(config::schema::serialize(next), service()->configStore()->document());
    for (const config::Problem &p : checked.problems) {
        if (p.isError()) {
            problems.insert(p.path.isEmpty() ? QStringLiteral("*") : p.path, logging::translated(p.message));
        }
    }
    return problems;
}

int SettingsController::saveSettings(const QVariantMap &values)
{
    return saveSettings(values, Report::Signals);
}

int SettingsController::saveSettings(const QVariantMap &values, Report report)
{
    const int request = begin(report);
    // Checked here first, so each refused value comes back at its field and nothing is written.
    if (const QVariantMap problems = checkSettings(values); !problems.isEmpty()) {
        QVariantList list;
        for (auto it = problems.begin(); it != problems.end(); ++it) {
            list.append(QVariantMap {
                { QStringLiteral("path"), it.key() }, { QStringLiteral("message"), it.value().toString() } });
        }
        fail(request, tr("Nothing was saved: fix the marked fields"), list);
        return request;
    }
    admin()->updateConfig(QJsonObject::fromVariantMap(values), [this, request](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        succeed(request, [this, request] { Q_EMIT settingsSaved(request); });
    });
    return request;
}

int SettingsController::saveProxyPassword(const QString &password)
{
    const int request = begin();
    admin()->setProxyPassword(password, [this, request](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        succeed(request, [this, request] { Q_EMIT proxyPasswordSaved(request); });
    });
    return request;
}

} // namespace ga::ui
