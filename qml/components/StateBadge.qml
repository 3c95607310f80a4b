// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls

// A small coloured pill: kind is good | warn | bad | neutral.
Label {
    id: badge
    property string kind: "neutral"

    Theme {
        id: theme
        palette: badge.palette
    }

    readonly property color tone: theme.kindColor(badge.kind)
    color: badge.tone
    font.pointSize: Qt.application.font.pointSize > 0 ? Math.max(7, Qt.application.font.pointSize - 1) : 9
    leftPadding: theme.em * 0.5
    rightPadding: theme.em * 0.5
    topPadding: 1
    bottomPadding: 1
    elide: Text.ElideRight
    background: Rectangle {
        radius: height / 2
        color: theme.wash(badge.tone, 0.14)
        border.color: theme.wash(badge.tone, 0.5)
    }
}
