// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "metrics/recorder.h"

#include <QAbstractListModel>

#include <deque>

namespace ga::metrics {

// The request history as a list model for the GUI: newest first, at most `capacity` rows, filled from the
// recorder's history and then kept live from its `recorded` signal (queued onto the model's thread, so a
// busy proxy never blocks the UI and the UI never delays a request).
class HistoryModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryModel)

public:
    enum Role
    {
        IdRole = Qt::UserRole + 1,
        TimeRole, // QDateTime (UTC)
        ClientRole,
        MethodRole,
        PathRole,
        KindRole,
        ModelRole,
        StatusRole,
        KeyRole,
        RouteRole,
        AttemptsRole, // number of tries
        AttemptsTextRole, // "k1@direct: quota-minute → k2@direct: ok"
        TtfbMsRole,
        TotalMsRole,
        TokensInRole,
        TokensOutRole,
        StreamRole,
        BrokenRole,
    };

    explicit HistoryModel(Recorder *recorder, int capacity = 1000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    void add(const AccessRecord &record);

    std::deque<AccessRecord> m_rows; // newest first
    int m_capacity;
};

} // namespace ga::metrics
