// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/keypool.h"

#include <QByteArray>

#include <optional>

namespace ga::proxy {

// Finds token usage in a response as it streams past, without buffering it: Gemini's "usageMetadata"
// (cumulative, so the last one in a stream counts) and OpenAI's "usage". Keeps only what may still matter.
class UsageSniffer
{
public:
    void feed(QByteArrayView data);
    keys::Usage result() const;

private:
    QByteArray m_tail; // what of the last chunks may still matter (see feed())
    QByteArray m_lastObject;
    // result() is asked twice per request (the key's usage, the access record): read once per object found.
    mutable std::optional<keys::Usage> m_result;
    // Finds the usage objects complete in `text`; returns where what must be kept for the next chunk begins.
    qsizetype scan(QByteArrayView text);
};

// The model a request is for: "gemini-2.5-flash" from ".../models/gemini-2.5-flash:generateContent", or
// the "model" field of an OpenAI-compatible body; empty when the request names none.
QString modelOf(QByteArrayView path, QByteArrayView body);

} // namespace ga::proxy
