// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls

// A table column title.
Label {
    id: header
    objectName: "columnHeader"
    Theme {
        id: theme
        palette: header.palette
    }
    color: theme.neutral
    font.bold: true
    elide: Text.ElideRight
    Accessible.role: Accessible.ColumnHeader
}
