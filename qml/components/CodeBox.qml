// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Read-only monospace text (a setup snippet, a relay script) in a scrolling box.
ScrollView {
    id: box
    property alias text: area.text
    property string accessibleName

    Theme {
        id: theme
        palette: box.palette
    }

    clip: true
    TextArea {
        id: area
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.NoWrap
        font.family: theme.mono
        Accessible.name: box.accessibleName
        background: Rectangle {
            color: Qt.tint(box.palette.base, theme.wash(box.palette.windowText, 0.04))
            border.color: area.activeFocus ? box.palette.highlight : theme.border
            radius: theme.em * 0.25
        }
    }
}
