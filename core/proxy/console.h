// SPDX-License-Identifier: GPL-3.0-or-later
// The web console's files (resources/webui, built by Vite and embedded as the Qt resource ":/webui" when the build
// had npm) and the small pieces of HTTP the console's sign-in needs.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace ga::proxy {

// The cookie that carries a console session (Path=/admin, HttpOnly, SameSite=Strict).
inline constexpr char kConsoleCookie[] = "ga_admin";

struct ConsoleFile
{
    QByteArray body; // points into the executable (embedded uncompressed), not copied
    QByteArray contentType;
    bool gzip = false; // body is the file's .gz
    bool immutable = false; // a hashed asset name: cacheable for a year
};

// Whether this executable carries a built console.
bool consoleBuilt();
// The file for a path below /admin ("/" , "/keys", "/assets/index-3f2a.js"): an existing file, or index.html for a
// page path (no extension: the app's own router shows it). Nothing for an unknown file, or a path with anything but
// [A-Za-z0-9._/-], "..", or "//".
std::optional<ConsoleFile> consoleFile(QByteArrayView path, bool acceptsGzip);
// What /admin/ answers when the build had no npm: how to build the console.
QByteArray consoleMissingPage();
// Headers every console page and file carries: a strict Content-Security-Policy (scripts and connections from this
// origin only, no framing), no sniffing, no referrer.
QByteArray consoleSecurityHeaders();

// The value of cookie `name` in a request's Cookie header(s), or empty.
QByteArray cookieValue(const http::HeaderList &headers, QByteArrayView name);
// Whether `origin` ("http://127.0.0.1:3145") is the origin this request was sent to (its Host over `tls` or not):
// a page the console itself served.
bool isSameOrigin(QByteArrayView origin, QByteArrayView host, bool tls);
// Whether a client's Accept-Encoding takes gzip.
bool acceptsGzip(const http::HeaderList &headers);

} // namespace ga::proxy
