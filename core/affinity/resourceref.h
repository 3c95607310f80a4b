// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace ga::affinity {

// The kinds of resources the Gemini API creates inside the Google project of the key that made them.
enum class Kind
{
    Upload, // a resumable upload session: "uploads/<upload_id>" (our name; Google has none)
    File, // "files/<id>"
    CachedContent, // "cachedContents/<id>"
    Batch, // "batches/<id>"
    FileSearchStore, // "fileSearchStores/<id>"
    Operation, // "models/<m>/operations/<id>" (long-running generation)
    AuthToken, // an ephemeral Live token: "authTokens/<hash>" (our name: Google's "auth_tokens/<id>" is a credential)
    LiveHandle, // a Live session resumption handle: "liveHandles/<hash>" (our name; the handle itself is opaque)
};
QString kindName(Kind kind); // "upload", "file", "cachedContent", "batch", "fileSearchStore", "operation"
std::optional<Kind> kindFromName(QStringView name);
// The name under which a credential-like resource (an ephemeral token "auth_tokens/…", a resumption handle) is
// kept: a hash, so that resources.json, the admin API and the logs never hold something that opens a session.
QString hashedResourceName(Kind kind, QByteArrayView secret);
// The kind of a resource name ("files/abc" → File); nullopt when it is not one.
std::optional<Kind> kindOfResource(QStringView name);

// What a request does with project-owned resources.
struct RequestResources
{
    QStringList names; // addressed by the path or referenced in the body ("files/abc", "uploads/XYZ", ...)
    QString addressed; // the one the path names, if any
    std::optional<Kind> listed; // GET of a collection (files, cachedContents, batches): fanned out over projects
    bool captureAnswer = false; // the answer may create or describe resources: read it (bounded) as it passes
    bool touchesResource() const { return !names.isEmpty(); }
};

// Reads the method, path (without the query), query and body of a forwarded request. Cheap when the request
// has nothing to do with resources: the body is parsed only when it mentions a reference field.
RequestResources requestResources(
    QByteArrayView method, QByteArrayView path, QByteArrayView query, QByteArrayView body);

// "upload_id" of an upload URL or query ("…/upload/v1beta/files?upload_id=X&upload_protocol=resumable").
QByteArray uploadIdOf(QByteArrayView urlOrQuery);

// A resource named by an answer.
struct Learned
{
    QString name;
    Kind kind = Kind::File;
    qint64 expiresMs = -1; // from expirationTime / expireTime; -1: the kind's default
    qint64 sizeBytes = -1;
    QString displayName;
    QString mimeType;
    QString model;
};
// The resources a successful JSON answer creates or lists: {"file": {…}}, a resource object with "name", a list
// ({"files": […]}, {"cachedContents": […]}, {"batches": […]}, {"operations": […]}), a batch operation.
std::vector<Learned> learnFromAnswer(QByteArrayView body);

} // namespace ga::affinity
