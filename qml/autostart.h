// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace ga::ui {

// Start at login, in each platform's own place:
//   Linux & other XDG desktops: $XDG_CONFIG_HOME/autostart/gemini-aggregator.desktop
//   Windows: HKCU\Software\Microsoft\Windows\CurrentVersion\Run, value "Gemini Aggregator"
//   macOS: ~/Library/LaunchAgents/io.github.gemini-aggregator.plist (RunAtLoad)
// The entry starts the app with --minimized (straight to the tray). The entry itself is the setting: there is
// no copy in the config that could disagree with it.
class Autostart
{
public:
    // `program`: the executable to start (the running one by default).
    explicit Autostart(QString program = QString());

    bool isEnabled() const;
    // False with a one-sentence reason when the entry cannot be written or removed.
    bool setEnabled(bool on, QString *error);
    // Where the entry lives (a file path, or the registry value's path on Windows).
    QString location() const;

private:
    QString m_program;
};

} // namespace ga::ui
