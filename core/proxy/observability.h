// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/keypool.h"
#include "metrics/recorder.h"
#include "proxy/proxysettings.h"
#include "routing/router.h"

#include <QByteArray>
#include <QStringList>

namespace ga::proxy {

// GET /readyz: at least one usable key and one usable route for the current mode. `missing` says what is
// not there in words; it names no key and no instance.
struct Readiness
{
    bool ready = false;
    int usableKeys = 0;
    int usableRelays = 0;
    QString mode;
    QStringList missing;
    QString cluster; // cluster mode's state ("connected", "down", …); empty when off
    QStringList warnings; // degraded but serving (Redis down in cluster mode)
};
// `counters` (optional) adds cluster mode's state.
Readiness readiness(const keys::KeyPool &keys, const routing::Router &router, const ProxyCounters *counters = nullptr);
QByteArray readinessJson(const Readiness &r);

// GET /metrics: the recorder's counters plus gauges read now from the pool, the router and the listener.
QByteArray metricsText(const metrics::Recorder &recorder, const keys::KeyPool &keys, const routing::Router &router,
    const ProxyCounters &counters);

} // namespace ga::proxy
