// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSortFilterProxyModel>
#include <QtQml/qqmlregistration.h>

namespace ga::ui {

// Search and filter for the Keys and Logs pages:
//   text       — rows where any of `textRoles` contains it (case-insensitive); empty: all
//   matchRole  — a role whose value (as a string) must start with `matchValue`; empty value: all
//                (Keys: matchRole "state", matchValue "cooling"; Logs: matchRole "status", matchValue "4")
// `count` is the number of rows that pass; mapToSourceRow() turns a view row into the source row.
class FilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString text READ text WRITE setText NOTIFY filterChanged)
    Q_PROPERTY(QStringList textRoles READ textRoles WRITE setTextRoles NOTIFY filterChanged)
    Q_PROPERTY(QString matchRole READ matchRole WRITE setMatchRole NOTIFY filterChanged)
    Q_PROPERTY(QString matchValue READ matchValue WRITE setMatchValue NOTIFY filterChanged)
    // true: the value must equal matchValue (keys, models, routes); false: start with it (status classes).
    Q_PROPERTY(bool matchExact READ matchExact WRITE setMatchExact NOTIFY filterChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    explicit FilterModel(QObject *parent = nullptr);

    QString text() const { return m_text; }
    void setText(const QString &text);
    QStringList textRoles() const { return m_textRoles; }
    void setTextRoles(const QStringList &roles);
    QString matchRole() const { return m_matchRole; }
    void setMatchRole(const QString &role);
    QString matchValue() const { return m_matchValue; }
    void setMatchValue(const QString &value);
    bool matchExact() const { return m_matchExact; }
    void setMatchExact(bool exact);
    int count() const { return rowCount(); }

    Q_INVOKABLE int mapToSourceRow(int row) const;
    // The row's roles as a map (from the source model).
    Q_INVOKABLE QVariantMap get(int row) const;

Q_SIGNALS:
    void filterChanged();
    void countChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void update();
    int roleId(const QString &name) const;

    QString m_text;
    QStringList m_textRoles;
    QString m_matchRole;
    QString m_matchValue;
    bool m_matchExact = false;
};

} // namespace ga::ui
