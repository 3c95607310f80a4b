// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "logging/usertext.h"

// How an attempt ended, as the access log and the history record it (besides a failure kind's name, see
// keys/failure.h). Shared by the HTTP exchange and the Live session; the window translates them.
namespace ga::proxy::outcome {

extern const logging::UserText kStarted; // a Live session that is set up and still open
extern const logging::UserText kClientAborted;
extern const logging::UserText kDeadlinePassed;
extern const logging::UserText kNoRoute; // %1: why no route could be used
extern const logging::UserText kRelayFailed; // %1: what went wrong on the relay
extern const logging::UserText kStreamBroken; // %1: what broke it

} // namespace ga::proxy::outcome
