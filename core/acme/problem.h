// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/acmetypes.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace ga::acme {

// An RFC 7807 problem document as ACME uses it (RFC 8555 §6.7): type, detail, and per-identifier subproblems.
struct Problem
{
    QString type; // full URN, e.g. urn:ietf:params:acme:error:rateLimited
    QString detail;
    QString identifier; // a subproblem's identifier value
    QList<Problem> subproblems;

    // The part after "urn:ietf:params:acme:error:", or the whole type for other namespaces.
    QString shortType() const;
    bool is(QLatin1String acmeError) const { return shortType() == acmeError; }
};

std::optional<Problem> parseProblem(const QJsonObject &object);
// A body that is a problem document (its media type is not checked: some CAs send application/json).
std::optional<Problem> parseProblem(const QByteArray &body);

// The failure for a problem the CA answered while doing `what` ("create the account", "place the order", …):
// rate limits, refused names and external account binding get their own advice, the rest the CA's detail.
Failure problemFailure(const Problem &problem, const QString &what, qint64 retryAfterMs);

// The failure for a challenge the CA could not validate for `domain`: "could not reach" for connection, timeout,
// unauthorized (wrong or missing answer), TLS and DNS trouble; problemFailure otherwise.
Failure challengeFailure(const Problem &problem, const QString &domain, const QByteArray &token);

} // namespace ga::acme
