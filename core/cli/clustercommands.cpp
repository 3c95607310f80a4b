// SPDX-License-Identifier: GPL-3.0-or-later
// `cluster password`: the password of cluster.redis's Redis goes to the secret store (never the config file or the
// command line); running daemons read it again because the command stamps cluster.passwordSetAt.
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/terminal.h"
#include "cluster/clusterpassword.h"
#include "config/configschema.h"

#include <QDateTime>

namespace ga::cli {

int clusterCommand(Context &ctx, const QStringList &words)
{
    if (words.value(0) != u"password" || words.size() != 1) {
        return ctx.usage(
            QStringLiteral("cluster password (cluster status asks a daemon: --remote URL cluster status)"));
    }
    if (!ctx.workspace()) {
        return kExitFailure;
    }
    const Input input = readStandardInput(QStringLiteral("the Redis password"),
        QStringLiteral("printf %s \"$REDIS_PASSWORD\" | gemini-aggregatord cluster password"));
    if (!input.ok()) {
        return ctx.fail(input.error);
    }
    const QByteArray password = input.data.trimmed();
    const QString entry = QString::fromLatin1(cluster::kPasswordEntry);
    const secrets::SecretResult written
        = password.isEmpty() ? ctx.removeSecret(entry) : ctx.writeSecret(entry, password);
    if (!written.ok() && written.error != secrets::SecretError::NotFound) {
        return ctx.fail(written.message);
    }
    const app::Outcome saved = ctx.workspace()->update([](QJsonObject &doc) {
        config::schema::setValueAt(
            doc, QStringLiteral("cluster.passwordSetAt"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        return QString();
    });
    if (!saved.ok()) {
        return ctx.finish(saved);
    }
    ctx.note(password.isEmpty()
            ? QStringLiteral("Redis password removed; daemons connect without one")
            : QStringLiteral("Redis password stored in the secret store; running daemons use it now"));
    return kExitOk;
}

} // namespace ga::cli
