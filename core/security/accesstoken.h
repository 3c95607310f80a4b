// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace ga::security {

// The local access token clients present instead of a real Gemini key. Kept in the secret store.
inline constexpr const char *kAccessTokenEntry = "token/access";

// "gat_" + 32 random bytes in unpadded base64url (47 characters). The prefix makes tokens easy to
// recognise for redaction and for secret scanners.
QByteArray generateAccessToken();

// Constant-time comparison for secrets of possibly different lengths.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

} // namespace ga::security
