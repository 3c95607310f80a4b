// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settingsops.h"

#include "config/configschema.h"

namespace ga::app {

Outcome SettingsOps::set(const QJsonObject &values, const ListenGate &gate)
{
    QList<config::Problem> problems;
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (!config::schema::isSetting(it.key())) {
            QString why;
            config::schema::valueFromText(it.key(), QString(), &why); // names the closest setting
            problems.append(problemAt(it.key(), why));
        }
    }
    if (!problems.isEmpty()) {
        return Outcome::invalid(QStringLiteral("nothing was changed"), problems);
    }
    auto apply = [&values](QJsonObject &doc) {
        for (auto it = values.begin(); it != values.end(); ++it) {
            config::schema::setValueAt(doc, it.key(), it.value());
        }
    };
    QJsonObject next = m_ws.configStore().document();
    apply(next);
    const config::ParseResult checked
        = config::schema::parseForSave(config::schema::serialize(next), m_ws.configStore().document());
    for (const config::Problem &p : checked.problems) {
        if (p.severity == config::Problem::Severity::Error) {
            problems.append(p);
        }
    }
    if (!problems.isEmpty()) {
        return Outcome::invalid(QStringLiteral("nothing was changed"), problems);
    }
    // A new listen address is bound (or probed) before it is saved, so the file keeps an address the next start can
    // use. Other settings can be saved while the address in force cannot be bound.
    const config::Config &inForce = m_ws.config();
    const bool listenChanges
        = checked.config.listenHost != inForce.listenHost || checked.config.listenPort != inForce.listenPort;
    if (QString why;
        listenChanges && gate.prepare && !gate.prepare(checked.config.listenHost, checked.config.listenPort, &why)) {
        const QString path
            = checked.config.listenPort != inForce.listenPort || checked.config.listenHost == inForce.listenHost
            ? QStringLiteral("listen.port")
            : QStringLiteral("listen.host");
        return Outcome::conflict(QStringLiteral("nothing was changed: %1").arg(why), { problemAt(path, why) });
    }
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        apply(doc);
        return QString();
    });
    if (!saved.ok() && listenChanges && gate.undo) {
        gate.undo();
    }
    return saved;
}

Outcome SettingsOps::setMode(const QString &mode)
{
    if (mode != u"local" && mode != u"serverless" && mode != u"hybrid") {
        return Outcome::invalid(QStringLiteral("'%1' is not a mode; use local, serverless or hybrid").arg(mode),
            { problemAt(QStringLiteral("mode"), QStringLiteral("expected local, serverless or hybrid")) });
    }
    return set(QJsonObject { { QStringLiteral("routing.mode"), mode } });
}

} // namespace ga::app
