// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cli/context.h"

#include <QJsonDocument>
#include <QList>
#include <QStringList>
#include <QUrl>

namespace ga::cli {

// Each takes the words after the command name and returns an exit code (kExitOk/kExitFailure/kExitUsage).
int keysCommand(Context &ctx, const QStringList &words);
int instancesCommand(Context &ctx, const QStringList &words);
int bindCommand(Context &ctx, const QStringList &words);
int unbindCommand(Context &ctx, const QStringList &words);
int modeCommand(Context &ctx, const QStringList &words);
int configCommand(Context &ctx, const QStringList &words);
int tlsCommand(Context &ctx, const QStringList &words);
// cluster password | cluster status: cluster mode's Redis password (secret store) and the daemon's membership.
int clusterCommand(Context &ctx, const QStringList &words);
// proxy password: the password of upstream.proxy's user (secret store).
int proxyCommand(Context &ctx, const QStringList &words);
int tokenCommand(Context &ctx, const QStringList &words);
int exportCommand(Context &ctx, const QStringList &words);
// files list|show|delete, caches list|delete: the resources the proxy knows the owner of (resources.json); delete
// goes through the running daemon, which uses a key of the owner's project.
int filesCommand(Context &ctx, const QStringList &words);
int historyCommand(Context &ctx, const QStringList &words);
int cachesCommand(Context &ctx, const QStringList &words);

// One call to a daemon's admin API (/admin/api/v1 + path) with its admin token.
struct AdminAnswer
{
    int status = 0; // 0: not reached
    QJsonDocument json;
    QString networkError;
};
AdminAnswer callAdmin(const QUrl &base, const QByteArray &adminToken, const QByteArray &method, const QString &path);
// Any of the commands above, sent to a running daemon's admin API (--remote URL). `words` include the command.
int remoteCommand(Context &ctx, const QStringList &words);
int runCommand(Context &ctx, const QStringList &words);

// Reads the access token, creating and storing one on first use. Returns empty after printing why.
QByteArray ensureAccessToken(Context &ctx, bool *created);
// The admin API's token (made on first use; `rotate` replaces it). Empty after printing why.
QByteArray ensureAdminToken(Context &ctx, bool rotate, bool *created);

// Left-aligned columns, two spaces apart; the first row is the header. Control characters are shown escaped.
void printTable(QTextStream &out, const QList<QStringList> &rows);

} // namespace ga::cli
