// SPDX-License-Identifier: GPL-3.0-or-later
// The `keys` subcommands that report (keyreports.cpp); keysCommand dispatches to them.
#pragma once

#include "cli/context.h"

namespace ga::cli {

int listKeys(Context &ctx);
int keyStats(Context &ctx);
int testKeys(Context &ctx, const QStringList &ids);
int doctorKeys(Context &ctx, const QStringList &words);

} // namespace ga::cli
