// SPDX-License-Identifier: GPL-3.0-or-later
// `proxy password`: the password of upstream.proxy's user goes to the secret store (never the config file or the
// command line); running daemons read it again because the command stamps upstream.proxyPasswordSetAt.
#include "app/settingsops.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/terminal.h"
#include "upstream/upstream.h"

namespace ga::cli {

int proxyCommand(Context &ctx, const QStringList &words)
{
    if (words.value(0) != u"password" || words.size() != 1) {
        return ctx.usage(QStringLiteral("proxy password"));
    }
    app::Workspace *workspace = ctx.workspace();
    if (!workspace) {
        return kExitFailure;
    }
    const Input input = readStandardInput(QStringLiteral("the proxy's password"),
        QStringLiteral("printf %s \"$PROXY_PASSWORD\" | gemini-aggregatord proxy password"));
    if (!input.ok()) {
        return ctx.fail(input.error);
    }
    const QByteArray password = passwordLine(input.data);
    const app::Outcome saved
        = ctx.await([&](app::Done done) { app::SettingsOps(*workspace).setProxyPassword(password, std::move(done)); });
    if (!saved.ok()) {
        return ctx.finish(saved);
    }
    if (password.isEmpty()) {
        ctx.note(QStringLiteral("proxy password removed; daemons ask the proxy without one"));
    } else if (!upstream::proxyNamesUser(workspace->config().upstreamProxy)) {
        ctx.note(QStringLiteral("proxy password stored in the secret store; it is used once upstream.proxy names "
                                "the user (config set upstream.proxy http://USER@HOST:PORT)"));
    } else {
        ctx.note(QStringLiteral("proxy password stored in the secret store; running daemons use it now"));
    }
    return kExitOk;
}

} // namespace ga::cli
