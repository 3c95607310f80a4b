// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"

#include <QVariantMap>

class QQmlEngine;

namespace ga::ui {

class KeysModel;

// The Keys page, its add and edit dialogs, the first-run guide's add form and the Bindings page: check pasted
// keys, add, edit, enable or disable, test, remove and bind keys. Secrets never come back: keys are write-only
// and every signal names keys by id. The rows themselves are Backend.keys.
class KeysController final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(KeysController)

public:
    // `model` is refreshed once keys were added or tested (the pool's verdicts).
    KeysController(daemon::Service *service, KeysModel *model, QObject *parent = nullptr);

    // QML_SINGLETON: the one the Backend made.
    static KeysController *create(QQmlEngine *engine, QJSEngine *js);

    // Pasted text: one key per line (or CSV); {valid, duplicates, problems: [{line, message}]}, nothing touched.
    Q_INVOKABLE QVariantMap checkKeyText(const QString &text) const;
    // Adds every valid key of `text` with `label`/`group` → keysAdded, or failed when none was added. With
    // `test`, each new key is tested right after it is added.
    Q_INVOKABLE int addKeys(const QString &text, const QString &label, const QString &group, bool test);
    // fields: any of label, group, weight, instance (""/null unbinds), enabled → keyUpdated.
    Q_INVOKABLE int updateKey(const QString &id, const QVariantMap &fields);
    // → keysEnabledSet, or failed with the first refusal.
    Q_INVOKABLE int setKeysEnabled(const QStringList &ids, bool enabled);
    // → keysTested (always: a key that fails its test is a result, not a failure).
    Q_INVOKABLE int testKeys(const QStringList &ids);
    // → keysRemoved, or failed with the first refusal.
    Q_INVOKABLE int removeKeys(const QStringList &ids);
    // Binds `keyIds` to `instanceIds` spread evenly (round-robin, in the given order); an empty `instanceIds`
    // unbinds them → keysBound, or failed with the first refusal.
    Q_INVOKABLE int bindKeys(const QStringList &keyIds, const QStringList &instanceIds);

Q_SIGNALS:
    // added: [{id}], or [{id, result, detail}] when tested; duplicates and rejected: lines not used; failures: keys
    // the store refused.
    void keysAdded(int request, const QVariantList &added, int duplicates, int rejected, int failures);
    void keyUpdated(int request, const QString &id);
    void keysEnabledSet(int request, const QStringList &ids, bool enabled);
    // results: [{id, result: valid|invalid|quota|network|…|error, message, latencyMs}]
    void keysTested(int request, const QVariantList &results);
    void keysRemoved(int request, const QStringList &ids);
    void keysBound(int request, const QStringList &keyIds, const QStringList &instanceIds);

private:
    // One admin call per id, in turn; `done` gets the messages of those that were refused.
    void eachKey(const QStringList &ids, std::function<void(const QString &id, AdminClient::Done done)> call,
        std::function<void(const QStringList &refusals)> done);

    KeysModel *m_model;
};

} // namespace ga::ui
