// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"

#include <QVariantMap>

class QQmlEngine;

namespace ga::ui {

class InstancesModel;

// The Relays page and its add/edit dialog: add, edit, test and remove relay instances, the keys a removal unbinds,
// and the paste-ready relay scripts. A relay secret is write-only: one the proxy makes goes to the clipboard, and
// no signal carries it. The rows themselves are Backend.instances.
class InstancesController final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(InstancesController)

public:
    // `model` is refreshed after an add and a test (the health a test found).
    InstancesController(daemon::Service *service, InstancesModel *model, QObject *parent = nullptr);

    // QML_SINGLETON: the one the Backend made.
    static InstancesController *create(QQmlEngine *engine, QJSEngine *js);

    // "" when `url` is a usable relay URL, else why not.
    Q_INVOKABLE QString checkInstanceUrl(const QString &url) const;
    // An empty secret makes one, which goes to the clipboard → instanceAdded(secretCopied: true).
    Q_INVOKABLE int addInstance(const QString &name, const QString &url, const QString &secret);
    // fields: any of name, url, enabled → instanceUpdated.
    Q_INVOKABLE int updateInstance(const QString &id, const QVariantMap &fields);
    // → instanceTested (a relay that fails the test is a result), or failed when the test could not run.
    Q_INVOKABLE int testInstance(const QString &id);
    // → instanceRemoved; the keys bound to it go back to unbound.
    Q_INVOKABLE int removeInstance(const QString &id);
    // Labels of the keys bound to `id` (they go back to unbound when it is removed).
    Q_INVOKABLE QStringList keysBoundTo(const QString &id) const;
    // deno | workers: the paste-ready relay script shipped with the app.
    Q_INVOKABLE QString relayScript(const QString &kind) const;

Q_SIGNALS:
    void instanceAdded(int request, const QString &id, bool secretCopied);
    void instanceUpdated(int request, const QString &id);
    // result: ok|unreachable|bad-secret|no-upstream|…; message: the relay's detail; latencyMs: -1 unknown.
    void instanceTested(int request, const QString &id, const QString &result, const QString &message, int latencyMs);
    void instanceRemoved(int request, const QString &id);

private:
    InstancesModel *m_model;
};

} // namespace ga::ui
