// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/jose.h"

#include <QString>

namespace ga::acme {

// stateDir/acme-account.key
QString accountKeyPath(const QString &stateDir);

// The ACME account key: read from stateDir/acme-account.key, or made (EC P-256) and written there with mode 0600
// when there is none. A key file others can read is made owner-only. Null with *error (one sentence, no key
// material) when the file cannot be read or written or holds no EC P-256 key.
EcKey loadOrCreateAccountKey(const QString &stateDir, QString *error);

} // namespace ga::acme
