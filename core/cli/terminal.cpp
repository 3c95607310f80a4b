// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/terminal.h"

#include "config/configschema.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>

#ifdef Q_OS_WIN
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
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

enum class ReadEnd
{
    Done,
    TooLarge,
    Silent,
    Failed,
};

int silentInputTimeoutMs()
{
    bool ok = false;
    const int ms = qEnvironmentVariableIntValue(kStdinTimeoutEnvVar, &ok);
    return ok && ms > 0 ? ms : kSilentInputTimeoutMs;
}

QString seconds(int ms)
{
    return QStringLiteral("%1 s").arg(ms / 1000.0);
}

QString mebibytes(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(bytes / (1024 * 1024));
}

// Input that was refused may hold keys: overwritten before it is freed.
void wipe(QByteArray *data)
{
    data->fill('\0');
    data->clear();
}

#ifdef Q_OS_WIN
// No silence limit here: Windows pipes cannot be polled like POSIX descriptors.
ReadEnd readStdio(qint64 maxBytes, QByteArray *out)
{
    char buffer[64 * 1024];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
        if (out->size() + qint64(n) > maxBytes) {
            return ReadEnd::TooLarge;
        }
        out->append(buffer, qsizetype(n));
    }
    return std::ferror(stdin) ? ReadEnd::Failed : ReadEnd::Done;
}
#else
// Reads `fd` to its end: at most `maxBytes`, and waiting at most `silentMs` for each next byte (-1: forever).
ReadEnd readBounded(int fd, qint64 maxBytes, int silentMs, QByteArray *out, QString *reason)
{
    char buffer[64 * 1024];
    for (;;) {
        pollfd p { fd, POLLIN, 0 };
        int ready = 0;
        do {
            ready = ::poll(&p, 1, silentMs);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
            return ReadEnd::Silent;
        }
        if (ready < 0) {
            *reason = qt_error_string(errno);
            return ReadEnd::Failed;
        }
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got == 0) {
            return ReadEnd::Done;
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            *reason = qt_error_string(errno);
            return ReadEnd::Failed;
        }
        if (out->size() + got > maxBytes) {
            return ReadEnd::TooLarge;
        }
        out->append(buffer, qsizetype(got));
    }
}
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

Input readStandardInput(const QString &what, const QString &example, qint64 maxBytes)
{
    const bool terminal = stdinIsTerminal();
    Input input;
    QString reason;
    ReadEnd end = ReadEnd::Done;
    [[maybe_unused]] const int silentMs = terminal ? -1 : silentInputTimeoutMs();
    {
#ifdef Q_OS_WIN
        std::optional<EchoOff> quiet;
        if (terminal) {
            quiet.emplace(GetStdHandle(STD_INPUT_HANDLE));
        }
        end = readStdio(maxBytes, &input.data);
#else
        std::optional<EchoOff> quiet;
        if (terminal) {
            quiet.emplace(STDIN_FILENO);
        }
        end = readBounded(STDIN_FILENO, maxBytes, silentMs, &input.data, &reason);
#endif
    }
    switch (end) {
    case ReadEnd::Done:
        return input;
    case ReadEnd::TooLarge:
        input.error = QStringLiteral("standard input holds more than %1, the most one command reads; split %2 into "
                                     "parts and run the command once for each")
                          .arg(mebibytes(maxBytes), what);
        break;
    case ReadEnd::Silent:
        input.error = QStringLiteral("standard input is not a terminal and stayed silent for %1 without being "
                                     "closed; pipe %2 in and close it, for example: %3")
                          .arg(seconds(silentMs), what, example);
        break;
    case ReadEnd::Failed:
        input.error = QStringLiteral("cannot read standard input: %1").arg(reason);
        break;
    }
    wipe(&input.data);
    return input;
}

Input readInputFile(const QString &path, qint64 maxBytes)
{
    Input input;
    QString reason;
    ReadEnd end = ReadEnd::Done;
    int silentMs = -1;
#ifdef Q_OS_WIN
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        input.error = QStringLiteral("cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        return input;
    }
    char buffer[64 * 1024];
    for (qint64 got = 0; (got = file.read(buffer, sizeof buffer)) != 0;) {
        if (got < 0) {
            reason = file.errorString();
            end = ReadEnd::Failed;
            break;
        }
        if (input.data.size() + got > maxBytes) {
            end = ReadEnd::TooLarge;
            break;
        }
        input.data.append(buffer, qsizetype(got));
    }
#else
    // Opened without blocking: open() of a named pipe with no writer would wait forever. Reads block again, each
    // after poll() said there is something (or the silence limit ends it).
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        input.error = QStringLiteral("cannot read %1: %2").arg(path, qt_error_string(errno));
        return input;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    silentMs = ::isatty(fd) ? -1 : silentInputTimeoutMs();
    end = readBounded(fd, maxBytes, silentMs, &input.data, &reason);
    ::close(fd);
#endif
    const QString shown = QDir::toNativeSeparators(path);
    switch (end) {
    case ReadEnd::Done:
        return input;
    case ReadEnd::TooLarge:
        input.error = QStringLiteral("%1 is larger than %2, the most one command reads; split it into parts (for "
                                     "example: split -l 500000 %1 part-) and import each part")
                          .arg(shown, mebibytes(maxBytes));
        break;
    case ReadEnd::Silent:
        input.error = QStringLiteral("%1 stayed silent for %2 without being closed; if it is a pipe, write the keys "
                                     "into it and close it, or import a regular file")
                          .arg(shown, seconds(silentMs));
        break;
    case ReadEnd::Failed:
        input.error = QStringLiteral("cannot read %1: %2").arg(shown, reason);
        break;
    }
    wipe(&input.data);
    return input;
}

QString printable(const QString &text, bool keepNewlines)
{
    const auto escaped
        = [keepNewlines](QChar c) { return config::schema::isControlCharacter(c) && (!keepNewlines || c != u'\n'); };
    if (std::none_of(text.begin(), text.end(), escaped)) {
        return text;
    }
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        if (!escaped(c)) {
            out += c;
        } else if (c == u'\n') {
            out += QStringLiteral("\\n");
        } else if (c == u'\r') {
            out += QStringLiteral("\\r");
        } else if (c == u'\t') {
            out += QStringLiteral("\\t");
        } else if (c.unicode() <= 0xff) {
            out += QStringLiteral("\\x") + QString::number(c.unicode(), 16).rightJustified(2, u'0');
        } else {
            out += QStringLiteral("\\u") + QString::number(c.unicode(), 16).rightJustified(4, u'0');
        }
    }
    return out;
}

QByteArray passwordLine(QByteArray input)
{
    while (input.endsWith('\n') || input.endsWith('\r')) {
        input.chop(1);
    }
    return input;
}

} // namespace ga::cli
