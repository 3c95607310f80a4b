// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/accountkey.h"

#include "acme/acmelogging.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace ga::acme {

namespace {
const QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
const QFileDevice::Permissions kOthers
    = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;
} // namespace

QString accountKeyPath(const QString &stateDir)
{
    return QDir(stateDir).filePath(QStringLiteral("acme-account.key"));
}

EcKey loadOrCreateAccountKey(const QString &stateDir, QString *error)
{
    if (stateDir.isEmpty()) {
        *error = QStringLiteral("no folder is set for the ACME account key: set the state folder");
        return {};
    }
    const QString path = accountKeyPath(stateDir);
    const QString shown = QDir::toNativeSeparators(path);
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the ACME account key %1 (%2): check its permissions")
                         .arg(shown, file.errorString());
            return {};
        }
        EcKey key = EcKey::fromPem(file.readAll());
        if (key.isNull()) {
            *error = QStringLiteral("the ACME account key %1 is not an EC P-256 private key: move it away to have a "
                                    "new account made")
                         .arg(shown);
            return {};
        }
        if ((file.permissions() & kOthers) != 0) {
            qCWarning(lcAcme) << "the ACME account key was readable by others; made it owner-only:" << shown;
            file.setPermissions(kOwnerOnly);
        }
        return key;
    }
    EcKey key = EcKey::generate();
    const QByteArray pem = key.toPem();
    // QSaveFile: a crash mid-write leaves no half key; the temporary file is private before a byte is written.
    QSaveFile save(path);
    if (key.isNull() || pem.isEmpty() || !QDir().mkpath(stateDir) || !save.open(QIODevice::WriteOnly)
        || !save.setPermissions(kOwnerOnly) || save.write(pem) != pem.size() || !save.commit()) {
        *error = QStringLiteral("cannot store the ACME account key in %1 (%2): make the folder writable")
                     .arg(QDir::toNativeSeparators(stateDir), save.errorString());
        return {};
    }
    qCInfo(lcAcme) << "made a new ACME account key:" << shown;
    return key;
}

} // namespace ga::acme
