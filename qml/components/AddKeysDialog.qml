// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The Keys page's "Add keys" dialog around AddKeysForm.
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

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }

    title: qsTr("Add keys")
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
    focus: true
    width: Math.min(parent ? parent.width - theme.em * 2 : theme.em * 34, theme.em * 34)

    AddKeysForm {
        id: form
        anchors.fill: parent
        showButton: false
        onAdded: dialog.close()
    }

    footer: DialogButtonBox {
        padding: theme.em * 0.6
        leftPadding: theme.em
        rightPadding: theme.em
        Button {
            text: form.busy ? qsTr("Adding…") : form.validCount > 0 ? qsTr("Add %n key(s)", "", form.validCount) : qsTr("Add keys")
            enabled: form.canAdd
            highlighted: true
            DialogButtonBox.buttonRole: DialogButtonBox.ApplyRole
            onClicked: form.submit()
        }
        Button {
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }
    onOpened: form.focusKeys()
    // Whatever was pasted goes away with the dialog.
    onClosed: form.reset()
}
