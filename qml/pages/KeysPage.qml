// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// The keys: search, filter by state, select several for bulk actions; add, edit, enable, test and delete.
// Keyboard: arrows move, Space selects, Return edits, Delete deletes, the menu key (or Shift+F10) opens the row menu.
AppPage {
    id: page
    title: qsTr("Keys")

    // Selected key ids (id → true); kept across filtering and refreshes.
    property var selected: ({})
    readonly property var selectedIds: Object.keys(page.selected)
    // Last test result per key id: {result, message, latencyMs}
    property var testResults: ({})
    property int testsRunning: 0
    readonly property real nowMs: Backend.dashboard.nowMs

    Fmt {
        id: fmt
    }

    FilterModel {
        id: keyFilter
        sourceModel: Backend.keys
        textRoles: ["label", "masked", "group", "id", "instanceName"]
        matchRole: "state"
        matchValue: stateBox.currentValue || ""
        text: searchField.text
    }

    function stateName(state) {
        switch (state) {
        case "active": return qsTr("Active")
        case "cooling": return qsTr("Cooling")
        case "invalid": return qsTr("Invalid")
        case "disabled": return qsTr("Disabled")
        }
        return state
    }
    function stateKind(state) {
        return state === "active" ? "good" : state === "cooling" ? "warn" : state === "invalid" ? "bad" : "neutral"
    }
    function testText(r) {
        if (!r)
            return ""
        switch (r.result) {
        case "valid": return qsTr("Test: works, %1").arg(fmt.millis(r.latencyMs))
        case "invalid": return qsTr("Test: invalid key")
        case "quota": return qsTr("Test: quota used up")
        case "network": return qsTr("Test: network error")
        case "pending": return qsTr("Testing…")
        }
        return r.message ? qsTr("Test: %1").arg(r.message) : qsTr("Test: %1").arg(r.result)
    }

    function isSelected(id) {
        return page.selected[id] === true
    }
    function setSelected(id, on) {
        const next = Object.assign({}, page.selected)
        if (on)
            next[id] = true
        else
            delete next[id]
        page.selected = next
    }
    function selectVisible(on) {
        const next = Object.assign({}, page.selected)
        for (let i = 0; i < keyFilter.count; ++i) {
            const id = keyFilter.get(i).id
            if (on)
                next[id] = true
            else
                delete next[id]
        }
        page.selected = next
    }
    function pruneSelection() {
        const next = {}
        for (const id of Object.keys(page.selected)) {
            if (Backend.keys.indexOf(id) >= 0)
                next[id] = true
        }
        page.selected = next
    }
    readonly property int visibleSelected: {
        let n = 0
        for (let i = 0; i < keyFilter.count; ++i) {
            if (page.selected[keyFilter.get(i).id])
                ++n
        }
        return n
    }

    function report(result, okText) {
        Backend.toast(result.ok ? okText : result.message)
    }
    function setEnabled(ids, on) {
        Backend.setKeysEnabled(ids, on, function (result) {
            page.report(result, on ? qsTr("Enabled %n key(s).", "", ids.length) : qsTr("Disabled %n key(s).", "", ids.length))
        })
    }
    function test(ids) {
        const pending = Object.assign({}, page.testResults)
        for (const id of ids)
            pending[id] = { result: "pending" }
        page.testResults = pending
        page.testsRunning += 1
        Backend.testKeys(ids, function (result) {
            page.testsRunning -= 1
            const next = Object.assign({}, page.testResults)
            let working = 0
            for (const id of ids)
                delete next[id]
            for (const r of (Array.isArray(result.data) ? result.data : [])) {
                next[r.id] = r
                if (r.result === "valid")
                    ++working
            }
            page.testResults = next
            if (!result.ok && !Array.isArray(result.data))
                Backend.toast(result.message)
            else
                Backend.toast(qsTr("%1 of %n key(s) work.", "", ids.length).arg(working))
        })
    }
    function askDelete(ids) {
        if (ids.length === 0)
            return
        const names = ids.slice(0, 8).map(id => {
            const row = Backend.keys.get(Backend.keys.indexOf(id))
            return row.label ? row.label + " (" + row.masked + ")" : row.masked
        })
        if (ids.length > 8)
            names.push(qsTr("… and %n more", "", ids.length - 8))
        confirm.ask(qsTr("Delete keys"),
                    qsTr("Delete %n key(s)? They are removed from the secret store too.", "", ids.length),
                    qsTr("Delete"), names,
                    function () {
                        Backend.removeKeys(ids, function (result) {
                            page.report(result, qsTr("Deleted %n key(s).", "", ids.length))
                            page.pruneSelection()
                        })
                    })
    }
    function openMenu(row, item) {
        rowMenu.row = row
        rowMenu.popup(item, item ? item.width / 3 : 0, item ? item.height / 2 : 0)
    }

    Connections {
        target: Backend.keys
        function onCountChanged() { page.pruneSelection() }
    }
    Shortcut {
        sequences: [StandardKey.Find]
        enabled: page.visible
        onActivated: searchField.forceActiveFocus()
    }
    Shortcut {
        sequences: [StandardKey.New]
        enabled: page.visible
        onActivated: addDialog.open()
    }

    headerExtra: [
        TextField {
            id: searchField
            Layout.fillWidth: true
            Layout.maximumWidth: page.em * 18
            placeholderText: qsTr("Search keys")
            Accessible.name: qsTr("Search keys")
            KeyNavigation.down: list
        },
        ComboBox {
            id: stateBox
            textRole: "text"
            valueRole: "value"
            Accessible.name: qsTr("Show keys that are")
            model: [
                { value: "", text: qsTr("All states") },
                { value: "active", text: qsTr("Active") },
                { value: "cooling", text: qsTr("Cooling") },
                { value: "invalid", text: qsTr("Invalid") },
                { value: "disabled", text: qsTr("Disabled") }
            ]
        }
    ]
    headerActions: [
        Button {
            text: qsTr("Add keys")
            icon.source: Qt.resolvedUrl("../icons/add.svg")
            icon.color: palette.buttonText
            highlighted: true
            onClicked: addDialog.open()
        }
    ]

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // Bulk actions on the selection
        Pane {
            Layout.fillWidth: true
            visible: page.selectedIds.length > 0
            padding: page.em * 0.4
            leftPadding: page.em
            background: Rectangle {
                color: Qt.tint(page.palette.window, page.theme.wash(page.theme.accent, 0.12))
            }
            contentItem: RowLayout {
                spacing: page.theme.spacing * 0.5
                Label {
                    text: qsTr("%n selected", "", page.selectedIds.length)
                    font.bold: true
                    Layout.rightMargin: page.theme.spacing
                }
                Button {
                    text: qsTr("Enable")
                    icon.source: Qt.resolvedUrl("../icons/enable.svg")
                    icon.color: palette.buttonText
                    onClicked: page.setEnabled(page.selectedIds, true)
                }
                Button {
                    text: qsTr("Disable")
                    icon.source: Qt.resolvedUrl("../icons/disable.svg")
                    icon.color: palette.buttonText
                    onClicked: page.setEnabled(page.selectedIds, false)
                }
                Button {
                    text: qsTr("Test")
                    icon.source: Qt.resolvedUrl("../icons/test.svg")
                    icon.color: palette.buttonText
                    onClicked: page.test(page.selectedIds)
                }
                Button {
                    text: qsTr("Delete")
                    icon.source: Qt.resolvedUrl("../icons/delete.svg")
                    icon.color: page.theme.bad
                    onClicked: page.askDelete(page.selectedIds)
                }
                Item {
                    Layout.fillWidth: true
                }
                Button {
                    text: qsTr("Clear selection")
                    flat: true
                    onClicked: page.selected = {}
                }
            }
        }

        // Column titles
        Pane {
            Layout.fillWidth: true
            visible: Backend.keys.count > 0
            padding: page.em * 0.3
            leftPadding: page.em * 0.5
            rightPadding: page.em * 0.5
            background: Rectangle {
                color: page.palette.window
                Rectangle {
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.bottom: parent.bottom
                    height: 1
                    color: page.theme.border
                }
            }
            contentItem: RowLayout {
                spacing: page.theme.spacing
                CheckBox {
                    id: allBox
                    tristate: true
                    enabled: keyFilter.count > 0
                    checkState: page.visibleSelected === 0 ? Qt.Unchecked
                              : page.visibleSelected === keyFilter.count ? Qt.Checked : Qt.PartiallyChecked
                    nextCheckState: function () {
                        return page.visibleSelected === keyFilter.count ? Qt.Unchecked : Qt.Checked
                    }
                    onClicked: page.selectVisible(page.visibleSelected !== keyFilter.count)
                    Accessible.name: qsTr("Select all shown keys")
                    ToolTip.visible: hovered
                    ToolTip.delay: 600
                    ToolTip.text: qsTr("Select all shown keys")
                }
                ColumnHeader {
                    text: qsTr("Key")
                    Layout.fillWidth: true
                    Layout.minimumWidth: page.em * 8
                }
                ColumnHeader {
                    text: qsTr("Group")
                    Layout.preferredWidth: page.em * 6
                }
                ColumnHeader {
                    text: qsTr("Weight")
                    Layout.preferredWidth: page.em * 3.5
                }
                ColumnHeader {
                    text: qsTr("Relay")
                    Layout.preferredWidth: page.em * 7
                }
                ColumnHeader {
                    text: qsTr("State")
                    Layout.preferredWidth: page.em * 9
                }
                ColumnHeader {
                    text: qsTr("Today")
                    Layout.preferredWidth: page.em * 6
                }
                Item {
                    Layout.preferredWidth: buttonSizer.implicitWidth * 4
                }
            }
        }

        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {
                id: list
                anchors.fill: parent
                clip: true
                model: keyFilter
                keyNavigationEnabled: true
                activeFocusOnTab: true
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar {}
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Keys")

                Keys.onSpacePressed: {
                    if (currentIndex >= 0) {
                        const id = keyFilter.get(currentIndex).id
                        page.setSelected(id, !page.isSelected(id))
                    }
                }
                Keys.onReturnPressed: {
                    if (currentIndex >= 0)
                        editDialog.openFor(keyFilter.get(currentIndex))
                }
                Keys.onEnterPressed: {
                    if (currentIndex >= 0)
                        editDialog.openFor(keyFilter.get(currentIndex))
                }
                Keys.onDeletePressed: {
                    if (page.selectedIds.length > 0)
                        page.askDelete(page.selectedIds)
                    else if (currentIndex >= 0)
                        page.askDelete([keyFilter.get(currentIndex).id])
                }
                Keys.onPressed: (event) => {
                    if (event.matches(StandardKey.SelectAll)) {
                        page.selectVisible(true)
                        event.accepted = true
                    } else if ((event.key === Qt.Key_Menu || (event.key === Qt.Key_F10 && (event.modifiers & Qt.ShiftModifier)))
                               && currentItem) {
                        page.openMenu(keyFilter.get(currentIndex), currentItem)
                        event.accepted = true
                    }
                }

                delegate: ItemDelegate {
                    id: row
                    required property var model
                    required property int index
                    readonly property string keyId: row.model.id
                    readonly property bool isCooling: row.model.state === "cooling"
                    readonly property var test: page.testResults[row.keyId]

                    width: ListView.view.width
                    highlighted: ListView.isCurrentItem && list.activeFocus
                    focusPolicy: Qt.NoFocus
                    padding: page.em * 0.3
                    leftPadding: page.em * 0.5
                    rightPadding: page.em * 0.5
                    Accessible.name: (row.model.label ? row.model.label + " " : "") + row.model.masked + ", " + page.stateName(row.model.state)

                    onClicked: {
                        list.currentIndex = index
                        list.forceActiveFocus()
                    }
                    onDoubleClicked: editDialog.openFor(keyFilter.get(index))
                    TapHandler {
                        acceptedButtons: Qt.RightButton
                        onTapped: {
                            list.currentIndex = row.index
                            page.openMenu(keyFilter.get(row.index), row)
                        }
                    }

                    contentItem: RowLayout {
                        spacing: page.theme.spacing
                        CheckBox {
                            checked: page.isSelected(row.keyId)
                            focusPolicy: Qt.NoFocus
                            onToggled: page.setSelected(row.keyId, checked)
                            Accessible.name: qsTr("Select %1").arg(row.model.masked)
                        }
                        ColumnLayout {
                            Layout.fillWidth: true
                            Layout.minimumWidth: page.em * 8
                            spacing: 0
                            Label {
                                Layout.fillWidth: true
                                text: row.model.label ? row.model.label : qsTr("(no label)")
                                color: row.model.label ? row.palette.windowText : page.theme.neutral
                                font.bold: row.model.label !== ""
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                text: row.model.masked
                                font.family: page.theme.mono
                                color: page.theme.neutral
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: row.test !== undefined
                                text: page.testText(row.test)
                                color: !row.test ? page.theme.neutral
                                     : row.test.result === "valid" ? page.theme.good
                                     : row.test.result === "pending" ? page.theme.neutral : page.theme.bad
                                elide: Text.ElideRight
                            }
                        }
                        Label {
                            Layout.preferredWidth: page.em * 6
                            text: row.model.group || qsTr("—")
                            color: row.model.group ? row.palette.windowText : page.theme.neutral
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.preferredWidth: page.em * 3.5
                            text: String(row.model.weight)
                        }
                        Label {
                            Layout.preferredWidth: page.em * 7
                            text: row.model.instance ? (row.model.instanceName || row.model.instance) : qsTr("Direct")
                            color: row.model.instance ? row.palette.windowText : page.theme.neutral
                            elide: Text.ElideRight
                        }
                        ColumnLayout {
                            Layout.fillWidth: false
                            Layout.preferredWidth: page.em * 9
                            Layout.maximumWidth: page.em * 9
                            spacing: 0
                            StateBadge {
                                Layout.maximumWidth: page.em * 9
                                text: page.stateName(row.model.state)
                                kind: page.stateKind(row.model.state)
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: row.isCooling && row.model.untilMs > 0
                                text: row.isCooling && row.model.untilMs > 0
                                      ? qsTr("%1 left").arg(fmt.countdown(row.model.untilMs, page.nowMs)) : ""
                                color: page.theme.warn
                                elide: Text.ElideRight
                            }
                            Label {
                                id: reasonLabel
                                Layout.fillWidth: true
                                visible: text !== ""
                                text: row.model.reason || (row.model.state === "invalid" ? row.model.lastError || "" : "")
                                color: page.theme.neutral
                                elide: Text.ElideRight
                                HoverHandler {
                                    id: reasonHover
                                }
                                ToolTip.visible: reasonHover.hovered && reasonLabel.truncated
                                ToolTip.text: reasonLabel.text
                            }
                        }
                        ColumnLayout {
                            Layout.fillWidth: false
                            Layout.preferredWidth: page.em * 6
                            spacing: 0
                            Label {
                                Layout.fillWidth: true
                                text: qsTr("%n request(s)", "", Number(row.model.requestsToday))
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: Number(row.model.tokensToday) > 0
                                text: qsTr("%1 tokens").arg(fmt.compact(row.model.tokensToday))
                                color: page.theme.neutral
                                elide: Text.ElideRight
                            }
                        }
                        RowLayout {
                            spacing: 0
                            IconButton {
                                iconName: "test"
                                text: qsTr("Test")
                                focusPolicy: Qt.NoFocus
                                enabled: !(row.test && row.test.result === "pending")
                                onClicked: page.test([row.keyId])
                            }
                            IconButton {
                                iconName: "edit"
                                text: qsTr("Edit")
                                focusPolicy: Qt.NoFocus
                                onClicked: editDialog.openFor(keyFilter.get(row.index))
                            }
                            IconButton {
                                iconName: row.model.enabled ? "disable" : "enable"
                                text: row.model.enabled ? qsTr("Disable") : qsTr("Enable")
                                focusPolicy: Qt.NoFocus
                                onClicked: page.setEnabled([row.keyId], !row.model.enabled)
                            }
                            IconButton {
                                iconName: "delete"
                                text: qsTr("Delete")
                                focusPolicy: Qt.NoFocus
                                onClicked: page.askDelete([row.keyId])
                            }
                        }
                    }
                }
            }

            EmptyState {
                anchors.centerIn: parent
                width: Math.min(parent.width - page.em * 2, page.em * 30)
                visible: Backend.keys.count === 0
                iconName: "key"
                title: qsTr("No keys yet")
                text: qsTr("Add your Gemini API keys. They are kept in the system keychain and never shown again.")
                actionText: qsTr("Add keys")
                onActionTriggered: addDialog.open()
            }
            EmptyState {
                anchors.centerIn: parent
                width: Math.min(parent.width - page.em * 2, page.em * 30)
                visible: Backend.keys.count > 0 && keyFilter.count === 0
                iconName: "search"
                title: qsTr("No key matches")
                text: qsTr("Change the search or the state filter.")
            }
        }
    }

    // Sizes the column title over the per-row buttons.
    IconButton {
        id: buttonSizer
        visible: false
        iconName: "test"
    }

    Menu {
        id: rowMenu
        property var row: ({})
        MenuItem {
            text: qsTr("Test")
            icon.source: Qt.resolvedUrl("../icons/test.svg")
            onTriggered: page.test([rowMenu.row.id])
        }
        MenuItem {
            text: qsTr("Edit…")
            icon.source: Qt.resolvedUrl("../icons/edit.svg")
            onTriggered: editDialog.openFor(rowMenu.row)
        }
        MenuItem {
            text: rowMenu.row.enabled ? qsTr("Disable") : qsTr("Enable")
            icon.source: Qt.resolvedUrl(rowMenu.row.enabled ? "../icons/disable.svg" : "../icons/enable.svg")
            onTriggered: page.setEnabled([rowMenu.row.id], !rowMenu.row.enabled)
        }
        MenuItem {
            text: page.isSelected(rowMenu.row.id) ? qsTr("Unselect") : qsTr("Select")
            icon.source: Qt.resolvedUrl("../icons/select-all.svg")
            onTriggered: page.setSelected(rowMenu.row.id, !page.isSelected(rowMenu.row.id))
        }
        MenuSeparator {}
        MenuItem {
            text: qsTr("Delete…")
            icon.source: Qt.resolvedUrl("../icons/delete.svg")
            onTriggered: page.askDelete([rowMenu.row.id])
        }
    }

    AddKeysDialog {
        id: addDialog
    }
    EditKeyDialog {
        id: editDialog
    }
    ConfirmDialog {
        id: confirm
    }
}
