// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/tokenops.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configschema.h"
#include "logging/logging.h"
#include "security/accesstoken.h"
#include "security/jwt.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ga::cli {
namespace {

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

const QString kListHint = QStringLiteral("see: gemini-aggregatord token list");

// Runs a TokenOps call that yields a token; empty after saying why.
QByteArray awaitToken(Context &ctx, const std::function<void(app::TokenOps &, app::TokenOps::Made)> &call,
    const QString &notFoundHint = kListHint)
{
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return QByteArray();
    }
    QByteArray token;
    const app::Outcome outcome = ctx.await([&](app::Done done) {
        app::TokenOps ops(*ws);
        call(ops, [&token, done](const app::Outcome &o, const QByteArray &t) {
            token = t;
            done(o);
        });
    });
    if (!outcome.ok()) {
        ctx.finish(outcome, notFoundHint);
        return QByteArray();
    }
    return token;
}

// --requests-per-minute / --requests-per-day / --streams, for `token add` (their range is TokenOps' rule).
bool parseLimits(Context &ctx, app::TokenOps::Limits *limits)
{
    const std::pair<const char *, std::optional<int> *> options[]
        = { { "requests-per-minute", &limits->requestsPerMinute }, { "requests-per-day", &limits->requestsPerDay },
              { "streams", &limits->concurrentStreams } };
    for (const auto &[name, out] : options) {
        const QString option = QString::fromLatin1(name);
        if (!ctx.args().has(option)) {
            continue;
        }
        bool ok = false;
        *out = ctx.args().value(option).toInt(&ok);
        if (!ok) {
            ctx.usage(QStringLiteral("--%1 takes a whole number ≥ 0 (0 = no limit)").arg(option));
            return false;
        }
    }
    return true;
}

QString limitText(int own, int global)
{
    const int v = own >= 0 ? own : global;
    const QString text = v == 0 ? QStringLiteral("-") : QString::number(v);
    return own >= 0 ? text : text + QStringLiteral(" (global)");
}

int addToken(Context &ctx, const QString &name)
{
    app::TokenOps::Limits limits; // not given: the global per-token limits
    if (!parseLimits(ctx, &limits)) {
        return kExitUsage;
    }
    QByteArray given;
    if (ctx.args().has(QStringLiteral("from-stdin"))) {
        const Input input = readStandardInput(QStringLiteral("the token"),
            QStringLiteral("printf %s \"$TOKEN\" | gemini-aggregatord token add NAME --from-stdin"));
        if (!input.ok()) {
            return ctx.fail(input.error);
        }
        given = input.data.trimmed();
        if (given.isEmpty()) {
            return ctx.usage(QStringLiteral("--from-stdin read no token; pipe one in, or leave the option out to have "
                                            "one made"));
        }
    }
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return kExitFailure;
    }
    QByteArray token;
    const app::Outcome outcome = ctx.await([&](app::Done done) {
        app::TokenOps(*ws).add(
            name, limits,
            [&token, done](const app::Outcome &o, const QByteArray &t) {
                token = t;
                done(o);
            },
            given);
    });
    if (outcome.fault == app::Fault::Invalid) { // the name or a limit given on the command line
        QStringList why;
        for (const config::Problem &p : outcome.problems) {
            why.append(p.toString());
        }
        return ctx.usage(why.join(QStringLiteral("; ")) + QStringLiteral(", for example: token add cline"));
    }
    if (outcome.fault == app::Fault::Conflict) {
        return ctx.fail(
            QStringLiteral("there is already a token named '%1' (use 'token rotate %1' for a new value)").arg(name));
    }
    if (!outcome.ok()) {
        return ctx.finish(outcome);
    }
    if (!given.isEmpty()) {
        ctx.note(QStringLiteral("token '%1' stored (the one given); running proxies accept it at once").arg(name));
        return kExitOk;
    }
    // One of the few places a secret is printed on purpose: the user asked for it, on stdout only.
    ctx.out() << QString::fromLatin1(token) << Qt::endl;
    ctx.note(
        QStringLiteral("token '%1' created; set it as the API key of that tool (running proxies accept it at once)")
            .arg(name));
    return kExitOk;
}

int listTokens(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const config::Config &cfg = store->config();
    if (ctx.args().has(QStringLiteral("json"))) {
        const QJsonArray out = app::TokenOps::listJson(cfg);
        ctx.out() << QJsonDocument(out).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (cfg.tokens.isEmpty()) {
        ctx.out() << "no access tokens yet; create one with: gemini-aggregatord token add NAME" << Qt::endl;
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("NAME"), QStringLiteral("CREATED"), QStringLiteral("REQ/MIN"),
        QStringLiteral("REQ/DAY"), QStringLiteral("STREAMS") } };
    for (const config::TokenEntry &t : cfg.tokens) {
        rows.append({ t.name, t.created.isValid() ? t.created.toString(Qt::ISODate) : QStringLiteral("-"),
            limitText(t.limits.requestsPerMinute, cfg.perTokenLimits.requestsPerMinute),
            limitText(t.limits.requestsPerDay, cfg.perTokenLimits.requestsPerDay),
            limitText(t.limits.concurrentStreams, cfg.perTokenLimits.concurrentStreams) });
    }
    printTable(ctx.out(), rows);
    if (cfg.jwt.enabled()) {
        ctx.out() << "JWTs are accepted as well (auth.jwt.*)" << Qt::endl;
    }
    return kExitOk;
}

int revokeToken(Context &ctx, const QString &name)
{
    app::Workspace *ws = ctx.workspace();
    if (!ws) {
        return kExitFailure;
    }
    const app::Outcome revoked = ctx.await([&](app::Done done) { app::TokenOps(*ws).revoke(name, done); });
    if (revoked.fault == app::Fault::Failed && !ws->config().findToken(name)) {
        ctx.note(revoked.message); // revoked; only its stored copy is left for the next start to delete
    } else if (!revoked.ok()) {
        return ctx.finish(revoked, kListHint);
    }
    ctx.out() << "revoked " << name << Qt::endl;
    if (ws->config().tokens.isEmpty() && !ws->config().jwt.enabled()) {
        ctx.note(QStringLiteral("no access token is left: clients are refused until you create one with 'token add'"));
    }
    return kExitOk;
}

int showToken(Context &ctx, const QString &name);

int rotateToken(Context &ctx, const QString &name)
{
    const config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    if (name == QLatin1String(security::kDefaultTokenName) && !store->config().findToken(name)) {
        return showToken(ctx, QString()); // no 'default' yet: rotating it means making it
    }
    const QByteArray token
        = awaitToken(ctx, [&](app::TokenOps &ops, app::TokenOps::Made done) { ops.rotate(name, std::move(done)); });
    if (token.isEmpty()) {
        return kExitFailure;
    }
    ctx.out() << QString::fromLatin1(token) << Qt::endl;
    ctx.note(
        QStringLiteral("the old value of token '%1' no longer works; update that tool with the new one").arg(name));
    return kExitOk;
}

int showToken(Context &ctx, const QString &name)
{
    if (name.isEmpty()) {
        bool created = false;
        const QByteArray token = ensureAccessToken(ctx, &created);
        if (token.isEmpty()) {
            return kExitFailure;
        }
        ctx.out() << QString::fromLatin1(token) << Qt::endl;
        if (created) {
            ctx.note(QStringLiteral("this is a new access token (named 'default'); clients send it as their API key"));
        }
        return kExitOk;
    }
    const QByteArray token
        = awaitToken(ctx, [&](app::TokenOps &ops, app::TokenOps::Made done) { ops.read(name, std::move(done)); });
    if (token.isEmpty()) {
        return kExitFailure;
    }
    ctx.out() << QString::fromLatin1(token) << Qt::endl;
    return kExitOk;
}

// The HS256 secret shared with whatever mints the team's JWTs: piped in, or generated and printed once.
int setJwtSecret(Context &ctx)
{
    if (!ctx.workspace()) {
        return kExitFailure;
    }
    QByteArray secret;
    bool generated = false;
    if (!stdinIsTerminal()) {
        const Input input = readStandardInput(QStringLiteral("the secret (or </dev/null to have one made)"),
            QStringLiteral("printf %s \"$HS256_SECRET\" | gemini-aggregatord token jwt-secret"));
        if (!input.ok()) {
            return ctx.fail(input.error);
        }
        secret = input.data.trimmed();
    }
    if (secret.isEmpty()) {
        secret = security::generateAccessToken().mid(4);
        generated = true;
    } else if (secret.size() < 32) {
        return ctx.fail(QStringLiteral("an HS256 secret must be at least 32 bytes; pipe a longer one, or none to have "
                                       "one generated"));
    }
    const secrets::SecretResult written = ctx.writeSecret(QString::fromLatin1(security::kJwtSecretEntry), secret);
    if (!written.ok()) {
        return ctx.fail(written.message);
    }
    const app::Outcome saved = ctx.workspace()->update([now = nowIso()](QJsonObject &doc) {
        config::schema::setValueAt(doc, QStringLiteral("auth.jwt.hs256"), true);
        config::schema::setValueAt(doc, QStringLiteral("auth.jwt.secretSetAt"), now);
        return QString();
    });
    if (!saved.ok()) {
        return ctx.finish(saved);
    }
    if (generated) {
        ctx.out() << QString::fromLatin1(secret) << Qt::endl;
        ctx.note(QStringLiteral("HS256 secret generated and stored; give it to the service that mints your JWTs (it "
                                "is not shown again)"));
    } else {
        ctx.note(QStringLiteral("HS256 secret stored; HS256 JWTs are accepted"));
    }
    return kExitOk;
}

// An HS256 JWT signed with the stored secret, for trying the setup out.
int mintJwt(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    const QString subject = ctx.args().value(QStringLiteral("sub"));
    if (subject.isEmpty()) {
        return ctx.usage(QStringLiteral("usage: token jwt-mint --sub NAME [--ttl SECONDS]"));
    }
    int ttl = 3600;
    if (ctx.args().has(QStringLiteral("ttl"))) {
        bool ok = false;
        ttl = ctx.args().value(QStringLiteral("ttl")).toInt(&ok);
        if (!ok || ttl < 1) {
            return ctx.usage(QStringLiteral("--ttl takes a number of seconds ≥ 1"));
        }
    }
    const secrets::SecretResult r = ctx.readSecret(QString::fromLatin1(security::kJwtSecretEntry));
    if (!r.ok() || r.value.isEmpty()) {
        return ctx.fail(
            QStringLiteral("there is no HS256 secret yet; set one with: gemini-aggregatord token jwt-secret"));
    }
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims { { QStringLiteral("sub"), subject }, { QStringLiteral("iat"), now },
        { QStringLiteral("exp"), now + ttl } };
    const config::JwtSettings &jwt = store->config().jwt;
    if (!jwt.audience.isEmpty()) {
        claims.insert(QStringLiteral("aud"), jwt.audience);
    }
    if (!jwt.issuer.isEmpty()) {
        claims.insert(QStringLiteral("iss"), jwt.issuer);
    }
    ctx.out() << QString::fromLatin1(security::signHs256(claims, r.value)) << Qt::endl;
    if (!jwt.hs256) {
        ctx.note(QStringLiteral("auth.jwt.hs256 is off: proxies refuse this JWT until you turn it on"));
    }
    return kExitOk;
}

} // namespace

QByteArray ensureAdminToken(Context &ctx, bool rotate, bool *created)
{
    *created = false;
    return awaitToken(ctx, [&](app::TokenOps &ops, app::TokenOps::Made done) {
        ops.ensureAdmin(rotate, [created, done](const app::Outcome &o, const QByteArray &token, bool made) {
            *created = made;
            done(o, token);
        });
    });
}

QByteArray ensureAccessToken(Context &ctx, bool *created)
{
    *created = false;
    return awaitToken(ctx, [&](app::TokenOps &ops, app::TokenOps::Made done) {
        ops.ensureAccess([created, done](const app::Outcome &o, const QByteArray &token, bool made) {
            *created = made;
            done(o, token);
        });
    });
}

int tokenCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    const QStringList rest = words.mid(1);
    if (ctx.args().has(QStringLiteral("admin"))) {
        if ((sub != u"show" && sub != u"rotate") || !rest.isEmpty()) {
            return ctx.usage(QStringLiteral("usage: token show --admin | token rotate --admin"));
        }
        bool created = false;
        const QByteArray token = ensureAdminToken(ctx, sub == u"rotate", &created);
        if (token.isEmpty()) {
            return kExitFailure;
        }
        ctx.out() << QString::fromLatin1(token) << Qt::endl;
        if (sub == u"rotate") {
            ctx.note(QStringLiteral("the old admin token no longer works"));
        }
        return kExitOk;
    }
    if (sub == u"show" && rest.size() <= 1) {
        return showToken(ctx, rest.value(0));
    }
    if (sub == u"add" && rest.size() == 1) {
        return addToken(ctx, rest.first());
    }
    if (sub == u"list" && rest.isEmpty()) {
        return listTokens(ctx);
    }
    if (sub == u"revoke" && rest.size() == 1) {
        return revokeToken(ctx, rest.first());
    }
    if (sub == u"rotate" && rest.size() <= 1) {
        return rotateToken(ctx, rest.isEmpty() ? QString::fromLatin1(security::kDefaultTokenName) : rest.first());
    }
    if (sub == u"jwt-secret" && rest.isEmpty()) {
        return setJwtSecret(ctx);
    }
    if (sub == u"jwt-mint" && rest.isEmpty()) {
        return mintJwt(ctx);
    }
    return ctx.usage(QStringLiteral("usage: token show [NAME] | token add NAME [--requests-per-minute N] "
                                    "[--requests-per-day N] [--streams N] | token list [--json] | token revoke NAME | "
                                    "token rotate [NAME] | token jwt-secret | token jwt-mint --sub NAME [--ttl S]"));
}

} // namespace ga::cli
