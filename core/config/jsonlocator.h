// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

namespace ga::config {

// Maps dotted JSON paths ("listen.port", "keys.items[2].weight") to the 1-based line where each member
// starts, so validation messages can name a line. Meant for text QJsonDocument already accepted.
QHash<QString, int> locateJsonPaths(const QByteArray &json);

// 1-based line and column of a byte offset (for QJsonParseError::offset).
void lineColumnAt(const QByteArray &text, qsizetype offset, int *line, int *column);

} // namespace ga::config
