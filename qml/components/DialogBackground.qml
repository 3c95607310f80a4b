// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// A dialog's (or menu's) surface in the palette. The styles' own can lean on a shader effect (Material's elevation
// shadow) that the software renderer this app uses (qml/desktopapp.cpp) does not draw: a forced Material dialog was
// left see-through over the dimmed page.
Rectangle {
    property var colors
    color: colors ? colors.window : "white"
    border.color: colors ? colors.mid : "gray"
    border.width: 1
    radius: 2
}
