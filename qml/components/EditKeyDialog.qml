// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// Edits a key's label, group, weight, relay and enabled flag (never the key itself).
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
    property string keyId
    property string masked
    readonly property bool busy: requests.count > 0
    property string errorText
    property var problems: ({})

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }
    Requests {
        id: requests
    }
    ChoiceList {
        id: relays
        model: Backend.instances
        leading: [{ value: "", text: qsTr("None (direct)") }]
    }

    function openFor(row) {
        dialog.keyId = row.id
        dialog.masked = row.masked
        labelField.text = row.label || ""
        groupField.text = row.group || ""
        weightField.value = row.weight || 1
        relayBox.currentIndex = Math.max(0, relayBox.indexOfValue(row.instance || ""))
        enabledBox.checked = row.enabled !== false
        dialog.errorText = ""
        dialog.problems = {}
        dialog.open()
    }
    function save() {
        dialog.errorText = ""
        const fields = {
            label: labelField.text.trim(),
            group: groupField.text.trim(),
            weight: weightField.value,
            instance: relayBox.currentValue || "",
            enabled: enabledBox.checked
        }
        requests.add(KeysController.updateKey(dialog.keyId, fields))
    }

    Connections {
        target: KeysController
        function onKeyUpdated(request) {
            if (requests.take(request) === undefined)
                return
            Backend.toast(qsTr("Key saved."))
            dialog.close()
        }
        function onFailed(request, message, problems) {
            if (requests.take(request) === undefined)
                return
            const map = {}
            for (const p of (problems || [])) {
                const field = String(p.path).split(".").pop()
                map[field] = p.message
            }
            dialog.problems = map
            dialog.errorText = message
        }
    }

    title: qsTr("Edit key %1").arg(dialog.masked)
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
    width: Math.min(parent ? parent.width - theme.em * 2 : theme.em * 30, theme.em * 30)

    GridLayout {
        anchors.fill: parent
        columns: 2
        // Return or Enter in a field (a focused button takes it itself) saves: the dialog's default action.
        Keys.onReturnPressed: if (!dialog.busy) dialog.save()
        Keys.onEnterPressed: if (!dialog.busy) dialog.save()
        columnSpacing: theme.spacing
        rowSpacing: theme.spacing * 0.6

        Label {
            text: qsTr("Label")
        }
        TextField {
            placeholderTextColor: theme.neutral
            id: labelField
            Layout.fillWidth: true
            focus: true
            Accessible.name: qsTr("Label")
        }
        Label {
            text: qsTr("Group")
        }
        TextField {
            placeholderTextColor: theme.neutral
            id: groupField
            Layout.fillWidth: true
            placeholderText: qsTr("Keys of one project share a quota")
            Accessible.name: qsTr("Group")
        }
        Label {
            text: qsTr("Weight")
        }
        SpinBox {
            id: weightField
            from: 1
            to: 1000
            editable: true
            Accessible.name: qsTr("Weight")
            ToolTip.visible: hovered
            ToolTip.delay: 600
            ToolTip.text: qsTr("Share of requests with the weighted strategy")
        }
        Label {
            text: qsTr("Relay")
        }
        ComboBox {
            id: relayBox
            Layout.fillWidth: true
            model: relays.choices
            textRole: "text"
            valueRole: "value"
            Accessible.name: qsTr("Relay")
        }
        Item {
            implicitWidth: 1
        }
        CheckBox {
            id: enabledBox
            text: qsTr("Enabled")
        }
        Label {
            Layout.columnSpan: 2
            Layout.fillWidth: true
            visible: text !== ""
            text: {
                const p = dialog.problems
                const parts = []
                for (const k in p)
                    parts.push(p[k])
                return parts.length > 0 ? parts.join("\n") : dialog.errorText
            }
            color: theme.bad
            wrapMode: Text.Wrap
        }
    }

    footer: DialogButtonBox {
        padding: theme.em * 0.6
        leftPadding: theme.em
        rightPadding: theme.em
        Button {
            text: qsTr("Save")
            enabled: !dialog.busy
            highlighted: true
            DialogButtonBox.buttonRole: DialogButtonBox.ApplyRole
            onClicked: dialog.save()
        }
        Button {
            text: qsTr("Cancel")
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
        }
    }
}
