// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace ga::security {

// Local access tokens are what clients present instead of a real Gemini key; each has a name (one per
// tool) and lives in the secret store as "token/<name>". The first one is called "default".
inline constexpr const char *kDefaultTokenName = "default";
QString tokenEntryName(const QString &name);
// The admin API's token: separate from access tokens, made at first run.
inline constexpr const char *kAdminTokenEntry = "admin/token";
// The HS256 secret for JWTs.
inline constexpr const char *kJwtSecretEntry = "jwt/hs256";

// "gat_" + 32 random bytes in unpadded base64url (47 characters). The prefix makes tokens easy to
// recognise for redaction and for secret scanners.
QByteArray generateAccessToken();

// Constant-time comparison for secrets of possibly different lengths.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

} // namespace ga::security
