// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <chrono>

namespace ga::proxy {

// Milliseconds on the monotonic clock: every deadline and duration of the proxy (a deadline set in one file is
// compared in another, so there is one clock). Read straight from steady_clock (the vDSO on Linux):
// QDeadlineTimer::current().deadline() cost ~50 instructions a call, and a proxied request makes ~15 of them.
inline qint64 nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace ga::proxy
