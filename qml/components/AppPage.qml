// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Base of every page: a title bar with optional actions on the right, and a way to ask for another page.
Page {
    id: page
    // Page id to show: dashboard | keys | instances | bindings | files | logs | settings | firstrun
    signal navigateTo(string page)
    property alias headerActions: actionRow.data
    property alias headerExtra: extraRow.data
    readonly property alias theme: pageTheme
    readonly property real em: pageTheme.em

    Theme {
        id: pageTheme
        palette: page.palette
        font: page.font
    }

    header: Pane {
        padding: pageTheme.em * 0.6
        leftPadding: pageTheme.em
        rightPadding: pageTheme.em
        background: Rectangle {
            color: page.palette.window
            Rectangle {
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                height: 1
                color: pageTheme.border
            }
        }
        contentItem: RowLayout {
            spacing: pageTheme.spacing
            Label {
                objectName: "heading"
                text: page.title
                font.pointSize: Qt.application.font.pointSize > 0 ? Qt.application.font.pointSize * 1.4 : 14
                font.bold: true
                elide: Text.ElideRight
                Layout.fillWidth: extraRow.children.length === 0
                Layout.minimumWidth: implicitWidth
                Accessible.role: Accessible.Heading
            }
            RowLayout {
                id: extraRow
                spacing: pageTheme.spacing
                Layout.fillWidth: true
                visible: children.length > 0
            }
            Item {
                Layout.fillWidth: true
                visible: extraRow.visible
            }
            RowLayout {
                id: actionRow
                spacing: pageTheme.spacing * 0.5
            }
        }
    }
}
