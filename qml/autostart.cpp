// SPDX-License-Identifier: GPL-3.0-or-later
#include "autostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

namespace ga::ui {

namespace {
#if defined(Q_OS_WIN)
constexpr auto kRunKey = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
constexpr auto kRunValue = "Gemini Aggregator";
#elif defined(Q_OS_MACOS)
constexpr auto kAgentLabel = "io.github.gemini-aggregator";
#endif

#if !defined(Q_OS_WIN)
QString escapeXml(QString s)
{
    return s.replace(u'&', QStringLiteral("&amp;")).replace(u'<', QStringLiteral("&lt;"));
}

bool writeFile(const QString &path, const QByteArray &content, QString *error)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit()) {
        *error = QStringLiteral("could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}
#endif
} // namespace

Autostart::Autostart(QString program)
    : m_program(program.isEmpty() ? QCoreApplication::applicationFilePath() : std::move(program))
{ }

QString Autostart::location() const
{
#if defined(Q_OS_WIN)
    return QStringLiteral("%1\\%2").arg(QLatin1String(kRunKey), QLatin1String(kRunValue));
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/%1.plist").arg(QLatin1String(kAgentLabel));
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/gemini-aggregator.desktop");
#endif
}

bool Autostart::isEnabled() const
{
#if defined(Q_OS_WIN)
    return QSettings(QLatin1String(kRunKey), QSettings::NativeFormat).contains(QLatin1String(kRunValue));
#else
    return QFileInfo::exists(location());
#endif
}

bool Autostart::setEnabled(bool on, QString *error)
{
#if defined(Q_OS_WIN)
    QSettings run(QLatin1String(kRunKey), QSettings::NativeFormat);
    if (on) {
        run.setValue(
            QLatin1String(kRunValue), QStringLiteral("\"%1\" --minimized").arg(QDir::toNativeSeparators(m_program)));
    } else {
        run.remove(QLatin1String(kRunValue));
    }
    run.sync();
    if (run.status() != QSettings::NoError) {
        *error = QStringLiteral("could not change %1").arg(location());
        return false;
    }
    return true;
#else
    if (!on) {
        if (QFile::exists(location()) && !QFile::remove(location())) {
            *error = QStringLiteral("could not remove %1").arg(location());
            return false;
        }
        return true;
    }
#if defined(Q_OS_MACOS)
    const QByteArray plist
        = QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                         "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                         "<plist version=\"1.0\">\n<dict>\n"
                         "  <key>Label</key><string>%1</string>\n"
                         "  <key>ProgramArguments</key><array><string>%2</string><string>--minimized</string></array>\n"
                         "  <key>RunAtLoad</key><true/>\n"
                         "</dict>\n</plist>\n")
              .arg(QLatin1String(kAgentLabel), escapeXml(m_program))
              .toUtf8();
    return writeFile(location(), plist, error);
#else
    // Desktop Entry Exec quoting: the program in double quotes, with \ " ` $ escaped by a backslash; then the
    // string escaping every value gets, applied first when read (each backslash doubled: a literal \ is \\\\,
    // a " is \\"), and %% for a literal % (a lone one starts a field code).
    QString exec;
    for (const QChar c : m_program) {
        if (c == u'\\' || c == u'"' || c == u'`' || c == u'$') {
            exec += u'\\';
        }
        exec += c;
    }
    exec.replace(u'\\', QStringLiteral("\\\\"));
    exec.replace(u'%', QStringLiteral("%%"));
    Q_UNUSED(escapeXml);
    const QByteArray entry = QStringLiteral("[Desktop Entry]\n"
                                            "Type=Application\n"
                                            "Name=Gemini Aggregator\n"
                                            "Comment=Local Gemini API proxy with key rotation\n"
                                            "Exec=\"%1\" --minimized\n"
                                            "Icon=gemini-aggregator\n"
                                            "Terminal=false\n"
                                            "X-GNOME-Autostart-enabled=true\n")
                                 .arg(exec)
                                 .toUtf8();
    return writeFile(location(), entry, error);
#endif
#endif
}

} // namespace ga::ui
