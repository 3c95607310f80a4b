// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// The files and cached contents the proxy knows the owner of (uploaded, made or listed through it): which key
// owns each, its project, size and expiry; delete one at Google with its owner's key. The list follows the
// proxy live. Keyboard: arrows move, Delete deletes the current row.
AppPage {
    id: page
    title: qsTr("Files")

    readonly property real nowMs: Backend.dashboard.nowMs
    // Too narrow for every column: the owner key and its group go under the name.
    readonly property bool compact: page.width < page.em * 58
    // What a delete in flight is called in its toast (name → title), kept from when it was asked.
    property var pendingTitles: ({})

    Fmt {
        id: fmt
    }

    ResourcesModel {
        id: resources
        onRemoved: (name) => {
            Backend.toast(qsTr("Deleted “%1”.").arg(page.takeTitle(name)))
        }
        onRemoveFailed: (name, message) => {
            page.takeTitle(name)
            Backend.toast(message)
        }
    }

    FilterModel {
        id: filter
        sourceModel: resources
        textRoles: ["name", "displayName", "keyId", "keyLabel", "group", "mimeType", "modelName"]
        matchRole: "kind"
        matchExact: true
        matchValue: kindBox.currentValue || ""
        text: searchField.text
    }

    function kindName(kind) {
        switch (kind) {
        case "file": return qsTr("File")
        case "cachedContent": return qsTr("Cached content")
        }
        return kind
    }
    function titleOf(row) {
        return row.displayName ? row.displayName : row.name
    }
    // "work (AIza…x9Q2)", the masked key without a label, or the id of a key that is no longer configured.
    function ownerName(row) {
        if (!row.keyMasked)
            return qsTr("%1 (removed)").arg(row.keyId)
        return row.keyLabel ? row.keyLabel + " (" + row.keyMasked + ")" : row.keyMasked
    }
    function expiryKind(expiresMs) {
        const left = expiresMs - page.nowMs
        return left <= 0 ? "bad" : left < 3600000 ? "warn" : "neutral"
    }
    function takeTitle(name) {
        const title = page.pendingTitles[name] || name
        const next = Object.assign({}, page.pendingTitles)
        delete next[name]
        page.pendingTitles = next
        return title
    }
    function askDelete(row) {
        if (!row || !row.name || row.deleting)
            return
        const title = page.titleOf(row)
        confirm.ask(row.kind === "cachedContent" ? qsTr("Delete cached content") : qsTr("Delete file"),
                    qsTr("Delete “%1” at Google? Its owner key deletes it, and requests that use it fail from then on.").arg(title),
                    qsTr("Delete"),
                    [row.name, qsTr("Owner: %1").arg(page.ownerName(row))],
                    function () {
                        const next = Object.assign({}, page.pendingTitles)
                        next[row.name] = title
                        page.pendingTitles = next
                        resources.remove(row.name)
                    })
    }

    Shortcut {
        sequences: [StandardKey.Find]
        enabled: page.visible
        onActivated: searchField.forceActiveFocus()
    }

    headerExtra: [
        TextField {
            placeholderTextColor: page.theme.neutral
            id: searchField
            Layout.fillWidth: true
            Layout.maximumWidth: page.em * 18
            placeholderText: qsTr("Search files")
            Accessible.name: qsTr("Search files")
            KeyNavigation.down: list
        },
        ComboBox {
            id: kindBox
            textRole: "text"
            valueRole: "value"
            implicitContentWidthPolicy: ComboBox.WidestTextWhenCompleted
            Accessible.name: qsTr("Show")
            model: [
                { value: "", text: qsTr("Files and caches") },
                { value: "file", text: qsTr("Files") },
                { value: "cachedContent", text: qsTr("Cached contents") }
            ]
        }
    ]

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Label {
            Layout.fillWidth: true
            Layout.margins: page.em * 0.5
            Layout.leftMargin: page.em
            visible: resources.count > 0
            text: qsTr("Made or listed through the proxy. Only keys of the owner's project can use one; the proxy sends each request that names one to that project.")
            wrapMode: Text.Wrap
            color: page.theme.neutral
        }

        // Column titles
        Pane {
            Layout.fillWidth: true
            visible: resources.count > 0
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
                ColumnHeader {
                    text: qsTr("Name")
                    Layout.fillWidth: true
                    Layout.minimumWidth: page.em * 8
                }
                ColumnHeader {
                    text: qsTr("Type")
                    Layout.preferredWidth: page.em * 8
                }
                ColumnHeader {
                    visible: !page.compact
                    text: qsTr("Owner key")
                    Layout.preferredWidth: page.em * 10
                }
                ColumnHeader {
                    visible: !page.compact
                    text: qsTr("Group")
                    Layout.preferredWidth: page.em * 6
                }
                ColumnHeader {
                    text: qsTr("Size")
                    Layout.preferredWidth: page.em * 4.5
                }
                ColumnHeader {
                    text: qsTr("Expires")
                    Layout.preferredWidth: page.em * 5.5
                }
                Item {
                    Layout.preferredWidth: buttonSizer.implicitWidth
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
                model: filter
                keyNavigationEnabled: true
                activeFocusOnTab: true
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar {}
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Files")

                Keys.onDeletePressed: {
                    if (currentIndex >= 0)
                        page.askDelete(filter.get(currentIndex))
                }

                delegate: ItemDelegate {
                    id: row
                    required property var model
                    required property int index

                    width: ListView.view.width
                    highlighted: ListView.isCurrentItem && list.activeFocus
                    focusPolicy: Qt.NoFocus
                    padding: page.em * 0.3
                    leftPadding: page.em * 0.5
                    rightPadding: page.em * 0.5
                    Accessible.name: page.titleOf(row.model) + ", " + page.kindName(row.model.kind) + ", "
                                     + fmt.expiresIn(row.model.expiresMs, page.nowMs)

                    onClicked: {
                        list.currentIndex = index
                        list.forceActiveFocus()
                    }

                    contentItem: RowLayout {
                        spacing: page.theme.spacing
                        ColumnLayout {
                            Layout.fillWidth: true
                            Layout.minimumWidth: page.em * 8
                            spacing: 0
                            Label {
                                Layout.fillWidth: true
                                text: page.titleOf(row.model)
                                font.bold: row.model.displayName !== ""
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: row.model.displayName !== ""
                                text: row.model.name
                                font.family: page.theme.mono
                                color: page.theme.neutral
                                elide: Text.ElideMiddle
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: page.compact
                                text: qsTr("Owner: %1").arg(page.ownerName(row.model))
                                      + (row.model.group ? " · " + qsTr("Group %1").arg(row.model.group) : "")
                                color: row.model.keyMasked ? page.theme.neutral : page.theme.warn
                                elide: Text.ElideRight
                            }
                        }
                        ColumnLayout {
                            Layout.fillWidth: false
                            Layout.preferredWidth: page.em * 8
                            Layout.maximumWidth: page.em * 8
                            spacing: 0
                            StateBadge {
                                Layout.maximumWidth: page.em * 8
                                text: page.kindName(row.model.kind)
                                kind: row.model.kind === "file" ? "good" : "neutral"
                            }
                            Label {
                                id: typeLabel
                                Layout.fillWidth: true
                                visible: text !== ""
                                text: row.model.kind === "file" ? row.model.mimeType : row.model.modelName.replace(/^models\//, "")
                                color: page.theme.neutral
                                elide: Text.ElideRight
                                HoverHandler {
                                    id: typeHover
                                }
                                ToolTip.visible: typeHover.hovered && typeLabel.truncated
                                ToolTip.text: typeLabel.text
                            }
                        }
                        ColumnLayout {
                            visible: !page.compact
                            Layout.fillWidth: false
                            Layout.preferredWidth: page.em * 10
                            Layout.maximumWidth: page.em * 10
                            spacing: 0
                            Label {
                                Layout.fillWidth: true
                                text: page.ownerName(row.model)
                                color: row.model.keyMasked ? row.palette.windowText : page.theme.warn
                                elide: Text.ElideRight
                            }
                            Label {
                                Layout.fillWidth: true
                                visible: row.model.keyMasked !== ""
                                text: row.model.keyId
                                font.family: page.theme.mono
                                color: page.theme.neutral
                                elide: Text.ElideRight
                            }
                        }
                        Label {
                            visible: !page.compact
                            Layout.preferredWidth: page.em * 6
                            text: row.model.group || qsTr("—")
                            color: row.model.group ? row.palette.windowText : page.theme.neutral
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.preferredWidth: page.em * 4.5
                            text: fmt.bytes(row.model.sizeBytes)
                            color: row.model.sizeBytes >= 0 ? row.palette.windowText : page.theme.neutral
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.preferredWidth: page.em * 5.5
                            text: fmt.expiresIn(row.model.expiresMs, page.nowMs)
                            color: page.theme.kindColor(page.expiryKind(row.model.expiresMs))
                            elide: Text.ElideRight
                        }
                        Item {
                            Layout.preferredWidth: buttonSizer.implicitWidth
                            Layout.preferredHeight: buttonSizer.implicitHeight
                            IconButton {
                                anchors.fill: parent
                                visible: !row.model.deleting
                                iconName: "delete"
                                text: qsTr("Delete")
                                icon.color: page.theme.bad
                                focusPolicy: Qt.NoFocus
                                onClicked: page.askDelete(filter.get(row.index))
                            }
                            BusyIndicator {
                                anchors.centerIn: parent
                                width: parent.height * 0.8
                                height: parent.height * 0.8
                                visible: row.model.deleting
                                running: visible
                                Accessible.name: qsTr("Deleting…")
                            }
                        }
                    }
                }
            }

            EmptyState {
                anchors.centerIn: parent
                width: Math.min(parent.width - page.em * 2, page.em * 30)
                visible: resources.count === 0
                iconName: "folder"
                title: qsTr("No files yet")
                text: qsTr("Files you upload through the proxy appear here — each can only be used by keys of the project that uploaded it.")
            }
            EmptyState {
                anchors.centerIn: parent
                width: Math.min(parent.width - page.em * 2, page.em * 30)
                visible: resources.count > 0 && filter.count === 0
                iconName: "search"
                title: qsTr("No file matches")
                text: qsTr("Change the search or the filter.")
            }
        }
    }

    // Sizes the column over the per-row button.
    IconButton {
        id: buttonSizer
        visible: false
        iconName: "delete"
    }

    ConfirmDialog {
        id: confirm
    }
}
