// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// The Settings page's app section: start at login and the language apply at once; notifications and the log level
// are fields of the page's form; where the config file is, and the version.
Card {
    id: card
    // The Settings page's form (see SettingField).
    property var form: null
    property real labelWidth: theme.em * 12
    title: qsTr("App")

    Theme {
        id: theme
        palette: card.palette
        font: card.font
    }

    RowLayout {
        Layout.fillWidth: true
        spacing: theme.spacing
        Label {
            Layout.preferredWidth: card.labelWidth
            text: qsTr("Start at login")
            wrapMode: Text.Wrap
        }
        Switch {
            checked: Backend.startAtLogin
            onToggled: Backend.startAtLogin = checked
            Accessible.name: qsTr("Start at login")
        }
        Item {
            Layout.fillWidth: true
        }
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: theme.spacing
        Label {
            Layout.preferredWidth: card.labelWidth
            text: qsTr("Language")
            wrapMode: Text.Wrap
        }
        ComboBox {
            id: languageBox
            Layout.preferredWidth: Math.max(implicitWidth, theme.em * 10)
            textRole: "text"
            valueRole: "value"
            model: [
                { value: "system", text: qsTr("System") },
                { value: "en", text: "English" },
                { value: "zh_CN", text: "简体中文" }
            ]
            currentIndex: Backend.language === "en" ? 1 : Backend.language === "zh_CN" ? 2 : 0
            onActivated: (index) => Backend.language = model[index].value
            Accessible.name: qsTr("Language")
        }
        Item {
            Layout.fillWidth: true
        }
    }
    SettingField {
        Layout.fillWidth: true
        form: card.form
        labelWidth: card.labelWidth
        path: "ui.notifications"
        title: qsTr("Notifications")
        hint: qsTr("When a key turns invalid, all keys are cooling, or a relay goes down or up.")
    }
    SettingField {
        Layout.fillWidth: true
        form: card.form
        labelWidth: card.labelWidth
        path: "log.level"
        title: qsTr("Log level")
        choiceLabels: ({ debug: qsTr("Debug"), info: qsTr("Info"), warning: qsTr("Warning"), error: qsTr("Error") })
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: theme.spacing
        Label {
            Layout.preferredWidth: card.labelWidth
            text: qsTr("Config file")
            wrapMode: Text.Wrap
        }
        CopyField {
            Layout.fillWidth: true
            value: Backend.configPath
            accessibleName: qsTr("Config file")
            onCopyClicked: {
                Backend.copyText(Backend.configPath)
                Backend.toast(qsTr("Path copied."))
            }
        }
    }
    Label {
        Layout.fillWidth: true
        text: qsTr("Version %1").arg(Backend.version)
        color: theme.neutral
    }
}
