// SPDX-License-Identifier: GPL-3.0-or-later
#include "rowlistmodel.h"

namespace ga::ui {

namespace {
QString idOf(const QVariantMap &row)
{
    return row.value(QStringLiteral("id")).toString();
}
} // namespace

RowListModel::RowListModel(QStringList roles, QObject *parent)
    : QAbstractListModel(parent)
    , m_roles(std::move(roles))
{ }

int RowListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant RowListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const int field = role == Qt::DisplayRole ? 0 : role - Qt::UserRole - 1;
    if (field < 0 || field >= m_roles.size()) {
        return {};
    }
    return m_rows.at(index.row()).value(m_roles.at(field));
}

QHash<int, QByteArray> RowListModel::roleNames() const
{
    QHash<int, QByteArray> names;
    for (int i = 0; i < m_roles.size(); ++i) {
        names.insert(Qt::UserRole + 1 + i, m_roles.at(i).toUtf8());
    }
    return names;
}

QVariantMap RowListModel::get(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row) : QVariantMap();
}

int RowListModel::indexOf(const QString &id) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (idOf(m_rows.at(i)) == id) {
            return i;
        }
    }
    return -1;
}

QStringList RowListModel::ids() const
{
    QStringList out;
    for (const QVariantMap &row : m_rows) {
        out.append(idOf(row));
    }
    return out;
}

void RowListModel::setRows(QList<QVariantMap> rows)
{
    const int before = int(m_rows.size());
    QSet<QString> fresh;
    for (const QVariantMap &row : rows) {
        fresh.insert(idOf(row));
    }
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (!fresh.contains(idOf(m_rows.at(i)))) {
            beginRemoveRows(QModelIndex(), i, i);
            m_rows.removeAt(i);
            endRemoveRows();
        }
    }
    for (int i = 0; i < rows.size(); ++i) {
        const QString id = idOf(rows.at(i));
        if (i < m_rows.size() && idOf(m_rows.at(i)) == id) {
            if (m_rows.at(i) != rows.at(i)) {
                m_rows[i] = rows.at(i);
                Q_EMIT dataChanged(index(i), index(i));
            }
            continue;
        }
        int at = -1;
        for (int j = i + 1; j < m_rows.size(); ++j) {
            if (idOf(m_rows.at(j)) == id) {
                at = j;
                break;
            }
        }
        if (at >= 0) {
            beginMoveRows(QModelIndex(), at, at, QModelIndex(), i);
            m_rows.move(at, i);
            endMoveRows();
            if (m_rows.at(i) != rows.at(i)) {
                m_rows[i] = rows.at(i);
                Q_EMIT dataChanged(index(i), index(i));
            }
        } else {
            beginInsertRows(QModelIndex(), i, i);
            m_rows.insert(i, rows.at(i));
            endInsertRows();
        }
    }
    if (m_rows.size() != before) {
        Q_EMIT countChanged();
    }
}

} // namespace ga::ui
