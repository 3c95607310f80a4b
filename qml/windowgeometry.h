// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QRect>
#include <QString>
#include <QTimer>
#include <QWindow>

class QScreen;

namespace ga::ui {

// The main window's size and place, remembered per screen in an INI file of the app's own (next to the config
// file: ui-state.ini), and never larger than the screen it opens on: a saved geometry from a larger screen, or
// the default size under a large system font, is cut to the screen's available area and moved onto it.
class WindowGeometry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowGeometry)

public:
    // `window` outlives this object or is deleted first (then nothing more is saved).
    WindowGeometry(QWindow *window, QString stateFile, QObject *parent = nullptr);
    ~WindowGeometry() override;

    // Before the first show: the screen and geometry saved last time (or the window's own size, centred), fitted
    // into that screen's available area; the minimum size is cut to it as well.
    void restore();
    // Moves and cuts the window so that all of it, frame included, is on its screen's available area.
    void keepOnScreen();
    // The window's geometry now, for its screen (also done by itself a moment after each move or resize, and
    // when the window is hidden).
    void save();

    // `wanted` moved and cut so that it lies within `available` (its size at most the available size).
    static QRect fitted(const QRect &wanted, const QRect &available);
    // The name a screen's geometry is kept under: its name and size ("HDMI-1 1920x1080").
    static QString screenKey(const QScreen *screen);

private:
    QPointer<QWindow> m_window;
    QString m_stateFile;
    QTimer m_saveLater;
    bool m_restored = false;
    bool m_shown = false;
};

} // namespace ga::ui
