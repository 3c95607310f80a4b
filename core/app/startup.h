// SPDX-License-Identifier: GPL-3.0-or-later
// What a long-running proxy does before it starts serving, the same for the daemon's `run` and the desktop app:
// refuse a listen address the policy forbids, wait for an OS keychain that is still starting, make the 'default'
// access token when there is no credential at all, and the admin API's token on first start.
#pragma once

#include "app/session.h"

namespace ga::app {

struct StartupOptions
{
    // The log level was given on the command line: secrets.logLevel from the config does not replace it.
    bool logLevelPinned = false;
    // Started at login, the app may come up before the keychain. The observer gets `true` after each probe that
    // found it unavailable, and `false` once when the wait ends (only after a `true`); it runs from a local event
    // loop.
    std::function<void(bool waiting)> keychainWaiting;
};

// Opens the session's config and secrets and prepares them; Done, or why the proxy cannot start (nothing was
// created then when the listen policy refused).
Outcome prepareRun(Session &session, const StartupOptions &options);

} // namespace ga::app
