// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

namespace ga::daemon {

// Turns SIGINT/SIGTERM (Unix) or Ctrl-C/close/shutdown events (Windows) into a Qt signal delivered on the
// thread that created the watcher. One instance per process.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    bool isActive() const { return m_active; }

Q_SIGNALS:
    // `name` is "SIGINT", "SIGTERM", "CTRL_C", ...
    void stopRequested(const QString &name);

private:
    bool m_active = false;
};

} // namespace ga::daemon
