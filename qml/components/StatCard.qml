// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One figure with a caption and a detail line.
Card {
    id: stat
    property string caption
    property string value
    property string detail
    property color valueColor: valueTheme.text

    Layout.fillWidth: true
    Layout.preferredWidth: 1
    Accessible.name: stat.caption + ": " + stat.value
    Label {
        text: stat.caption
        color: valueTheme.neutral
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    Label {
        text: stat.value
        color: stat.valueColor
        font.pointSize: Qt.application.font.pointSize > 0 ? Qt.application.font.pointSize * 1.8 : 18
        font.bold: true
        elide: Text.ElideRight
        Layout.fillWidth: true
    }
    Label {
        text: stat.detail
        color: valueTheme.neutral
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    Theme {
        id: valueTheme
        palette: stat.palette
    }
}
