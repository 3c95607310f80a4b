// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// Which relay each key goes through: set it per key, or spread the selected keys evenly over the chosen relays.
AppPage {
    id: page
    title: qsTr("Bindings")

    property var selectedKeys: ({})
    property var chosenRelays: ({})
    readonly property var selectedKeyIds: Backend.keys.ids().filter(id => page.selectedKeys[id] === true)
    // In the relay list's order, so the spread is predictable.
    readonly property var chosenRelayIds: {
        const all = Backend.instances.count >= 0 ? Backend.instances.ids() : []
        return all.filter(id => page.chosenRelays[id] === true)
    }
    property bool busy: false

    ChoiceList {
        id: relayChoices
        model: Backend.instances
        leading: [{ value: "", text: qsTr("Direct (no relay)") }]
    }
    FilterModel {
        id: keyFilter
        sourceModel: Backend.keys
        textRoles: ["label", "masked", "group", "id", "instanceName"]
        text: searchField.text
    }

    function toggle(map, id, on) {
        const next = Object.assign({}, map)
        if (on)
            next[id] = true
        else
            delete next[id]
        return next
    }
    function selectKeys(which) {
        const next = {}
        for (let i = 0; i < keyFilter.count; ++i) {
            const k = keyFilter.get(i)
            if (which === "all" || (which === "unbound" && !k.instance))
                next[k.id] = true
        }
        page.selectedKeys = next
    }
    function bind(keyIds, relayIds) {
        page.busy = true
        requests.add(KeysController.bindKeys(keyIds, relayIds), "bind")
    }
    function bindOne(keyId, relayId) {
        requests.add(KeysController.updateKey(keyId, { instance: relayId }), "one")
    }

    Requests {
        id: requests
    }
    Connections {
        target: KeysController
        function onKeysBound(request, keyIds, instanceIds) {
            if (requests.take(request) === undefined)
                return
            page.busy = false
            if (instanceIds.length === 0)
                Backend.toast(qsTr("Unbound %n key(s).", "", keyIds.length))
            else
                Backend.toast(qsTr("Bound %n key(s).", "", keyIds.length))
        }
        function onKeyUpdated(request) {
            requests.take(request)
        }
        function onFailed(request, message) {
            const kind = requests.take(request)
            if (kind === undefined)
                return
            if (kind === "bind")
                page.busy = false
            Backend.toast(message)
        }
    }

    Connections {
        target: Backend.keys
        function onCountChanged() {
            const next = {}
            for (const id of Object.keys(page.selectedKeys)) {
                if (Backend.keys.indexOf(id) >= 0)
                    next[id] = true
            }
            page.selectedKeys = next
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: page.em
        spacing: page.theme.spacing

        Label {
            Layout.fillWidth: true
            text: qsTr("A key bound to a relay always goes through that relay, so Google sees one address per key. Unbound keys use any healthy relay.")
            wrapMode: Text.Wrap
        }
        Banner {
            Layout.fillWidth: true
            visible: Backend.mode === "local"
            kind: "info"
            text: qsTr("Bindings apply in serverless and hybrid mode. The proxy is in local mode now.")
            actionText: qsTr("Use hybrid mode")
            onActionTriggered: Backend.mode = "hybrid"
        }
        Banner {
            Layout.fillWidth: true
            visible: Backend.instances.count === 0
            kind: "warn"
            text: qsTr("There are no relays yet.")
            actionText: qsTr("Add relay")
            onActionTriggered: page.navigateTo("instances")
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: page.theme.spacing

            // Keys
            Card {
                Layout.fillWidth: true
                Layout.fillHeight: true
                title: qsTr("Keys")
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing * 0.5
                    TextField {
                        placeholderTextColor: page.theme.neutral
                        id: searchField
                        Layout.fillWidth: true
                        placeholderText: qsTr("Search keys")
                        Accessible.name: qsTr("Search keys")
                    }
                    Button {
                        text: qsTr("All")
                        onClicked: page.selectKeys("all")
                        ToolTip.visible: hovered
                        ToolTip.delay: 600
                        ToolTip.text: qsTr("Select all shown keys")
                    }
                    Button {
                        text: qsTr("Unbound")
                        onClicked: page.selectKeys("unbound")
                        ToolTip.visible: hovered
                        ToolTip.delay: 600
                        ToolTip.text: qsTr("Select the shown keys without a relay")
                    }
                    Button {
                        text: qsTr("None")
                        onClicked: page.selectedKeys = {}
                    }
                }
                ListView {
                    id: keyList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    Layout.minimumHeight: page.em * 6
                    clip: true
                    model: keyFilter
                    activeFocusOnTab: true
                    keyNavigationEnabled: true
                    boundsBehavior: Flickable.StopAtBounds
                    ScrollBar.vertical: ScrollBar {}
                    Accessible.role: Accessible.List
                    Accessible.name: qsTr("Keys")
                    Keys.onSpacePressed: {
                        if (currentIndex >= 0) {
                            const id = keyFilter.get(currentIndex).id
                            page.selectedKeys = page.toggle(page.selectedKeys, id, page.selectedKeys[id] !== true)
                        }
                    }
                    delegate: ItemDelegate {
                        id: keyRow
                        required property var model
                        required property int index
                        width: ListView.view.width
                        highlighted: ListView.isCurrentItem && keyList.activeFocus
                        focusPolicy: Qt.NoFocus
                        padding: page.em * 0.2
                        onClicked: {
                            keyList.currentIndex = index
                            page.selectedKeys = page.toggle(page.selectedKeys, keyRow.model.id, page.selectedKeys[keyRow.model.id] !== true)
                        }
                        contentItem: RowLayout {
                            spacing: page.theme.spacing
                            CheckBox {
                                checked: page.selectedKeys[keyRow.model.id] === true
                                focusPolicy: Qt.NoFocus
                                onToggled: page.selectedKeys = page.toggle(page.selectedKeys, keyRow.model.id, checked)
                                Accessible.name: qsTr("Select %1").arg(keyRow.model.masked)
                            }
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 0
                                Label {
                                    Layout.fillWidth: true
                                    text: keyRow.model.label ? keyRow.model.label : keyRow.model.masked
                                    elide: Text.ElideRight
                                }
                                Label {
                                    Layout.fillWidth: true
                                    visible: keyRow.model.label !== ""
                                    text: keyRow.model.masked
                                    font.family: page.theme.mono
                                    color: page.theme.neutral
                                    elide: Text.ElideRight
                                }
                            }
                            ComboBox {
                                // Narrower when the window is: the relay's name elides, the box stays whole.
                                Layout.fillWidth: true
                                Layout.preferredWidth: page.em * 11
                                Layout.maximumWidth: page.em * 11
                                Layout.minimumWidth: page.em * 6
                                model: relayChoices.choices
                                textRole: "text"
                                valueRole: "value"
                                focusPolicy: Qt.NoFocus
                                currentIndex: {
                                    const want = keyRow.model.instance || ""
                                    for (let i = 0; i < relayChoices.choices.length; ++i) {
                                        if (relayChoices.choices[i].value === want)
                                            return i
                                    }
                                    return 0
                                }
                                Accessible.name: qsTr("Relay for %1").arg(keyRow.model.masked)
                                onActivated: (index) => page.bindOne(keyRow.model.id, relayChoices.choices[index].value)
                            }
                        }
                    }
                    Label {
                        anchors.centerIn: parent
                        visible: keyList.count === 0
                        text: Backend.keys.count === 0 ? qsTr("No keys yet") : qsTr("No key matches")
                        color: page.theme.neutral
                    }
                }
            }

            // Relays
            Card {
                Layout.preferredWidth: Math.min(page.em * 18, page.width * 0.35)
                Layout.fillHeight: true
                title: qsTr("Relays")
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Check the relays to spread keys over.")
                    color: page.theme.neutral
                    wrapMode: Text.Wrap
                }
                ListView {
                    id: relayList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    Layout.minimumHeight: page.em * 6
                    clip: true
                    model: Backend.instances
                    boundsBehavior: Flickable.StopAtBounds
                    ScrollBar.vertical: ScrollBar {}
                    delegate: CheckDelegate {
                        id: relayRow
                        required property var model
                        width: ListView.view.width
                        checked: page.chosenRelays[relayRow.model.id] === true
                        onToggled: page.chosenRelays = page.toggle(page.chosenRelays, relayRow.model.id, checked)
                        text: relayRow.model.name
                        contentItem: ColumnLayout {
                            spacing: 0
                            Label {
                                Layout.fillWidth: true
                                Layout.rightMargin: relayRow.indicator.width + relayRow.spacing
                                text: relayRow.model.name
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                Layout.rightMargin: relayRow.indicator.width + relayRow.spacing
                                text: (relayRow.model.enabled ? (relayRow.model.health === "healthy" ? qsTr("Healthy")
                                                               : relayRow.model.health === "unhealthy" ? qsTr("Unhealthy") : qsTr("Not checked yet"))
                                                              : qsTr("Disabled"))
                                      + " · " + qsTr("%n key(s)", "", Number(relayRow.model.boundKeys))
                                color: relayRow.model.health === "unhealthy" && relayRow.model.enabled ? page.theme.bad : page.theme.neutral
                                elide: Text.ElideRight
                            }
                        }
                    }
                }
            }
        }

        // Actions
        RowLayout {
            Layout.fillWidth: true
            spacing: page.theme.spacing
            Label {
                Layout.fillWidth: true
                text: qsTr("%n key(s) selected", "", page.selectedKeyIds.length) + " · "
                      + qsTr("%n relay(s) checked", "", page.chosenRelayIds.length)
                elide: Text.ElideRight
            }
            Button {
                text: qsTr("Spread evenly")
                icon.source: Qt.resolvedUrl("../icons/spread.svg")
                icon.color: palette.buttonText
                highlighted: true
                enabled: !page.busy && page.selectedKeyIds.length > 0 && page.chosenRelayIds.length > 0
                onClicked: page.bind(page.selectedKeyIds, page.chosenRelayIds)
                ToolTip.visible: hovered
                ToolTip.delay: 600
                ToolTip.text: qsTr("Bind the selected keys to the checked relays in turn")
            }
            Button {
                text: qsTr("Unbind")
                icon.source: Qt.resolvedUrl("../icons/unlink.svg")
                icon.color: palette.buttonText
                enabled: !page.busy && page.selectedKeyIds.length > 0
                onClicked: page.bind(page.selectedKeyIds, [])
            }
        }
    }
}
