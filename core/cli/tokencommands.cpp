// SPDX-License-Identifier: GPL-3.0-or-later
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

const QString kTokenItems = QStringLiteral("auth.tokens.items");

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

// Adds the metadata of token `name` (its secret already stored). Fails when the name is taken.
bool addTokenEntry(Context &ctx, const config::TokenEntry &entry)
{
    return applyConfigChange(ctx, [&](QJsonObject &doc) {
        QJsonArray items = config::schema::valueAt(doc, kTokenItems).toArray();
        for (const QJsonValue &v : std::as_const(items)) {
            if (v.toObject().value(u"name").toString() == entry.name) {
                return QStringLiteral("there is already a token named '%1' (use 'token rotate %1' for a new value)")
                    .arg(entry.name);
            }
        }
        items.append(config::schema::toJson(entry));
        config::schema::setValueAt(doc, kTokenItems, items);
        return QString();
    });
}

// --requests-per-minute / --requests-per-day / --streams, for `token add`.
bool parseLimits(Context &ctx, config::RateLimits *limits)
{
    const std::pair<const char *, int *> options[] = { { "requests-per-minute", &limits->requestsPerMinute },
        { "requests-per-day", &limits->requestsPerDay }, { "streams", &limits->concurrentStreams } };
    for (const auto &[name, out] : options) {
        const QString option = QString::fromLatin1(name);
        if (!ctx.args().has(option)) {
            continue;
        }
        bool ok = false;
        const int v = ctx.args().value(option).toInt(&ok);
        if (!ok || v < 0) {
            ctx.usage(QStringLiteral("--%1 takes a whole number ≥ 0 (0 = no limit)").arg(option));
            return false;
        }
        *out = v;
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
    if (!config::schema::isValidId(name)) {
        return ctx.usage(
            QStringLiteral("'%1' is not a token name: use lowercase letters, digits, - and _ (at most 32), "
                           "for example: token add cline")
                .arg(name));
    }
    config::TokenEntry entry;
    entry.name = name;
    entry.created = QDateTime::currentDateTimeUtc();
    if (!parseLimits(ctx, &entry.limits)) {
        return kExitUsage;
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    if (store->config().findToken(name)) {
        return ctx.fail(
            QStringLiteral("there is already a token named '%1' (use 'token rotate %1' for a new value)").arg(name));
    }
    // The secret, then the entry naming it; the journal names it in between, so a kill leaves no orphan behind.
    const QString secretName = security::tokenEntryName(name);
    if (!ctx.journalSecrets({ secretName })) {
        return kExitFailure;
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(secretName, token);
    if (!written.ok()) {
        ctx.settleSecrets({ secretName });
        return ctx.fail(written.message);
    }
    if (!addTokenEntry(ctx, entry)) {
        if (ctx.removeSecret(secretName).ok()) {
            ctx.settleSecrets({ secretName });
        }
        return kExitFailure;
    }
    ctx.settleSecrets({ secretName });
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
        QJsonArray out;
        for (const config::TokenEntry &t : cfg.tokens) {
            QJsonObject o = config::schema::toJson(t);
            const config::RateLimits l = cfg.limitsFor(&t);
            o.insert(QStringLiteral("effectiveLimits"),
                QJsonObject { { QStringLiteral("requestsPerMinute"), l.requestsPerMinute },
                    { QStringLiteral("requestsPerDay"), l.requestsPerDay },
                    { QStringLiteral("concurrentStreams"), l.concurrentStreams } });
            out.append(o);
        }
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
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    if (!store->config().findToken(name)) {
        return ctx.fail(QStringLiteral("there is no token named '%1' (see: gemini-aggregatord token list)").arg(name));
    }
    // The config first: running proxies stop accepting the token as soon as they read it. The journal names the
    // secret until it is deleted, so a kill in between leaves no orphan behind.
    const QString secretName = security::tokenEntryName(name);
    if (!ctx.journalSecrets({ secretName })) {
        return kExitFailure;
    }
    if (!applyConfigChange(ctx, [&](QJsonObject &doc) {
            QJsonArray items = config::schema::valueAt(doc, kTokenItems).toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                if (items.at(i).toObject().value(u"name").toString() == name) {
                    items.removeAt(i);
                    break;
                }
            }
            config::schema::setValueAt(doc, kTokenItems, items);
            return QString();
        })) {
        ctx.settleSecrets({ secretName });
        return kExitFailure;
    }
    const secrets::SecretResult removed = ctx.removeSecret(secretName);
    if (!removed.ok() && removed.error != secrets::SecretError::NotFound) {
        ctx.note(QStringLiteral("the token is revoked, but its stored copy could not be deleted (the next start "
                                "retries): %1")
                     .arg(removed.message));
    } else {
        ctx.settleSecrets({ secretName });
    }
    ctx.out() << "revoked " << name << Qt::endl;
    const config::ConfigStore *after = ctx.loadConfig();
    if (after && after->config().tokens.isEmpty() && !after->config().jwt.enabled()) {
        ctx.note(QStringLiteral("no access token is left: clients are refused until you create one with 'token add'"));
    }
    return kExitOk;
}

int showToken(Context &ctx, const QString &name);

int rotateToken(Context &ctx, const QString &name)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return kExitFailure;
    }
    if (!store->config().findToken(name)) {
        if (name == QLatin1String(security::kDefaultTokenName)) {
            return showToken(ctx, QString()); // no 'default' yet: rotating it means making it
        }
        return ctx.fail(QStringLiteral("there is no token named '%1' (see: gemini-aggregatord token list)").arg(name));
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(security::tokenEntryName(name), token);
    if (!written.ok()) {
        return ctx.fail(written.message);
    }
    // Touching the entry makes running proxies re-read the secret.
    const QString now = nowIso();
    if (!applyConfigChange(ctx, [&](QJsonObject &doc) {
            QJsonArray items = config::schema::valueAt(doc, kTokenItems).toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                QJsonObject o = items.at(i).toObject();
                if (o.value(u"name").toString() == name) {
                    o.insert(QStringLiteral("rotated"), now);
                    items.replace(i, o);
                }
            }
            config::schema::setValueAt(doc, kTokenItems, items);
            return QString();
        })) {
        return kExitFailure;
    }
    ctx.out() << QString::fromLatin1(token) << Qt::endl;
    ctx.note(
        QStringLiteral("the old value of token '%1' no longer works; update that tool with the new one").arg(name));
    return kExitOk;
}

int showToken(Context &ctx, const QString &name)
{
    if (!ctx.loadConfig()) {
        return kExitFailure;
    }
    QByteArray token;
    if (name.isEmpty()) {
        bool created = false;
        token = ensureAccessToken(ctx, &created);
        if (token.isEmpty()) {
            return kExitFailure;
        }
        ctx.out() << QString::fromLatin1(token) << Qt::endl;
        if (created) {
            ctx.note(QStringLiteral("this is a new access token (named 'default'); clients send it as their API key"));
        }
        return kExitOk;
    }
    if (!ctx.loadConfig()->config().findToken(name)) {
        return ctx.fail(QStringLiteral("there is no token named '%1' (see: gemini-aggregatord token list)").arg(name));
    }
    if (!ctx.openSecrets()) {
        return kExitFailure;
    }
    const secrets::SecretResult r = ctx.readSecret(security::tokenEntryName(name));
    if (!r.ok() || r.value.isEmpty()) {
        return ctx.fail(
            QStringLiteral("token '%1' cannot be read: %2 (replace it with: token rotate %1)").arg(name, r.message));
    }
    ctx.out() << QString::fromLatin1(r.value) << Qt::endl;
    return kExitOk;
}

// The HS256 secret shared with whatever mints the team's JWTs: piped in, or generated and printed once.
int setJwtSecret(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
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
    const QString now = nowIso();
    if (!applyConfigChange(ctx, [&](QJsonObject &doc) {
            config::schema::setValueAt(doc, QStringLiteral("auth.jwt.hs256"), true);
            config::schema::setValueAt(doc, QStringLiteral("auth.jwt.secretSetAt"), now);
            return QString();
        })) {
        return kExitFailure;
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
    if (!ctx.loadConfig() || !ctx.openSecrets()) {
        return QByteArray();
    }
    const QString entry = QString::fromLatin1(security::kAdminTokenEntry);
    if (!rotate) {
        const secrets::SecretResult existing = ctx.readSecret(entry);
        if (existing.ok() && !existing.value.isEmpty()) {
            return existing.value;
        }
        if (!existing.ok() && existing.error != secrets::SecretError::NotFound) {
            ctx.fail(existing.message);
            return QByteArray();
        }
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(entry, token);
    if (!written.ok()) {
        ctx.fail(written.message);
        return QByteArray();
    }
    // Touching the config makes running daemons re-read it.
    const QString now = nowIso();
    if (!applyConfigChange(ctx, [&](QJsonObject &doc) {
            config::schema::setValueAt(doc, QStringLiteral("auth.adminTokenSetAt"), now);
            return QString();
        })) {
        return QByteArray();
    }
    *created = true;
    return token;
}

QByteArray ensureAccessToken(Context &ctx, bool *created)
{
    *created = false;
    config::ConfigStore *store = ctx.loadConfig();
    if (!store || !ctx.openSecrets()) {
        return QByteArray();
    }
    const QString name = QString::fromLatin1(security::kDefaultTokenName);
    const bool listed = store->config().findToken(name) != nullptr;
    const secrets::SecretResult existing = ctx.readSecret(security::tokenEntryName(name));
    if (!existing.ok() && existing.error != secrets::SecretError::NotFound) {
        ctx.fail(existing.message);
        return QByteArray();
    }
    if (listed && existing.ok() && !existing.value.isEmpty()) {
        return existing.value;
    }
    // Not listed yet: the journal names the secret until the entry does (a kill in between leaves no orphan).
    const QString secretName = security::tokenEntryName(name);
    if (!listed && !ctx.journalSecrets({ secretName })) {
        return QByteArray();
    }
    const QByteArray token = security::generateAccessToken();
    const secrets::SecretResult written = ctx.writeSecret(secretName, token);
    if (!written.ok()) {
        ctx.settleSecrets({ secretName });
        ctx.fail(written.message);
        return QByteArray();
    }
    if (listed) {
        // Listed but its secret was lost (a new keychain, say): a fresh value, and running proxies re-read it.
        const QString now = nowIso();
        applyConfigChange(ctx, [&](QJsonObject &doc) {
            QJsonArray items = config::schema::valueAt(doc, kTokenItems).toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                QJsonObject o = items.at(i).toObject();
                if (o.value(u"name").toString() == name) {
                    o.insert(QStringLiteral("rotated"), now);
                    items.replace(i, o);
                }
            }
            config::schema::setValueAt(doc, kTokenItems, items);
            return QString();
        });
    } else {
        config::TokenEntry entry;
        entry.name = name;
        entry.created = QDateTime::currentDateTimeUtc();
        if (!addTokenEntry(ctx, entry)) {
            if (ctx.removeSecret(secretName).ok()) {
                ctx.settleSecrets({ secretName });
            }
            return QByteArray();
        }
        ctx.settleSecrets({ secretName });
    }
    *created = true;
    qCInfo(lcSecurity) << "generated a new local access token named 'default'";
    return token;
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
