// SPDX-License-Identifier: GPL-3.0-or-later
// ClientConnection, the web console: its files under /admin/, its sign-in (/admin/session: the admin token once
// for an HttpOnly session cookie and a CSRF token), and who may call the admin API (clientdispatch.cpp).
#include "http/httperror.h"
#include "logging/logging.h"
#include "proxy/clientconnection.h"
#include "proxy/clientconnection_p.h"
#include "proxy/console.h"
#include "proxy/forwarding.h"
#include "proxy/proxyworker.h"
#include "security/adminsessions.h"
#include "security/authenticator.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslSocket>
#include <QTimeZone>

namespace ga::proxy {
namespace {

QByteArray sessionCookie(const QByteArray &value, qint64 maxAgeSeconds, bool tls)
{
    QByteArray c = QByteArray("Set-Cookie: ") + kConsoleCookie + '=' + value
        + "; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=" + QByteArray::number(maxAgeSeconds);
    if (tls) {
        c += "; Secure";
    }
    return c + "\r\n";
}

} // namespace

bool ClientConnection::isTls() const
{
    return qobject_cast<const QSslSocket *>(m_socket) != nullptr;
}

ClientConnection::AdminAccess ClientConnection::adminAccess()
{
    const http::Request &r = m_request;
    security::Authenticator *auth = m_worker->authenticator();
    // The admin token itself (the CLI's --remote, scripts): not a credential a browser sends on its own, so no CSRF
    // token is needed with it.
    if (auth->isAdmin(clientCredential(r.headers, r.query))) {
        return AdminAccess::Granted;
    }
    const QByteArray id = cookieValue(r.headers, kConsoleCookie);
    const std::optional<security::AdminSession> session
        = id.isEmpty() ? std::nullopt : auth->adminSession(id, QDateTime::currentMSecsSinceEpoch());
    if (!session) {
        return AdminAccess::NoCredential;
    }
    if (r.method == "GET" || r.method == "HEAD") {
        return AdminAccess::Granted;
    }
    // A browser attaches the cookie by itself; a write must also show the CSRF token, which only the console's own
    // page was given (a cross-origin page can neither read it nor set this header without our CORS consent).
    const QByteArray *csrf = http::findHeader(r.headers, "x-csrf-token");
    return csrf && security::sameSecret(csrf->trimmed(), session->csrfToken) ? AdminAccess::Granted
                                                                             : AdminAccess::BadCsrf;
}

void ClientConnection::serveConsole()
{
    const http::Request &r = m_request;
    m_record.kind = QStringLiteral("admin");
    if (r.path == "/admin/session") {
        serveSession();
        return;
    }
    if (r.method != "GET" && r.method != "HEAD") {
        sendError(405, QStringLiteral("The web console's pages are read with GET."), !m_keepAlive);
        return;
    }
    m_recordOpen = false; // the console's files stay out of the access log and the request counters, as probes do
    const QByteArray headers = consoleSecurityHeaders();
    if (r.path == "/admin") {
        answerLocally(308, "text/plain; charset=utf-8", "/admin/\n", "Location: /admin/\r\n" + headers);
        return;
    }
    if (!consoleBuilt()) {
        answerLocally(404, "text/html; charset=utf-8", consoleMissingPage(), "Cache-Control: no-store\r\n" + headers);
        return;
    }
    const std::optional<ConsoleFile> file = consoleFile(QByteArrayView(r.path).sliced(6), acceptsGzip(r.headers));
    if (!file) {
        sendError(404,
            QStringLiteral("The web console has no file %1.")
                .arg(QString::fromLatin1(r.path.left(200)).toHtmlEscaped()),
            !m_keepAlive);
        return;
    }
    QByteArray extra = headers;
    extra += file->immutable ? "Cache-Control: public, max-age=31536000, immutable\r\n" : "Cache-Control: no-cache\r\n";
    extra += "Vary: Accept-Encoding\r\n";
    if (file->gzip) {
        extra += "Content-Encoding: gzip\r\n";
    }
    answerLocally(200, file->contentType, file->body, extra);
}

void ClientConnection::serveSession()
{
    const http::Request &r = m_request;
    security::Authenticator *auth = m_worker->authenticator();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    auto answer = [&](const security::AdminSession &s, const QByteArray &cookie) {
        const QJsonObject body {
            { QStringLiteral("csrfToken"), QString::fromLatin1(s.csrfToken) },
            { QStringLiteral("expiresAt"), QDateTime::fromMSecsSinceEpoch(s.expiresMs, Qt::UTC).toString(Qt::ISODate) },
            // Served to another machine without TLS: the cookie and everything else cross the network readable.
            { QStringLiteral("insecureRemote"), !m_peerLoopback && !isTls() },
        };
        answerLocally(200, "application/json; charset=UTF-8", QJsonDocument(body).toJson(QJsonDocument::Compact),
            "Cache-Control: no-store\r\n" + cookie);
    };
    const QByteArray id = cookieValue(r.headers, kConsoleCookie);
    if (r.method == "POST") {
        const QJsonObject body = QJsonDocument::fromJson(r.body).object();
        const QByteArray token = body.value(u"token").toString().trimmed().toUtf8();
        const std::optional<security::AdminSession> s = auth->openAdminSession(token, now);
        if (!s) {
            m_worker->counters()->unauthenticated.fetch_add(1, std::memory_order_relaxed);
            qCDebug(lcSecurity).noquote() << "console sign-in refused for" << m_peerText; // as other 401s
            sendError(401,
                QStringLiteral("That is not the admin token. Print it with 'gemini-aggregatord token show --admin'."),
                !m_keepAlive);
            return;
        }
        if (!id.isEmpty()) {
            auth->closeAdminSession(id); // a new sign-in replaces the browser's old session
        }
        m_record.client = QStringLiteral("console");
        qCInfo(lcSecurity).noquote() << "console signed in from" << m_peerText;
        answer(*s, sessionCookie(s->id, security::kAdminSessionMs / 1000, isTls()));
        return;
    }
    const std::optional<security::AdminSession> s = id.isEmpty() ? std::nullopt : auth->adminSession(id, now);
    if (r.method == "GET" || r.method == "HEAD") {
        if (!s) {
            sendError(401, QStringLiteral("Not signed in, or the session ended: sign in with the admin token."),
                !m_keepAlive);
            return;
        }
        m_record.client = QStringLiteral("console");
        answer(*s, {});
        return;
    }
    if (r.method == "DELETE") {
        if (s) {
            const QByteArray *csrf = http::findHeader(r.headers, "x-csrf-token");
            if (!csrf || !security::sameSecret(csrf->trimmed(), s->csrfToken)) {
                sendError(
                    403, QStringLiteral("Signing out needs the session's CSRF token (X-CSRF-Token)."), !m_keepAlive);
                return;
            }
            auth->closeAdminSession(id);
            m_record.client = QStringLiteral("console");
        }
        answerLocally(204, "text/plain", {}, sessionCookie({}, 0, isTls()));
        return;
    }
    sendError(405, QStringLiteral("/admin/session takes POST (sign in), GET (the session) and DELETE (sign out)."),
        !m_keepAlive);
}

} // namespace ga::proxy
