// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/permanent.h"

#include <QMutex>
#include <QSet>

#include <cstring>
#include <string_view>

namespace ga::text {
namespace {

// 16 KiB blocks, never freed; reachable from a fixed array (for leak checkers) until the process ends.
constexpr qsizetype kBlockBytes = 16 * 1024;
constexpr size_t kBlocks = size_t(kPermanentBytes / kBlockBytes);

// Room for `bytes` bytes aligned to `align`, or nullptr once the store, or the clients' share of it, is full.
char *take(qsizetype bytes, qsizetype align, Origin origin)
{
    static QBasicMutex mutex;
    static char *blocks[kBlocks] = {};
    static size_t blockCount = 0;
    static qsizetype used = kBlockBytes;
    static qsizetype clientUsed = 0;
    if (bytes > kBlockBytes) {
        return nullptr;
    }
    QMutexLocker lock(&mutex);
    if (origin == Origin::Client && clientUsed + bytes > kClientBytes) {
        return nullptr;
    }
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
    if (origin == Origin::Client) {
        clientUsed += bytes;
    }
    return p;
}

constexpr char16_t asciiLower(char16_t c)
{
    return c >= u'A' && c <= u'Z' ? char16_t(c + (u'a' - u'A')) : c;
}

// Letters compared without case (as the header checks before it did): leaving out a text that only looks like one
// costs a copy, keeping a credential for good costs more.
template<typename Char>
bool hasCredentialShape(const Char *d, qsizetype n)
{
    static constexpr std::string_view kShapes[] = { "AIza", "gat_", "ya29.", "eyJ", "sk-" };
    for (qsizetype i = 0; i < n; ++i) {
        for (const std::string_view shape : kShapes) {
            const auto size = qsizetype(shape.size());
            if (n - i < size) {
                continue;
            }
            qsizetype k = 0;
            while (k < size && asciiLower(char16_t(d[i + k])) == asciiLower(char16_t(shape[size_t(k)]))) {
                ++k;
            }
            if (k == size) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

bool mayHoldCredential(QByteArrayView text)
{
    return hasCredentialShape(reinterpret_cast<const unsigned char *>(text.data()), text.size());
}

bool mayHoldCredential(QStringView text)
{
    return hasCredentialShape(text.utf16(), text.size());
}

QByteArray permanentBytes(QByteArrayView bytes, Origin origin)
{
    if (origin == Origin::Client && mayHoldCredential(bytes)) {
        return {};
    }
    char *p = take(bytes.size() + 1, 1, origin);
    if (!p) {
        return {};
    }
    std::memcpy(p, bytes.data(), size_t(bytes.size()));
    p[bytes.size()] = '\0';
    return QByteArray::fromRawData(p, bytes.size());
}

QString permanentText(QStringView text, Origin origin)
{
    if (origin == Origin::Client && mayHoldCredential(text)) {
        return {};
    }
    char *p = take((text.size() + 1) * qsizetype(sizeof(char16_t)), qsizetype(alignof(char16_t)), origin);
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

QString intern(QStringView text, Origin origin)
{
    if (text.isEmpty()) {
        return text.isNull() ? QString() : QStringLiteral("");
    }
    static QBasicMutex mutex;
    static QSet<QString> *interned = new QSet<QString>; // never destroyed: its strings outlive every static
    QMutexLocker lock(&mutex);
    // Looked up through a raw string over the caller's units: no copy made to find a text kept already.
    const QString probe = QString::fromRawData(reinterpret_cast<const QChar *>(text.utf16()), text.size());
    if (const auto it = interned->constFind(probe); it != interned->constEnd()) {
        return *it;
    }
    QString permanent = permanentText(text, origin);
    if (permanent.isNull()) {
        return text.toString();
    }
    interned->insert(permanent);
    return permanent;
}

} // namespace ga::text
