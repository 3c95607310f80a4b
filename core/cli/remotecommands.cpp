// SPDX-License-Identifier: GPL-3.0-or-later
// --remote URL: the same commands, carried out by a running daemon through its admin API.
#include "cli/commands.h"
#include "cli/commandtable.h"
#include "cli/terminal.h"
#include "logging/redact.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

namespace ga::cli {
namespace {

struct Call
{
    QByteArray method;
    QString path; // under /admin/api/v1
    QJsonObject body;
    bool hasBody = false;
    QString query;
    QString failure; // the input could not be read (one sentence); nothing is sent
};

struct Answer
{
    int status = 0;
    QJsonDocument json;
    QString networkError;
};

Answer send(const QUrl &base, const QByteArray &adminToken, const Call &call)
{
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QUrl url = base;
    const qsizetype q = call.path.indexOf(u'?');
    url.setPath(base.path().chopped(base.path().endsWith(u'/') ? 1 : 0) + QStringLiteral("/admin/api/v1")
        + (q < 0 ? call.path : call.path.left(q)));
    if (q >= 0) {
        url.setQuery(call.path.mid(q + 1), QUrl::StrictMode);
    }
    if (!call.query.isEmpty()) {
        url.setQuery(call.query);
    }
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + adminToken);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(60'000);
    const QByteArray payload = call.hasBody ? QJsonDocument(call.body).toJson(QJsonDocument::Compact) : QByteArray();
    QNetworkReply *reply = nam.sendCustomRequest(request, call.method, payload);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Answer a;
    a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    a.json = QJsonDocument::fromJson(reply->readAll());
    if (a.status == 0) {
        a.networkError = reply->errorString();
    }
    reply->deleteLater();
    return a;
}

// Maps the command words to an admin call; empty method: not available remotely (reason in `why`).
Call plan(Context &ctx, const QStringList &words, QString *why)
{
    const QString cmd = words.value(0);
    const QString sub = words.value(1);
    const QString arg = words.value(2);
    Call c;
    auto get = [&](const QString &path) {
        c.method = "GET";
        c.path = path;
    };
    auto with = [&](const char *method, const QString &path, const QJsonObject &body) {
        c.method = method;
        c.path = path;
        c.body = body;
        c.hasBody = true;
    };
    if (cmd == u"status" && words.size() == 1) {
        get(QStringLiteral("/status"));
    } else if (cmd == u"cluster" && sub == u"status" && words.size() == 2) {
        get(QStringLiteral("/cluster"));
    } else if (cmd == u"proxy" && sub == u"password" && words.size() == 2) {
        const Input input = readStandardInput(QStringLiteral("the proxy's password"),
            QStringLiteral("printf %s \"$PROXY_PASSWORD\" | gemini-aggregatord --remote URL proxy password"));
        if (!input.ok()) {
            c.failure = input.error;
            return c;
        }
        with("PUT", QStringLiteral("/config/proxyPassword"),
            QJsonObject { { QStringLiteral("password"), QString::fromUtf8(passwordLine(input.data)) } });
    } else if (cmd == u"keys" && sub == u"list" && words.size() == 2) {
        get(QStringLiteral("/keys"));
    } else if (cmd == u"keys" && sub == u"stats" && words.size() == 2) {
        get(QStringLiteral("/stats"));
    } else if (cmd == u"keys" && sub == u"add" && words.size() == 2) {
        const Input input = readStandardInput(QStringLiteral("the key"),
            QStringLiteral("echo \"$GEMINI_KEY\" | gemini-aggregatord --remote URL keys add"));
        if (!input.ok()) {
            c.failure = input.error;
            return c;
        }
        QJsonObject body { { QStringLiteral("secret"), QString::fromLatin1(input.data.trimmed()) } };
        if (ctx.args().has(QStringLiteral("label"))) {
            body.insert(QStringLiteral("label"), ctx.args().value(QStringLiteral("label")));
        }
        if (ctx.args().has(QStringLiteral("group"))) {
            body.insert(QStringLiteral("group"), ctx.args().value(QStringLiteral("group")));
        }
        if (ctx.args().has(QStringLiteral("weight"))) {
            body.insert(QStringLiteral("weight"), ctx.args().value(QStringLiteral("weight")).toInt());
        }
        with("POST", QStringLiteral("/keys"), body);
    } else if (cmd == u"keys" && (sub == u"enable" || sub == u"disable") && words.size() == 3) {
        with("PATCH", QStringLiteral("/keys/") + arg, QJsonObject { { QStringLiteral("enabled"), sub == u"enable" } });
    } else if (cmd == u"keys" && sub == u"remove" && words.size() == 3) {
        c.method = "DELETE";
        c.path = QStringLiteral("/keys/") + arg;
    } else if (cmd == u"keys" && sub == u"test" && words.size() == 3) {
        with("POST", QStringLiteral("/keys/") + arg + QStringLiteral("/test"), {});
    } else if (cmd == u"instances" && sub == u"list" && words.size() == 2) {
        get(QStringLiteral("/instances"));
    } else if (cmd == u"instances" && sub == u"add" && words.size() == 2) {
        QJsonObject body { { QStringLiteral("name"), ctx.args().value(QStringLiteral("name")) },
            { QStringLiteral("url"), ctx.args().value(QStringLiteral("url")) } };
        if (!stdinIsTerminal()) {
            const Input input = readStandardInput(QStringLiteral("the relay secret (or </dev/null to have one made)"),
                QStringLiteral("printf %s \"$RELAY_SECRET\" | gemini-aggregatord --remote URL instances add ..."));
            if (!input.ok()) {
                c.failure = input.error;
                return c;
            }
            if (const QByteArray secret = input.data.trimmed(); !secret.isEmpty()) {
                body.insert(QStringLiteral("secret"), QString::fromUtf8(secret));
            }
        }
        with("POST", QStringLiteral("/instances"), body);
    } else if (cmd == u"instances" && sub == u"remove" && words.size() == 3) {
        c.method = "DELETE";
        c.path = QStringLiteral("/instances/") + arg;
    } else if (cmd == u"instances" && sub == u"test" && words.size() == 3) {
        with("POST", QStringLiteral("/instances/") + arg + QStringLiteral("/test"), {});
    } else if (cmd == u"bind" && words.size() == 3) {
        with("PATCH", QStringLiteral("/keys/") + sub, QJsonObject { { QStringLiteral("instance"), arg } });
    } else if (cmd == u"unbind" && words.size() == 2) {
        with("PATCH", QStringLiteral("/keys/") + sub, QJsonObject { { QStringLiteral("instance"), QJsonValue() } });
    } else if (cmd == u"mode" && words.size() == 1) {
        get(QStringLiteral("/mode"));
    } else if (cmd == u"mode" && words.size() == 2) {
        with("PUT", QStringLiteral("/mode"), QJsonObject { { QStringLiteral("mode"), sub } });
    } else if (cmd == u"config" && sub == u"get" && words.size() == 2) {
        get(QStringLiteral("/config"));
    } else if (cmd == u"config" && sub == u"set" && words.size() == 4) {
        // The value as JSON when it parses (numbers, true/false), else as a string.
        const QJsonDocument parsed = QJsonDocument::fromJson("[" + words.value(3).toUtf8() + "]");
        const QJsonValue value
            = parsed.isArray() && parsed.array().size() == 1 ? parsed.array().first() : QJsonValue(words.value(3));
        with("PATCH", QStringLiteral("/config"), QJsonObject { { arg, value } });
    } else if (cmd == u"token" && sub == u"list" && words.size() == 2) {
        get(QStringLiteral("/tokens"));
    } else if (cmd == u"token" && sub == u"add" && words.size() == 3) {
        with("POST", QStringLiteral("/tokens"), QJsonObject { { QStringLiteral("name"), arg } });
    } else if (cmd == u"token" && sub == u"revoke" && words.size() == 3) {
        c.method = "DELETE";
        c.path = QStringLiteral("/tokens/") + arg;
    } else if (cmd == u"token" && sub == u"rotate" && words.size() == 3) {
        with("POST", QStringLiteral("/tokens/") + arg + QStringLiteral("/rotate"), {});
    } else if (cmd == u"history" && words.size() == 1) {
        // The same filters, as the admin API's query (it checks them and says what is wrong).
        QUrlQuery q;
        for (const auto &[option, parameter] : { std::pair { "since", "since" }, std::pair { "until", "until" },
                 std::pair { "status", "status" }, std::pair { "key-id", "keyId" }, std::pair { "model", "model" },
                 std::pair { "route", "route" }, std::pair { "limit", "limit" } }) {
            if (ctx.args().has(QString::fromLatin1(option))) {
                q.addQueryItem(QString::fromLatin1(parameter), ctx.args().value(QString::fromLatin1(option)));
            }
        }
        get(q.isEmpty() ? QStringLiteral("/history") : QStringLiteral("/history?") + q.toString(QUrl::FullyEncoded));
    } else if ((cmd == u"files" || cmd == u"caches") && sub == u"list" && words.size() == 2) {
        get(cmd == u"files" ? QStringLiteral("/files") : QStringLiteral("/cachedContents"));
    } else if (cmd == u"files" && sub == u"show" && words.size() == 3) {
        get(QStringLiteral("/files/") + QString(arg).remove(QStringLiteral("files/")));
    } else if ((cmd == u"files" || cmd == u"caches") && sub == u"delete" && words.size() == 3) {
        c.method = "DELETE";
        c.path = cmd == u"files"
            ? QStringLiteral("/files/") + QString(arg).remove(QStringLiteral("files/"))
            : QStringLiteral("/cachedContents/") + QString(arg).remove(QStringLiteral("cachedContents/"));
    } else {
        *why = QStringLiteral("'%1' cannot be run with --remote; remotely available: %2")
                   .arg(words.join(u' ').left(80), remoteCommands());
    }
    return c;
}

} // namespace

AdminAnswer callAdmin(const QUrl &base, const QByteArray &adminToken, const QByteArray &method, const QString &path)
{
    Call call;
    call.method = method;
    call.path = path;
    const Answer a = send(base, adminToken, call);
    return { a.status, a.json, a.networkError };
}

int remoteCommand(Context &ctx, const QStringList &words)
{
    const QUrl base(ctx.args().value(QStringLiteral("remote")));
    if (!base.isValid() || (base.scheme() != u"http" && base.scheme() != u"https") || base.host().isEmpty()) {
        return ctx.usage(QStringLiteral("--remote takes the daemon's URL, e.g. --remote http://127.0.0.1:3145"));
    }
    // The admin token never goes on the command line: the environment, or a prompt.
    QByteArray token = qgetenv("GEMINI_AGGREGATOR_ADMIN_TOKEN");
    if (token.isEmpty()) {
        token = promptHidden(QStringLiteral("Admin token (gemini-aggregatord token show --admin): "))
                    .value_or(QByteArray());
    }
    if (token.isEmpty()) {
        return ctx.fail(QStringLiteral("--remote needs the daemon's admin token in GEMINI_AGGREGATOR_ADMIN_TOKEN "
                                       "(print it on that machine with: gemini-aggregatord token show --admin)"));
    }
    QString why;
    const Call call = plan(ctx, words, &why);
    if (!call.failure.isEmpty()) {
        return ctx.fail(call.failure);
    }
    if (call.method.isEmpty()) {
        return ctx.usage(why);
    }
    const Answer a = send(base, token, call);
    if (a.status == 0) {
        return ctx.fail(QStringLiteral("cannot reach %1: %2").arg(base.toString(), a.networkError));
    }
    if (a.status >= 400) {
        const QJsonObject e = a.json.object().value(u"error").toObject();
        for (const QJsonValue &p : e.value(u"problems").toArray()) {
            ctx.note(QStringLiteral("%1: %2").arg(
                p.toObject().value(u"path").toString(), p.toObject().value(u"message").toString()));
        }
        return ctx.fail(QStringLiteral("the daemon answered %1: %2")
                            .arg(a.status)
                            .arg(e.value(u"message").toString(QStringLiteral("no details"))));
    }
    if (!a.json.isNull()) {
        ctx.out() << a.json.toJson(QJsonDocument::Indented);
    } else {
        ctx.out() << "done" << Qt::endl;
    }
    return kExitOk;
}

} // namespace ga::cli
