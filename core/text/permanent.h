// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

namespace ga::text {

// Copies of texts that stay for the process's life, held without a reference count (QByteArray::fromRawData,
// QString::fromRawData over them, NUL-terminated all the same): copying and destroying one touches no shared memory.
// For texts a hot path copies again and again, from thread to thread (a request's header names, a record's model,
// key id, client name): Qt's reference count is an atomic, a full memory barrier each way, and the count's cache
// line moves between the threads that copy and destroy. The store is bounded (kPermanentBytes for the process);
// once it is full these return a null array or string and the caller keeps its ordinary copy. Only for texts that
// are not secret: they are never freed. Thread-safe.
inline constexpr qsizetype kPermanentBytes = 512 * 1024;

// Who chose a text. The configuration's names (key ids, token names, relay ids) are few and not secret. What clients
// choose (a request's path, model and header fields, the peer's address, an upstream's header fields) is kept only
// while all of it takes under kClientBytes, so no client, however many distinct texts it sends, crowds the
// configuration's names out of the store, and never when it has a credential's shape (mayHoldCredential): a key a
// client put in a path would otherwise stay in memory for the process's life.
enum class Origin
{
    Configuration,
    Client
};
inline constexpr qsizetype kClientBytes = 128 * 1024;

// A permanent copy of `bytes`/`text`, or a null array or string once the store (or a client's share of it) is full
// or when a client's text may hold a credential.
QByteArray permanentBytes(QByteArrayView bytes, Origin origin = Origin::Configuration);
QString permanentText(QStringView text, Origin origin = Origin::Configuration);

// The one permanent copy of `text` (equal texts share it: a text met again takes no more room), or an ordinary copy
// when permanentText() gives none. For names a hot path copies into every request's record (a key's id, a client's
// name, a route, a model, a path), made where they are made, not per request.
QString intern(QStringView text, Origin origin = Origin::Configuration);

// Whether a text has a credential's shape anywhere in it: a Gemini API key (AIza…), an access token of ours (gat_…),
// a Google OAuth token (ya29.…), a JWT (eyJ…), an OpenAI-style key (sk-…), letters in either case. Broader than the
// redactor's patterns (no length asked for, no case): a text kept for good errs towards being left out.
bool mayHoldCredential(QByteArrayView text);
bool mayHoldCredential(QStringView text);

// Whether `text`/`bytes` is held without a reference count (tests, diagnostics).
bool isPermanent(const QString &text);
bool isPermanent(const QByteArray &bytes);

} // namespace ga::text
