// SPDX-License-Identifier: GPL-3.0-or-later
#include "windowgeometry.h"

#include <QGuiApplication>
#include <QScreen>
#include <QSettings>

#include <algorithm>

namespace ga::ui {
namespace {

QString geometryKey(const QString &screen)
{
    // QSettings treats '/' as a group separator and '\' as special in INI keys.
    QString name = screen;
    name.replace(u'/', u'_').replace(u'\\', u'_');
    return QStringLiteral("geometry/") + name;
}

} // namespace

WindowGeometry::WindowGeometry(QWindow *window, QString stateFile, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_stateFile(std::move(stateFile))
{
    m_saveLater.setSingleShot(true);
    m_saveLater.setInterval(500);
    connect(&m_saveLater, &QTimer::timeout, this, &WindowGeometry::save);
    const auto later = [this] {
        if (m_restored && m_window && m_window->isVisible()) {
            m_saveLater.start();
        }
    };
    connect(window, &QWindow::xChanged, this, later);
    connect(window, &QWindow::yChanged, this, later);
    connect(window, &QWindow::widthChanged, this, later);
    connect(window, &QWindow::heightChanged, this, later);
    connect(window, &QWindow::visibleChanged, this, [this](bool visible) {
        if (!visible) {
            save();
        } else if (!m_shown) {
            // The frame (title bar, borders) is known once the window is up: keep all of it on the screen.
            m_shown = true;
            QTimer::singleShot(0, this, &WindowGeometry::keepOnScreen);
        }
    });
}

WindowGeometry::~WindowGeometry()
{
    if (m_saveLater.isActive()) {
        save();
    }
}

QString WindowGeometry::screenKey(const QScreen *screen)
{
    if (!screen) {
        return QStringLiteral("none");
    }
    const QSize size = screen->geometry().size();
    return QStringLiteral("%1 %2x%3").arg(screen->name()).arg(size.width()).arg(size.height());
}

QRect WindowGeometry::fitted(const QRect &wanted, const QRect &available)
{
    if (!available.isValid()) {
        return wanted;
    }
    const int width = std::clamp(wanted.width(), 1, available.width());
    const int height = std::clamp(wanted.height(), 1, available.height());
    const int x = std::clamp(wanted.x(), available.left(), available.left() + available.width() - width);
    const int y = std::clamp(wanted.y(), available.top(), available.top() + available.height() - height);
    return QRect(x, y, width, height);
}

void WindowGeometry::restore()
{
    if (!m_window) {
        return;
    }
    QSettings state(m_stateFile, QSettings::IniFormat);
    // The screen the window was on last time, if it is still there.
    const QString lastScreen = state.value(QStringLiteral("lastScreen")).toString();
    const QList<QScreen *> screens = QGuiApplication::screens();
    const auto last
        = std::find_if(screens.begin(), screens.end(), [&](const QScreen *s) { return screenKey(s) == lastScreen; });
    if (last != screens.end() && *last != m_window->screen()) {
        m_window->setScreen(*last);
    }
    QScreen *screen = m_window->screen() ? m_window->screen() : QGuiApplication::primaryScreen();
    if (!screen) {
        m_restored = true;
        return;
    }
    // The frame (title bar, borders) is known once the window was shown; before that it counts as nothing.
    const QMargins frame = m_window->frameMargins();
    const QRect available = screen->availableGeometry().marginsRemoved(frame);

    const QRect saved = state.value(geometryKey(screenKey(screen))).toRect();
    QRect wanted = saved;
    if (!saved.isValid()) {
        // Nothing saved for this screen: the window's own size, centred.
        wanted = QRect(QPoint(), m_window->size());
        wanted.moveCenter(available.center());
    }
    const QRect geometry = fitted(wanted, available);
    const QSize minimum = m_window->minimumSize();
    m_window->setMinimumSize(
        QSize(std::min(minimum.width(), geometry.width()), std::min(minimum.height(), geometry.height())));
    m_window->setGeometry(geometry);
    m_restored = true;
}

void WindowGeometry::keepOnScreen()
{
    if (!m_window || !m_window->screen()) {
        return;
    }
    const QMargins frame = m_window->frameMargins();
    const QRect outer = m_window->geometry().marginsAdded(frame);
    const QRect fit = fitted(outer, m_window->screen()->availableGeometry());
    if (fit != outer) {
        m_window->setGeometry(fit.marginsRemoved(frame));
    }
}

void WindowGeometry::save()
{
    m_saveLater.stop();
    if (!m_window || !m_restored
        || m_window->windowStates() & (Qt::WindowMinimized | Qt::WindowMaximized | Qt::WindowFullScreen)) {
        return;
    }
    const QRect geometry = m_window->geometry();
    if (!geometry.isValid()) {
        return;
    }
    QSettings state(m_stateFile, QSettings::IniFormat);
    const QString screen = screenKey(m_window->screen());
    state.setValue(geometryKey(screen), geometry);
    state.setValue(QStringLiteral("lastScreen"), screen);
}

} // namespace ga::ui
