// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by clientconnection.cpp and clientdispatch.cpp only.
#pragma once

#include "proxy/clock.h"

#include <QByteArray>

namespace ga::proxy {

inline bool isAdminPath(const QByteArray &path)
{
    return path == "/admin/api/v1" || path.startsWith("/admin/api/v1/");
}

// Everything under /admin: the admin API, the console's sign-in (/admin/session) and its files.
inline bool isConsolePath(const QByteArray &path)
{
    return path == "/admin" || path.startsWith("/admin/");
}

} // namespace ga::proxy
