// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/forwarding.h"

#include "http/query.h"
#include "http/search.h"

#include <algorithm>

namespace ga::proxy {

bool isForwardedPath(QByteArrayView path)
{
    return http::startsWith(path, "/v1beta/") || http::startsWith(path, "/v1/") || http::startsWith(path, "/v1alpha/")
        || http::startsWith(path, "/upload/") || http::startsWith(path, "/v1beta:") || http::startsWith(path, "/v1:");
}

bool usesBearerAuth(QByteArrayView path)
{
    return http::startsWith(path, "/v1beta/openai/") || http::startsWith(path, "/v1/openai/")
        || http::startsWith(path, "/v1alpha/openai/") || http::startsWith(path, "/v1beta/chat/completions")
        || http::startsWith(path, "/v1beta/embeddings");
}

QByteArray livePathOf(QByteArrayView path)
{
    static constexpr QByteArrayView kPrefix = "/ws/google.ai.generativelanguage.";
    const qsizetype at = http::indexOf(path, kPrefix);
    if (at < 0) {
        return QByteArray();
    }
    const QByteArrayView rest = path.sliced(at + kPrefix.size());
    for (QByteArrayView version : { QByteArrayView("v1beta"), QByteArrayView("v1alpha"), QByteArrayView("v1") }) {
        for (QByteArrayView method : { QByteArrayView(".GenerativeService.BidiGenerateContent"),
                 QByteArrayView(".GenerativeService.BidiGenerateContentConstrained") }) {
            if (rest.size() == version.size() + method.size() && rest.startsWith(version)
                && rest.sliced(version.size()) == method) {
                return path.sliced(at).toByteArray();
            }
        }
    }
    return QByteArray();
}

namespace {

// Query parameters that carry a credential: the client's own (never forwarded), or Google's OAuth form.
bool isCredentialParameter(const QByteArray &name)
{
    return name == "key" || name == "access_token";
}

} // namespace

namespace {

// QByteArray::trimmed() is a call into Qt; a parsed header value has no space at its ends already (OWS is taken off),
// so most values are returned as they are.
QByteArray trimmedValue(const QByteArray &v)
{
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
    return v.isEmpty() || (!space(v.front()) && !space(v.back())) ? v : v.trimmed();
}

} // namespace

QByteArray clientCredential(const http::HeaderList &headers, QByteArrayView query)
{
    if (const QByteArray *key = http::findHeader(headers, "x-goog-api-key")) {
        if (QByteArray v = trimmedValue(*key); !v.isEmpty()) {
            return v;
        }
    }
    if (const QByteArray *auth = http::findHeader(headers, "authorization")) {
        const QByteArray v = trimmedValue(*auth);
        if (v.size() > 7 && http::equalsIgnoreCase(QByteArrayView(v).first(7), "bearer ")) {
            return v.sliced(7).trimmed();
        }
    }
    if (const std::optional<QByteArray> key = http::queryParameter(query, "key"); key && !key->isEmpty()) {
        return *key;
    }
    return QByteArray();
}

bool isStreamingRequest(QByteArrayView path, QByteArrayView query, QByteArrayView body)
{
    if (http::contains(path, ":streamGenerateContent") || http::contains(query, "alt=sse")) {
        return true;
    }
    if (!http::contains(path, "/openai/")) {
        return false;
    }
    // OpenAI-style bodies say "stream": true; a cheap scan is enough (a false positive only counts a stream).
    const qsizetype at = http::indexOf(body, "\"stream\"");
    if (at < 0) {
        return false;
    }
    QByteArrayView rest = body.sliced(at + 8);
    while (!rest.isEmpty()
        && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '\t' || rest.front() == '\n'
            || rest.front() == '\r')) {
        rest = rest.sliced(1);
    }
    return rest.startsWith("true");
}

QByteArray stripKeyParameter(QByteArrayView query)
{
    return http::withoutParameters(query, isCredentialParameter);
}

http::HeaderList upstreamRequestHeaders(const http::HeaderList &clientHeaders)
{
    // Only what goes is copied (a copy of the list with the rest erased was ~1,100 instructions a request).
    const HopByHopFilter hopByHop(clientHeaders);
    http::HeaderList out;
    out.reserve(clientHeaders.size());
    for (const http::Header &h : clientHeaders) {
        const QByteArrayView name = h.name;
        const bool drop = hopByHop.drops(name) || (name.size() == 4 && http::equalsIgnoreCase(name, "host"))
            || (name.size() == 6 && http::equalsIgnoreCase(name, "expect"))
            || (name.size() == 13 && http::equalsIgnoreCase(name, "authorization"))
            || (name.size() == 14
                && (http::equalsIgnoreCase(name, "content-length") || http::equalsIgnoreCase(name, "x-goog-api-key")));
        if (!drop) {
            out.push_back(h);
        }
    }
    return out;
}

http::HeaderList clientResponseHeaders(const http::HeaderList &upstreamHeaders, QByteArrayView proxyOrigin)
{
    http::HeaderList out;
    forEachClientResponseHeader(upstreamHeaders, proxyOrigin, [&out](QByteArrayView name, QByteArrayView value) {
        out.push_back({ name.toByteArray(), value.toByteArray() });
    });
    return out;
}

void writeClientResponseHeaders(
    http::ByteWriter &w, const http::HeaderList &upstreamHeaders, QByteArrayView proxyOrigin)
{
    struct Kept
    {
        std::vector<http::Header> fields; // the upstream's, in order (copies: their storage stays theirs)
        std::vector<qsizetype> ends; // where each field's lines end in `lines` (a dropped field: where the last did)
        QByteArray lines;
    };
    thread_local Kept kept;
    const auto sameStorage = [](const QByteArray &a, const QByteArray &b) {
        return a.size() == b.size() && (a.isEmpty() || a.constData() == b.constData());
    };
    const HopByHopFilter hopByHop(upstreamHeaders);
    bool keep = !hopByHop.listsAny();
    size_t same = 0;
    if (keep) {
        const size_t n = std::min(kept.fields.size(), upstreamHeaders.size());
        while (same < n && sameStorage(upstreamHeaders[same].name, kept.fields[same].name)
            && sameStorage(upstreamHeaders[same].value, kept.fields[same].value)) {
            ++same;
        }
    }
    const qsizetype keptBytes = same > 0 ? kept.ends[same - 1] : 0;
    w.put(QByteArrayView(kept.lines).first(keptBytes));
    kept.fields.resize(same);
    kept.ends.resize(same);
    kept.lines.truncate(keptBytes);
    for (size_t i = same; i < upstreamHeaders.size(); ++i) {
        const http::Header &h = upstreamHeaders[i];
        const qsizetype from = w.written();
        const bool rewritten
            = emitClientResponseHeader(hopByHop, h, proxyOrigin, [&w](QByteArrayView name, QByteArrayView value) {
                  w.put(name);
                  w.put(": ");
                  w.put(value);
                  w.put("\r\n");
              });
        keep = keep && !rewritten; // an upload URL pointed at this proxy: nothing kept from here on
        if (keep) {
            kept.lines.append(w.since(from));
            kept.fields.push_back(h);
            kept.ends.push_back(kept.lines.size());
        }
    }
}

HopByHopFilter::HopByHopFilter(const http::HeaderList &headers)
{
    for (const http::Header &h : headers) {
        if (!http::equalsIgnoreCase(h.name, "connection")) {
            continue;
        }
        for (QByteArrayView list = h.value; !list.isEmpty();) {
            const qsizetype comma = list.indexOf(',');
            if (const QByteArrayView item = (comma < 0 ? list : list.first(comma)).trimmed(); !item.isEmpty()) {
                m_listed.append(item);
            }
            if (comma < 0) {
                break;
            }
            list = list.sliced(comma + 1);
        }
    }
}

bool HopByHopFilter::dropsNamed(QByteArrayView name) const
{
    if (http::isHopByHop(name)) {
        return true;
    }
    return std::any_of(m_listed.begin(), m_listed.end(),
        [name](QByteArrayView listed) { return http::equalsIgnoreCase(name, listed); });
}

QByteArray uploadUrlAtProxy(QByteArrayView name, QByteArrayView url, QByteArrayView proxyOrigin)
{
    // The session URL comes as x-goog-upload-url and again as x-goog-upload-control-url.
    if (!http::equalsIgnoreCase(name, "x-goog-upload-url")
        && !http::equalsIgnoreCase(name, "x-goog-upload-control-url")) {
        return {};
    }
    // https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=…&key=… → proxy origin.
    const qsizetype scheme = url.indexOf("://");
    const qsizetype pathStart = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
    if (pathStart < 0) {
        return {};
    }
    const QByteArrayView pathAndQuery = url.sliced(pathStart);
    const qsizetype q = pathAndQuery.indexOf('?');
    QByteArray rewritten = proxyOrigin.toByteArray();
    rewritten += q < 0 ? pathAndQuery : pathAndQuery.first(q);
    if (q >= 0) {
        const QByteArray query = stripKeyParameter(pathAndQuery.sliced(q + 1));
        if (!query.isEmpty()) {
            rewritten += '?' + query;
        }
    }
    return rewritten;
}

} // namespace ga::proxy
