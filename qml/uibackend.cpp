// SPDX-License-Identifier: GPL-3.0-or-later
#include "uibackend.h"

#include "config/configpaths.h"
#include "version.h"

namespace ga::ui {

UiBackend::UiBackend(QObject *parent)
    : QObject(parent)
{ }

QString UiBackend::version() const
{
    return QLatin1String(kVersion);
}

QString UiBackend::configPath() const
{
    return config::resolveConfigPath(QString());
}

} // namespace ga::ui
