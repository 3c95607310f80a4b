// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Asks before something that cannot be undone: confirm.ask(title, text, acceptText, details, action).
Dialog {
    id: dialog
    property string text
    property string acceptText: qsTr("Delete")
    // Extra lines listed under the text (e.g. the keys a relay takes with it).
    property var details: []
    property var acceptAction: null

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }

    function ask(title, text, acceptText, details, action) {
        dialog.title = title
        dialog.text = text
        dialog.acceptText = acceptText
        dialog.details = details || []
        dialog.acceptAction = action
        dialog.open()
    }

    parent: Overlay.overlay
    anchors.centerIn: parent
    modal: true
    width: Math.min(parent ? parent.width - theme.em * 2 : theme.em * 28, theme.em * 28)
    focus: true

    ColumnLayout {
        anchors.fill: parent
        spacing: theme.spacing
        Label {
            Layout.fillWidth: true
            text: dialog.text
            wrapMode: Text.Wrap
        }
        Repeater {
            model: dialog.details
            delegate: Label {
                required property var modelData
                Layout.fillWidth: true
                text: "• " + modelData
                elide: Text.ElideRight
            }
        }
    }

    footer: DialogButtonBox {
        Button {
            id: acceptButton
            text: dialog.acceptText
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
        }
        Button {
            id: cancelButton
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }
    onOpened: cancelButton.forceActiveFocus()
    onAccepted: {
        const fn = dialog.acceptAction
        dialog.acceptAction = null
        if (fn)
            fn()
    }
    onRejected: dialog.acceptAction = null
}
