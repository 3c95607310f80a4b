// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include <functional>

namespace ga::proxy {

// The largest request body the admin API takes: its bodies are a key or a few settings (a few KiB). A larger one
// gets 413 — from the listener as soon as the head says so, before the body is read, and from handle() for a
// caller in-process (the desktop app).
inline constexpr qint64 kMaxAdminBodyBytes = 1024 * 1024;

// One call to /admin/api/v1/…, already past the Host/Origin guards and the admin token check.
struct AdminRequest
{
    QByteArray method;
    QByteArray path; // after "/admin/api/v1", e.g. "/keys/k1a2b3c4"
    QByteArray query;
    QByteArray body;
};

struct AdminResponse
{
    int status = 200;
    QByteArray body; // JSON
};

// What the proxy hands admin calls to (the port the admin API plugs into; the proxy knows nothing above it).
// handle() may be called from any proxy worker thread; `reply` may be called from any thread, exactly once.
class AdminHandler
{
public:
    virtual ~AdminHandler() = default;
    virtual void handle(AdminRequest request, std::function<void(AdminResponse)> reply) = 0;
};

} // namespace ga::proxy
