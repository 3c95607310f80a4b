// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/acmelogging.h"

namespace ga::acme {

Q_LOGGING_CATEGORY(lcAcme, "ga.acme", QtInfoMsg)

} // namespace ga::acme
