// SPDX-License-Identifier: GPL-3.0-or-later
#include "enterpressesbuttons.h"

#include <QCoreApplication>
#include <QKeyEvent>

namespace ga::ui {

EnterPressesButtons::EnterPressesButtons(QObject *parent)
    : QObject(parent)
{ }

void EnterPressesButtons::setWindow(QQuickWindow *window)
{
    if (window == m_window) {
        return;
    }
    if (m_window) {
        m_window->removeEventFilter(this);
    }
    m_window = window;
    m_pressed.clear();
    if (m_window) {
        m_window->installEventFilter(this);
    }
    Q_EMIT windowChanged();
}

bool EnterPressesButtons::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_window || (event->type() != QEvent::KeyPress && event->type() != QEvent::KeyRelease)) {
        return false;
    }
    auto *key = static_cast<QKeyEvent *>(event);
    if (key->key() != Qt::Key_Return && key->key() != Qt::Key_Enter) {
        return false;
    }
    if ((key->modifiers() & ~Qt::KeypadModifier) != Qt::NoModifier) {
        return false;
    }
    QQuickItem *target = nullptr;
    if (event->type() == QEvent::KeyPress) {
        QQuickItem *focus = m_window->activeFocusItem();
        if (!focus || !focus->inherits("QQuickAbstractButton") || !focus->isEnabled() || !focus->isVisible()) {
            return false;
        }
        if (key->isAutoRepeat()) {
            return true; // held down: one click, as with Space
        }
        m_pressed = focus;
        target = focus;
    } else {
        if (!m_pressed) {
            return false;
        }
        if (key->isAutoRepeat()) {
            return true;
        }
        target = m_pressed;
        m_pressed.clear();
    }
    QKeyEvent space(event->type(), Qt::Key_Space, Qt::NoModifier, QStringLiteral(" "));
    QCoreApplication::sendEvent(target, &space);
    return true;
}

} // namespace ga::ui
