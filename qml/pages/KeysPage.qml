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
    // Too narrow for every column: group, weight and relay go under the key, the row's buttons into its menu.
    readonly property bool compact: page.width < page.em * 56

    FilterModel {
        id: keyFilter
        sourceModel: Backend.keys
        textRoles: ["label", "masked", "group", "id", "instanceName"]
        matchRole: "state"
        matchValue: stateBox.currentValue || ""
        text: searchField.text
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

    function setEnabled(ids, on) {
        requests.add(KeysController.setKeysEnabled(ids, on), { kind: "enable" })
    }
    function test(ids) {
        const pending = Object.assign({}, page.testResults)
        for (const id of ids)
            pending[id] = { result: "pending" }
        page.testResults = pending
        page.testsRunning += 1
        requests.add(KeysController.testKeys(ids), { kind: "test", ids: ids })
    }
    // The test of `ids` is over: their results replace "pending"; returns how many work.
    function endTest(ids, results) {
        page.testsRunning -= 1
        const next = Object.assign({}, page.testResults)
        let working = 0
        for (const id of ids)
            delete next[id]
        for (const r of results) {
            next[r.id] = r
            if (r.result === "valid")
                ++working
        }
        page.testResults = next
        return working
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
                        requests.add(KeysController.removeKeys(ids), { kind: "remove" })
                    })
    }
    function openMenu(row, item) {
        rowMenu.row = row
        rowMenu.popup(item, item ? item.width / 3 : 0, item ? item.height / 2 : 0)
    }

    Requests {
        id: requests
    }
    Connections {
        target: KeysController
        function onKeysEnabledSet(request, ids, enabled) {
            if (requests.take(request) !== undefined)
                Backend.toast(enabled ? qsTr("Enabled %n key(s).", "", ids.length) : qsTr("Disabled %n key(s).", "", ids.length))
        }
        function onKeysTested(request, results) {
            const mine = requests.take(request)
            if (mine === undefined)
                return
            const working = page.endTest(mine.ids, results)
            Backend.toast(qsTr("%1 of %n key(s) work.", "", mine.ids.length).arg(working))
        }
        function onKeysRemoved(request, ids) {
            if (requests.take(request) === undefined)
                return
            Backend.toast(qsTr("Deleted %n key(s).", "", ids.length))
            page.pruneSelection()
        }
        function onFailed(request, message) {
            const mine = requests.take(request)
            if (mine === undefined)
                return
            if (mine.kind === "test")
                page.endTest(mine.ids, [])
            Backend.toast(message)
            if (mine.kind === "remove")
                page.pruneSelection()
        }
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
            placeholderTextColor: page.theme.neutral
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
                    palette.buttonText: page.theme.badOnButton
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
                    visible: !page.compact
                    text: qsTr("Group")
                    Layout.preferredWidth: page.em * 6
                }
                ColumnHeader {
                    visible: !page.compact
                    text: qsTr("Weight")
                    Layout.preferredWidth: page.em * 3.5
                }
                ColumnHeader {
                    visible: !page.compact
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
                    Layout.preferredWidth: buttonSizer.implicitWidth * (page.compact ? 1 : 4)
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

                delegate: KeyRow {
                    id: keyRow
                    selected: page.isSelected(keyRow.keyId)
                    test: page.testResults[keyRow.keyId]
                    nowMs: page.nowMs
                    compact: page.compact
                    onClicked: {
                        list.currentIndex = keyRow.index
                        list.forceActiveFocus()
                    }
                    onDoubleClicked: editDialog.openFor(keyFilter.get(keyRow.index))
                    onMenuRequested: {
                        list.currentIndex = keyRow.index
                        page.openMenu(keyFilter.get(keyRow.index), keyRow)
                    }
                    onSelectToggled: (on) => page.setSelected(keyRow.keyId, on)
                    onTestClicked: page.test([keyRow.keyId])
                    onEditClicked: editDialog.openFor(keyFilter.get(keyRow.index))
                    onEnableClicked: (on) => page.setEnabled([keyRow.keyId], on)
                    onDeleteClicked: page.askDelete([keyRow.keyId])
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
        // As the dialogs: a page's popup is not the window's child, so it binds the window's palette itself.
        Binding on palette {
            when: rowMenu.ApplicationWindow.window !== null
            value: rowMenu.ApplicationWindow.window ? rowMenu.ApplicationWindow.window.palette : null
            restoreMode: Binding.RestoreNone
        }
        background: DialogBackground {
            implicitWidth: 200
            implicitHeight: 40
            colors: rowMenu.palette
        }
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
            icon.color: page.theme.bad
            onTriggered: page.askDelete([rowMenu.row.id])
        }
    }

    AddKeysDialog {
        id: addDialog
        objectName: "addKeysDialog"
    }
    EditKeyDialog {
        id: editDialog
        objectName: "editKeyDialog"
    }
    ConfirmDialog {
        id: confirm
        objectName: "confirmDialog"
    }
}
