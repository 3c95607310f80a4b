// SPDX-License-Identifier: GPL-3.0-or-later
#include "adminclient.h"

#include "daemon/service.h"
#include "logging/usertext.h"
#include "proxy/adminport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

namespace ga::ui {

QString AdminClient::Reply::message() const
{
    return logging::translated(body.toObject().value(u"error").toObject().value(u"message").toString());
}

QVariantList AdminClient::Reply::problems() const
{
    QVariantList out = body.toObject().value(u"error").toObject().value(u"problems").toArray().toVariantList();
    for (QVariant &problem : out) {
        QVariantMap p = problem.toMap();
        p.insert(QStringLiteral("message"), logging::translated(p.value(QStringLiteral("message")).toString()));
        problem = p;
    }
    return out;
}

QString AdminClient::Reply::fault() const
{
    if (ok()) {
        return QString();
    }
    switch (status) {
    case 404:
        return QStringLiteral("not-found");
    case 409:
        return QStringLiteral("conflict");
    case 503:
        return QStringLiteral("busy");
    }
    return status >= 400 && status < 500 ? QStringLiteral("invalid") : QStringLiteral("failed");
}

AdminClient::AdminClient(daemon::Service *service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{ }

void AdminClient::call(const QByteArray &method, const QString &path, const QJsonValue &body, Done done)
{
    proxy::AdminRequest request;
    request.method = method;
    request.path = path.toUtf8();
    if (body.isObject()) {
        request.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    }
    QPointer<AdminClient> self(this);
    m_service->adminHandler()->handle(std::move(request), [self, done = std::move(done)](proxy::AdminResponse r) {
        const QJsonDocument doc = QJsonDocument::fromJson(r.body);
        Reply reply { r.status, doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object()) };
        // The answer may come from any thread: hand it to the GUI thread, where `self` may be checked.
        QMetaObject::invokeMethod(
            qApp,
            [self, done, reply] {
                if (self && done) {
                    done(reply);
                }
            },
            Qt::QueuedConnection);
    });
}

void AdminClient::addKey(const QJsonObject &fields, Done done)
{
    call("POST", QStringLiteral("/keys"), fields, std::move(done));
}

void AdminClient::updateKey(const QString &id, const QJsonObject &fields, Done done)
{
    call("PATCH", QStringLiteral("/keys/%1").arg(id), fields, std::move(done));
}

void AdminClient::testKey(const QString &id, Done done)
{
    call("POST", QStringLiteral("/keys/%1/test").arg(id), QJsonValue(), std::move(done));
}

void AdminClient::removeKey(const QString &id, Done done)
{
    call("DELETE", QStringLiteral("/keys/%1").arg(id), QJsonValue(), std::move(done));
}

void AdminClient::addInstance(const QJsonObject &fields, Done done)
{
    call("POST", QStringLiteral("/instances"), fields, std::move(done));
}

void AdminClient::updateInstance(const QString &id, const QJsonObject &fields, Done done)
{
    call("PATCH", QStringLiteral("/instances/%1").arg(id), fields, std::move(done));
}

void AdminClient::testInstance(const QString &id, Done done)
{
    call("POST", QStringLiteral("/instances/%1/test").arg(id), QJsonValue(), std::move(done));
}

void AdminClient::removeInstance(const QString &id, Done done)
{
    call("DELETE", QStringLiteral("/instances/%1").arg(id), QJsonValue(), std::move(done));
}

void AdminClient::createToken(const QString &name, Done done)
{
    call("POST", QStringLiteral("/tokens"), QJsonObject { { QStringLiteral("name"), name } }, std::move(done));
}

void AdminClient::rotateToken(const QString &name, Done done)
{
    call("POST", QStringLiteral("/tokens/%1/rotate").arg(name), QJsonValue(), std::move(done));
}

void AdminClient::revokeToken(const QString &name, Done done)
{
    call("DELETE", QStringLiteral("/tokens/%1").arg(name), QJsonValue(), std::move(done));
}

void AdminClient::updateConfig(const QJsonObject &values, Done done)
{
    call("PATCH", QStringLiteral("/config"), values, std::move(done));
}

void AdminClient::setMode(const QString &mode, Done done)
{
    call("PUT", QStringLiteral("/mode"), QJsonObject { { QStringLiteral("mode"), mode } }, std::move(done));
}

void AdminClient::setProxyPassword(const QString &password, Done done)
{
    call("PUT", QStringLiteral("/config/proxyPassword"), QJsonObject { { QStringLiteral("password"), password } },
        std::move(done));
}

void AdminClient::deleteResource(const QString &path, Done done)
{
    call("DELETE", path, QJsonValue(), std::move(done));
}

} // namespace ga::ui
