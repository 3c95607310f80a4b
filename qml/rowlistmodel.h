// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractListModel>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace ga::ui {

// A list model whose rows are maps with an "id" field and whose roles are the map's field names. Models
// compute a fresh list and call setRows(): rows are matched by id, so views keep their selection and scroll
// position — changed rows get dataChanged, new ones an insert, gone ones a remove, reordered ones a move.
class RowListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ANONYMOUS
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    explicit RowListModel(QStringList roles, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    int count() const { return int(m_rows.size()); }

    // The row as a map (empty when out of range).
    Q_INVOKABLE QVariantMap get(int row) const;
    // The row with this id, or -1.
    Q_INVOKABLE int indexOf(const QString &id) const;
    Q_INVOKABLE QStringList ids() const;

Q_SIGNALS:
    void countChanged();

protected:
    void setRows(QList<QVariantMap> rows);

private:
    QStringList m_roles;
    QList<QVariantMap> m_rows;
};

} // namespace ga::ui
