// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "upstream/upstream.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace ga::routing {

// What GET /health?upstream=1 on a relay says: reachable? secret accepted? can it reach the upstream?
struct RelayCheck
{
    QString verdict; // ok, unreachable, bad-secret, no-upstream, error
    int status = 0;
    qint64 latencyMs = 0;
    QString detail; // one line, never the secret
};

// Probes the relay at `base` through the same outgoing proxy and CA settings as the upstream (`via`).
// `done` runs on `context`'s thread unless `context` is destroyed first.
void probeRelay(const QUrl &base, const QByteArray &secret, const upstream::UpstreamSettings &via, QObject *context,
    std::function<void(const RelayCheck &)> done);

} // namespace ga::routing
