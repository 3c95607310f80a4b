// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/keyops.h"

#include "app/listedit.h"
#include "config/configschema.h"
#include "keys/apikey.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "logging/usertext.h"

#include <QDateTime>
#include <QSet>

namespace ga::app {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kThereIsNoKeyWith("ga::app", QT_TRANSLATE_NOOP("ga::app", "there is no key with id '%1'"));
const logging::UserText kExpectedAWholeNumberFrom(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "expected a whole number from 1 to 1000"));
const logging::UserText kTheKeyWasNotAdded("ga::app", QT_TRANSLATE_NOOP("ga::app", "the key was not added"));
const logging::UserText kThisKeyIsAlreadyConfigured(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "this key is already configured as %1"));
const logging::UserText kTheSecretStoreRefusedThe(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "the secret store refused the keys: %1"));
const logging::UserText kAnotherChangeAddedKeyAt("ga::app",
    QT_TRANSLATE_NOOP("ga::app", "another change added key %1 at the same moment; nothing was added, try again"));
const logging::UserText kThereIsNoInstanceWith(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "there is no instance with id '%1'"));
const logging::UserText kTheKeyWasNotChanged("ga::app", QT_TRANSLATE_NOOP("ga::app", "the key was not changed"));
const logging::UserText kAnotherChangeRemovedAKey(
    "ga::app", QT_TRANSLATE_NOOP("ga::app", "another change removed a key at the same moment"));
const logging::UserText kTheKeyWasRemovedFrom("ga::app",
    QT_TRANSLATE_NOOP("ga::app",
        "the key was removed from the config, but its secret could not be deleted (the next start retries): %1"));

} // namespace

namespace {

constexpr int kMinWeight = 1;
constexpr int kMaxWeight = 1000;

Outcome missingKey(const QString &id)
{
    return Outcome::notFound(kThereIsNoKeyWith.text().arg(id));
}

} // namespace

std::optional<keys::ImportItem> KeyOps::newKey(
    const QByteArray &secret, const QString &label, const QString &group, int weight, Outcome *refused) const
{
    QList<config::Problem> problems;
    if (const QString why = keys::keyFormatProblem(secret); !why.isEmpty()) {
        problems.append(problemAt(QStringLiteral("secret"), why));
    }
    if (weight < kMinWeight || weight > kMaxWeight) {
        problems.append(problemAt(QStringLiteral("weight"), kExpectedAWholeNumberFrom.text()));
    }
    if (!problems.isEmpty()) {
        *refused = Outcome::invalid(kTheKeyWasNotAdded.text(), problems);
        return std::nullopt;
    }
    keys::ImportItem item;
    item.key.secret = secret;
    item.key.fingerprint = keys::keyFingerprint(secret);
    item.key.hint = keys::keyHint(secret);
    item.label = label;
    item.group = group;
    item.weight = weight;
    for (const config::KeyEntry &k : m_ws.config().keys) {
        if (k.fingerprint == item.key.fingerprint) {
            *refused = Outcome::conflict(kThisKeyIsAlreadyConfigured.text().arg(k.id));
            return std::nullopt;
        }
    }
    return item;
}

void KeyOps::add(const QList<keys::ImportItem> &items, Added done)
{
    QSet<QString> ids;
    for (const config::KeyEntry &k : m_ws.config().keys) {
        ids.insert(k.id);
    }
    QList<config::KeyEntry> added;
    secrets::SecretStore::Entries writes;
    QStringList names;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const keys::ImportItem &item : items) {
        config::KeyEntry e;
        e.id = keys::newId(u'k', ids);
        ids.insert(e.id);
        e.label = item.label;
        e.group = item.group;
        e.weight = item.weight;
        e.enabled = item.enabled;
        e.fingerprint = item.key.fingerprint;
        e.hint = item.key.hint;
        e.added = now;
        added.append(e);
        writes.append({ keys::secretEntryName(e.id), item.key.secret });
        names.append(keys::secretEntryName(e.id));
        logging::Redactor::addSecret(item.key.secret);
    }
    if (added.isEmpty()) {
        done(Outcome::done(), added);
        return;
    }
    // Secrets first: the config never names a key whose secret is missing. Until it names them the journal does, so
    // a process killed in between leaves no orphan behind (the next start removes those secrets).
    Outcome refused;
    const std::shared_ptr<JournalHold> hold = m_ws.holdSecrets(names, &refused);
    if (!hold) {
        done(refused, {});
        return;
    }
    Workspace *ws = &m_ws;
    ws->secretStore()->writeMany(
        writes, ws->context(), [ws, added, names, hold, done = std::move(done)](const secrets::SecretResult &written) {
            auto undo = [ws, names, hold, done](const Outcome &why) {
                ws->removeSecrets(names, hold, [done, why](const QStringList &) { done(why, {}); });
            };
            if (!written.ok()) {
                undo(Outcome::failed(kTheSecretStoreRefusedThe.text().arg(written.message)));
                return;
            }
            const Outcome saved = ws->update([&](QJsonObject &doc) {
                QSet<QString> present;
                for (const QJsonValue &v : itemsAt(doc, kKeyItems)) {
                    present.insert(v.toObject().value(u"fingerprint").toString());
                    present.insert(v.toObject().value(u"id").toString());
                }
                for (const config::KeyEntry &e : added) {
                    if (present.contains(e.fingerprint) || present.contains(e.id)) {
                        return kAnotherChangeAddedKeyAt.text().arg(e.masked());
                    }
                    appendItem(doc, kKeyItems, config::schema::toJson(e));
                }
                return QString();
            });
            if (!saved.ok()) {
                undo(saved);
                return;
            }
            hold->settleAll();
            qCInfo(lcKeys) << "added" << added.size() << "key(s) to" << ws->secretStore()->description();
            done(Outcome::done(), added);
        });
}

Outcome KeyOps::change(const QStringList &ids, const KeyChange &change, QList<config::KeyEntry> *changed)
{
    const config::Config &cfg = m_ws.config();
    for (const QString &id : ids) {
        if (!cfg.findKey(id)) {
            return missingKey(id);
        }
    }
    QList<config::Problem> problems;
    if (change.weight && (*change.weight < kMinWeight || *change.weight > kMaxWeight)) {
        problems.append(problemAt(QStringLiteral("weight"), kExpectedAWholeNumberFrom.text()));
    }
    if (change.instance && !change.instance->isEmpty() && !cfg.findInstance(*change.instance)) {
        problems.append(problemAt(QStringLiteral("instance"), kThereIsNoInstanceWith.text().arg(*change.instance)));
    }
    if (!problems.isEmpty()) {
        return Outcome::invalid(kTheKeyWasNotChanged.text(), problems);
    }
    const QString now = nowText();
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        const int matched = editItems(doc, kKeyItems, u"id", ids, [&](QJsonObject &o) {
            auto put = [&o](const char *field, const std::optional<QString> &v) {
                if (v) {
                    o.insert(QLatin1String(field), *v);
                }
            };
            put("label", change.label);
            put("group", change.group);
            if (change.weight) {
                o.insert(QStringLiteral("weight"), *change.weight);
            }
            if (change.instance) {
                if (change.instance->isEmpty()) {
                    o.remove(QStringLiteral("instance"));
                } else {
                    o.insert(QStringLiteral("instance"), *change.instance);
                }
            }
            if (change.enabled) {
                o.insert(QStringLiteral("enabled"), *change.enabled);
            }
            if (change.clearMarks || change.enabled.value_or(false)) {
                o.insert(QStringLiteral("resetAt"), now); // the running proxy forgets invalid/cooling marks
            }
            return true;
        });
        return matched == ids.size() ? QString() : kAnotherChangeRemovedAKey.text();
    });
    if (saved.ok() && changed) {
        changed->clear();
        for (const QString &id : ids) {
            changed->append(*m_ws.config().findKey(id));
        }
    }
    return saved;
}

void KeyOps::remove(const QStringList &ids, Done done)
{
    QStringList names;
    for (const QString &id : ids) {
        if (!m_ws.config().findKey(id)) {
            done(missingKey(id));
            return;
        }
        names.append(keys::secretEntryName(id));
    }
    // The config first: a running proxy stops using the keys as soon as it reads it. The journal names the secrets
    // until they are gone, so a process killed in between leaves no orphan.
    Outcome refused;
    const std::shared_ptr<JournalHold> hold = m_ws.holdSecrets(names, &refused);
    if (!hold) {
        done(refused);
        return;
    }
    const Outcome saved = m_ws.update([&](QJsonObject &doc) {
        editItems(doc, kKeyItems, u"id", ids, dropItem);
        return QString();
    });
    if (!saved.ok()) {
        hold->settleAll();
        done(saved);
        return;
    }
    m_ws.removeSecrets(names, hold, [done = std::move(done)](const QStringList &failures) {
        if (!failures.isEmpty()) {
            // Removed from the config; the secret stays journaled and the next start deletes it.
            done(Outcome::failed(kTheKeyWasRemovedFrom.text().arg(failures.join(QStringLiteral("; ")))));
            return;
        }
        done(Outcome::done());
    });
}

} // namespace ga::app
