// SPDX-License-Identifier: GPL-3.0-or-later
// Dotted paths into a JSON document: reading and writing one value.
#include "config/jsonpath.h"

#include <QStringList>

namespace ga::config::schema {

QJsonValue valueAt(const QJsonObject &document, const QString &path)
{
    const QStringList parts = path.split(u'.');
    QJsonValue v = document;
    for (const QString &part : parts) {
        if (!v.isObject()) {
            return QJsonValue(QJsonValue::Undefined);
        }
        v = v.toObject().value(part);
    }
    return v;
}

void setValueAt(QJsonObject &document, const QString &path, const QJsonValue &value)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        document.insert(path, value);
        return;
    }
    const QString head = path.left(dot);
    QJsonObject child = document.value(head).toObject();
    setValueAt(child, path.mid(dot + 1), value);
    document.insert(head, child);
}

} // namespace ga::config::schema
