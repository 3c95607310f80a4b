// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon/signalwatcher.h"

#include "logging/logging.h"

#include <QMetaObject>
#include <QPointer>

#ifdef Q_OS_WIN
#include <windows.h>
#else
#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace ga::daemon {
namespace {

QPointer<SignalWatcher> g_watcher;

#ifdef Q_OS_WIN
BOOL WINAPI consoleHandler(DWORD type)
{
    const char *name = type == CTRL_C_EVENT ? "CTRL_C"
        : type == CTRL_BREAK_EVENT          ? "CTRL_BREAK"
        : type == CTRL_CLOSE_EVENT          ? "CTRL_CLOSE"
                                            : "SHUTDOWN";
    if (SignalWatcher *w = g_watcher.data()) {
        QMetaObject::invokeMethod(
            w, [w, name] { Q_EMIT w->stopRequested(QString::fromLatin1(name)); }, Qt::QueuedConnection);
        return TRUE;
    }
    return FALSE;
}
#else
int g_fds[2] = { -1, -1 };

// Async-signal-safe: only write(2) the signal number into the socket pair; the notifier does the rest.
void onSignal(int sig)
{
    const int saved = errno;
    const char byte = static_cast<char>(sig);
    [[maybe_unused]] const ssize_t n = ::write(g_fds[1], &byte, 1);
    errno = saved;
}
#endif

} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    if (g_watcher) {
        qCWarning(lcDaemon) << "a signal watcher already exists; this one stays inactive";
        return;
    }
    g_watcher = this;
#ifdef Q_OS_WIN
    m_active = SetConsoleCtrlHandler(consoleHandler, TRUE) != 0;
#else
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_fds) != 0) {
        qCWarning(lcDaemon) << "cannot watch for SIGINT/SIGTERM:" << qt_error_string(errno);
        return;
    }
    auto *notifier = new QSocketNotifier(g_fds[0], QSocketNotifier::Read, this);
    connect(notifier, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        if (::read(g_fds[0], &byte, 1) == 1) {
            Q_EMIT stopRequested(byte == SIGINT ? QStringLiteral("SIGINT") : QStringLiteral("SIGTERM"));
        }
    });
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    m_active = ::sigaction(SIGINT, &sa, nullptr) == 0 && ::sigaction(SIGTERM, &sa, nullptr) == 0;
    // A client that hangs up mid-write must not kill the daemon.
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
#endif
}

SignalWatcher::~SignalWatcher()
{
    if (g_watcher != this) {
        return;
    }
#ifdef Q_OS_WIN
    SetConsoleCtrlHandler(consoleHandler, FALSE);
#else
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGINT, &dfl, nullptr);
    ::sigaction(SIGTERM, &dfl, nullptr);
    ::close(g_fds[0]);
    ::close(g_fds[1]);
    g_fds[0] = g_fds[1] = -1;
#endif
    g_watcher = nullptr;
}

} // namespace ga::daemon
