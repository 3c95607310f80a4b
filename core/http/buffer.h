// SPDX-License-Identifier: GPL-3.0-or-later
// Receive buffers that hold what they hold and little more. QIODevice::readAll() sizes its result for a 16 KiB
// read and grows it by another 16 KiB before it finds the end, and a QByteArray keeps its capacity when bytes are
// removed: a connection that once read a request kept 32 KiB or more for as long as it lived (a held stream has
// two such buffers).
#pragma once

#include <QByteArray>
#include <QIODevice>

#include <algorithm>
#include <charconv>
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

// Appends the decimal digits of `v` (QByteArray::number() makes a string of them first).
inline void appendNumber(QByteArray &out, qint64 v)
{
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    appendBytes(out, QByteArrayView(digits, ec == std::errc() ? end - digits : 0));
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
