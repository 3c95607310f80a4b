// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

namespace ga::proxy {

// Ends the sending direction of a connected socket (shutdown SHUT_WR / SD_SEND): the peer reads everything sent,
// then end-of-file, while this side can still read. Qt has no half-close for TCP sockets. False on failure.
bool shutdownSending(qintptr descriptor);

} // namespace ga::proxy
