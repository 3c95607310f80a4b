// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/terminal.h"

#include <cstdio>

#ifdef Q_OS_WIN
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>
#endif

namespace ga::cli {
namespace {

#ifdef Q_OS_WIN
class EchoOff
{
public:
    explicit EchoOff(HANDLE h)
        : m_handle(h)
    {
        m_active = GetConsoleMode(m_handle, &m_saved) != 0;
        if (m_active) {
            SetConsoleMode(m_handle, m_saved & ~DWORD(ENABLE_ECHO_INPUT));
        }
    }
    ~EchoOff()
    {
        if (m_active) {
            SetConsoleMode(m_handle, m_saved);
        }
    }

private:
    HANDLE m_handle;
    DWORD m_saved = 0;
    bool m_active = false;
};
#else
class EchoOff
{
public:
    explicit EchoOff(int fd)
        : m_fd(fd)
    {
        m_active = tcgetattr(m_fd, &m_saved) == 0;
        if (m_active) {
            termios quiet = m_saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            quiet.c_lflag |= tcflag_t(ECHONL);
            tcsetattr(m_fd, TCSAFLUSH, &quiet);
        }
    }
    ~EchoOff()
    {
        if (m_active) {
            tcsetattr(m_fd, TCSAFLUSH, &m_saved);
        }
    }
    EchoOff(const EchoOff &) = delete;
    EchoOff &operator=(const EchoOff &) = delete;

private:
    int m_fd;
    termios m_saved {};
    bool m_active = false;
};
#endif

} // namespace

bool stdinIsTerminal()
{
#ifdef Q_OS_WIN
    return _isatty(_fileno(stdin)) != 0;
#else
    return isatty(STDIN_FILENO) != 0;
#endif
}

std::optional<QByteArray> promptHidden(const QString &prompt)
{
#ifdef Q_OS_WIN
    HANDLE in
        = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr);
    if (in == INVALID_HANDLE_VALUE) {
        return std::nullopt;
    }
    std::fputs(prompt.toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
    QByteArray line;
    {
        EchoOff quiet(in);
        char ch = 0;
        DWORD got = 0;
        while (ReadFile(in, &ch, 1, &got, nullptr) && got == 1 && ch != '\n') {
            if (ch != '\r') {
                line.append(ch);
            }
        }
    }
    CloseHandle(in);
    std::fputs("\n", stderr);
    return line;
#else
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    const QByteArray text = prompt.toLocal8Bit();
    if (::write(fd, text.constData(), size_t(text.size())) < 0) {
        ::close(fd);
        return std::nullopt;
    }
    QByteArray line;
    {
        EchoOff quiet(fd);
        char ch = 0;
        while (::read(fd, &ch, 1) == 1 && ch != '\n') {
            line.append(ch);
        }
    }
    ::close(fd);
    return line;
#endif
}

QByteArray readStandardInput()
{
    QByteArray all;
    auto readAll = [&all] {
        char buffer[4096];
        size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
            all.append(buffer, qsizetype(n));
        }
    };
    if (!stdinIsTerminal()) {
        readAll();
        return all;
    }
#ifdef Q_OS_WIN
    EchoOff quiet(GetStdHandle(STD_INPUT_HANDLE));
#else
    EchoOff quiet(STDIN_FILENO);
#endif
    readAll();
    return all;
}

} // namespace ga::cli
