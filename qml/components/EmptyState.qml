// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// What a list shows when it has nothing: an icon, a line, a hint and an optional button.
ColumnLayout {
    id: empty
    property string iconName: "info"
    property string title
    property string text
    property string actionText
    signal actionTriggered()

    Theme {
        id: theme
        palette: empty.palette
    }

    spacing: theme.spacing
    // Lets the column stretch to its place (its texts are capped in width).
    Item {
        Layout.fillWidth: true
        implicitHeight: 0
    }
    AppIcon {
        Layout.alignment: Qt.AlignHCenter
        iconName: empty.iconName
        size: theme.em * 2.5
        color: theme.neutral
    }
    Label {
        Layout.alignment: Qt.AlignHCenter
        Layout.maximumWidth: theme.em * 30
        horizontalAlignment: Text.AlignHCenter
        text: empty.title
        font.bold: true
        wrapMode: Text.Wrap
    }
    Label {
        Layout.alignment: Qt.AlignHCenter
        Layout.maximumWidth: theme.em * 30
        horizontalAlignment: Text.AlignHCenter
        visible: empty.text !== ""
        text: empty.text
        wrapMode: Text.Wrap
        color: theme.neutral
    }
    Button {
        Layout.alignment: Qt.AlignHCenter
        visible: empty.actionText !== ""
        text: empty.actionText
        icon.source: Qt.resolvedUrl("../icons/add.svg")
        icon.color: palette.buttonText
        onClicked: empty.actionTriggered()
    }
}
