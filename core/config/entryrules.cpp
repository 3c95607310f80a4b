// SPDX-License-Identifier: GPL-3.0-or-later
// The config validator's rules for the entry lists: instances.items, keys.items and auth.tokens.items (ids and
// names, required and unknown fields, the rules for text, references between them, weights and limits), and the
// Config entries built from what passes.
#include "config/validator_p.h"
#include "logging/usertext.h"

#include <algorithm>
#include <cmath>

namespace ga::config::schema::detail {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kExpectedAListGot("ga::config", QT_TRANSLATE_NOOP("ga::config", "expected a list, got %1"));
const logging::UserText kIsMissing("ga::config", QT_TRANSLATE_NOOP("ga::config", "'%1' is missing"));
const logging::UserText kExpectedAStringGot("ga::config", QT_TRANSLATE_NOOP("ga::config", "expected a string, got %1"));
const logging::UserText kIsNotAValidId("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "'%1' is not a valid id (lowercase letters, digits, - and _; at most 32)"));
const logging::UserText kIdIsUsedTwice("ga::config", QT_TRANSLATE_NOOP("ga::config", "id '%1' is used twice"));
const logging::UserText kUnknownFieldIgnored("ga::config", QT_TRANSLATE_NOOP("ga::config", "unknown field, ignored%1"));
const logging::UserText kExpectedAnObjectGot(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected an object, got %1"));
const logging::UserText kExpectedTrueOrFalse("ga::config", QT_TRANSLATE_NOOP("ga::config", "expected true or false"));
const logging::UserText kBoundToInstanceWhichDoes("ga::config",
    QT_TRANSLATE_NOOP(
        "ga::config", "bound to instance '%1', which does not exist (run: gemini-aggregatord unbind %2)"));
const logging::UserText kHoldsAtMostTheLast(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "holds at most the last 4 characters of the key"));
const logging::UserText kIsNotAWeightWhole(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a weight (whole number 1–1000)"));
const logging::UserText kIsNotAValidToken("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "'%1' is not a valid token name (lowercase letters, digits, - and _; at most 32)"));
const logging::UserText kNameIsUsedTwice("ga::config", QT_TRANSLATE_NOOP("ga::config", "name '%1' is used twice"));
const logging::UserText kIsNotALimitWhole(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a limit (whole number ≥ 0; 0 = no limit)"));

} // namespace

bool Validator::heldInList(const QString &itemPath, const QString &field, const QString &value) const
{
    const QString list = itemPath.left(itemPath.lastIndexOf(u'['));
    const QJsonArray items = valueAt(m_previous, list).toArray();
    return std::any_of(items.begin(), items.end(),
        [&](const QJsonValue &item) { return item.toObject().value(field) == QJsonValue(value); });
}

bool Validator::itemsOf(const QJsonObject &doc, const QString &section, QJsonArray *out)
{
    const QString path = section + QStringLiteral(".items");
    const QJsonValue v = valueAt(doc, path);
    if (v.isUndefined()) {
        return false;
    }
    if (!v.isArray()) {
        error(path, kExpectedAListGot.text().arg(jsonTypeName(v)));
        return false;
    }
    *out = v.toArray();
    return true;
}

bool Validator::stringField(
    const QJsonObject &o, const QString &path, const QString &name, bool required, QString *out, qsizetype max)
{
    const QJsonValue v = o.value(name);
    if (v.isUndefined()) {
        if (required) {
            error(path, kIsMissing.text().arg(name));
            return false;
        }
        return true;
    }
    if (!v.isString()) {
        error(path + u'.' + name, kExpectedAStringGot.text().arg(jsonTypeName(v)));
        return false;
    }
    *out = v.toString();
    return max == 0 || checkText(path + u'.' + name, *out, max, [&] { return heldInList(path, name, *out); });
}

bool Validator::checkEntryId(const QJsonObject &o, const QString &path, QSet<QString> &seen, QString *id)
{
    if (!stringField(o, path, QStringLiteral("id"), true, id, 0)) {
        return false;
    }
    if (!isValidId(*id)) {
        error(path + QStringLiteral(".id"), kIsNotAValidId.text().arg(*id));
        return false;
    }
    if (seen.contains(*id)) {
        error(path + QStringLiteral(".id"), kIdIsUsedTwice.text().arg(*id));
        return false;
    }
    seen.insert(*id);
    return true;
}

void Validator::warnUnknownFields(const QJsonObject &o, const QString &path, const QStringList &known)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key())) {
            warning(path + u'.' + it.key(), kUnknownFieldIgnored.text().arg(suggestion(it.key(), known)));
        }
    }
}

void Validator::checkInstances(const QJsonObject &doc)
{
    QJsonArray items;
    if (!itemsOf(doc, QStringLiteral("instances"), &items)) {
        return;
    }
    static const QStringList known
        = { QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("url"), QStringLiteral("enabled") };
    QSet<QString> seen;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString path = QStringLiteral("instances.items[%1]").arg(i);
        if (!items.at(i).isObject()) {
            error(path, kExpectedAnObjectGot.text().arg(jsonTypeName(items.at(i))));
            continue;
        }
        const QJsonObject o = items.at(i).toObject();
        warnUnknownFields(o, path, known);
        InstanceEntry e;
        QString url;
        bool ok = checkEntryId(o, path, seen, &e.id);
        ok = stringField(o, path, QStringLiteral("name"), true, &e.name, kMaxLabelChars) && ok;
        ok = stringField(o, path, QStringLiteral("url"), true, &url, kMaxUrlChars) && ok;
        if (ok && !url.isEmpty()) {
            if (const QString reason = checkHttpUrl(url); !reason.isEmpty()) {
                error(path + QStringLiteral(".url"), reason);
                ok = false;
            }
        }
        const QJsonValue enabled = o.value(u"enabled");
        if (!enabled.isUndefined() && !enabled.isBool()) {
            error(path + QStringLiteral(".enabled"), kExpectedTrueOrFalse.text());
            ok = false;
        }
        if (ok) {
            e.url = QUrl(url);
            e.enabled = enabled.toBool(true);
            m_result.config.instances.append(e);
        }
    }
}

void Validator::checkKeys(const QJsonObject &doc)
{
    QJsonArray items;
    if (!itemsOf(doc, QStringLiteral("keys"), &items)) {
        return;
    }
    static const QStringList known = { QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("group"),
        QStringLiteral("instance"), QStringLiteral("fingerprint"), QStringLiteral("hint"), QStringLiteral("weight"),
        QStringLiteral("enabled"), QStringLiteral("added"), QStringLiteral("resetAt") };
    QSet<QString> seen;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString path = QStringLiteral("keys.items[%1]").arg(i);
        if (!items.at(i).isObject()) {
            error(path, kExpectedAnObjectGot.text().arg(jsonTypeName(items.at(i))));
            continue;
        }
        const QJsonObject o = items.at(i).toObject();
        warnUnknownFields(o, path, known);
        KeyEntry e;
        QString added;
        QString resetAt;
        bool ok = checkEntryId(o, path, seen, &e.id);
        ok = stringField(o, path, QStringLiteral("label"), false, &e.label, kMaxLabelChars) && ok;
        ok = stringField(o, path, QStringLiteral("group"), false, &e.group, kMaxLabelChars) && ok;
        ok = stringField(o, path, QStringLiteral("instance"), false, &e.instance, kMaxTextChars) && ok;
        ok = stringField(o, path, QStringLiteral("fingerprint"), false, &e.fingerprint, kMaxTextChars) && ok;
        ok = stringField(o, path, QStringLiteral("hint"), false, &e.hint, kMaxTextChars) && ok;
        ok = stringField(o, path, QStringLiteral("added"), false, &added, kMaxTextChars) && ok;
        ok = stringField(o, path, QStringLiteral("resetAt"), false, &resetAt, kMaxTextChars) && ok;
        if (!e.instance.isEmpty() && !m_result.config.findInstance(e.instance)) {
            error(path + QStringLiteral(".instance"), kBoundToInstanceWhichDoes.text().arg(e.instance, e.id));
            ok = false;
        }
        if (e.hint.size() > 4) {
            error(path + QStringLiteral(".hint"), kHoldsAtMostTheLast.text());
            ok = false;
        }
        const QJsonValue weight = o.value(u"weight");
        if (!weight.isUndefined()) {
            if (!weight.isDouble() || weight.toDouble() != std::floor(weight.toDouble()) || weight.toInt() < 1
                || weight.toInt() > 1000) {
                error(path + QStringLiteral(".weight"), kIsNotAWeightWhole.text().arg(shown(weight)));
                ok = false;
            }
        }
        const QJsonValue enabled = o.value(u"enabled");
        if (!enabled.isUndefined() && !enabled.isBool()) {
            error(path + QStringLiteral(".enabled"), kExpectedTrueOrFalse.text());
            ok = false;
        }
        if (ok) {
            e.weight = weight.toInt(1);
            e.enabled = enabled.toBool(true);
            e.added = QDateTime::fromString(added, Qt::ISODate);
            e.resetAt = QDateTime::fromString(resetAt, Qt::ISODateWithMs);
            m_result.config.keys.append(e);
        }
    }
}

void Validator::checkTokens(const QJsonObject &doc)
{
    QJsonArray items;
    if (!itemsOf(doc, QStringLiteral("auth.tokens"), &items)) {
        return;
    }
    static const QStringList known = { QStringLiteral("name"), QStringLiteral("created"), QStringLiteral("rotated"),
        QStringLiteral("requestsPerMinute"), QStringLiteral("requestsPerDay"), QStringLiteral("concurrentStreams") };
    QSet<QString> seen;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString path = QStringLiteral("auth.tokens.items[%1]").arg(i);
        if (!items.at(i).isObject()) {
            error(path, kExpectedAnObjectGot.text().arg(jsonTypeName(items.at(i))));
            continue;
        }
        const QJsonObject o = items.at(i).toObject();
        warnUnknownFields(o, path, known);
        TokenEntry e;
        QString created;
        bool ok = stringField(o, path, QStringLiteral("name"), true, &e.name, 0);
        if (ok && !isValidId(e.name)) {
            error(path + QStringLiteral(".name"), kIsNotAValidToken.text().arg(e.name));
            ok = false;
        } else if (ok && seen.contains(e.name)) {
            error(path + QStringLiteral(".name"), kNameIsUsedTwice.text().arg(e.name));
            ok = false;
        }
        seen.insert(e.name);
        QString rotated;
        ok = stringField(o, path, QStringLiteral("created"), false, &created, kMaxTextChars) && ok;
        ok = stringField(o, path, QStringLiteral("rotated"), false, &rotated, kMaxTextChars) && ok;
        e.rotated = QDateTime::fromString(rotated, Qt::ISODateWithMs);
        int *limits[] = { &e.limits.requestsPerMinute, &e.limits.requestsPerDay, &e.limits.concurrentStreams };
        const char *names[] = { "requestsPerMinute", "requestsPerDay", "concurrentStreams" };
        for (int f = 0; f < 3; ++f) {
            const QJsonValue v = o.value(QLatin1String(names[f]));
            if (v.isUndefined()) {
                continue;
            }
            if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < 0
                || v.toDouble() > 100000000) {
                error(path + u'.' + QLatin1String(names[f]), kIsNotALimitWhole.text().arg(shown(v)));
                ok = false;
                continue;
            }
            *limits[f] = v.toInt();
        }
        if (ok) {
            e.created = QDateTime::fromString(created, Qt::ISODate);
            m_result.config.tokens.append(e);
        }
    }
}

} // namespace ga::config::schema::detail
