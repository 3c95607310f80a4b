// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls.impl

// One of the app's single-colour SVG icons (icons/NAME.svg), tinted with `color`.
IconImage {
    id: icon
    property string iconName
    property real size: Math.round(fontInfo.height * 1.25)

    readonly property FontMetrics fontInfo: FontMetrics {}

    source: icon.iconName ? Qt.resolvedUrl("../icons/" + icon.iconName + ".svg") : ""
    sourceSize: Qt.size(icon.size, icon.size)
    color: icon.palette.windowText
    fillMode: Image.PreserveAspectFit
}
