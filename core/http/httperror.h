// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace ga::http {

// "OK", "Bad Request", ... for a status code; "Unknown" otherwise.
const char *reasonPhrase(int status);
// Google's canonical status name for an HTTP status ("INVALID_ARGUMENT", "RESOURCE_EXHAUSTED", ...).
const char *canonicalStatus(int status);
// A body in the Gemini API's error shape, pretty-printed like Google's:
// {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}
QByteArray errorBody(int status, const QString &message);
// A complete response: status line, JSON headers, body. `close` adds "Connection: close".
QByteArray errorResponse(int status, const QString &message, bool close, const QByteArray &extraHeaders = {});

} // namespace ga::http
