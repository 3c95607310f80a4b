// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A framed group with an optional title line. Children go below the title, laid out in a column.
Pane {
    id: card
    property string title
    property alias titleItem: titleLabel
    default property alias content: body.data
    property alias bodySpacing: body.spacing

    Theme {
        id: theme
        palette: card.palette
        font: card.font
    }

    padding: theme.em * 0.8
    background: Rectangle {
        color: theme.card
        border.color: theme.border
        radius: theme.em * 0.35
    }
    contentItem: ColumnLayout {
        spacing: theme.spacing
        Label {
            id: titleLabel
            objectName: "heading"
            Layout.fillWidth: true
            visible: card.title !== ""
            text: card.title
            font.bold: true
            elide: Text.ElideRight
            Accessible.role: Accessible.Heading
        }
        ColumnLayout {
            id: body
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: theme.spacing
        }
    }
}
