// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/outcomes.h"

namespace ga::proxy::outcome {

const logging::UserText kStarted("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "started"));
const logging::UserText kClientAborted("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "client aborted"));
const logging::UserText kDeadlinePassed("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "request deadline passed"));
const logging::UserText kNoRoute("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "no route: %1"));
const logging::UserText kRelayFailed("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "relay failed: %1"));
const logging::UserText kStreamBroken("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "stream broken: %1"));

} // namespace ga::proxy::outcome
