// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

ApplicationWindow {
    id: window
    width: 720
    height: 480
    visible: true
    title: qsTr("Gemini Aggregator")

    ColumnLayout {
        anchors.centerIn: parent
        spacing: 12

        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Gemini Aggregator")
            font.pixelSize: 24
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Version %1").arg(UiBackend.version)
        }
        Label {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Config file: %1").arg(UiBackend.configPath)
        }
    }
}
