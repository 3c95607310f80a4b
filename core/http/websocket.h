// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 6455 pieces a relay needs: the handshake's accept value, frame headers parsed and validated as bytes arrive,
// masking, and close payloads. No extension is negotiated, so the RSV bits must be zero.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace ga::http::ws {

enum Opcode : quint8
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Close codes used by the relay itself.
enum CloseCode : quint16
{
    NormalClosure = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    NoStatus = 1005, // never sent: an empty close payload means it
    Abnormal = 1006, // never sent: the connection ended without a close frame
    InvalidPayload = 1007,
    PolicyViolation = 1008,
    MessageTooBig = 1009,
    InternalError = 1011,
    TryAgainLater = 1013,
};

// The largest close reason that fits a control frame (125 bytes minus the code).
inline constexpr qsizetype kMaxCloseReason = 123;

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
QByteArray acceptValue(QByteArrayView clientKey);
// A Sec-WebSocket-Key as RFC 6455 requires: base64 of 16 bytes.
bool isValidClientKey(QByteArrayView key);
// A fresh random Sec-WebSocket-Key.
QByteArray newClientKey();

struct FrameHeader
{
    bool fin = true;
    quint8 rsv = 0;
    quint8 opcode = 0;
    bool masked = false;
    quint32 maskKey = 0; // in network order as it appears on the wire (byte 0 masks payload byte 0)
    quint64 length = 0;
    int size = 0; // bytes of the header on the wire
    bool isControl() const { return opcode & 0x8; }
};

enum class HeaderParse
{
    NeedMore,
    Ok,
    Invalid,
};
// Parses the frame header at the start of `data` (nothing else is checked; see FrameChecker).
HeaderParse parseFrameHeader(QByteArrayView data, FrameHeader *out);

// XORs `data` with the mask; `offset` is the position of data[0] in the frame's payload.
void applyMask(char *data, qsizetype size, quint32 maskKey, quint64 offset);

// A whole frame. `maskKey` set: masked (what a client sends).
QByteArray buildFrame(quint8 opcode, QByteArrayView payload, bool fin = true, std::optional<quint32> maskKey = {});
QByteArray closePayload(quint16 code, QByteArrayView reason); // reason cut to kMaxCloseReason bytes at a UTF-8 boundary
// Code and reason of a close frame's (unmasked) payload; code 1005 when it is empty. False when malformed.
bool parseClosePayload(QByteArrayView payload, quint16 *code, QByteArray *reason);
// A close code an endpoint may send (1000–1003, 1007–1014, 3000–4999).
bool isSendableCloseCode(quint16 code);

// The rules a relay checks on each frame header of one direction, in order: fragmentation (a continuation only
// inside a message, no new message inside one), control frames (final, ≤ 125 bytes), masking (clients mask,
// servers do not), known opcodes, zero RSV bits, and a message size limit.
class FrameChecker
{
public:
    explicit FrameChecker(bool expectMasked, quint64 maxMessageBytes)
        : m_expectMasked(expectMasked)
        , m_max(maxMessageBytes)
    { }
    enum class Verdict
    {
        Ok,
        ProtocolError, // close 1002
        TooBig, // close 1009
    };
    Verdict check(const FrameHeader &h);
    // The message the last data frame belongs to: Text or Binary.
    quint8 messageOpcode() const { return m_messageOpcode; }
    const char *lastError() const { return m_error; }

private:
    bool m_expectMasked;
    quint64 m_max;
    bool m_inMessage = false;
    quint8 m_messageOpcode = 0;
    quint64 m_messageBytes = 0;
    const char *m_error = "";
};

} // namespace ga::http::ws
