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
QByteArray permanentBytes(QByteArrayView bytes);
QString permanentText(QStringView text);

// The one permanent copy of `text` (equal texts share it: a text met again takes no more room), or an ordinary copy
// once the store is full. For names a hot path copies into every request's record (a key's id, a client's name, a
// route, a model, a path), made where they are made, not per request.
QString intern(QStringView text);

// Whether `text`/`bytes` is held without a reference count (tests, diagnostics).
bool isPermanent(const QString &text);
bool isPermanent(const QByteArray &bytes);

} // namespace ga::text
