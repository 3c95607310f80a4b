// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/tokenops.h"

#include "app/listedit.h"
#include "config/configschema.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "logging/usertext.h"
#include "security/accesstoken.h"

#include <QDateTime>
#include <QJsonObject>

namespace ga::app {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kThereIsNoTokenNamed("ga::app", QT_TRANSLATE_NOOP("ga::app", "there is no token named '%1'"));
const logging::UserText kIsNotATokenName("ga::app",
    QT_TRANSLATE_NOOP("ga::app", "'%1' is not a token name: use lowercase letters, digits, - and _ (at most 32)"));
const logging::UserText kExpectedAWholeNumberFrom(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "expected a whole number from 0 to 100000000 (0 = no limit)"));
const logging::UserText kTheSecretStoreRefusedThe(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "the secret store refused the token: %1"));
const logging::UserText kNoTokenWasCreated("ga::app", QT_TRANSLATE_NOOP("ga::app", "no token was created"));
const logging::UserText kThereIsAlreadyAToken(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "there is already a token named '%1' (rotate it for a new value)"));
const logging::UserText kGivenTokenTooWeak("ga::app",
    QT_TRANSLATE_NOOP("ga::app",
        "a given token must be 32 to 256 visible ASCII characters without spaces (a token another daemon printed)"));
const logging::UserText kTokenNameTaken("ga::app", QT_TRANSLATE_NOOP("ga::app", "there is already a token named '%1'"));
const logging::UserText kTheTokenIsRevokedBut("ga::app",
    QT_TRANSLATE_NOOP(
        "ga::app", "the token is revoked, but its stored copy could not be deleted (the next start retries): %1"));
const logging::UserText kTokenCannotBeReadRotate(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "token '%1' cannot be read: %2 (rotate it for a new value)"));

constexpr int kMaxLimit = 100'000'000;

Outcome missingToken(const QString &name)
{
    return Outcome::notFound(kThereIsNoTokenNamed.text().arg(name));
}

config::ConfigStore::Change markRotated(const QString &name)
{
    return [name, now = nowText()](QJsonObject &doc) {
        editItems(doc, kTokenItems, u"name", { name }, [&](QJsonObject &o) {
            o.insert(QStringLiteral("rotated"), now); // running proxies re-read the secret
            return true;
        });
        return QString();
    };
}

} // namespace

QJsonArray TokenOps::listJson(const config::Config &cfg)
{
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
    return out;
}

QList<config::Problem> TokenOps::check(const QString &name, const Limits &limits)
{
    QList<config::Problem> problems;
    if (!config::schema::isValidId(name)) {
        problems.append(problemAt(QStringLiteral("name"), kIsNotATokenName.text().arg(name)));
    }
    const std::pair<const char *, const std::optional<int> *> given[]
        = { { "requestsPerMinute", &limits.requestsPerMinute }, { "requestsPerDay", &limits.requestsPerDay },
              { "concurrentStreams", &limits.concurrentStreams } };
    for (const auto &[field, value] : given) {
        if (*value && (**value < 0 || **value > kMaxLimit)) {
            problems.append(problemAt(QLatin1String(field), kExpectedAWholeNumberFrom.text()));
        }
    }
    return problems;
}

void TokenOps::store(
    const QString &name, bool isNew, const QByteArray &token, config::ConfigStore::Change change, Made done)
{
    logging::Redactor::addSecret(token);
    const QString entry = security::tokenEntryName(name);
    std::shared_ptr<JournalHold> hold;
    if (isNew) { // until the config names it, the journal does
        Outcome refused;
        hold = m_ws.holdSecrets({ entry }, &refused);
        if (!hold) {
            done(refused, {});
            return;
        }
    }
    Workspace *ws = &m_ws;
    ws->secretStore()->write(entry, token, ws->context(),
        [ws, entry, token, hold, change = std::move(change), done = std::move(done)](const secrets::SecretResult &r) {
            if (!r.ok()) {
                if (hold) {
                    hold->settleAll();
                }
                done(Outcome::failed(kTheSecretStoreRefusedThe.text().arg(r.message)), {});
                return;
            }
            const Outcome saved = ws->update(change);
            if (!saved.ok() && hold) { // a new name: no entry refers to the secret just written
                ws->removeSecrets({ entry }, hold, [done, saved](const QStringList &) { done(saved, {}); });
                return;
            }
            if (hold) {
                hold->settleAll();
            }
            done(saved, saved.ok() ? token : QByteArray());
        });
}

void TokenOps::add(const QString &name, const Limits &limits, Made done, const QByteArray &given)
{
    QList<config::Problem> problems = check(name, limits);
    const bool visible = std::all_of(given.begin(), given.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!given.isEmpty() && (given.size() < 32 || given.size() > 256 || !visible)) {
        problems.append(
            config::Problem { config::Problem::Severity::Error, QStringLiteral("token"), kGivenTokenTooWeak.text() });
    }
    if (!problems.isEmpty()) {
        done(Outcome::invalid(kNoTokenWasCreated.text(), problems), {});
        return;
    }
    if (m_ws.config().findToken(name)) {
        done(Outcome::conflict(kThereIsAlreadyAToken.text().arg(name)), {});
        return;
    }
    config::TokenEntry entry;
    entry.name = name;
    entry.created = QDateTime::currentDateTimeUtc();
    entry.limits.requestsPerMinute = limits.requestsPerMinute.value_or(-1); // -1: the global per-token limit
    entry.limits.requestsPerDay = limits.requestsPerDay.value_or(-1);
    entry.limits.concurrentStreams = limits.concurrentStreams.value_or(-1);
    store(
        name, true, given.isEmpty() ? security::generateAccessToken() : given,
        [entry](QJsonObject &doc) {
            for (const QJsonValue &v : itemsAt(doc, kTokenItems)) {
                if (v.toObject().value(u"name").toString() == entry.name) {
                    return kTokenNameTaken.text().arg(entry.name);
                }
            }
            appendItem(doc, kTokenItems, config::schema::toJson(entry));
            return QString();
        },
        std::move(done));
}

void TokenOps::rotate(const QString &name, Made done)
{
    if (!m_ws.config().findToken(name)) {
        done(missingToken(name), {});
        return;
    }
    store(name, false, security::generateAccessToken(), markRotated(name), std::move(done));
}

void TokenOps::revoke(const QString &name, Done done)
{
    if (!m_ws.config().findToken(name)) {
        done(missingToken(name));
        return;
    }
    const QString entry = security::tokenEntryName(name);
    Outcome refused;
    const std::shared_ptr<JournalHold> hold = m_ws.holdSecrets({ entry }, &refused);
    if (!hold) {
        done(refused);
        return;
    }
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        editItems(doc, kTokenItems, u"name", { name }, dropItem);
        return QString();
    });
    if (!saved.ok()) {
        hold->settleAll();
        done(saved);
        return;
    }
    m_ws.removeSecrets({ entry }, hold, [done = std::move(done)](const QStringList &failures) {
        // Revoked either way; a copy that could not be deleted stays journaled and the next start deletes it.
        done(failures.isEmpty()
                ? Outcome::done()
                : Outcome::failed(kTheTokenIsRevokedBut.text().arg(failures.join(QStringLiteral("; ")))));
    });
}

void TokenOps::read(const QString &name, Made done)
{
    if (!m_ws.config().findToken(name)) {
        done(missingToken(name), {});
        return;
    }
    m_ws.secretStore()->read(
        security::tokenEntryName(name), m_ws.context(), [name, done = std::move(done)](const secrets::SecretResult &r) {
            if (!r.ok() || r.value.isEmpty()) {
                done(Outcome::failed(kTokenCannotBeReadRotate.text().arg(name, r.message)), {});
                return;
            }
            done(Outcome::done(), r.value);
        });
}

void TokenOps::ensureAccess(Ensured done)
{
    const QString name = QString::fromLatin1(security::kDefaultTokenName);
    const bool listed = m_ws.config().findToken(name) != nullptr;
    Workspace *ws = &m_ws;
    ws->secretStore()->read(security::tokenEntryName(name), ws->context(),
        [ws, name, listed, done = std::move(done)](const secrets::SecretResult &existing) {
            if (!existing.ok() && existing.error != secrets::SecretError::NotFound) {
                done(Outcome::failed(existing.message), {}, false);
                return;
            }
            if (listed && existing.ok() && !existing.value.isEmpty()) {
                done(Outcome::done(), existing.value, false);
                return;
            }
            auto made = [done](const Outcome &o, const QByteArray &token) {
                if (o.ok()) {
                    qCInfo(lcSecurity) << "generated a new local access token named 'default'";
                }
                done(o, token, o.ok());
            };
            TokenOps ops(*ws); // this one may be gone: operations are cheap views of the workspace
            if (listed) {
                // Listed but its secret was lost (a new keychain, say): a fresh value, and running proxies re-read it.
                ops.store(name, false, security::generateAccessToken(), markRotated(name), made);
            } else {
                ops.add(name, {}, made); // the global per-token limits
            }
        });
}

void TokenOps::ensureAdmin(bool rotate, Ensured done)
{
    const QString entry = QString::fromLatin1(security::kAdminTokenEntry);
    auto replace = [ws = &m_ws, entry, done](const Outcome &) {
        const QByteArray token = security::generateAccessToken();
        logging::Redactor::addSecret(token);
        ws->secretStore()->write(entry, token, ws->context(), [ws, token, done](const secrets::SecretResult &r) {
            if (!r.ok()) {
                done(Outcome::failed(r.message), {}, false);
                return;
            }
            // Touching the config makes running daemons re-read it.
            const Outcome saved = ws->update([now = nowText()](QJsonObject &doc) {
                config::schema::setValueAt(doc, QStringLiteral("auth.adminTokenSetAt"), now);
                return QString();
            });
            done(saved, saved.ok() ? token : QByteArray(), saved.ok());
        });
    };
    if (rotate) {
        replace(Outcome::done());
        return;
    }
    m_ws.secretStore()->read(entry, m_ws.context(), [replace, done](const secrets::SecretResult &existing) {
        if (existing.ok() && !existing.value.isEmpty()) {
            done(Outcome::done(), existing.value, false);
        } else if (!existing.ok() && existing.error != secrets::SecretError::NotFound) {
            done(Outcome::failed(existing.message), {}, false);
        } else {
            replace(Outcome::done());
        }
    });
}

} // namespace ga::app
