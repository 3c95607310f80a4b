// SPDX-License-Identifier: GPL-3.0-or-later
#include "filtermodel.h"

namespace ga::ui {

FilterModel::FilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &FilterModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &FilterModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &FilterModel::countChanged);
    connect(this, &QAbstractItemModel::layoutChanged, this, &FilterModel::countChanged);
}

void FilterModel::setText(const QString &text)
{
    if (text != m_text) {
        m_text = text;
        update();
    }
}

void FilterModel::setTextRoles(const QStringList &roles)
{
    if (roles != m_textRoles) {
        m_textRoles = roles;
        update();
    }
}

void FilterModel::setMatchRole(const QString &role)
{
    if (role != m_matchRole) {
        m_matchRole = role;
        update();
    }
}

void FilterModel::setMatchValue(const QString &value)
{
    if (value != m_matchValue) {
        m_matchValue = value;
        update();
    }
}

void FilterModel::setMatchExact(bool exact)
{
    if (exact != m_matchExact) {
        m_matchExact = exact;
        update();
    }
}

void FilterModel::update()
{
    invalidateFilter();
    Q_EMIT filterChanged();
    Q_EMIT countChanged();
}

int FilterModel::roleId(const QString &name) const
{
    if (!sourceModel()) {
        return -1;
    }
    return sourceModel()->roleNames().key(name.toUtf8(), -1);
}

bool FilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    const QModelIndex index = source->index(sourceRow, 0, sourceParent);
    if (!m_matchRole.isEmpty() && !m_matchValue.isEmpty()) {
        const int role = roleId(m_matchRole);
        const QString value = role < 0 ? QString() : source->data(index, role).toString();
        if (role < 0 || (m_matchExact ? value != m_matchValue : !value.startsWith(m_matchValue))) {
            return false;
        }
    }
    const QString needle = m_text.trimmed();
    if (needle.isEmpty()) {
        return true;
    }
    for (const QString &name : m_textRoles) {
        const int role = roleId(name);
        if (role >= 0 && source->data(index, role).toString().contains(needle, Qt::CaseInsensitive)) {
            return true;
        }
    }
    return false;
}

int FilterModel::mapToSourceRow(int row) const
{
    return mapToSource(index(row, 0)).row();
}

QVariantMap FilterModel::get(int row) const
{
    QVariantMap out;
    const QModelIndex at = index(row, 0);
    if (!at.isValid()) {
        return out;
    }
    const QHash<int, QByteArray> names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it) {
        out.insert(QString::fromUtf8(it.value()), data(at, it.key()));
    }
    return out;
}

} // namespace ga::ui
