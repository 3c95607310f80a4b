// SPDX-License-Identifier: GPL-3.0-or-later
// Edits of the config's lists (keys.items, instances.items, auth.tokens.items) inside a ConfigStore::Change: the one
// "edit the items whose field equals X" every operation uses.
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <functional>

namespace ga::app {

inline const QString kKeyItems = QStringLiteral("keys.items");
inline const QString kInstanceItems = QStringLiteral("instances.items");
inline const QString kTokenItems = QStringLiteral("auth.tokens.items");

QJsonArray itemsAt(const QJsonObject &doc, const QString &listPath);
void appendItem(QJsonObject &doc, const QString &listPath, const QJsonObject &item);
// Runs `edit` on the items of the list whose `field` is one of `values`; an item `edit` returns false for is
// removed. Returns how many items matched.
int editItems(QJsonObject &doc, const QString &listPath, QStringView field, const QStringList &values,
    const std::function<bool(QJsonObject &)> &edit);
inline bool dropItem(QJsonObject &)
{
    return false;
}
// Now, as the config writes times (UTC, milliseconds).
QString nowText();

} // namespace ga::app
