// SPDX-License-Identifier: GPL-3.0-or-later
#include "affinity/resourceref.h"

#include "http/query.h"
#include "http/search.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <cstring>

namespace ga::affinity {
namespace {

constexpr qsizetype kMaxIdLength = 200;
constexpr qsizetype kMaxUploadIdLength = 512; // Google's upload ids are long base64url strings

bool isIdChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'-' || c == u'_'
        || c == u'.';
}

bool isId(QStringView id, qsizetype maxLength = kMaxIdLength)
{
    if (id.isEmpty() || id.size() > maxLength || id == u"." || id == u"..") {
        return false;
    }
    for (QChar c : id) {
        if (!isIdChar(c)) {
            return false;
        }
    }
    return true;
}

// The path after the version segment ("/v1beta/files/abc" → "files/abc"); `upload` says it was under /upload/.
QStringView apiPath(QStringView path, bool *upload)
{
    *upload = false;
    if (path.startsWith(u"/upload/")) {
        *upload = true;
        path = path.sliced(7);
    }
    for (QStringView version : { QStringView(u"/v1beta/"), QStringView(u"/v1alpha/"), QStringView(u"/v1/") }) {
        if (path.startsWith(version)) {
            return path.sliced(version.size());
        }
    }
    return {};
}

// "files/abc:download" → "files/abc"; "fileSearchStores/s/documents/d" → "fileSearchStores/s";
// "models/veo/operations/op" → itself. Empty when the path names no owned resource.
QString resourceOfApiPath(QStringView rest)
{
    const qsizetype colon = rest.indexOf(u':');
    const QStringView plain = colon < 0 ? rest : rest.first(colon);
    const QList<QStringView> parts = plain.split(u'/');
    if (parts.size() >= 2
        && (parts[0] == u"files" || parts[0] == u"cachedContents" || parts[0] == u"batches"
            || parts[0] == u"fileSearchStores")
        && isId(parts[1])) {
        return parts[0].toString() + u'/' + parts[1].toString();
    }
    if (parts.size() == 4 && parts[0] == u"models" && parts[2] == u"operations" && isId(parts[1]) && isId(parts[3])) {
        return plain.toString();
    }
    return {};
}

// "https://generativelanguage.googleapis.com/v1beta/files/abc", "http://127.0.0.1:3145/v1/files/abc" or
// "files/abc" → "files/abc". Anything else (gs://, YouTube, other sites) names no resource of ours.
QString fileOfUri(const QString &uri)
{
    static const QRegularExpression re(
        QStringLiteral("^(?:[a-z][a-z0-9+.-]*://[^/]+/(?:v1beta|v1alpha|v1)/)?files/([A-Za-z0-9_.-]{1,200})$"));
    const QRegularExpressionMatch m = re.match(uri);
    return m.hasMatch() ? QStringLiteral("files/") + m.captured(1) : QString();
}

QString prefixed(const QString &value, QStringView collection)
{
    const QString name = value.startsWith(collection) ? value : collection.toString() + value;
    const QStringView id = QStringView(name).sliced(collection.size());
    return isId(id) ? name : QString();
}

void collectReferences(const QJsonValue &v, QStringList *out)
{
    if (v.isArray()) {
        for (const QJsonValue &item : v.toArray()) {
            collectReferences(item, out);
        }
        return;
    }
    if (!v.isObject()) {
        return;
    }
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString &k = it.key();
        QString name;
        if (it->isString()) {
            const QString s = it->toString();
            if (k == u"fileUri" || k == u"file_uri" || k == u"fileName" || k == u"file_name") {
                name = fileOfUri(s);
            } else if (k == u"cachedContent" || k == u"cached_content") {
                name = prefixed(s, u"cachedContents/");
            }
        } else if (it->isArray() && (k == u"fileSearchStoreNames" || k == u"file_search_store_names")) {
            for (const QJsonValue &store : it->toArray()) {
                const QString n = prefixed(store.toString(), u"fileSearchStores/");
                if (!n.isEmpty() && !out->contains(n)) {
                    out->append(n);
                }
            }
        } else {
            collectReferences(*it, out);
        }
        if (!name.isEmpty() && !out->contains(name)) {
            out->append(name);
        }
    }
}

// Whether a JSON body has a key that can reference a resource: one memchr pass over the quotes, so a large
// request (inline base64 media has few quotes) costs about as much as reading it once.
bool mentionsReferenceField(QByteArrayView body)
{
    static constexpr QByteArrayView fields[] = { "fileUri\"", "file_uri\"", "cachedContent\"", "cached_content\"",
        "fileName\"", "file_name\"", "fileSearchStoreNames\"", "file_search_store_names\"" };
    return http::anyAtByte(body, '"', [body](qsizetype quote) {
        const QByteArrayView rest = body.sliced(quote + 1);
        if (rest.isEmpty() || (rest.front() != 'f' && rest.front() != 'c')) {
            return false;
        }
        for (QByteArrayView f : fields) {
            if (http::startsWith(rest, f)) {
                return true;
            }
        }
        return false;
    });
}

qint64 timeMs(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : -1;
}

void learnObject(const QJsonObject &o, std::vector<Learned> *out)
{
    const QString name = o.value(u"name").toString();
    const std::optional<Kind> kind = kindOfResource(name);
    if (!kind || *kind == Kind::Upload) {
        return;
    }
    Learned l;
    l.name = name;
    l.kind = *kind;
    const QJsonValue expiry = o.contains(u"expirationTime") ? o.value(u"expirationTime") : o.value(u"expireTime");
    l.expiresMs = timeMs(expiry);
    bool ok = false;
    const qint64 size = o.value(u"sizeBytes").toVariant().toLongLong(&ok);
    l.sizeBytes = ok ? size : -1;
    const QJsonObject meta = o.value(u"metadata").toObject(); // a batch's operation
    l.displayName = o.value(u"displayName").toString(meta.value(u"displayName").toString()).left(200);
    l.mimeType = o.value(u"mimeType").toString().left(100);
    l.model = o.value(u"model").toString(meta.value(u"model").toString()).left(200);
    out->push_back(std::move(l));
    if (*kind == Kind::Batch) {
        // A finished batch names its results file (same project): learn it with the batch.
        for (const QJsonValue &v : { meta.value(u"output").toObject().value(u"responsesFile"),
                 o.value(u"response").toObject().value(u"responsesFile"),
                 o.value(u"output").toObject().value(u"responsesFile") }) {
            const QString file = v.toString();
            if (kindOfResource(file) == Kind::File) {
                Learned f;
                f.name = file;
                f.kind = Kind::File;
                out->push_back(std::move(f));
            }
        }
    }
}

} // namespace

QString kindName(Kind kind)
{
    switch (kind) {
    case Kind::Upload:
        return QStringLiteral("upload");
    case Kind::File:
        return QStringLiteral("file");
    case Kind::CachedContent:
        return QStringLiteral("cachedContent");
    case Kind::Batch:
        return QStringLiteral("batch");
    case Kind::FileSearchStore:
        return QStringLiteral("fileSearchStore");
    case Kind::Operation:
        return QStringLiteral("operation");
    case Kind::AuthToken:
        return QStringLiteral("authToken");
    case Kind::LiveHandle:
        return QStringLiteral("liveHandle");
    }
    return QString();
}

std::optional<Kind> kindFromName(QStringView name)
{
    for (Kind k : { Kind::Upload, Kind::File, Kind::CachedContent, Kind::Batch, Kind::FileSearchStore, Kind::Operation,
             Kind::AuthToken, Kind::LiveHandle }) {
        if (kindName(k) == name) {
            return k;
        }
    }
    return std::nullopt;
}

std::optional<Kind> kindOfResource(QStringView name)
{
    const qsizetype slash = name.indexOf(u'/');
    if (slash <= 0) {
        return std::nullopt;
    }
    const QStringView collection = name.first(slash);
    const QStringView rest = name.sliced(slash + 1);
    if (collection == u"models") {
        const QList<QStringView> parts = rest.split(u'/');
        if (parts.size() == 3 && parts[1] == u"operations" && isId(parts[0]) && isId(parts[2])) {
            return Kind::Operation;
        }
        return std::nullopt;
    }
    if (collection == u"uploads") {
        return isId(rest, kMaxUploadIdLength) ? std::optional(Kind::Upload) : std::nullopt;
    }
    if (!isId(rest)) {
        return std::nullopt;
    }
    if (collection == u"files") {
        return Kind::File;
    }
    if (collection == u"cachedContents") {
        return Kind::CachedContent;
    }
    if (collection == u"batches") {
        return Kind::Batch;
    }
    if (collection == u"fileSearchStores") {
        return Kind::FileSearchStore;
    }
    if (collection == u"auth_tokens" || collection == u"authTokens") {
        return Kind::AuthToken;
    }
    if (collection == u"liveHandles") {
        return Kind::LiveHandle;
    }
    return std::nullopt;
}

QString hashedResourceName(Kind kind, QByteArrayView secret)
{
    const QByteArray hash = QCryptographicHash::hash(secret, QCryptographicHash::Sha256).toHex().left(40);
    return (kind == Kind::AuthToken ? QStringLiteral("authTokens/") : QStringLiteral("liveHandles/"))
        + QString::fromLatin1(hash);
}

QByteArray uploadIdOf(QByteArrayView urlOrQuery)
{
    const qsizetype q = urlOrQuery.indexOf('?');
    const QByteArray id
        = http::queryParameter(q < 0 ? urlOrQuery : urlOrQuery.sliced(q + 1), "upload_id").value_or(QByteArray());
    // Only what an upload id can be: anything else is no session of ours (and no name for the map).
    return isId(QString::fromLatin1(id), kMaxUploadIdLength) ? id : QByteArray();
}

namespace {

// Whether a '/' in `path` starts "files", "cachedContents", "batches", "fileSearchStores", "operations/" or
// "auth_tokens": one walk over the slashes (five substring searches of the whole path cost ~3,000 instructions a
// request), the names compared only after a slash followed by one of their first letters (a generate request's
// "/v1beta/models/…" has none).
bool hasResourceSegment(QByteArrayView path)
{
    static constexpr QByteArrayView kSegments[]
        = { "files", "cachedContents", "batches", "fileSearchStores", "operations/", "auth_tokens" };
    return http::anyAtByte(path, '/', [path](qsizetype slash) {
        const QByteArrayView after = path.sliced(slash + 1);
        if (after.isEmpty()) {
            return false;
        }
        switch (after.front()) {
        case 'f':
        case 'c':
        case 'b':
        case 'o':
        case 'a':
            break;
        default:
            return false;
        }
        for (QByteArrayView segment : kSegments) {
            if (http::startsWith(after, segment)) {
                return true;
            }
        }
        return false;
    });
}

} // namespace

RequestResources requestResources(QByteArrayView method, QByteArrayView path, QByteArrayView query, QByteArrayView body)
{
    RequestResources out;
    // Most requests (generate, stream, models) touch no resource by their path: decided on the bytes first.
    const bool pathMayTouch = http::startsWith(path, "/upload/") || hasResourceSegment(path)
        || http::endsWith(path, ":batchGenerateContent") || http::endsWith(path, ":asyncBatchEmbedContent")
        || http::endsWith(path, ":predictLongRunning");
    const QString p = pathMayTouch ? QString::fromLatin1(path) : QString();
    bool upload = false;
    const QStringView rest = pathMayTouch ? apiPath(p, &upload) : QStringView();
    if (upload) {
        out.captureAnswer = true; // the start answer names the session, the last chunk's answer the file
        if (const QByteArray id = uploadIdOf(query); !id.isEmpty()) {
            out.addressed = QStringLiteral("uploads/") + QString::fromLatin1(id);
            out.names.append(out.addressed);
        }
    } else if (!rest.isEmpty()) {
        out.addressed = resourceOfApiPath(rest);
        if (!out.addressed.isEmpty()) {
            out.names.append(out.addressed);
        }
        const QStringView plain = rest.first(rest.indexOf(u':') < 0 ? rest.size() : rest.indexOf(u':'));
        if (http::equals(method, "GET")) {
            if (plain == u"files") {
                out.listed = Kind::File;
            } else if (plain == u"cachedContents") {
                out.listed = Kind::CachedContent;
            } else if (plain == u"batches") {
                out.listed = Kind::Batch;
            } else if (plain == u"fileSearchStores") {
                out.listed = Kind::FileSearchStore;
            }
        }
        out.captureAnswer = !out.addressed.isEmpty() || out.listed || plain == u"files" || plain == u"cachedContents"
            || plain == u"fileSearchStores" || rest.endsWith(u":batchGenerateContent")
            || rest.endsWith(u":asyncBatchEmbedContent") || rest.endsWith(u":predictLongRunning")
            || rest.startsWith(u"files:") || (http::equals(method, "POST") && plain == u"auth_tokens");
    }
    // References in the body: one cheap pass for the field names before any parse.
    if (mentionsReferenceField(body)) {
        const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray());
        if (doc.isObject()) {
            collectReferences(doc.object(), &out.names);
        } else if (doc.isArray()) {
            collectReferences(doc.array(), &out.names);
        }
    }
    return out;
}

std::vector<Learned> learnFromAnswer(QByteArrayView body)
{
    std::vector<Learned> out;
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray());
    if (!doc.isObject()) {
        return out;
    }
    const QJsonObject o = doc.object();
    if (o.value(u"file").isObject()) {
        learnObject(o.value(u"file").toObject(), &out);
    }
    learnObject(o, &out);
    for (const char16_t *list : { u"files", u"cachedContents", u"batches", u"operations", u"fileSearchStores" }) {
        for (const QJsonValue &item : o.value(QStringView(list)).toArray()) {
            learnObject(item.toObject(), &out);
        }
    }
    return out;
}

} // namespace ga::affinity
