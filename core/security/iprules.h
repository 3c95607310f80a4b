// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

namespace ga::security {

// CIDR allow and deny lists (IPv4 and IPv6), checked when a connection is accepted. A denied
// connection is closed before a byte of it is read.
class IpRules
{
public:
    // "10.0.0.0/8, 192.168.1.7, fd00::/8"; a bare address is a single host. Returns false with the
    // offending item in `error` (the config schema has already checked, so this is a second line).
    bool parse(const QString &allow, const QString &deny, QString *error = nullptr);
    bool isEmpty() const { return m_allow.isEmpty() && m_deny.isEmpty(); }
    // Deny wins; with an allow list, only what it lists passes. IPv4-mapped IPv6 peers count as IPv4.
    bool allows(const QHostAddress &peer) const;

private:
    QList<QPair<QHostAddress, int>> m_allow;
    QList<QPair<QHostAddress, int>> m_deny;
};

} // namespace ga::security
