// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/listedit.h"

#include "config/configschema.h"

#include <QDateTime>

namespace ga::app {

QJsonArray itemsAt(const QJsonObject &doc, const QString &listPath)
{
    return config::schema::valueAt(doc, listPath).toArray();
}

void appendItem(QJsonObject &doc, const QString &listPath, const QJsonObject &item)
{
    QJsonArray items = itemsAt(doc, listPath);
    items.append(item);
    config::schema::setValueAt(doc, listPath, items);
}

int editItems(QJsonObject &doc, const QString &listPath, QStringView field, const QStringList &values,
    const std::function<bool(QJsonObject &)> &edit)
{
    QJsonArray items = itemsAt(doc, listPath);
    int matched = 0;
    for (qsizetype i = 0; i < items.size();) {
        QJsonObject o = items.at(i).toObject();
        if (!values.contains(o.value(field).toString())) {
            ++i;
            continue;
        }
        ++matched;
        if (edit(o)) {
            items.replace(i++, o);
        } else {
            items.removeAt(i);
        }
    }
    config::schema::setValueAt(doc, listPath, items);
    return matched;
}

QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace ga::app
