// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API, access tokens: list, create, rotate, revoke (the token is returned once).
#include "admin/adminapi.h"
#include "admin/adminreply.h"
#include "affinity/resourcemap.h"
#include "app/tokenops.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "http/httperror.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "keys/keyjson.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "metrics/recorder.h"
#include "proxy/observability.h"
#include "proxy/proxyserver.h"
#include "proxy/upstreamcall.h"
#include "routing/relayprobe.h"
#include "secrets/secretjournal.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "version.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSet>
#include <QUrlQuery>

namespace ga::admin {

void AdminApi::getTokens(const Request &, const QStringList &, std::function<void(Response)> reply)
{
    reply(json(200, app::TokenOps::listJson(m_runtime->workspace().config())));
}

namespace {

// The one answer that carries a token: the caller asked for it.
std::function<void(const app::Outcome &, const QByteArray &)> tokenReply(
    const QString &name, int status, std::function<void(Response)> reply)
{
    return [name, status, reply = std::move(reply)](const app::Outcome &done, const QByteArray &token) {
        reply(done.ok() ? json(status,
                  QJsonObject {
                      { QStringLiteral("name"), name }, { QStringLiteral("token"), QString::fromLatin1(token) } })
                        : refused(done));
    };
}

} // namespace

void AdminApi::postToken(const Request &rq, const QStringList &, std::function<void(Response)> reply)
{
    QJsonObject body;
    if (!bodyObject(rq, &body, reply)) {
        return;
    }
    BodyFields fields { body, {} };
    const QString name = fields.string(QStringLiteral("name")).value_or(QString());
    app::TokenOps::Limits limits;
    limits.requestsPerMinute = fields.whole(QStringLiteral("requestsPerMinute"));
    limits.requestsPerDay = fields.whole(QStringLiteral("requestsPerDay"));
    limits.concurrentStreams = fields.whole(QStringLiteral("concurrentStreams"));
    fields.onlyKnown({ QStringLiteral("name"), QStringLiteral("requestsPerMinute"), QStringLiteral("requestsPerDay"),
        QStringLiteral("concurrentStreams") });
    if (!fields.problems.isEmpty()) {
        fields.alsoCheck(app::TokenOps::check(name, limits));
        reply(error(400, QStringLiteral("no token was created"), fields.problems));
        return;
    }
    app::TokenOps(m_runtime->workspace()).add(name, limits, tokenReply(name, 201, std::move(reply)));
}

void AdminApi::rotateToken(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    const QString name = args.value(0);
    app::TokenOps(m_runtime->workspace()).rotate(name, tokenReply(name, 200, std::move(reply)));
}

void AdminApi::deleteToken(const Request &, const QStringList &args, std::function<void(Response)> reply)
{
    app::TokenOps(m_runtime->workspace()).revoke(args.value(0), [reply = std::move(reply)](const app::Outcome &done) {
        reply(done.ok() ? Response { 204, QByteArray() } : refused(done));
    });
}

} // namespace ga::admin
