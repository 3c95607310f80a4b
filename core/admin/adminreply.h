// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the admin API's route files (admin*.cpp): answers in one JSON shape, body parsing, list edits in the
// config document, and the secrets-journal hold around two-step writes. Not for use outside core/admin.
#pragma once

#include "admin/adminapi.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "config/configstore.h"
#include "http/httperror.h"
#include "logging/logging.h"
#include "logging/redact.h"
#include "secrets/secretjournal.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <functional>
#include <memory>

namespace ga::admin {

// The secrets journal (secrets/secretjournal.h) around a write in two steps (secret and config): if the daemon dies
// between them, the next start removes what the config does not name, as for the CLI's writes. Held (locked) from
// before the first step until settle() or the last copy is gone.
class JournalHold
{
public:
    static std::shared_ptr<JournalHold> begin(const QString &configPath, const QStringList &names, QString *error)
    {
        auto hold = std::shared_ptr<JournalHold>(new JournalHold(config::secretJournalPath(configPath), names));
        // Short: the admin API runs on the service's thread, and a CLI transaction takes milliseconds.
        constexpr int kWaitMs = 3000;
        if (!hold->m_journal.lock(kWaitMs, error) || !hold->m_journal.add(names, error)) {
            return nullptr;
        }
        return hold;
    }
    // Config and store agree: the names leave the journal.
    void settle()
    {
        if (!m_journal.isLocked()) {
            return;
        }
        if (QString error; !m_journal.drop(m_names, &error)) {
            qCWarning(lcSecrets).noquote() << error; // the next start settles them
        }
        m_journal.unlock();
    }

private:
    JournalHold(const QString &path, QStringList names)
        : m_journal(path)
        , m_names(std::move(names))
    { }

    secrets::SecretJournal m_journal;
    QStringList m_names;
};

// Settles a hold when the scope ends, whichever way the callback leaves.
struct SettleAtEnd
{
    std::shared_ptr<JournalHold> hold;
    ~SettleAtEnd()
    {
        if (hold) {
            hold->settle();
        }
    }
};

inline Response json(int status, const QJsonValue &value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return Response { status, doc.toJson(QJsonDocument::Indented) };
}

inline Response error(int status, const QString &message, const QList<config::Problem> &problems = {})
{
    QJsonObject e { { QStringLiteral("code"), status },
        { QStringLiteral("status"), QLatin1String(http::canonicalStatus(status)) },
        { QStringLiteral("message"), logging::Redactor::redact(message) } };
    if (!problems.isEmpty()) {
        QJsonArray list;
        for (const config::Problem &p : problems) {
            list.append(QJsonObject { { QStringLiteral("path"), p.path },
                { QStringLiteral("message"), logging::Redactor::redact(p.message) } });
        }
        e.insert(QStringLiteral("problems"), list);
    }
    return json(status, QJsonObject { { QStringLiteral("error"), e } });
}

// The request body as a JSON object, or an error answer.
inline bool bodyObject(const Request &rq, QJsonObject *out, std::function<void(Response)> &reply)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(rq.body, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        reply(error(400, QStringLiteral("the body must be a JSON object")));
        return false;
    }
    *out = doc.object();
    return true;
}

// A refused save: 400 when the result broke a rule (the problems say where), 500 when the save itself failed.
inline Response saveRefused(const config::ConfigStore::UpdateResult &saved)
{
    return error(saved.problems.isEmpty() ? 500 : 400, saved.error, saved.problems);
}

inline config::Problem problem(const QString &path, const QString &message)
{
    config::Problem p;
    p.path = path;
    p.message = message;
    return p;
}

inline QJsonArray itemsAt(const QJsonObject &doc, const QString &path)
{
    return config::schema::valueAt(doc, path).toArray();
}

// Runs `edit` on the items of the list at `path` whose `field` is `value`; an item `edit` returns false
// for is removed.
inline void editItems(QJsonObject &doc, const QString &path, QStringView field, const QString &value,
    const std::function<bool(QJsonObject &)> &edit)
{
    QJsonArray items = itemsAt(doc, path);
    for (qsizetype i = 0; i < items.size();) {
        QJsonObject o = items.at(i).toObject();
        if (o.value(field).toString() != value) {
            ++i;
        } else if (edit(o)) {
            items.replace(i++, o);
        } else {
            items.removeAt(i);
        }
    }
    config::schema::setValueAt(doc, path, items);
}

inline bool removeItem(QJsonObject &)
{
    return false;
}

} // namespace ga::admin
