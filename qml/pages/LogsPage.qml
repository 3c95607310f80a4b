// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// The request history, newest first: filter by status, key, model and route, or search; a row opens the
// request with every attempt it took.
AppPage {
    id: page
    title: qsTr("Logs")

    Fmt {
        id: fmt
    }
    Names {
        id: names
    }

    // The history, filtered in stages: status → key → model → route (+ search text).
    FilterModel {
        id: byStatus
        sourceModel: Backend.history
        matchRole: "status"
        matchValue: statusBox.currentValue || ""
    }
    FilterModel {
        id: byKey
        sourceModel: byStatus
        matchRole: "keyId"
        matchExact: true
        matchValue: keyBox.currentValue || ""
    }
    FilterModel {
        id: byModel
        sourceModel: byKey
        matchRole: "model"
        matchExact: true
        matchValue: modelBox.currentValue || ""
    }
    FilterModel {
        id: logFilter
        sourceModel: byModel
        matchRole: "route"
        matchExact: true
        matchValue: routeBox.currentValue || ""
        textRoles: ["keyId", "model", "route", "path", "client"]
        text: searchField.text
    }
    // Unfiltered, for the list of models seen.
    FilterModel {
        id: allHistory
        sourceModel: Backend.history
    }

    ChoiceList {
        id: keyChoices
        model: Backend.keys
        textRole: "label"
        detailRole: "masked"
        leading: [{ value: "", text: qsTr("All keys") }]
    }
    ChoiceList {
        id: routeChoices
        model: Backend.instances
        leading: [{ value: "", text: qsTr("All routes") }, { value: "direct", text: qsTr("Direct") }]
    }
    ChoiceList {
        id: modelChoices
        model: allHistory
        valueRole: "model"
        textRole: "model"
        distinct: true
        live: false
        leading: [{ value: "", text: qsTr("All models") }]
    }

    readonly property bool filtered: statusBox.currentIndex > 0 || keyBox.currentIndex > 0 || modelBox.currentIndex > 0
                                     || routeBox.currentIndex > 0 || searchField.text !== ""
    readonly property bool wide: page.width > page.em * 52
    // Narrower still (a large font, or a style with roomier controls, at 800 px): the key goes too; the request
    // dialog shows it, with the route and the tokens.
    readonly property bool showKey: page.width > page.em * 40

    // What a request called: the Gemini method after the model ("generateContent", "streamGenerateContent"), or
    // the path for anything else.
    function callName(path) {
        const m = /:([A-Za-z]+)$/.exec(String(path || ""))
        return m ? m[1] : String(path || "")
    }
    // The client went away before its answer was complete (its last attempt says so).
    function clientAborted(attemptsText) {
        return /: client aborted$/.test(String(attemptsText || ""))
    }
    function statusKind(status) {
        return status >= 200 && status < 300 ? "good" : status >= 400 && status < 500 ? "warn" : "bad"
    }
    function clearFilters() {
        statusBox.currentIndex = 0
        keyBox.currentIndex = 0
        modelBox.currentIndex = 0
        routeBox.currentIndex = 0
        searchField.clear()
    }

    Shortcut {
        sequences: [StandardKey.Find]
        enabled: page.visible
        onActivated: searchField.forceActiveFocus()
    }

    headerExtra: [
        TextField {
            id: searchField
            Layout.fillWidth: true
            Layout.maximumWidth: page.em * 16
            placeholderTextColor: page.theme.neutral
            placeholderText: qsTr("Search")
            Accessible.name: qsTr("Search requests")
            KeyNavigation.down: list
        }
    ]
    headerActions: [
        Button {
            text: qsTr("Open logs folder")
            icon.source: Qt.resolvedUrl("../icons/folder.svg")
            icon.color: palette.buttonText
            onClicked: Backend.openLogsFolder()
        }
    ]

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // Filters
        Pane {
            Layout.fillWidth: true
            padding: page.em * 0.4
            leftPadding: page.em
            rightPadding: page.em
            contentItem: Flow {
                spacing: page.theme.spacing
                ComboBox {
                    id: statusBox
                    textRole: "text"
                    valueRole: "value"
                    Accessible.name: qsTr("Status")
                    model: [
                        { value: "", text: qsTr("All statuses") },
                        { value: "2", text: qsTr("Succeeded (2xx)") },
                        { value: "4", text: qsTr("Client errors (4xx)") },
                        { value: "5", text: qsTr("Server errors (5xx)") },
                        { value: "0", text: qsTr("No answer") }
                    ]
                }
                ComboBox {
                    id: keyBox
                    width: Math.min(implicitWidth, page.em * 16)
                    model: keyChoices.choices
                    textRole: "text"
                    valueRole: "value"
                    Accessible.name: qsTr("Key")
                }
                ComboBox {
                    id: modelBox
                    width: Math.min(Math.max(implicitWidth, page.em * 10), page.em * 16)
                    model: modelChoices.choices
                    textRole: "text"
                    valueRole: "value"
                    Accessible.name: qsTr("Model")
                    popup.onAboutToShow: {
                        const keep = currentValue
                        modelChoices.rebuild()
                        currentIndex = Math.max(0, indexOfValue(keep))
                    }
                }
                ComboBox {
                    id: routeBox
                    width: Math.min(implicitWidth, page.em * 14)
                    model: routeChoices.choices
                    textRole: "text"
                    valueRole: "value"
                    Accessible.name: qsTr("Route")
                }
                Button {
                    visible: page.filtered
                    text: qsTr("Clear filters")
                    flat: true
                    onClicked: page.clearFilters()
                }
            }
        }

        // Column titles
        Pane {
            Layout.fillWidth: true
            padding: page.em * 0.3
            leftPadding: page.em * 0.6
            rightPadding: page.em * 0.6
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
                    text: qsTr("Time")
                    Layout.preferredWidth: page.em * 4.5
                }
                ColumnHeader {
                    text: qsTr("Status")
                    Layout.preferredWidth: page.em * 3.5
                }
                ColumnHeader {
                    text: qsTr("Request")
                    Layout.fillWidth: true
                }
                ColumnHeader {
                    text: qsTr("Model")
                    Layout.preferredWidth: page.em * 8
                }
                ColumnHeader {
                    visible: page.showKey
                    text: qsTr("Key")
                    Layout.preferredWidth: page.em * 6
                }
                ColumnHeader {
                    visible: page.wide
                    text: qsTr("Route")
                    Layout.preferredWidth: page.em * 5
                }
                ColumnHeader {
                    text: qsTr("Tries")
                    Layout.preferredWidth: page.em * 2.5
                }
                ColumnHeader {
                    text: qsTr("Duration")
                    Layout.preferredWidth: page.em * 5
                }
                ColumnHeader {
                    visible: page.wide
                    text: qsTr("Tokens")
                    Layout.preferredWidth: page.em * 5
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
                model: logFilter
                keyNavigationEnabled: true
                activeFocusOnTab: true
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar {}
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Requests")
                Keys.onReturnPressed: if (currentIndex >= 0) detail.openFor(logFilter.get(currentIndex))
                Keys.onEnterPressed: if (currentIndex >= 0) detail.openFor(logFilter.get(currentIndex))
                Keys.onSpacePressed: if (currentIndex >= 0) detail.openFor(logFilter.get(currentIndex))

                delegate: ItemDelegate {
                    id: row
                    // The history has a role named "model" (the Gemini model), so the roles come one by one.
                    required property int index
                    required property var time
                    required property int status
                    required property string method
                    required property string path
                    required property string model
                    required property string keyId
                    required property string route
                    required property int attempts
                    required property string attemptsText
                    required property real totalMs
                    required property real tokensIn
                    required property real tokensOut
                    required property bool stream
                    required property bool broken

                    width: ListView.view.width
                    highlighted: ListView.isCurrentItem && list.activeFocus
                    focusPolicy: Qt.NoFocus
                    padding: page.em * 0.2
                    leftPadding: page.em * 0.6
                    rightPadding: page.em * 0.6
                    Accessible.name: row.method + " " + row.path + ", " + row.status
                    onClicked: {
                        list.currentIndex = index
                        list.forceActiveFocus()
                        detail.openFor(logFilter.get(index))
                    }

                    contentItem: RowLayout {
                        spacing: page.theme.spacing
                        Label {
                            Layout.preferredWidth: page.em * 4.5
                            text: fmt.time(row.time)
                            font.family: page.theme.mono
                            elide: Text.ElideRight
                        }
                        Item {
                            Layout.preferredWidth: page.em * 3.5
                            implicitHeight: statusBadge.implicitHeight
                            StateBadge {
                                id: statusBadge
                                text: row.status > 0 ? String(row.status) : qsTr("—")
                                kind: page.statusKind(row.status)
                            }
                        }
                        RowLayout {
                            Layout.fillWidth: true
                            spacing: page.theme.spacing * 0.5
                            Label {
                                text: row.method
                                color: page.theme.neutral
                            }
                            Label {
                                objectName: "callName"
                                Layout.fillWidth: true
                                text: page.callName(row.path)
                                elide: Text.ElideMiddle
                                ToolTip.visible: callHover.hovered
                                ToolTip.delay: 800
                                ToolTip.text: row.path
                                HoverHandler {
                                    id: callHover
                                }
                            }
                            StateBadge {
                                objectName: "clientAborted"
                                visible: page.clientAborted(row.attemptsText)
                                text: qsTr("client aborted")
                                kind: "warn"
                            }
                            AppIcon {
                                visible: row.stream === true
                                iconName: "stream"
                                size: page.em * 0.9
                                color: row.broken ? page.theme.bad : page.theme.neutral
                                ToolTip.visible: streamHover.hovered
                                ToolTip.text: row.broken ? qsTr("Stream cut off") : qsTr("Streamed")
                                HoverHandler {
                                    id: streamHover
                                }
                            }
                        }
                        Label {
                            Layout.preferredWidth: page.em * 8
                            text: row.model || qsTr("—")
                            elide: Text.ElideRight
                        }
                        Label {
                            visible: page.showKey
                            Layout.preferredWidth: page.em * 6
                            text: row.keyId ? names.keyLabel(row.keyId) : qsTr("—")
                            elide: Text.ElideRight
                        }
                        Label {
                            visible: page.wide
                            Layout.preferredWidth: page.em * 5
                            text: row.route ? names.routeName(row.route) : qsTr("—")
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.preferredWidth: page.em * 2.5
                            text: String(row.attempts)
                            color: row.attempts > 1 ? page.theme.warn : page.palette.windowText
                        }
                        Label {
                            Layout.preferredWidth: page.em * 5
                            text: fmt.millis(row.totalMs)
                            elide: Text.ElideRight
                        }
                        Label {
                            visible: page.wide
                            Layout.preferredWidth: page.em * 5
                            text: row.tokensIn > 0 || row.tokensOut > 0
                                  ? fmt.compact(row.tokensIn) + " / " + fmt.compact(row.tokensOut) : qsTr("—")
                            elide: Text.ElideRight
                        }
                    }
                }
            }

            EmptyState {
                anchors.centerIn: parent
                width: Math.min(parent.width - page.em * 2, page.em * 30)
                visible: list.count === 0
                iconName: page.filtered ? "search" : "logs"
                title: page.filtered ? qsTr("No request matches") : qsTr("No requests yet")
                text: page.filtered ? qsTr("Change or clear the filters.")
                                    : qsTr("Requests through the proxy show up here as they finish.")
            }
        }
    }

    RequestDialog {
        id: detail
    }
}
