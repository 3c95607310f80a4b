// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenscontroller.h"

#include "backend.h"
#include "daemon/service.h"
#include "listmodels.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"

namespace ga::ui {

TokensController::TokensController(daemon::Service *service, TokensModel *model, QObject *parent)
    : Controller(service, parent)
    , m_model(model)
{ }

TokensController *TokensController::create(QQmlEngine *engine, QJSEngine *js)
{
    return exposed(Backend::create(engine, js)->tokensController());
}

int TokensController::createToken(const QString &name)
{
    const int request = begin();
    admin()->createToken(name.trimmed(), [this, request, name = name.trimmed()](const AdminClient::Reply &reply) {
        m_model->refresh();
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        if (const QString token = reply.data().value(u"token").toString(); reply.status == 201 && !token.isEmpty()) {
            toClipboard(token);
        }
        succeed(request, [this, request, name] { Q_EMIT tokenCreated(request, name); });
    });
    return request;
}

int TokensController::rotateToken(const QString &name)
{
    const int request = begin();
    admin()->rotateToken(name, [this, request, name](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        if (const QString token = reply.data().value(u"token").toString(); reply.status == 200 && !token.isEmpty()) {
            toClipboard(token);
        }
        succeed(request, [this, request, name] { Q_EMIT tokenRotated(request, name); });
    });
    return request;
}

int TokensController::revokeToken(const QString &name)
{
    const int request = begin();
    admin()->revokeToken(name, [this, request, name](const AdminClient::Reply &reply) {
        m_model->refresh();
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        succeed(request, [this, request, name] { Q_EMIT tokenRevoked(request, name); });
    });
    return request;
}

int TokensController::copyToken(const QString &name)
{
    return copyToken(name, Report::Signals);
}

int TokensController::copyToken(const QString &name, Report report)
{
    const int request = begin(report);
    readToken(name, [this, request, name](bool ok, const QByteArray &token) {
        if (!ok) {
            fail(request, tr("There is no access token; create one in Settings"));
            return;
        }
        toClipboard(QString::fromLatin1(token));
        succeed(
            request, [this, request, name] { Q_EMIT tokenCopied(request, name); }, tr("Copied the access token"));
    });
    return request;
}

void TokensController::readToken(const QString &name, std::function<void(bool, const QByteArray &)> done)
{
    QString wanted = name;
    if (wanted.isEmpty() && !service()->config().tokens.isEmpty()) {
        wanted = service()->config().tokens.first().name;
    }
    if (wanted.isEmpty() || !service()->config().findToken(wanted)) {
        done(false, QByteArray());
        return;
    }
    service()->secretStore()->read(security::tokenEntryName(wanted), this,
        [done = std::move(done)](const secrets::SecretResult &r) { done(r.ok() && !r.value.isEmpty(), r.value); });
}

} // namespace ga::ui
