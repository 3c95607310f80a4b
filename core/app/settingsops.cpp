// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settingsops.h"

#include "config/configschema.h"
#include "logging/usertext.h"
#include "secrets/secretstore.h"
#include "upstream/upstream.h"

#include <QDateTime>

namespace ga::app {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kNothingWasChanged("ga::app", QT_TRANSLATE_NOOP("ga::app", "nothing was changed"));
const logging::UserText kNothingWasChangedBecause("ga::app", QT_TRANSLATE_NOOP("ga::app", "nothing was changed: %1"));
const logging::UserText kIsNotAModeUse(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "'%1' is not a mode; use local, serverless or hybrid"));
const logging::UserText kSecretStoreRefusedProxyPassword(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "the secret store refused the proxy's password: %1"));
const logging::UserText kExpectedLocalServerlessOrHybrid(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "expected local, serverless or hybrid"));

void applyValues(QJsonObject &doc, const QJsonObject &values)
{
    for (auto it = values.begin(); it != values.end(); ++it) {
        config::schema::setValueAt(doc, it.key(), it.value());
    }
}

} // namespace

Outcome SettingsOps::check(const QJsonObject &values, config::ParseResult *result) const
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
        return Outcome::invalid(kNothingWasChanged.text(), problems);
    }
    QJsonObject next = m_ws.configStore().document();
    applyValues(next, values);
    const config::ParseResult checked
        = config::schema::parseForSave(config::schema::serialize(next), m_ws.configStore().document());
    for (const config::Problem &p : checked.problems) {
        if (p.severity == config::Problem::Severity::Error) {
            problems.append(p);
        }
    }
    if (!problems.isEmpty()) {
        return Outcome::invalid(kNothingWasChanged.text(), problems);
    }
    if (result) {
        *result = checked;
    }
    return Outcome::done();
}

Outcome SettingsOps::set(const QJsonObject &values, const ListenGate &gate)
{
    config::ParseResult checked;
    if (Outcome refused = check(values, &checked); !refused.ok()) {
        return refused;
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
        return Outcome::conflict(kNothingWasChangedBecause.text().arg(why), { problemAt(path, why) });
    }
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        applyValues(doc, values);
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
        return Outcome::invalid(kIsNotAModeUse.text().arg(mode),
            { problemAt(QStringLiteral("mode"), kExpectedLocalServerlessOrHybrid.text()) });
    }
    return set(QJsonObject { { QStringLiteral("routing.mode"), mode } });
}

void SettingsOps::setProxyPassword(const QByteArray &password, Done done)
{
    Workspace *ws = &m_ws;
    auto stamp = [ws, done = std::move(done)](const secrets::SecretResult &r) {
        if (!r.ok() && r.error != secrets::SecretError::NotFound) { // removing one that was never stored is fine
            done(Outcome::failed(kSecretStoreRefusedProxyPassword.text().arg(r.message)));
            return;
        }
        done(ws->update([](QJsonObject &doc) {
            config::schema::setValueAt(doc, QStringLiteral("upstream.proxyPasswordSetAt"),
                QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
            return QString();
        }));
    };
    const QString entry = QString::fromLatin1(upstream::kProxyPasswordEntry);
    if (password.isEmpty()) {
        ws->secretStore()->remove(entry, ws->context(), std::move(stamp));
    } else {
        ws->secretStore()->write(entry, password, ws->context(), std::move(stamp));
    }
}

} // namespace ga::app
