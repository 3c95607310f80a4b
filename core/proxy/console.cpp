// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/console.h"

#include <QResource>

namespace ga::proxy {
namespace {

const char kRoot[] = ":/webui";

QByteArray contentTypeOf(QByteArrayView name)
{
    static const struct
    {
        const char *suffix;
        const char *type;
    } kTypes[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".ico", "image/x-icon" },
        { ".woff2", "font/woff2" },
        { ".woff", "font/woff" },
        { ".json", "application/json" },
        { ".txt", "text/plain; charset=utf-8" },
    };
    for (const auto &t : kTypes) {
        if (name.endsWith(t.suffix)) {
            return QByteArray(t.type);
        }
    }
    return QByteArrayLiteral("application/octet-stream");
}

// The resource's bytes: in place when it was embedded uncompressed (the build embeds with -no-compress).
std::optional<QByteArray> resourceBytes(const QString &path)
{
    const QResource r(path);
    if (!r.isValid() || !r.data()) { // a directory has no data
        return std::nullopt;
    }
    if (r.compressionAlgorithm() == QResource::NoCompression) {
        return QByteArray::fromRawData(reinterpret_cast<const char *>(r.data()), qsizetype(r.size()));
    }
    return r.uncompressedData();
}

bool safePath(QByteArrayView path)
{
    if (path.isEmpty() || path.front() != '/' || path.size() > 512 || path.contains("..") || path.contains("//")) {
        return false;
    }
    for (char c : path) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
            || c == '_' || c == '-' || c == '/';
        if (!ok) {
            return false;
        }
    }
    return true;
}

} // namespace

bool consoleBuilt()
{
    return QResource(QStringLiteral(":/webui/index.html")).isValid();
}

std::optional<ConsoleFile> consoleFile(QByteArrayView path, bool acceptsGzip)
{
    if (!safePath(path)) {
        return std::nullopt;
    }
    const qsizetype slash = path.lastIndexOf('/');
    const bool page = !path.sliced(slash).contains('.'); // "/", "/keys", "/logs/": the app's router shows them
    const QByteArray name = page ? QByteArrayLiteral("/index.html") : path.toByteArray();
    const QString resource = QString::fromLatin1(kRoot) + QString::fromLatin1(name);
    ConsoleFile file;
    file.contentType = contentTypeOf(name);
    file.immutable = name.startsWith("/assets/"); // Vite names them by content hash
    if (acceptsGzip) {
        if (std::optional<QByteArray> gz = resourceBytes(resource + QStringLiteral(".gz"))) {
            file.body = std::move(*gz);
            file.gzip = true;
            return file;
        }
    }
    std::optional<QByteArray> plain = resourceBytes(resource);
    if (!plain) {
        return std::nullopt;
    }
    file.body = std::move(*plain);
    return file;
}

QByteArray consoleMissingPage()
{
    return QByteArrayLiteral(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gemini Aggregator console not "
        "built</title></head><body><main><h1>The web console is not part of this build</h1><p>It is built when "
        "CMake finds <code>node</code> and <code>npm</code> (Node 20 or newer): install them (<code>apt-get install "
        "nodejs npm</code>, or run <code>installer/bootstrap.sh deps</code>), then configure with "
        "<code>-DGA_BUILD_WEBUI=ON</code> and build again. The admin REST API works without it: "
        "<code>/admin/api/v1/openapi.json</code>.</p></main></body></html>\n");
}

QByteArray consoleSecurityHeaders()
{
    return QByteArrayLiteral(
        "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'\r\n"
        "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n");
}

QByteArray cookieValue(const http::HeaderList &headers, QByteArrayView name)
{
    for (const http::Header &h : headers) {
        if (!http::equalsIgnoreCase(h.name, "cookie")) {
            continue;
        }
        qsizetype from = 0;
        const QByteArray &v = h.value;
        while (from < v.size()) {
            qsizetype end = v.indexOf(';', from);
            if (end < 0) {
                end = v.size();
            }
            const QByteArrayView pair = QByteArrayView(v).sliced(from, end - from).trimmed();
            if (pair.size() > name.size() && pair.startsWith(name) && pair.at(name.size()) == '=') {
                return pair.sliced(name.size() + 1).toByteArray();
            }
            from = end + 1;
        }
    }
    return {};
}

bool isSameOrigin(QByteArrayView origin, QByteArrayView host, bool tls)
{
    const QByteArrayView scheme = tls ? QByteArrayView("https://") : QByteArrayView("http://");
    const QByteArrayView o = origin.trimmed();
    const QByteArrayView h = host.trimmed();
    return !h.isEmpty() && o.size() == scheme.size() + h.size()
        && http::equalsIgnoreCase(o.first(scheme.size()), scheme) && http::equalsIgnoreCase(o.sliced(scheme.size()), h);
}

bool acceptsGzip(const http::HeaderList &headers)
{
    const QByteArray *ae = http::findHeader(headers, "accept-encoding");
    if (!ae) {
        return false;
    }
    for (const QByteArray &item : ae->split(',')) { // "gzip", "gzip;q=0.8"; "gzip;q=0" refuses it
        const QList<QByteArray> parts = item.split(';');
        if (http::equalsIgnoreCase(parts.front().trimmed(), "gzip")) {
            return parts.size() < 2 || parts.at(1).trimmed().replace(' ', "") != "q=0";
        }
    }
    return false;
}

} // namespace ga::proxy
