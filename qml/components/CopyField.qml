// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A read-only value (monospace) with a copy button. The owner does the copying in onCopyClicked,
// so values the UI must not hold (tokens) can be copied by the backend.
RowLayout {
    id: field
    property string value
    property string copyText: qsTr("Copy")
    property string accessibleName
    signal copyClicked()

    Theme {
        id: theme
        palette: field.palette
    }

    spacing: theme.spacing * 0.5
    TextField {
        placeholderTextColor: theme.neutral
        Layout.fillWidth: true
        readOnly: true
        selectByMouse: true
        text: field.value
        font.family: theme.mono
        Accessible.name: field.accessibleName
    }
    Button {
        text: field.copyText
        icon.source: Qt.resolvedUrl("../icons/copy.svg")
        icon.color: palette.buttonText
        onClicked: field.copyClicked()
    }
}
