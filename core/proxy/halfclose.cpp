// SPDX-License-Identifier: GPL-3.0-or-later
// The platform headers come first and alone: winsock2.h must precede anything that pulls in windows.h.
#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include "proxy/halfclose.h"

namespace ga::proxy {

bool shutdownSending(qintptr descriptor)
{
#ifdef _WIN32
    return ::shutdown(SOCKET(descriptor), SD_SEND) == 0;
#else
    return ::shutdown(int(descriptor), SHUT_WR) == 0;
#endif
}

} // namespace ga::proxy
