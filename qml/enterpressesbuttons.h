// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QQuickItem>
#include <QQuickWindow>
#include <QtQml/qqmlregistration.h>

namespace ga::ui {

// Return and Enter press the focused button as Space does (Qt Quick Controls buttons take only Space): on its
// window, a Return or Enter that reaches an enabled button, check box or delegate is handed to it as Space, so
// it looks pressed while the key is down and clicks on release. Any other focus item gets the key as before (a
// text field accepts its text, and a dialog's content can take the key for its default action).
//   EnterPressesButtons { window: window }
class EnterPressesButtons : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(EnterPressesButtons)
    Q_PROPERTY(QQuickWindow *window READ window WRITE setWindow NOTIFY windowChanged)

public:
    explicit EnterPressesButtons(QObject *parent = nullptr);

    QQuickWindow *window() const { return m_window; }
    void setWindow(QQuickWindow *window);

Q_SIGNALS:
    void windowChanged();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QPointer<QQuickWindow> m_window;
    QPointer<QQuickItem> m_pressed; // the button a Return/Enter press went to, for its release
};

} // namespace ga::ui
