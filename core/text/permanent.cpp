// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/permanent.h"

#include <QMutex>
#include <QSet>

#include <cstring>

namespace ga::text {
namespace {

// 16 KiB blocks, never freed; reachable from a fixed array (for leak checkers) until the process ends.
constexpr qsizetype kBlockBytes = 16 * 1024;
constexpr size_t kBlocks = size_t(kPermanentBytes / kBlockBytes);

// Room for `bytes` bytes aligned to `align`, or nullptr once the store is full.
char *take(qsizetype bytes, qsizetype align)
{
    static QBasicMutex mutex;
    static char *blocks[kBlocks] = {};
    static size_t blockCount = 0;
    static qsizetype used = kBlockBytes;
    if (bytes > kBlockBytes) {
        return nullptr;
    }
    QMutexLocker lock(&mutex);
    used = (used + align - 1) / align * align;
    if (used + bytes > kBlockBytes) {
        if (blockCount == kBlocks) {
            return nullptr;
        }
        blocks[blockCount++] = new char[size_t(kBlockBytes)]; // new[] is aligned for any fundamental type
        used = 0;
    }
    char *p = blocks[blockCount - 1] + used;
    used += bytes;
    return p;
}

} // namespace

QByteArray permanentBytes(QByteArrayView bytes)
{
    char *p = take(bytes.size() + 1, 1);
    if (!p) {
        return {};
    }
    std::memcpy(p, bytes.data(), size_t(bytes.size()));
    p[bytes.size()] = '\0';
    return QByteArray::fromRawData(p, bytes.size());
}

QString permanentText(QStringView text)
{
    char *p = take((text.size() + 1) * qsizetype(sizeof(char16_t)), qsizetype(alignof(char16_t)));
    if (!p) {
        return {};
    }
    auto *units = reinterpret_cast<char16_t *>(p);
    std::memcpy(units, text.utf16(), size_t(text.size()) * sizeof(char16_t));
    units[text.size()] = u'\0';
    return QString::fromRawData(reinterpret_cast<const QChar *>(units), text.size());
}

bool isPermanent(const QString &text)
{
    return !text.isNull() && const_cast<QString &>(text).data_ptr().d_ptr() == nullptr;
}

bool isPermanent(const QByteArray &bytes)
{
    return !bytes.isNull() && const_cast<QByteArray &>(bytes).data_ptr().d_ptr() == nullptr;
}

QString intern(QStringView text)
{
    if (text.isEmpty()) {
        return text.isNull() ? QString() : QStringLiteral("");
    }
    static QBasicMutex mutex;
    static QSet<QString> *interned = new QSet<QString>; // never destroyed: its strings outlive every static
    QMutexLocker lock(&mutex);
    if (const auto it = interned->constFind(text.toString()); it != interned->constEnd()) {
        return *it;
    }
    QString permanent = permanentText(text);
    if (permanent.isNull()) {
        return text.toString();
    }
    interned->insert(permanent);
    return permanent;
}

} // namespace ga::text
