// SPDX-License-Identifier: GPL-3.0-or-later
#include "keyscontroller.h"

#include "backend.h"
#include "daemon/service.h"
#include "keys/keyexchange.h"
#include "listmodels.h"
#include "logging/usertext.h"

#include <QJsonArray>
#include <QSet>

#include <memory>

namespace ga::ui {

namespace {
QSet<QString> knownFingerprints(const daemon::Service *service)
{
    QSet<QString> known;
    for (const config::KeyEntry &k : service->config().keys) {
        known.insert(k.fingerprint);
    }
    return known;
}
} // namespace

KeysController::KeysController(daemon::Service *service, KeysModel *model, QObject *parent)
    : Controller(service, parent)
    , m_model(model)
{ }

KeysController *KeysController::create(QQmlEngine *engine, QJSEngine *js)
{
    return exposed(Backend::create(engine, js)->keysController());
}

QVariantMap KeysController::checkKeyText(const QString &text) const
{
    const keys::FileImportPlan plan = keys::planFileImport(text.toUtf8(), knownFingerprints(service()), std::nullopt);
    QVariantList problems;
    for (const auto &[line, why] : plan.rejectedLines) {
        problems.append(
            QVariantMap { { QStringLiteral("line"), line }, { QStringLiteral("message"), logging::translated(why) } });
    }
    if (!plan.error.isEmpty()) {
        problems.append(QVariantMap {
            { QStringLiteral("line"), 0 }, { QStringLiteral("message"), logging::translated(plan.error) } });
    }
    return { { QStringLiteral("valid"), int(plan.fresh.size()) },
        { QStringLiteral("duplicates"), int(plan.duplicateLines.size()) }, { QStringLiteral("problems"), problems } };
}

int KeysController::addKeys(const QString &text, const QString &label, const QString &group, bool test)
{
    const int request = begin();
    const keys::FileImportPlan plan = keys::planFileImport(text.toUtf8(), knownFingerprints(service()), std::nullopt);
    if (plan.fresh.isEmpty()) {
        fail(request,
            plan.duplicateLines.isEmpty() ? tr("No valid key found: a Gemini API key starts with AIza")
                                          : tr("These keys are already configured"));
        return request;
    }
    // Items by position: the secrets stay in this closure, never in QML.
    auto items = std::make_shared<QList<keys::ImportItem>>(plan.fresh);
    auto added = std::make_shared<QVariantList>();
    auto failures = std::make_shared<QStringList>();
    QStringList positions;
    for (int i = 0; i < items->size(); ++i) {
        positions.append(QString::number(i));
    }
    const int duplicates = int(plan.duplicateLines.size());
    const int rejected = int(plan.rejectedLines.size());
    inTurn(
        positions,
        [this, items, added, failures, label, group, test](const QString &pos, std::function<void()> next) {
            const keys::ImportItem &item = items->at(pos.toInt());
            QJsonObject body { { QStringLiteral("secret"), QString::fromLatin1(item.key.secret) } };
            const QString itemLabel = item.label.isEmpty() ? label : item.label;
            const QString itemGroup = item.group.isEmpty() ? group : item.group;
            if (!itemLabel.isEmpty()) {
                body.insert(QStringLiteral("label"),
                    items->size() > 1 && item.label.isEmpty() ? QStringLiteral("%1 %2").arg(label).arg(pos.toInt() + 1)
                                                              : itemLabel);
            }
            if (!itemGroup.isEmpty()) {
                body.insert(QStringLiteral("group"), itemGroup);
            }
            if (item.weight != 1) {
                body.insert(QStringLiteral("weight"), item.weight);
            }
            // Answers come only while this controller (the owner of admin()) exists.
            admin()->addKey(body, [this, added, failures, test, next](const AdminClient::Reply &reply) {
                if (reply.status != 201) {
                    failures->append(reply.message());
                    next();
                    return;
                }
                const QString id = reply.data().value(u"id").toString();
                if (!test) {
                    added->append(QVariantMap { { QStringLiteral("id"), id } });
                    next();
                    return;
                }
                admin()->testKey(id, [added, id, next](const AdminClient::Reply &tested) {
                    added->append(QVariantMap { { QStringLiteral("id"), id },
                        { QStringLiteral("result"), tested.data().value(u"result").toString() },
                        { QStringLiteral("detail"), logging::translated(tested.data().value(u"detail").toString()) } });
                    next();
                });
            });
        },
        [this, request, added, failures, duplicates, rejected] {
            if (added->isEmpty()) {
                fail(request, failures->value(0));
                return;
            }
            m_model->refresh();
            succeed(request, [this, request, added = *added, duplicates, rejected, n = int(failures->size())] {
                Q_EMIT keysAdded(request, added, duplicates, rejected, n);
            });
        });
    return request;
}

int KeysController::updateKey(const QString &id, const QVariantMap &fields)
{
    const int request = begin();
    admin()->updateKey(id, QJsonObject::fromVariantMap(fields), [this, request, id](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            fail(request, reply);
            return;
        }
        succeed(request, [this, request, id] { Q_EMIT keyUpdated(request, id); });
    });
    return request;
}

void KeysController::eachKey(const QStringList &ids,
    std::function<void(const QString &id, AdminClient::Done done)> call,
    std::function<void(const QStringList &refusals)> done)
{
    auto refusals = std::make_shared<QStringList>();
    inTurn(
        ids,
        [call = std::move(call), refusals](const QString &id, std::function<void()> next) {
            call(id, [refusals, next](const AdminClient::Reply &reply) {
                if (!reply.ok()) {
                    refusals->append(reply.message());
                }
                next();
            });
        },
        [refusals, done = std::move(done)] { done(*refusals); });
}

int KeysController::setKeysEnabled(const QStringList &ids, bool enabled)
{
    const int request = begin();
    eachKey(
        ids,
        [this, enabled](const QString &id, AdminClient::Done done) {
            admin()->updateKey(id, QJsonObject { { QStringLiteral("enabled"), enabled } }, std::move(done));
        },
        [this, request, ids, enabled](const QStringList &refusals) {
            if (!refusals.isEmpty()) {
                fail(request, refusals.first());
                return;
            }
            succeed(request, [this, request, ids, enabled] { Q_EMIT keysEnabledSet(request, ids, enabled); });
        });
    return request;
}

int KeysController::testKeys(const QStringList &ids)
{
    const int request = begin();
    auto results = std::make_shared<QVariantList>();
    inTurn(
        ids,
        [this, results](const QString &id, std::function<void()> next) {
            admin()->testKey(id, [results, id, next](const AdminClient::Reply &reply) {
                const QJsonObject o = reply.data();
                results->append(QVariantMap { { QStringLiteral("id"), id },
                    { QStringLiteral("result"),
                        reply.status == 200 ? o.value(u"result").toString() : QStringLiteral("error") },
                    { QStringLiteral("message"),
                        reply.status == 200 ? logging::translated(o.value(u"detail").toString()) : reply.message() },
                    { QStringLiteral("latencyMs"), o.value(u"latencyMs").toVariant() } });
                next();
            });
        },
        [this, request, results] {
            m_model->refresh();
            succeed(request, [this, request, results = *results] { Q_EMIT keysTested(request, results); });
        });
    return request;
}

int KeysController::removeKeys(const QStringList &ids)
{
    const int request = begin();
    eachKey(
        ids, [this](const QString &id, AdminClient::Done done) { admin()->removeKey(id, std::move(done)); },
        [this, request, ids](const QStringList &refusals) {
            if (!refusals.isEmpty()) {
                fail(request, refusals.first());
                return;
            }
            succeed(request, [this, request, ids] { Q_EMIT keysRemoved(request, ids); });
        });
    return request;
}

int KeysController::bindKeys(const QStringList &keyIds, const QStringList &instanceIds)
{
    const int request = begin();
    auto position = std::make_shared<int>(0); // round-robin over the instances, in the given order
    eachKey(
        keyIds,
        [this, position, instanceIds](const QString &id, AdminClient::Done done) {
            const QJsonValue target
                = instanceIds.isEmpty() ? QJsonValue() : QJsonValue(instanceIds.at((*position)++ % instanceIds.size()));
            admin()->updateKey(id, QJsonObject { { QStringLiteral("instance"), target } }, std::move(done));
        },
        [this, request, keyIds, instanceIds](const QStringList &refusals) {
            if (!refusals.isEmpty()) {
                fail(request, refusals.first());
                return;
            }
            succeed(request, [this, request, keyIds, instanceIds] { Q_EMIT keysBound(request, keyIds, instanceIds); });
        });
    return request;
}

} // namespace ga::ui
