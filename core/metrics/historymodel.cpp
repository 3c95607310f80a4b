// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/historymodel.h"

#include <QDateTime>

namespace ga::metrics {

HistoryModel::HistoryModel(Recorder *recorder, int capacity, QObject *parent)
    : QAbstractListModel(parent)
    , m_capacity(std::max(1, capacity))
{
    const std::vector<AccessRecord> past = recorder->history(m_capacity);
    for (auto it = past.rbegin(); it != past.rend(); ++it) {
        m_rows.push_back(*it);
    }
    connect(recorder, &Recorder::recorded, this, &HistoryModel::add, Qt::QueuedConnection);
}

void HistoryModel::add(const AccessRecord &record)
{
    beginInsertRows(QModelIndex(), 0, 0);
    m_rows.push_front(record);
    endInsertRows();
    if (int(m_rows.size()) > m_capacity) {
        beginRemoveRows(QModelIndex(), m_capacity, int(m_rows.size()) - 1);
        m_rows.resize(size_t(m_capacity));
        endRemoveRows();
    }
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const AccessRecord &r = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return toLogLine(r);
    case IdRole:
        return r.id;
    case TimeRole:
        return QDateTime::fromMSecsSinceEpoch(r.startedMs, Qt::UTC);
    case ClientRole:
        return r.client;
    case MethodRole:
        return r.method;
    case PathRole:
        return r.path;
    case KindRole:
        return r.kind;
    case ModelRole:
        return r.model;
    case StatusRole:
        return r.status;
    case KeyRole:
        return r.keyId;
    case RouteRole:
        return r.route;
    case AttemptsRole:
        return int(r.attempts.size());
    case AttemptsTextRole: {
        QStringList parts;
        for (const Attempt &a : r.attempts) {
            parts.append(QStringLiteral("%1@%2: %3").arg(a.keyId, a.route, a.outcome));
        }
        return parts.join(QStringLiteral(" → "));
    }
    case TtfbMsRole:
        return r.ttfbMs;
    case TotalMsRole:
        return r.totalMs;
    case TokensInRole:
        return r.tokensIn;
    case TokensOutRole:
        return r.tokensOut;
    case StreamRole:
        return r.stream;
    case BrokenRole:
        return r.broken;
    default:
        return {};
    }
}

QHash<int, QByteArray> HistoryModel::roleNames() const
{
    return { { Qt::DisplayRole, "display" }, { IdRole, "requestId" }, { TimeRole, "time" }, { ClientRole, "client" },
        { MethodRole, "method" }, { PathRole, "path" }, { KindRole, "kind" }, { ModelRole, "model" },
        { StatusRole, "status" }, { KeyRole, "keyId" }, { RouteRole, "route" }, { AttemptsRole, "attempts" },
        { AttemptsTextRole, "attemptsText" }, { TtfbMsRole, "ttfbMs" }, { TotalMsRole, "totalMs" },
        { TokensInRole, "tokensIn" }, { TokensOutRole, "tokensOut" }, { StreamRole, "stream" },
        { BrokenRole, "broken" } };
}

} // namespace ga::metrics
