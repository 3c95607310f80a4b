// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLocalServer>
#include <QObject>

namespace ga::ui {

// One app per user and config file. The first instance listens on a local socket (a named pipe on
// Windows); a second launch connects, asks it to show its window, and exits.
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)

public:
    // `key` tells instances apart (the config path); the socket name is derived from it and the user.
    explicit SingleInstance(const QString &key, QObject *parent = nullptr);

    // True when another instance answered and was asked to show itself (then this one should exit).
    bool notifyRunning(int timeoutMs = 1000);
    // Becomes the instance others reach. False with the reason when the name cannot be taken.
    bool listen(QString *error);
    QString serverName() const { return m_name; }

Q_SIGNALS:
    // Another launch asked for the window.
    void activationRequested();

private:
    QString m_name;
    QLocalServer m_server;
};

} // namespace ga::ui
