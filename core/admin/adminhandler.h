// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include <functional>

namespace ga::admin {

// The largest request body the admin API takes: its bodies are a key or a few settings (a few KiB). A larger one
// gets 413 — from the listener as soon as the head says so, before the body is read, and from handle() for a
// caller in-process (the desktop app).
inline constexpr qint64 kMaxRequestBodyBytes = 1024 * 1024;

// One call to /admin/api/v1/…, already past the Host/Origin guards and the admin token check.
struct Request
{
    QByteArray method;
    QByteArray path; // after "/admin/api/v1", e.g. "/keys/k1a2b3c4"
    QByteArray query;
    QByteArray body;
};

struct Response
{
    int status = 200;
    QByteArray body; // JSON
};

// What the proxy hands admin calls to. handle() may be called from any proxy worker thread; `reply` may be
// called from any thread, exactly once.
class Handler
{
public:
    virtual ~Handler() = default;
    virtual void handle(Request request, std::function<void(Response)> reply) = 0;
};

} // namespace ga::admin
