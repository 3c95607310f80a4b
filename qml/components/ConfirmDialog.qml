// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Asks before something that cannot be undone: confirm.ask(title, text, acceptText, details, action).
Dialog {
    id: dialog
    // A popup follows its window's palette only when it is the window's own QObject child, and the pages (with
    // their dialogs) come from Loaders: bound here, so a change of the desktop's palette reaches an open dialog too.
    Binding on palette {
        when: dialog.ApplicationWindow.window !== null
        value: dialog.ApplicationWindow.window ? dialog.ApplicationWindow.window.palette : null
        restoreMode: Binding.RestoreNone
    }
    background: DialogBackground {
        colors: dialog.palette
    }
    property string text
    property string acceptText: qsTr("Delete")
    // Extra lines listed under the text (e.g. the keys a relay takes with it).
    property var details: []
    property var acceptAction: null
    // The accept button says in colour that it destroys something (Delete, Revoke, Remove); off for Replace.
    property bool destructive: true

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }

    function ask(title, text, acceptText, details, action, destructive) {
        dialog.destructive = destructive !== false
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
    // Room around the title, the content and the buttons (the styles' own is a few pixels).
    padding: theme.em
    topPadding: theme.em * 0.6
    header: Label {
        text: dialog.title
        visible: dialog.title !== ""
        elide: Label.ElideRight
        font.bold: true
        leftPadding: theme.em
        rightPadding: theme.em
        topPadding: theme.em * 0.8
        bottomPadding: theme.em * 0.2
        Accessible.role: Accessible.Heading
    }
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
        padding: theme.em * 0.6
        leftPadding: theme.em
        rightPadding: theme.em
        Button {
            id: acceptButton
            text: dialog.acceptText
            icon.source: dialog.destructive ? Qt.resolvedUrl("../icons/delete.svg") : ""
            icon.color: theme.bad
            palette.buttonText: dialog.destructive ? theme.badOnButton : dialog.palette.buttonText
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
