// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"

class QQmlEngine;

namespace ga::ui {

class TokensController;

// How to point a tool at the proxy, for the first-run guide and the tray: each tool's setup with the endpoint and a
// placeholder for the access token; the copy holds the real token (it goes to the clipboard, never into QML).
class SetupController final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(SetupController)

public:
    // `tokens` reads the access token; `endpoint` is the proxy's URL as the window shows it.
    SetupController(daemon::Service *service, TokensController *tokens, std::function<QString()> endpoint,
        QObject *parent = nullptr);

    // QML_SINGLETON: the one the Backend made.
    static SetupController *create(QQmlEngine *engine, QJSEngine *js);

    // tool: gemini-cli | cline | continue | openai. The text shows "<your access token>" in place of the token;
    // "" for an unknown tool.
    Q_INVOKABLE QString setupSnippet(const QString &tool) const;
    // The same text with the first access token in it, to the clipboard → setupCopied, or failed.
    Q_INVOKABLE int copySetup(const QString &tool);
    int copySetup(const QString &tool, Report report);

Q_SIGNALS:
    void setupCopied(int request, const QString &tool);

private:
    TokensController *m_tokens;
    std::function<QString()> m_endpoint;
};

} // namespace ga::ui
