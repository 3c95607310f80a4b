// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/commands.h"
#include "logging/logging.h"
#include "security/accesstoken.h"

namespace ga::cli {

QByteArray ensureAccessToken(Context &ctx, bool *created)
{
    *created = false;
    if (!ctx.openSecrets()) {
        return QByteArray();
    }
    const secrets::SecretResult existing = ctx.readSecret(QString::fromLatin1(security::kAccessTokenEntry));
    if (existing.ok() && !existing.value.isEmpty()) {
        return existing.value;
    }
    if (!existing.ok() && existing.error != secrets::SecretError::NotFound) {
        ctx.fail(existing.message);
        return QByteArray();
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(QString::fromLatin1(security::kAccessTokenEntry), token);
    if (!written.ok()) {
        ctx.fail(written.message);
        return QByteArray();
    }
    *created = true;
    qCInfo(lcSecurity) << "generated a new local access token";
    return token;
}

int tokenCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    if (words.size() != 1 || (sub != u"show" && sub != u"rotate")) {
        return ctx.usage(QStringLiteral("usage: token show | token rotate"));
    }
    if (!ctx.loadConfig()) {
        return kExitFailure;
    }
    if (sub == u"show") {
        bool created = false;
        const QByteArray token = ensureAccessToken(ctx, &created);
        if (token.isEmpty()) {
            return kExitFailure;
        }
        // The one place a secret is printed on purpose: the user asked for it, on stdout only.
        ctx.out() << QString::fromLatin1(token) << Qt::endl;
        if (created) {
            ctx.note(QStringLiteral("this is a new access token; clients send it as 'Authorization: Bearer TOKEN'"));
        }
        return kExitOk;
    }
    if (!ctx.openSecrets()) {
        return kExitFailure;
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(QString::fromLatin1(security::kAccessTokenEntry), token);
    if (!written.ok()) {
        return ctx.fail(written.message);
    }
    ctx.out() << QString::fromLatin1(token) << Qt::endl;
    ctx.note(QStringLiteral("the old access token no longer works; update your clients with the new one"));
    return kExitOk;
}

} // namespace ga::cli
