// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

namespace ga::acme {

// "ga.acme": accounts, orders and their failures; never a key, a thumbprint or a JWS.
Q_DECLARE_LOGGING_CATEGORY(lcAcme)

} // namespace ga::acme
