// SPDX-License-Identifier: GPL-3.0-or-later
// Dotted paths into a JSON document ("listen.port", "auth.tokens.items"): read a value, write one, creating the
// objects on the way. Also reachable through config/configschema.h.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace ga::config::schema {

// The value at `path`, or Undefined when a member on the way is missing or not an object.
QJsonValue valueAt(const QJsonObject &document, const QString &path);
// Sets the value at `path`, creating (or replacing by) objects for the members on the way.
void setValueAt(QJsonObject &document, const QString &path, const QJsonValue &value);

} // namespace ga::config::schema
