// SPDX-License-Identifier: GPL-3.0-or-later
#include "security/iprules.h"

namespace ga::security {

namespace {

bool parseList(const QString &text, QList<QPair<QHostAddress, int>> *out, QString *error)
{
    out->clear();
    for (const QString &part : text.split(u',', Qt::SkipEmptyParts)) {
        const QString block = part.trimmed();
        if (block.isEmpty()) {
            continue;
        }
        QString cidr = block;
        if (!cidr.contains(u'/')) {
            cidr += cidr.contains(u':') ? QStringLiteral("/128") : QStringLiteral("/32");
        }
        const QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(cidr);
        if (subnet.first.isNull()) {
            if (error) {
                *error = QStringLiteral("'%1' is not an address or CIDR block").arg(block);
            }
            return false;
        }
        out->append(subnet);
    }
    return true;
}

QHostAddress normalized(const QHostAddress &a)
{
    bool isV4 = false;
    const quint32 v4 = a.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : a;
}

bool inAny(const QHostAddress &a, const QList<QPair<QHostAddress, int>> &list)
{
    for (const auto &subnet : list) {
        if (a.isInSubnet(subnet)) {
            return true;
        }
    }
    return false;
}

} // namespace

bool IpRules::parse(const QString &allow, const QString &deny, QString *error)
{
    return parseList(allow, &m_allow, error) && parseList(deny, &m_deny, error);
}

bool IpRules::allows(const QHostAddress &peer) const
{
    if (isEmpty()) {
        return true;
    }
    const QHostAddress a = normalized(peer);
    if (inAny(a, m_deny)) {
        return false;
    }
    return m_allow.isEmpty() || inAny(a, m_allow);
}

} // namespace ga::security
