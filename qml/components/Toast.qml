// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A short message at the bottom of the window that goes away by itself; never takes keyboard focus.
Popup {
    id: toast

    Theme {
        id: theme
        palette: toast.palette
        font: toast.font
    }

    function show(message) {
        label.text = message
        toast.open()
        hideTimer.restart()
    }

    parent: Overlay.overlay
    x: parent ? Math.round((parent.width - width) / 2) : 0
    y: parent ? parent.height - height - theme.em * 1.5 : 0
    width: Math.min(implicitWidth, parent ? parent.width - theme.em * 4 : implicitWidth)
    modal: false
    focus: false
    closePolicy: Popup.CloseOnEscape
    padding: theme.em * 0.6
    leftPadding: theme.em
    background: Rectangle {
        color: toast.palette.toolTipBase
        border.color: theme.border
        radius: theme.em * 0.3
    }
    contentItem: RowLayout {
        spacing: theme.spacing
        Label {
            id: label
            Layout.fillWidth: true
            Layout.maximumWidth: theme.em * 32
            wrapMode: Text.Wrap
            color: toast.palette.toolTipText
            Accessible.role: Accessible.AlertMessage
        }
        IconButton {
            iconName: "close"
            text: qsTr("Dismiss")
            focusPolicy: Qt.NoFocus
            icon.color: toast.palette.toolTipText
            onClicked: toast.close()
        }
    }
    Timer {
        id: hideTimer
        interval: 5000
        onTriggered: toast.close()
    }
}
