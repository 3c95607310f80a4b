// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// "① Add your keys" — a numbered step heading; a check mark once done.
RowLayout {
    id: step
    property int number: 1
    property bool done: false
    property string text

    Theme {
        id: theme
        palette: step.palette
    }

    spacing: theme.spacing
    Rectangle {
        implicitWidth: theme.em * 1.5
        implicitHeight: theme.em * 1.5
        radius: width / 2
        color: step.done ? theme.good : theme.accent
        Label {
            anchors.centerIn: parent
            visible: !step.done
            text: String(step.number)
            color: theme.onColor(parent.color, step.palette.highlightedText)
            font.bold: true
        }
        AppIcon {
            anchors.centerIn: parent
            visible: step.done
            iconName: "check"
            size: theme.em
            color: theme.onColor(parent.color, step.palette.highlightedText)
        }
    }
    Label {
        Layout.fillWidth: true
        text: step.text
        font.bold: true
        wrapMode: Text.Wrap
        Accessible.role: Accessible.Heading
    }
}
