// SPDX-License-Identifier: GPL-3.0-or-later
#include "setupcontroller.h"

#include "backend.h"
#include "tokenscontroller.h"

namespace ga::ui {

namespace {
QString tokenPlaceholder()
{
    return QStringLiteral("<your access token>");
}
} // namespace

SetupController::SetupController(
    daemon::Service *service, TokensController *tokens, std::function<QString()> endpoint, QObject *parent)
    : Controller(service, parent)
    , m_tokens(tokens)
    , m_endpoint(std::move(endpoint))
{ }

SetupController *SetupController::create(QQmlEngine *engine, QJSEngine *js)
{
    return exposed(Backend::create(engine, js)->setupController());
}

QString SetupController::setupSnippet(const QString &tool) const
{
    const QString url = m_endpoint();
    const QString token = tokenPlaceholder();
    if (tool == u"gemini-cli") {
        return QStringLiteral("export GOOGLE_GEMINI_BASE_URL=%1\nexport GEMINI_API_KEY=%2").arg(url, token);
    }
    if (tool == u"cline") {
        return tr("API Provider: Google Gemini\nUse custom base URL: %1\nGemini API Key: %2").arg(url, token);
    }
    if (tool == u"continue") {
        return QStringLiteral("models:\n"
                              "  - name: Gemini (Aggregator)\n"
                              "    provider: gemini\n"
                              "    model: gemini-2.5-flash\n"
                              "    apiBase: %1/v1beta/\n"
                              "    apiKey: %2")
            .arg(url, token);
    }
    if (tool == u"openai") {
        return tr("Base URL: %1/v1beta/openai/\nAPI key: %2\nModel: gemini-2.5-flash").arg(url, token);
    }
    return QString();
}

int SetupController::copySetup(const QString &tool)
{
    return copySetup(tool, Report::Signals);
}

int SetupController::copySetup(const QString &tool, Report report)
{
    const int request = begin(report);
    const QString text = setupSnippet(tool);
    if (text.isEmpty()) {
        fail(request, tr("There is no setup for '%1'").arg(tool));
        return request;
    }
    m_tokens->readToken(QString(), [this, request, text, tool](bool ok, const QByteArray &token) {
        if (!ok) {
            fail(request, tr("There is no access token; create one in Settings"));
            return;
        }
        toClipboard(QString(text).replace(tokenPlaceholder(), QString::fromLatin1(token)));
        succeed(
            request, [this, request, tool] { Q_EMIT setupCopied(request, tool); },
            tr("Copied the setup, access token included"));
    });
    return request;
}

} // namespace ga::ui
