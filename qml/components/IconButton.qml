// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls

// A flat icon-only button; `text` is its tooltip and accessible name.
ToolButton {
    id: button
    property string iconName

    display: AbstractButton.IconOnly
    icon.source: button.iconName ? Qt.resolvedUrl("../icons/" + button.iconName + ".svg") : ""
    icon.color: button.palette.buttonText
    ToolTip.visible: (button.hovered || button.visualFocus) && button.text !== ""
    ToolTip.text: button.text
    ToolTip.delay: 600
    Accessible.name: button.text
}
