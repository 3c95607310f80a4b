// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A full-width message line: kind is info | warn | bad. An optional action button on the right.
Pane {
    id: banner
    property string kind: "info"
    property string text
    property string actionText
    signal actionTriggered()

    Theme {
        id: theme
        palette: banner.palette
        font: banner.font
    }

    readonly property color tone: banner.kind === "bad" ? theme.bad : banner.kind === "warn" ? theme.warn : theme.accent

    padding: theme.em * 0.5
    leftPadding: theme.em * 0.8
    rightPadding: theme.em * 0.8
    Accessible.role: Accessible.AlertMessage
    Accessible.name: banner.text
    background: Rectangle {
        color: Qt.tint(banner.palette.window, theme.wash(banner.tone, 0.16))
        border.color: theme.wash(banner.tone, 0.55)
        radius: theme.em * 0.3
    }
    contentItem: RowLayout {
        spacing: theme.spacing
        AppIcon {
            iconName: banner.kind === "info" ? "info" : banner.kind === "bad" ? "error" : "warning"
            color: banner.tone
            Layout.alignment: Qt.AlignTop
        }
        Label {
            Layout.fillWidth: true
            text: banner.text
            wrapMode: Text.Wrap
            color: banner.palette.windowText
        }
        Button {
            visible: banner.actionText !== ""
            text: banner.actionText
            onClicked: banner.actionTriggered()
        }
    }
}
