// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// Adds a relay (name, URL, secret) or edits one (name, URL, enabled), then optionally tests the connection.
// The secret is write-only: it is never shown again, and the field is cleared when the dialog closes.
Dialog {
    id: dialog
    // A popup follows its window's palette only when it is the window's own QObject child, and the pages (with
    // their dialogs) come from Loaders: bound here, so a change of the desktop's palette reaches an open dialog too.
    Binding on palette {
        when: dialog.ApplicationWindow.window !== null
        value: dialog.ApplicationWindow.window ? dialog.ApplicationWindow.window.palette : null
        restoreMode: Binding.RestoreNone
    }
    background: DialogBackground {
        colors: dialog.palette
    }
    property string instanceId    // empty: adding
    readonly property bool busy: requests.count > 0
    property string errorText
    property var testResult: null
    readonly property bool adding: dialog.instanceId === ""

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }
    Fmt {
        id: fmt
    }
    Requests {
        id: requests
    }

    readonly property string urlProblem: urlField.text.trim() === "" ? "" : InstancesController.checkInstanceUrl(urlField.text.trim())
    readonly property bool secretTooShort: secretField.text.length > 0 && secretField.text.length < 16
    readonly property bool canSave: !dialog.busy && nameField.text.trim() !== "" && urlField.text.trim() !== ""
                                    && dialog.urlProblem === "" && !dialog.secretTooShort

    function openAdd() {
        dialog.instanceId = ""
        nameField.text = ""
        urlField.text = ""
        secretField.text = ""
        enabledBox.checked = true
        testBox.checked = true
        dialog.errorText = ""
        dialog.testResult = null
        dialog.open()
    }
    function openEdit(row) {
        dialog.instanceId = row.id
        nameField.text = row.name || ""
        urlField.text = row.url || ""
        secretField.text = ""
        enabledBox.checked = row.enabled !== false
        testBox.checked = false
        dialog.errorText = ""
        dialog.testResult = null
        dialog.open()
    }
    function runTest(id) {
        dialog.testResult = null
        requests.add(InstancesController.testInstance(id), "test")
    }
    // Added or saved: say so, then test the connection or close.
    function saved(id, secretCopied) {
        secretField.text = ""
        if (dialog.adding) {
            Backend.toast(secretCopied ? qsTr("Relay added. Its new secret is in the clipboard: set it as RELAY_SECRET on the relay.")
                                       : qsTr("Relay added."))
            dialog.instanceId = id
        } else {
            Backend.toast(qsTr("Relay saved."))
        }
        if (testBox.checked)
            dialog.runTest(id)
        else
            dialog.close()
    }
    function save() {
        dialog.errorText = ""
        dialog.testResult = null
        if (dialog.adding) {
            requests.add(InstancesController.addInstance(nameField.text.trim(), urlField.text.trim(), secretField.text), "save")
        } else {
            requests.add(InstancesController.updateInstance(dialog.instanceId, { name: nameField.text.trim(), url: urlField.text.trim(), enabled: enabledBox.checked }),
                         "save")
        }
    }

    Connections {
        target: InstancesController
        function onInstanceAdded(request, id, secretCopied) {
            if (requests.take(request) !== undefined)
                dialog.saved(id, secretCopied)
        }
        function onInstanceUpdated(request, id) {
            if (requests.take(request) !== undefined)
                dialog.saved(id, false)
        }
        function onInstanceTested(request, id, result, message, latencyMs) {
            if (requests.take(request) !== undefined)
                dialog.testResult = { ok: result === "ok", result: result, message: message, latencyMs: latencyMs }
        }
        function onFailed(request, message, problems) {
            const kind = requests.take(request)
            if (kind === "test") {
                dialog.testResult = { ok: false, result: "", message: message, latencyMs: -1 }
            } else if (kind === "save") {
                const lines = (problems || []).map(p => p.message)
                dialog.errorText = lines.length > 0 ? lines.join("\n") : message
            }
        }
    }

    title: dialog.adding ? qsTr("Add relay") : qsTr("Edit relay")
    parent: Overlay.overlay
    anchors.centerIn: parent
    modal: true
    // Room around the title, the content and the buttons (the styles' own is a few pixels).
    padding: theme.em
    topPadding: theme.em * 0.6
    header: Label {
        text: dialog.title
        visible: dialog.title !== ""
        elide: Label.ElideRight
        font.bold: true
        leftPadding: theme.em
        rightPadding: theme.em
        topPadding: theme.em * 0.8
        bottomPadding: theme.em * 0.2
        Accessible.role: Accessible.Heading
    }
    focus: true
    width: Math.min(parent ? parent.width - theme.em * 2 : theme.em * 34, theme.em * 34)
    onClosed: secretField.text = ""

    GridLayout {
        anchors.fill: parent
        columns: 2
        // Return or Enter in a field (a focused button takes it itself) adds or saves: the default action.
        Keys.onReturnPressed: if (dialog.canSave && (!dialog.adding || dialog.testResult === null)) dialog.save()
        Keys.onEnterPressed: if (dialog.canSave && (!dialog.adding || dialog.testResult === null)) dialog.save()
        columnSpacing: theme.spacing
        rowSpacing: theme.spacing * 0.6

        Label {
            text: qsTr("Name")
        }
        TextField {
            placeholderTextColor: theme.neutral
            id: nameField
            Layout.fillWidth: true
            focus: true
            placeholderText: qsTr("e.g. deno-eu")
            Accessible.name: qsTr("Name")
        }
        Label {
            text: qsTr("URL")
        }
        TextField {
            placeholderTextColor: theme.neutral
            id: urlField
            Layout.fillWidth: true
            placeholderText: qsTr("https://my-relay.deno.dev")
            inputMethodHints: Qt.ImhUrlCharactersOnly | Qt.ImhNoAutoUppercase
            Accessible.name: qsTr("URL")
        }
        Item {
            visible: dialog.urlProblem !== ""
            implicitWidth: 1
        }
        Label {
            Layout.fillWidth: true
            visible: dialog.urlProblem !== ""
            text: dialog.urlProblem
            color: theme.bad
            wrapMode: Text.Wrap
        }
        Label {
            visible: dialog.adding
            text: qsTr("Secret")
        }
        TextField {
            placeholderTextColor: theme.neutral
            id: secretField
            Layout.fillWidth: true
            visible: dialog.adding
            echoMode: TextInput.Password
            placeholderText: qsTr("Leave empty to make one")
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
            Accessible.name: qsTr("Secret")
        }
        Item {
            visible: dialog.adding
            implicitWidth: 1
        }
        Label {
            Layout.fillWidth: true
            visible: dialog.adding
            text: dialog.secretTooShort ? qsTr("At least 16 characters.")
                                        : qsTr("The relay checks it on every request. A made secret goes to the clipboard once.")
            color: dialog.secretTooShort ? theme.bad : theme.neutral
            wrapMode: Text.Wrap
        }
        Item {
            visible: !dialog.adding
            implicitWidth: 1
        }
        CheckBox {
            id: enabledBox
            visible: !dialog.adding
            text: qsTr("Enabled")
        }
        Item {
            implicitWidth: 1
        }
        CheckBox {
            id: testBox
            text: qsTr("Test the connection after saving")
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            visible: dialog.errorText !== ""
            text: dialog.errorText
            color: theme.bad
            wrapMode: Text.Wrap
        }
        RowLayout {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            visible: dialog.busy || dialog.testResult !== null
            spacing: theme.spacing
            BusyIndicator {
                visible: dialog.busy
                running: dialog.busy
                Layout.preferredWidth: theme.em * 1.5
                Layout.preferredHeight: theme.em * 1.5
            }
            AppIcon {
                visible: !dialog.busy && dialog.testResult !== null
                iconName: dialog.testResult && dialog.testResult.ok ? "enable" : "error"
                color: dialog.testResult && dialog.testResult.ok ? theme.good : theme.bad
            }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                text: {
                    const r = dialog.testResult
                    if (dialog.busy)
                        return qsTr("Working…")
                    if (!r)
                        return ""
                    if (r.ok)
                        return qsTr("Connected in %1.").arg(fmt.millis(r.latencyMs))
                    return r.message ? r.message : r.result
                }
            }
        }
    }

    footer: DialogButtonBox {
        padding: theme.em * 0.6
        leftPadding: theme.em
        rightPadding: theme.em
        Button {
            visible: !dialog.adding || dialog.testResult === null
            text: dialog.adding ? qsTr("Add") : qsTr("Save")
            enabled: dialog.canSave
            highlighted: true
            DialogButtonBox.buttonRole: DialogButtonBox.ApplyRole
            onClicked: dialog.save()
        }
        Button {
            text: dialog.testResult !== null ? qsTr("Close") : qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }
}
