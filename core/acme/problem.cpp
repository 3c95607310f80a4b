// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/problem.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace ga::acme {

namespace {

const QLatin1String kAcmeErrorPrefix("urn:ietf:params:acme:error:");
constexpr qsizetype kMaxDetail = 300;

// The CA's detail, with the subproblems' details, shortened: enough to act on, never a whole page.
QString detailText(const Problem &problem)
{
    QString text = problem.detail.simplified();
    for (const Problem &sub : problem.subproblems) {
        const QString part = sub.identifier.isEmpty() ? sub.detail.simplified()
                                                      : sub.identifier + QLatin1String(": ") + sub.detail.simplified();
        if (!part.isEmpty() && !text.contains(part))
            text += (text.isEmpty() ? QString() : QStringLiteral("; ")) + part;
    }
    if (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    if (text.size() > kMaxDetail)
        text = text.left(kMaxDetail - 1) + QChar(0x2026);
    return text.isEmpty() ? problem.type : text;
}

QString waitText(qint64 retryAfterMs)
{
    if (retryAfterMs < 0)
        return QStringLiteral("try again later");
    const QDateTime at = QDateTime::currentDateTimeUtc().addMSecs(retryAfterMs);
    return QStringLiteral("try again after %1").arg(at.toString(Qt::ISODate));
}

} // namespace

QString Problem::shortType() const
{
    return type.startsWith(kAcmeErrorPrefix) ? type.mid(kAcmeErrorPrefix.size()) : type;
}

std::optional<Problem> parseProblem(const QJsonObject &object)
{
    if (!object.value(QLatin1String("type")).isString())
        return std::nullopt;
    Problem problem;
    problem.type = object.value(QLatin1String("type")).toString();
    problem.detail = object.value(QLatin1String("detail")).toString();
    problem.identifier = object.value(QLatin1String("identifier")).toObject().value(QLatin1String("value")).toString();
    const QJsonArray subproblems = object.value(QLatin1String("subproblems")).toArray();
    for (const QJsonValue &value : subproblems) {
        if (auto sub = parseProblem(value.toObject()))
            problem.subproblems.append(*sub);
    }
    return problem;
}

std::optional<Problem> parseProblem(const QByteArray &body)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (!document.isObject())
        return std::nullopt;
    return parseProblem(document.object());
}

Failure problemFailure(const Problem &problem, const QString &what, qint64 retryAfterMs)
{
    Failure failure;
    failure.retryAfterMs = retryAfterMs;
    const QString detail = detailText(problem);
    if (problem.is(QLatin1String("rateLimited"))) {
        failure.rateLimited = true;
        failure.message = QStringLiteral("the CA refused to %1 because of its rate limits (%2): %3")
                              .arg(what, detail, waitText(retryAfterMs));
    } else if (problem.is(QLatin1String("rejectedIdentifier")) || problem.is(QLatin1String("caa"))
        || problem.is(QLatin1String("unsupportedIdentifier"))) {
        failure.message = QStringLiteral("the CA will not issue a certificate for these names (%1): use names you "
                                         "control that the CA accepts")
                              .arg(detail);
    } else if (problem.is(QLatin1String("invalidContact")) || problem.is(QLatin1String("unsupportedContact"))) {
        failure.message = QStringLiteral("the CA refused the contact address (%1): give a working e-mail address, or "
                                         "none")
                              .arg(detail);
    } else if (problem.is(QLatin1String("externalAccountRequired"))) {
        failure.message = QStringLiteral("the CA requires external account binding, which is not supported: use a CA "
                                         "that does not, such as Let's Encrypt");
    } else if (problem.is(QLatin1String("userActionRequired"))) {
        failure.message = QStringLiteral("the CA wants the account holder to act (%1): follow the CA's instructions "
                                         "and try again")
                              .arg(detail);
    } else {
        failure.message = QStringLiteral("the CA refused to %1 (%2): check the domains and the ACME settings, then "
                                         "try again")
                              .arg(what, detail);
    }
    return failure;
}

Failure challengeFailure(const Problem &problem, const QString &domain, const QByteArray &token)
{
    const bool unreachable = problem.is(QLatin1String("connection")) || problem.is(QLatin1String("unauthorized"))
        || problem.is(QLatin1String("incorrectResponse")) || problem.is(QLatin1String("tls"))
        || problem.is(QLatin1String("dns"));
    if (!unreachable)
        return problemFailure(problem, QStringLiteral("validate %1").arg(domain), -1);
    Failure failure;
    const QString url
        = QStringLiteral("http://%1/.well-known/acme-challenge/%2").arg(domain, QString::fromLatin1(token));
    if (problem.is(QLatin1String("dns"))) {
        failure.message
            = QStringLiteral("the CA could not look up %1 to fetch %2 (%3): point the name's DNS records at "
                             "this machine")
                  .arg(domain, url, detailText(problem));
    } else {
        failure.message = QStringLiteral("the CA could not reach %1 (%2): make port 80 of %3 reach this machine")
                              .arg(url, detailText(problem), domain);
    }
    return failure;
}

} // namespace ga::acme
