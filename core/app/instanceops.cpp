// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/instanceops.h"

#include "app/listedit.h"
#include "config/configschema.h"
#include "keys/apikey.h"
#include "logging/redact.h"
#include "logging/usertext.h"
#include "security/accesstoken.h"

#include <QSet>
#include <QUrl>

namespace ga::app {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kThereIsNoInstanceWith(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "there is no instance with id '%1'"));
const logging::UserText kRequiredANameForThe(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "required: a name for the instance"));
const logging::UserText kAtLeastCharactersOrLeave(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "at least 16 characters, or leave it out to have one generated"));
const logging::UserText kTheInstanceWasNotAdded("ga::app", QT_TRANSLATE_NOOP("ga::app", "the instance was not added"));
const logging::UserText kInstanceAlreadyHasTheUrl(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "instance %1 already has the URL %2"));
const logging::UserText kTheSecretStoreRefusedThe(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "the secret store refused the relay secret: %1"));
const logging::UserText kAnotherChangeAddedInstanceAt(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "another change added instance %1 at the same moment; try again"));
const logging::UserText kExpectedANonEmptyString(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "expected a non-empty string"));
const logging::UserText kTheInstanceWasNotChanged(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "the instance was not changed"));
const logging::UserText kAnotherChangeRemovedInstanceAt(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "another change removed instance %1 at the same moment"));

} // namespace

namespace {

constexpr qsizetype kMinRelaySecret = 16;

Outcome missingInstance(const QString &id)
{
    return Outcome::notFound(kThereIsNoInstanceWith.text().arg(id));
}

// The instance other than `self` that already has `url`.
const config::InstanceEntry *urlTaken(const config::Config &cfg, const QUrl &url, const QString &self = QString())
{
    for (const config::InstanceEntry &i : cfg.instances) {
        if (i.id != self && i.url == url) {
            return &i;
        }
    }
    return nullptr;
}

} // namespace

QString relaySecretName(const QString &instanceId)
{
    return QStringLiteral("relay/") + instanceId;
}

QList<config::Problem> InstanceOps::check(const QString &name, const QString &url, const QByteArray &secret)
{
    QList<config::Problem> problems;
    if (name.trimmed().isEmpty()) {
        problems.append(problemAt(QStringLiteral("name"), kRequiredANameForThe.text()));
    }
    if (const QString why = config::schema::httpUrlProblem(url.trimmed()); !why.isEmpty()) {
        problems.append(problemAt(QStringLiteral("url"), why));
    }
    if (!secret.isEmpty() && secret.size() < kMinRelaySecret) {
        problems.append(problemAt(QStringLiteral("secret"), kAtLeastCharactersOrLeave.text()));
    }
    return problems;
}

void InstanceOps::add(const QString &givenName, const QString &givenUrl, QByteArray secret, Added done)
{
    const QString name = givenName.trimmed();
    const QString url = givenUrl.trimmed();
    const bool generated = secret.isEmpty();
    if (const QList<config::Problem> problems = check(name, url, secret); !problems.isEmpty()) {
        done(Outcome::invalid(kTheInstanceWasNotAdded.text(), problems), {}, {});
        return;
    }
    if (const config::InstanceEntry *other = urlTaken(m_ws.config(), QUrl(url))) {
        done(Outcome::conflict(kInstanceAlreadyHasTheUrl.text().arg(other->id, url)), {}, {});
        return;
    }
    if (generated) {
        secret = security::generateAccessToken().mid(4); // 43 url-safe characters, 256 bits
    }
    logging::Redactor::addSecret(secret);
    QSet<QString> ids;
    for (const config::InstanceEntry &i : m_ws.config().instances) {
        ids.insert(i.id);
    }
    config::InstanceEntry e;
    e.id = keys::newId(u'i', ids);
    e.name = name;
    e.url = QUrl(url);
    const QString entry = relaySecretName(e.id);
    Outcome refused;
    const std::shared_ptr<JournalHold> hold = m_ws.holdSecrets({ entry }, &refused);
    if (!hold) {
        done(refused, {}, {});
        return;
    }
    Workspace *ws = &m_ws;
    ws->secretStore()->write(entry, secret, ws->context(),
        [ws, e, entry, secret, generated, hold, done = std::move(done)](const secrets::SecretResult &r) {
            if (!r.ok()) {
                hold->settleAll();
                done(Outcome::failed(kTheSecretStoreRefusedThe.text().arg(r.message)), {}, {});
                return;
            }
            const Outcome saved = ws->update([&](QJsonObject &doc) {
                for (const QJsonValue &v : itemsAt(doc, kInstanceItems)) {
                    const QJsonObject o = v.toObject();
                    if (o.value(u"id").toString() == e.id) {
                        return kAnotherChangeAddedInstanceAt.text().arg(e.id);
                    }
                    if (QUrl(o.value(u"url").toString()) == e.url) {
                        return kInstanceAlreadyHasTheUrl.text().arg(o.value(u"id").toString(), e.url.toString());
                    }
                }
                appendItem(doc, kInstanceItems, config::schema::toJson(e));
                return QString();
            });
            if (!saved.ok()) {
                ws->removeSecrets({ entry }, hold, [done, saved](const QStringList &) { done(saved, {}, {}); });
                return;
            }
            hold->settleAll();
            done(Outcome::done(), e, generated ? secret : QByteArray());
        });
}

Outcome InstanceOps::change(const QString &id, const InstanceChange &change, config::InstanceEntry *changed)
{
    if (!m_ws.config().findInstance(id)) {
        return missingInstance(id);
    }
    QList<config::Problem> problems;
    if (change.name && change.name->trimmed().isEmpty()) {
        problems.append(problemAt(QStringLiteral("name"), kExpectedANonEmptyString.text()));
    }
    if (change.url) {
        if (const QString why = config::schema::httpUrlProblem(*change.url); !why.isEmpty()) {
            problems.append(problemAt(QStringLiteral("url"), why));
        }
    }
    if (!problems.isEmpty()) {
        return Outcome::invalid(kTheInstanceWasNotChanged.text(), problems);
    }
    if (change.url) {
        if (const config::InstanceEntry *other = urlTaken(m_ws.config(), QUrl(*change.url), id)) {
            return Outcome::conflict(kInstanceAlreadyHasTheUrl.text().arg(other->id, QUrl(*change.url).toString()));
        }
    }
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        editItems(doc, kInstanceItems, u"id", { id }, [&](QJsonObject &o) {
            if (change.name) {
                o.insert(QStringLiteral("name"), change.name->trimmed());
            }
            if (change.url) {
                o.insert(QStringLiteral("url"), *change.url);
            }
            if (change.enabled) {
                o.insert(QStringLiteral("enabled"), *change.enabled);
            }
            return true;
        });
        return QString();
    });
    if (saved.ok() && changed) {
        *changed = *m_ws.config().findInstance(id);
    }
    return saved;
}

void InstanceOps::remove(const QString &id, std::function<void(const Outcome &, const QStringList &unbound)> done)
{
    if (!m_ws.config().findInstance(id)) {
        done(missingInstance(id), {});
        return;
    }
    // The config first, then the secret; the journal names it in between, so a kill leaves no orphan behind.
    const QString entry = relaySecretName(id);
    Outcome refused;
    const std::shared_ptr<JournalHold> hold = m_ws.holdSecrets({ entry }, &refused);
    if (!hold) {
        done(refused, {});
        return;
    }
    QStringList unbound;
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        unbound.clear();
        if (editItems(doc, kInstanceItems, u"id", { id }, dropItem) == 0) {
            return kAnotherChangeRemovedInstanceAt.text().arg(id);
        }
        editItems(doc, kKeyItems, u"instance", { id }, [&](QJsonObject &o) {
            o.remove(QStringLiteral("instance"));
            unbound.append(o.value(u"id").toString());
            return true;
        });
        return QString();
    });
    if (!saved.ok()) {
        hold->settleAll();
        done(saved, {});
        return;
    }
    // A secret that cannot be deleted stays journaled: the next start removes it. The relay is gone either way.
    m_ws.removeSecrets(
        { entry }, hold, [done = std::move(done), unbound](const QStringList &) { done(Outcome::done(), unbound); });
}

} // namespace ga::app
