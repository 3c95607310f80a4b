// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/websocket.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QtEndian>

#include <cstring>

namespace ga::http::ws {

QByteArray acceptValue(QByteArrayView clientKey)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(clientKey);
    sha1.addData(QByteArrayView("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    return sha1.result().toBase64();
}

bool isValidClientKey(QByteArrayView key)
{
    if (key.size() != 24) {
        return false;
    }
    const auto decoded = QByteArray::fromBase64Encoding(key.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    return decoded && decoded.decoded.size() == 16;
}

QByteArray newClientKey()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof words).toBase64();
}

HeaderParse parseFrameHeader(QByteArrayView data, FrameHeader *out)
{
    if (data.size() < 2) {
        return HeaderParse::NeedMore;
    }
    const auto b0 = quint8(data[0]);
    const auto b1 = quint8(data[1]);
    FrameHeader h;
    h.fin = b0 & 0x80;
    h.rsv = (b0 >> 4) & 0x7;
    h.opcode = b0 & 0x0F;
    h.masked = b1 & 0x80;
    quint64 length = b1 & 0x7F;
    int size = 2;
    if (length == 126) {
        if (data.size() < 4) {
            return HeaderParse::NeedMore;
        }
        length = qFromBigEndian<quint16>(data.data() + 2);
        size = 4;
        if (length < 126) {
            return HeaderParse::Invalid; // not the minimal encoding
        }
    } else if (length == 127) {
        if (data.size() < 10) {
            return HeaderParse::NeedMore;
        }
        length = qFromBigEndian<quint64>(data.data() + 2);
        size = 10;
        if (length <= 0xFFFF || (length >> 63)) {
            return HeaderParse::Invalid;
        }
    }
    if (h.masked) {
        if (data.size() < size + 4) {
            return HeaderParse::NeedMore;
        }
        std::memcpy(&h.maskKey, data.data() + size, 4);
        size += 4;
    }
    h.length = length;
    h.size = size;
    *out = h;
    return HeaderParse::Ok;
}

void applyMask(char *data, qsizetype size, quint32 maskKey, quint64 offset)
{
    unsigned char key[4];
    std::memcpy(key, &maskKey, 4);
    for (qsizetype i = 0; i < size; ++i) {
        data[i] = char(quint8(data[i]) ^ key[(offset + quint64(i)) & 3]);
    }
}

QByteArray buildFrame(quint8 opcode, QByteArrayView payload, bool fin, std::optional<quint32> maskKey)
{
    QByteArray out;
    out.reserve(payload.size() + 14);
    out += char((fin ? 0x80 : 0) | (opcode & 0x0F));
    const quint8 maskBit = maskKey ? 0x80 : 0;
    const auto n = quint64(payload.size());
    if (n < 126) {
        out += char(maskBit | n);
    } else if (n <= 0xFFFF) {
        out += char(maskBit | 126);
        char len[2];
        qToBigEndian<quint16>(quint16(n), len);
        out.append(len, 2);
    } else {
        out += char(maskBit | 127);
        char len[8];
        qToBigEndian<quint64>(n, len);
        out.append(len, 8);
    }
    if (maskKey) {
        out.append(reinterpret_cast<const char *>(&*maskKey), 4);
    }
    const qsizetype start = out.size();
    out.append(payload);
    if (maskKey) {
        applyMask(out.data() + start, payload.size(), *maskKey, 0);
    }
    return out;
}

QByteArray closePayload(quint16 code, QByteArrayView reason)
{
    QByteArray out(2, Qt::Uninitialized);
    qToBigEndian<quint16>(code, out.data());
    qsizetype n = std::min(reason.size(), kMaxCloseReason);
    // Never cut inside a UTF-8 sequence: back off over continuation bytes.
    if (n < reason.size()) {
        while (n > 0 && (quint8(reason[n]) & 0xC0) == 0x80) {
            --n;
        }
    }
    out.append(reason.first(n));
    return out;
}

bool parseClosePayload(QByteArrayView payload, quint16 *code, QByteArray *reason)
{
    if (payload.isEmpty()) {
        *code = NoStatus;
        reason->clear();
        return true;
    }
    if (payload.size() < 2) {
        return false;
    }
    *code = qFromBigEndian<quint16>(payload.data());
    *reason = payload.sliced(2).toByteArray();
    return true;
}

bool isSendableCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

FrameChecker::Verdict FrameChecker::check(const FrameHeader &h)
{
    if (h.rsv != 0) {
        m_error = "reserved bits set without an extension";
        return Verdict::ProtocolError;
    }
    if (h.masked != m_expectMasked) {
        m_error = m_expectMasked ? "unmasked frame from a client" : "masked frame from a server";
        return Verdict::ProtocolError;
    }
    if (h.isControl()) {
        if (h.opcode != Close && h.opcode != Ping && h.opcode != Pong) {
            m_error = "unknown control opcode";
            return Verdict::ProtocolError;
        }
        if (!h.fin || h.length > 125) {
            m_error = "fragmented or oversized control frame";
            return Verdict::ProtocolError;
        }
        return Verdict::Ok;
    }
    if (h.opcode == Continuation) {
        if (!m_inMessage) {
            m_error = "continuation frame outside a message";
            return Verdict::ProtocolError;
        }
    } else if (h.opcode == Text || h.opcode == Binary) {
        if (m_inMessage) {
            m_error = "new message inside a fragmented one";
            return Verdict::ProtocolError;
        }
        m_messageOpcode = h.opcode;
        m_messageBytes = 0;
    } else {
        m_error = "unknown data opcode";
        return Verdict::ProtocolError;
    }
    m_messageBytes += h.length;
    if (h.length > m_max || m_messageBytes > m_max) {
        m_error = "message too big";
        return Verdict::TooBig;
    }
    m_inMessage = !h.fin;
    return Verdict::Ok;
}

} // namespace ga::http::ws
