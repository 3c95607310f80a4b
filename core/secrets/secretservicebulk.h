// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>

namespace ga::secrets {

// Every entry QtKeychain stored for `service` in the Secret Service (Linux), read with one search that loads the
// secrets too, and decoded as QtKeychain decodes them (its "base64" entries are binary data). QtKeychain reads one
// entry per job, one job at a time, with two lookups for a binary entry (it tries "plaintext" first): about 1.5 ms
// per entry, so 100 keys held the daemon's start for 150 ms. Blocking (it runs its own D-Bus exchange): call it off
// the GUI thread.
struct SecretServiceRead
{
    bool ok = false; // false: not built with libsecret, no Secret Service, a locked item, an error
    QMap<QString, QByteArray> values; // entry name → secret
    QString error; // when !ok, for the log (never a secret)
};

bool secretServiceBulkReadAvailable(); // built with libsecret
SecretServiceRead readAllFromSecretService(const QString &service);

} // namespace ga::secrets
