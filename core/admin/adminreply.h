// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the admin API's route files (admin*.cpp): answers in one JSON shape, body parsing, and operation
// outcomes as HTTP answers. Not for use outside core/admin.
#pragma once

#include "admin/adminapi.h"
#include "app/outcome.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "config/configstore.h"
#include "http/httperror.h"
#include "logging/logging.h"
#include "logging/redact.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <functional>
#include <optional>

namespace ga::admin {

inline Response json(int status, const QJsonValue &value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return Response { status, doc.toJson(QJsonDocument::Compact) };
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

inline config::Problem problem(const QString &path, const QString &message)
{
    return app::problemAt(path, message);
}

// Fields of a request body, type-checked: a wrong type adds a problem at the field and yields nothing. The rules
// on the values themselves belong to the operations (app/).
struct BodyFields
{
    const QJsonObject &body;
    QList<config::Problem> problems;

    std::optional<QString> string(const QString &field)
    {
        const QJsonValue v = body.value(field);
        if (v.isUndefined()) {
            return std::nullopt;
        }
        if (!v.isString()) {
            problems.append(problem(field, QStringLiteral("expected a string")));
            return std::nullopt;
        }
        return v.toString();
    }
    std::optional<int> whole(const QString &field)
    {
        const QJsonValue v = body.value(field);
        if (v.isUndefined()) {
            return std::nullopt;
        }
        if (!v.isDouble() || v.toDouble() != double(v.toInt())) {
            problems.append(problem(field, QStringLiteral("expected a whole number")));
            return std::nullopt;
        }
        return v.toInt();
    }
    std::optional<bool> boolean(const QString &field)
    {
        const QJsonValue v = body.value(field);
        if (v.isUndefined()) {
            return std::nullopt;
        }
        if (!v.isBool()) {
            problems.append(problem(field, QStringLiteral("expected true or false")));
            return std::nullopt;
        }
        return v.toBool();
    }
    // The rules an operation checks, for a body that already has problems: one answer names all of them (a field
    // reported already is not reported twice).
    void alsoCheck(const QList<config::Problem> &more)
    {
        for (const config::Problem &p : more) {
            if (std::none_of(
                    problems.begin(), problems.end(), [&p](const config::Problem &q) { return q.path == p.path; })) {
                problems.append(p);
            }
        }
    }
    // Any field not in `known` is a problem.
    void onlyKnown(const QStringList &known)
    {
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (!known.contains(it.key())) {
                problems.append(
                    problem(it.key(), QStringLiteral("unknown field (%1)").arg(known.join(QStringLiteral(", ")))));
            }
        }
    }
};

// An operation that did not succeed, as its HTTP answer.
inline Response refused(const app::Outcome &outcome)
{
    switch (outcome.fault) {
    case app::Fault::Invalid:
        return error(400, outcome.message, outcome.problems);
    case app::Fault::NotFound:
        return error(404, outcome.message);
    case app::Fault::Conflict:
        return error(409, outcome.message, outcome.problems);
    case app::Fault::Busy:
        return error(503, outcome.message);
    case app::Fault::None:
    case app::Fault::Failed:
        break;
    }
    return error(500, outcome.message);
}

} // namespace ga::admin
