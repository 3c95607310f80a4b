// SPDX-License-Identifier: GPL-3.0-or-later
// Receive buffers that hold what they hold and little more. QIODevice::readAll() sizes its result for a 16 KiB
// read and grows it by another 16 KiB before it finds the end, and a QByteArray keeps its capacity when bytes are
// removed: a connection that once read a request kept 32 KiB or more for as long as it lived (a held stream has
// two such buffers).
#pragma once

#include "http/headers.h"
#include "text/decimal.h"

#include <QByteArray>
#include <QIODevice>

#include <algorithm>
#include <cstring>
#include <utility>

namespace ga::http {

// An emptied buffer keeps storage up to this size (the next request on the connection reuses it).
inline constexpr qsizetype kKeptBufferCapacity = 4096;

// Appends everything `device` has buffered to `buffer`; the number of bytes appended. What a socket read arrives
// in one block of Qt's read buffer: that block is taken over (QIODevice::read(n) hands it out without a copy when
// n is all of it) rather than copied out, so that Qt allocates a block per read instead of keeping one of 16 KiB
// per socket for as long as the connection lives. An empty `buffer` becomes the block; otherwise it is appended.
inline qint64 appendAvailable(QIODevice *device, QByteArray &buffer)
{
    const qint64 available = device->bytesAvailable();
    if (available <= 0) {
        return 0;
    }
    QByteArray block = device->read(available);
    const qint64 got = block.size();
    if (buffer.isEmpty()) {
        buffer = std::move(block);
    } else {
        buffer.append(block);
    }
    return got;
}

// Appends `bytes` to `out`, into capacity reserved before: QByteArray::append() is an insert with its checks
// (~150 instructions a call), which made up most of the cost of building a short head piece by piece.
inline void appendBytes(QByteArray &out, QByteArrayView bytes)
{
    const qsizetype at = out.size();
    out.resize(at + bytes.size());
    if (!bytes.isEmpty()) {
        std::memcpy(out.data() + at, bytes.data(), size_t(bytes.size()));
    }
}

// Appends to a QByteArray through a pointer into storage sized once: each put() is a bounds check and a memcpy,
// where appendBytes() calls QByteArray::resize() (a call into Qt with its checks) for every piece of a head.
// Writes past the room asked for still work (the storage grows); finish() (or the destructor) sets the size.
class ByteWriter
{
public:
    ByteWriter(QByteArray &out, qsizetype room)
        : m_out(out)
    {
        const qsizetype used = out.size();
        m_out.resize(used + room);
        m_p = m_out.data() + used;
        m_end = m_out.data() + m_out.size();
    }
    ByteWriter(const ByteWriter &) = delete;
    ByteWriter &operator=(const ByteWriter &) = delete;
    ~ByteWriter() { finish(); }

    void put(QByteArrayView bytes)
    {
        Q_ASSERT(m_p); // not after finish()
        if (m_end - m_p < bytes.size()) {
            grow(bytes.size());
        }
        if (!bytes.isEmpty()) {
            std::memcpy(m_p, bytes.data(), size_t(bytes.size()));
            m_p += bytes.size();
        }
    }
    void number(qint64 v)
    {
        Q_ASSERT(m_p);
        if (m_end - m_p < text::kMaxDecimal) {
            grow(text::kMaxDecimal);
        }
        m_p = text::writeDecimal(m_p, v);
    }
    // How many bytes of `out` are written so far, and those written from `from` on (valid until the next put).
    qsizetype written() const { return m_p - m_out.constData(); }
    QByteArrayView since(qsizetype from) const { return QByteArrayView(m_out.constData() + from, written() - from); }
    // "Name: value\r\n" for each header.
    void headers(const HeaderList &list)
    {
        for (const Header &h : list) {
            put(h.name);
            put(": ");
            put(h.value);
            put("\r\n");
        }
    }
    // The bytes written so far become `out`'s size (once; later puts are not expected).
    void finish()
    {
        if (m_p) {
            m_out.truncate(m_p - m_out.constData());
            m_p = m_end = nullptr;
        }
    }

private:
    void grow(qsizetype n)
    {
        const qsizetype used = m_p - m_out.constData();
        m_out.resize(std::max(2 * m_out.size(), used + n));
        m_p = m_out.data() + used;
        m_end = m_out.data() + m_out.size();
    }

    QByteArray &m_out;
    char *m_p = nullptr;
    char *m_end = nullptr;
};

// Appends the decimal digits of `v` (QByteArray::number() makes a string of them first).
inline void appendNumber(QByteArray &out, qint64 v)
{
    char digits[text::kMaxDecimal];
    appendBytes(out, QByteArrayView(digits, text::writeDecimal(digits, v) - digits));
}

// Drops the first `n` bytes of `buffer`; when that empties it, large storage is given back.
inline void consumeFront(QByteArray &buffer, qsizetype n)
{
    if (n < buffer.size()) {
        if (buffer.capacity() > kKeptBufferCapacity && buffer.size() - n <= kKeptBufferCapacity) {
            buffer = QByteArray(buffer.constData() + n, buffer.size() - n); // not a large block for a few bytes
        } else {
            buffer.remove(0, n);
        }
    } else if (buffer.capacity() > kKeptBufferCapacity) {
        buffer.clear();
    } else {
        buffer.resize(0);
    }
}

// The first `n` bytes of `buffer`, taken out of it (without a copy when that is all of it).
inline QByteArray takeFront(QByteArray &buffer, qsizetype n)
{
    if (n >= buffer.size()) {
        return std::exchange(buffer, QByteArray());
    }
    QByteArray front = buffer.first(n);
    buffer.remove(0, n);
    return front;
}

} // namespace ga::http
