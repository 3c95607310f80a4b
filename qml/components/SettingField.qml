// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// One setting of the config schema (by dotted path), edited in a form that saves all fields at once.
// `form` holds the edits and the live validation: { edits: {path: value}, problems: {path: message},
// revision, setValue(path, value) }. The message for an invalid value shows under the field.
RowLayout {
    id: field
    property string path
    property string title
    property string hint
    // Labels for enum values: { round_robin: qsTr("Round robin"), … }
    property var choiceLabels: ({})
    property var form: null
    property real labelWidth: theme.em * 11

    Theme {
        id: theme
        palette: field.palette
    }

    readonly property var info: field.form && field.form.revision >= 0 && field.path !== "" ? SettingsController.setting(field.path) : ({})
    readonly property string kind: field.info.kind ? String(field.info.kind) : "string"
    readonly property bool edited: field.form !== null && field.form.edits[field.path] !== undefined
    readonly property var value: field.edited ? field.form.edits[field.path]
                                              : (field.info.value !== undefined && field.info.value !== null ? field.info.value : "")
    readonly property string problem: field.form && field.form.problems[field.path] ? String(field.form.problems[field.path]) : ""
    readonly property var choices: (field.info.choices || []).map(c => ({ value: String(c), text: field.choiceLabels[c] || String(c) }))
    readonly property string unitText: field.info.unit === "ms" ? qsTr("ms")
                                     : field.info.unit === "s" ? qsTr("seconds")
                                     : field.info.unit === "bytes" ? qsTr("bytes") : (field.info.unit || "")
    readonly property string rangeText: field.kind === "int" && field.info.max > field.info.min
                                        ? qsTr("%1 to %2").arg(field.info.min).arg(field.info.max) + (field.unitText ? " " + field.unitText : "")
                                        : ""

    spacing: theme.spacing

    Label {
        Layout.preferredWidth: field.labelWidth
        Layout.alignment: Qt.AlignTop
        topPadding: theme.em * 0.3
        text: field.title
        wrapMode: Text.Wrap
        font.bold: field.edited
    }
    ColumnLayout {
        Layout.fillWidth: true
        spacing: theme.spacing * 0.3
        RowLayout {
            Layout.fillWidth: true
            spacing: theme.spacing
            TextField {
                placeholderTextColor: theme.neutral
                id: textEditor
                visible: field.kind === "string" || field.kind === "int"
                Layout.fillWidth: field.kind === "string"
                Layout.preferredWidth: field.kind === "int" ? theme.em * 8 : -1
                text: String(field.value)
                inputMethodHints: field.kind === "int" ? Qt.ImhDigitsOnly : Qt.ImhNoAutoUppercase
                Accessible.name: field.title
                Accessible.description: field.problem
                onTextEdited: field.form.setValue(field.path, text)
            }
            Switch {
                visible: field.kind === "bool"
                checked: field.value === true
                Accessible.name: field.title
                onToggled: field.form.setValue(field.path, checked)
            }
            ComboBox {
                visible: field.kind === "enum"
                Layout.preferredWidth: Math.max(implicitWidth, theme.em * 10)
                model: field.choices
                textRole: "text"
                valueRole: "value"
                currentIndex: {
                    for (let i = 0; i < field.choices.length; ++i) {
                        if (field.choices[i].value === String(field.value))
                            return i
                    }
                    return -1
                }
                Accessible.name: field.title
                onActivated: (index) => field.form.setValue(field.path, field.choices[index].value)
            }
            Label {
                visible: field.rangeText !== ""
                text: field.rangeText
                color: theme.neutral
            }
            Item {
                Layout.fillWidth: field.kind !== "string"
            }
        }
        Label {
            Layout.fillWidth: true
            visible: field.hint !== ""
            text: field.hint
            color: theme.neutral
            wrapMode: Text.Wrap
        }
        Label {
            Layout.fillWidth: true
            visible: field.problem !== ""
            text: field.problem
            color: theme.bad
            wrapMode: Text.Wrap
            Accessible.role: Accessible.AlertMessage
        }
    }
}
