// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// Paste one or many Gemini API keys, see at once which lines are keys, then add them. The pasted text is
// cleared once the keys are added (and when the form is reset), so no key stays on screen.
ColumnLayout {
    id: form
    readonly property bool busy: requests.count > 0
    property bool showButton: true
    property string errorText
    // After a successful add: the keys added, [{id}] (with {result, detail} when tested).
    signal added(var ids)

    Theme {
        id: theme
        palette: form.palette
    }
    Fmt {
        id: fmt
    }
    Requests {
        id: requests
    }

    readonly property var check: keysArea.text.trim() !== "" ? KeysController.checkKeyText(keysArea.text) : null
    readonly property int validCount: form.check ? fmt.countOf(form.check.valid) : 0
    readonly property int duplicateCount: form.check ? fmt.countOf(form.check.duplicates) : 0
    readonly property var problems: form.check && form.check.problems ? form.check.problems : []
    readonly property bool canAdd: form.validCount > 0 && !form.busy
    // Return or Enter in the label or group field adds the keys (the keys box keeps Return for new lines).
    Keys.onReturnPressed: form.submit()
    Keys.onEnterPressed: form.submit()

    function reset() {
        keysArea.clear()
        labelField.clear()
        groupField.clear()
        form.errorText = ""
    }
    // What an add did: how many keys were added, skipped as duplicates or invalid, refused, and how the test went.
    function summary(added, duplicates, rejected, failures) {
        const parts = [qsTr("Added %n key(s).", "", added.length)]
        if (duplicates > 0)
            parts.push(qsTr("%n duplicate(s) skipped.", "", duplicates))
        if (rejected > 0)
            parts.push(qsTr("%n invalid line(s) skipped.", "", rejected))
        if (failures > 0)
            parts.push(qsTr("%n key(s) not added.", "", failures))
        const tested = added.filter(a => a.result !== undefined)
        if (tested.length > 0) {
            const working = tested.filter(a => a.result === "valid").length
            parts.push(qsTr("Test: %1 of %n key(s) work.", "", tested.length).arg(working))
        }
        return parts.join(" ")
    }
    function focusKeys() {
        keysArea.forceActiveFocus()
    }
    function submit() {
        if (!form.canAdd)
            return
        form.errorText = ""
        requests.add(KeysController.addKeys(keysArea.text, labelField.text.trim(), groupField.text.trim(), testBox.checked))
    }

    Connections {
        target: KeysController
        function onKeysAdded(request, added, duplicates, rejected, failures) {
            if (requests.take(request) === undefined)
                return
            keysArea.clear()
            Backend.toast(form.summary(added, duplicates, rejected, failures))
            form.added(added)
        }
        function onFailed(request, message) {
            if (requests.take(request) !== undefined)
                form.errorText = message
        }
    }

    spacing: theme.spacing

    Label {
        Layout.fillWidth: true
        text: qsTr("Paste one or more API keys, one per line. Keys start with “AIza”.")
        wrapMode: Text.Wrap
    }
    ScrollView {
        id: keysScroll
        Layout.fillWidth: true
        Layout.preferredHeight: theme.em * 6
        background: Rectangle {
            color: keysScroll.palette.base
            border.color: keysArea.activeFocus ? keysScroll.palette.highlight : theme.border
            radius: 2
        }
        TextArea {
            id: keysArea
            objectName: "keysArea"
            placeholderTextColor: theme.neutral
            placeholderText: qsTr("AIza…")
            font.family: theme.mono
            wrapMode: TextEdit.WrapAnywhere
            enabled: !form.busy
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
            Accessible.name: qsTr("API keys")
            // Tab moves on to the next field instead of typing a tab.
            KeyNavigation.priority: KeyNavigation.BeforeItem
            KeyNavigation.tab: labelField
            // Return starts a new line of keys; Ctrl+Return adds them.
            Keys.onPressed: (event) => {
                if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && (event.modifiers & Qt.ControlModifier)) {
                    form.submit()
                    event.accepted = true
                }
            }
        }
    }
    Label {
        Layout.fillWidth: true
        visible: form.check !== null
        wrapMode: Text.Wrap
        color: form.validCount > 0 ? theme.good : theme.bad
        text: {
            let s = qsTr("%n valid key(s)", "", form.validCount)
            if (form.duplicateCount > 0)
                s += " · " + qsTr("%n already added", "", form.duplicateCount)
            if (form.problems.length > 0)
                s += " · " + qsTr("%n line(s) not used", "", form.problems.length)
            return s
        }
    }
    Repeater {
        model: form.problems.slice(0, 5)
        delegate: Label {
            required property var modelData
            Layout.fillWidth: true
            text: modelData.line ? qsTr("Line %1: %2").arg(modelData.line).arg(modelData.message) : modelData.message
            color: theme.bad
            wrapMode: Text.Wrap
        }
    }
    GridLayout {
        Layout.fillWidth: true
        columns: 2
        columnSpacing: theme.spacing
        rowSpacing: theme.spacing * 0.5
        Label {
            text: qsTr("Label")
        }
        TextField {
            id: labelField
            Layout.fillWidth: true
            placeholderTextColor: theme.neutral
            placeholderText: qsTr("Optional, e.g. work")
            enabled: !form.busy
            Accessible.name: qsTr("Label")
        }
        Label {
            text: qsTr("Group")
        }
        TextField {
            id: groupField
            Layout.fillWidth: true
            placeholderTextColor: theme.neutral
            placeholderText: qsTr("Optional: keys of one project share a quota")
            enabled: !form.busy
            Accessible.name: qsTr("Group")
        }
    }
    CheckBox {
        id: testBox
        text: qsTr("Test each key after adding")
        checked: true
        enabled: !form.busy
    }
    Label {
        Layout.fillWidth: true
        visible: form.errorText !== ""
        text: form.errorText
        color: theme.bad
        wrapMode: Text.Wrap
    }
    RowLayout {
        visible: form.showButton
        spacing: theme.spacing
        Button {
            text: form.busy ? qsTr("Adding…") : form.validCount > 0 ? qsTr("Add %n key(s)", "", form.validCount) : qsTr("Add keys")
            icon.source: Qt.resolvedUrl("../icons/add.svg")
            icon.color: palette.buttonText
            enabled: form.canAdd
            highlighted: true
            onClicked: form.submit()
        }
        BusyIndicator {
            visible: form.busy
            running: form.busy
            Layout.preferredHeight: theme.em * 1.5
            Layout.preferredWidth: theme.em * 1.5
        }
    }
}
