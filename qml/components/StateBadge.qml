// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls

// A small coloured pill: kind is good | warn | bad | neutral. Light: the state's colour on a wash of it;
// solid: black or white on the state's colour, for places whose background changes (a selected item).
Label {
    id: badge
    property string kind: "neutral"
    property bool solid: false

    Theme {
        id: theme
        palette: badge.palette
    }

    readonly property color tone: theme.kindColor(badge.kind)
    readonly property color fill: badge.solid ? badge.tone : theme.over(theme.wash(badge.tone, 0.14), theme.card)
    color: badge.solid ? theme.onColor(badge.fill)
                       : theme.readable(badge.tone, [badge.fill, theme.over(theme.wash(badge.tone, 0.14), theme.window)])
    font.pointSize: Qt.application.font.pointSize > 0 ? Math.max(7, Qt.application.font.pointSize - 1) : 9
    leftPadding: theme.em * 0.5
    rightPadding: theme.em * 0.5
    topPadding: 1
    bottomPadding: 1
    elide: Text.ElideRight
    background: Rectangle {
        radius: height / 2
        color: badge.solid ? badge.fill : theme.wash(badge.tone, 0.14)
        border.color: theme.wash(badge.tone, badge.solid ? 1 : 0.5)
    }
}
