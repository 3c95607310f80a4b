// SPDX-License-Identifier: GPL-3.0-or-later
#include "instancescontroller.h"

#include "backend.h"
#include "config/configschema.h"
#include "daemon/service.h"
#include "listmodels.h"
#include "logging/usertext.h"

#include <QFile>

namespace ga::ui {

InstancesController::InstancesController(daemon::Service *service, InstancesModel *model, QObject *parent)
    : Controller(service, parent)
    , m_model(model)
{ }

InstancesController *InstancesController::create(QQmlEngine *engine, QJSEngine *js)
{
    return exposed(Backend::create(engine, js)->instancesController());
}

QString InstancesController::checkInstanceUrl(const QString &url) const
{
    if (url.trimmed().isEmpty()) {
        return tr("Enter the relay's URL, e.g. https://my-relay.deno.dev");
    }
    return config::schema::httpUrlProblem(url.trimmed());
}

int InstancesController::addInstance(const QString &name, const QString &url, const QString &secret)
{
    const int request = begin();
    QJsonObject body { { QStringLiteral("name"), name.trimmed() }, { QStringLiteral("url"), url.trimmed() } };
    if (!secret.isEmpty()) {
        body.insert(QStringLiteral("secret"), secret);
    }
    admin()->addInstance(body, [this, request](const AdminClient::Reply &reply) {
        m_model->refresh();
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        // A made secret is needed once, in the relay's settings: it goes to the clipboard, not to QML.
        const QString made = reply.data().value(u"secret").toString();
        const bool copied = reply.status == 201 && !made.isEmpty();
        if (copied) {
            toClipboard(made);
        }
        succeed(request, [this, request, id = reply.data().value(u"id").toString(), copied] {
            Q_EMIT instanceAdded(request, id, copied);
        });
    });
    return request;
}

int InstancesController::updateInstance(const QString &id, const QVariantMap &fields)
{
    const int request = begin();
    admin()->updateInstance(
        id, QJsonObject::fromVariantMap(fields), [this, request, id](const AdminClient::Reply &reply) {
            if (!reply.ok()) {
                fail(request, reply);
                return;
            }
            succeed(request, [this, request, id] { Q_EMIT instanceUpdated(request, id); });
        });
    return request;
}

int InstancesController::testInstance(const QString &id)
{
    const int request = begin();
    admin()->testInstance(id, [this, request, id](const AdminClient::Reply &reply) {
        m_model->refresh();
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        const QJsonObject o = reply.data();
        succeed(request,
            [this, request, id, result = o.value(u"result").toString(),
                message = logging::translated(o.value(u"detail").toString()),
                latency = o.value(u"latencyMs").toInt(-1)] {
                Q_EMIT instanceTested(request, id, result, message, latency);
            });
    });
    return request;
}

int InstancesController::removeInstance(const QString &id)
{
    const int request = begin();
    admin()->removeInstance(id, [this, request, id](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        succeed(request, [this, request, id] { Q_EMIT instanceRemoved(request, id); });
    });
    return request;
}

QStringList InstancesController::keysBoundTo(const QString &id) const
{
    QStringList out;
    for (const config::KeyEntry &k : service()->config().keys) {
        if (k.instance == id) {
            out.append(k.label.isEmpty() ? k.masked() : k.label);
        }
    }
    return out;
}

QString InstancesController::relayScript(const QString &kind) const
{
    const QString name = kind == u"deno" ? QStringLiteral("deno-relay.js")
        : kind == u"workers"             ? QStringLiteral("worker-relay.js")
                                         : QString();
    if (name.isEmpty()) {
        return QString();
    }
    QFile file(QStringLiteral(":/relay/") + name);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace ga::ui
