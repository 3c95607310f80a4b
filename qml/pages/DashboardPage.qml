// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// Proxy status and endpoint, live traffic, key and relay health, and the daily quota outlook.
AppPage {
    id: page
    title: qsTr("Dashboard")

    readonly property var dash: Backend.dashboard
    readonly property string stateKind: Backend.state === "running" ? "good"
                                      : Backend.state === "degraded" ? "warn"
                                      : Backend.state === "error" ? "bad" : "neutral"
    property bool testing: false

    Fmt {
        id: fmt
    }
    ProxyStatus {
        id: proxyStatus
    }

    function stateName(state) {
        switch (state) {
        case "running": return qsTr("Running")
        case "degraded": return qsTr("Degraded")
        case "stopped": return qsTr("Stopped")
        case "error": return qsTr("Error")
        }
        return state
    }
    function testAll() {
        page.testing = true
        requests.add(Backend.testAll())
    }

    Requests {
        id: requests
    }
    Requests {
        id: tokenRequests
    }
    Connections {
        target: Backend
        function onAllTested(request, keysOk, keysFailed, relaysOk, relaysFailed) {
            if (requests.take(request) === undefined)
                return
            page.testing = false
            Backend.toast(qsTr("Keys: %1 working, %2 failed. Relays: %3 working, %4 failed.")
                          .arg(keysOk).arg(keysFailed).arg(relaysOk).arg(relaysFailed))
        }
        function onFailed(request, message) {
            if (requests.take(request) === undefined)
                return
            page.testing = false
            Backend.toast(message)
        }
    }
    Connections {
        target: TokensController
        function onTokenCopied(request) {
            if (tokenRequests.take(request) !== undefined)
                Backend.toast(qsTr("Access token copied to the clipboard."))
        }
        function onFailed(request, message) {
            if (tokenRequests.take(request) !== undefined)
                Backend.toast(message)
        }
    }

    headerActions: [
        Button {
            text: page.testing ? qsTr("Testing…") : qsTr("Test all")
            enabled: !page.testing
            icon.source: Qt.resolvedUrl("../icons/test.svg")
            icon.color: palette.buttonText
            ToolTip.visible: hovered
            ToolTip.delay: 600
            ToolTip.text: qsTr("Test every key and every relay")
            onClicked: page.testAll()
        }
    ]

    ScrollColumn {
        anchors.fill: parent

        // Status and endpoint
        Card {
            Layout.fillWidth: true
            title: qsTr("Proxy")
            RowLayout {
                Layout.fillWidth: true
                spacing: page.theme.spacing
                StateBadge {
                    text: proxyStatus.name
                    kind: proxyStatus.kind
                    solid: true
                    HoverHandler {
                        id: stateHover
                    }
                    ToolTip.visible: stateHover.hovered && proxyStatus.why !== ""
                    ToolTip.text: proxyStatus.why
                    Accessible.description: proxyStatus.why
                }
                Label {
                    Layout.fillWidth: true
                    text: Backend.listening ? qsTr("Serving requests at %1.").arg(Backend.endpoint)
                                            : qsTr("Not serving requests.")
                    elide: Text.ElideRight
                }
                Switch {
                    text: qsTr("Serve")
                    checked: Backend.listening
                    onToggled: Backend.setListening(checked)
                    Accessible.name: qsTr("Serve requests")
                }
            }
            // Why the state is what it is, in words (the error first).
            Repeater {
                model: Backend.state === "running" ? [] : proxyStatus.reasons
                delegate: Label {
                    required property string modelData
                    required property int index
                    Layout.fillWidth: true
                    text: modelData
                    color: index === 0 && Backend.state === "error" ? page.theme.bad
                         : proxyStatus.kind === "warn" ? page.theme.warn : page.theme.neutral
                    wrapMode: Text.Wrap
                }
            }
            GridLayout {
                Layout.fillWidth: true
                columns: 2
                columnSpacing: page.theme.spacing
                rowSpacing: page.theme.spacing * 0.5
                Label {
                    text: qsTr("Endpoint")
                }
                CopyField {
                    Layout.fillWidth: true
                    value: Backend.endpoint
                    accessibleName: qsTr("Endpoint")
                    onCopyClicked: Backend.copyEndpoint()
                }
                Label {
                    text: qsTr("Access token")
                }
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    Label {
                        Layout.fillWidth: true
                        text: Backend.tokens.count > 0 ? qsTr("Clients send it as their API key.")
                                                       : qsTr("No token yet: create one in Settings.")
                        color: page.theme.neutral
                        elide: Text.ElideRight
                    }
                    Button {
                        text: qsTr("Copy token")
                        icon.source: Qt.resolvedUrl("../icons/copy.svg")
                        icon.color: palette.buttonText
                        onClicked: tokenRequests.add(TokensController.copyToken(""))
                    }
                }
                Label {
                    text: qsTr("Mode")
                }
                RowLayout {
                    spacing: 0
                    Repeater {
                        model: [
                            { mode: "local", text: qsTr("Local"), tip: qsTr("Straight to Google") },
                            { mode: "serverless", text: qsTr("Serverless"), tip: qsTr("Only through your relays") },
                            { mode: "hybrid", text: qsTr("Hybrid"), tip: qsTr("Relays first, then straight to Google") }
                        ]
                        delegate: Button {
                            required property var modelData
                            readonly property bool active: Backend.mode === modelData.mode
                            text: modelData.text
                            // The active mode is filled with the accent colour, not just a shade darker (the palette
                            // for styles that paint with it, `highlighted` for those with colours of their own). Not
                            // a checkable button: Material fills a checked highlighted one with a paler accent that
                            // white text does not read on (3.4:1); screen readers still hear which one is on.
                            highlighted: active
                            Accessible.checkable: true
                            Accessible.checked: active
                            palette.button: active ? page.theme.accent : page.palette.button
                            palette.buttonText: active ? page.theme.onColor(page.theme.accent, page.palette.highlightedText)
                                                       : page.palette.buttonText
                            ToolTip.visible: hovered
                            ToolTip.delay: 600
                            ToolTip.text: modelData.tip
                            onClicked: Backend.mode = modelData.mode
                        }
                    }
                }
                // A mode that uses relays without any: say what happens.
                Item {
                    visible: modeWarning.visible
                    implicitWidth: 1
                }
                RowLayout {
                    id: modeWarning
                    Layout.fillWidth: true
                    visible: Backend.mode !== "local" && Backend.totalRelays === 0
                    spacing: page.theme.spacing * 0.5
                    AppIcon {
                        iconName: "warning"
                        color: page.theme.warn
                        Layout.alignment: Qt.AlignTop
                    }
                    Label {
                        Layout.fillWidth: true
                        text: Backend.mode === "serverless"
                              ? qsTr("Serverless mode needs a relay: requests fail until you add one.")
                              : qsTr("Hybrid mode has no relay yet: requests go straight to Google.")
                        color: page.theme.warn
                        wrapMode: Text.Wrap
                    }
                    Button {
                        text: qsTr("Add relay")
                        onClicked: page.navigateTo("instances")
                    }
                }
            }
        }

        // Figures
        GridLayout {
            Layout.fillWidth: true
            columns: page.width > page.em * 40 ? 4 : 2
            columnSpacing: page.theme.spacing
            rowSpacing: page.theme.spacing
            StatCard {
                caption: qsTr("Requests per minute")
                value: fmt.number(page.dash.requestsLastMinute)
                detail: qsTr("%1 in the last hour").arg(fmt.number(page.dash.requestsLastHour))
            }
            StatCard {
                caption: qsTr("Success rate")
                value: fmt.percent(page.dash.successRate)
                detail: page.dash.successRate < 0 ? qsTr("No requests in the last hour") : qsTr("Last hour")
                valueColor: page.dash.successRate < 0 ? page.palette.windowText
                          : page.dash.successRate >= 0.95 ? page.theme.good
                          : page.dash.successRate >= 0.8 ? page.theme.warn : page.theme.bad
            }
            StatCard {
                caption: qsTr("Active streams")
                value: fmt.number(page.dash.activeStreams)
                detail: page.dash.liveSessions > 0
                        ? qsTr("Open right now, %1 of them Live sessions").arg(fmt.number(page.dash.liveSessions))
                        : qsTr("Open right now")
            }
            StatCard {
                caption: qsTr("Tokens today")
                value: fmt.compact(page.dash.tokensToday)
                detail: qsTr("%1 requests").arg(fmt.number(page.dash.requestsToday))
            }
        }

        Card {
            Layout.fillWidth: true
            title: qsTr("Requests per minute, last hour")
            RowLayout {
                Layout.fillWidth: true
                spacing: page.theme.spacing * 0.5
                ColumnLayout {
                    Layout.fillHeight: true
                    Label {
                        text: fmt.number(chart.scaleMax)
                        color: page.theme.neutral
                    }
                    Item {
                        Layout.fillHeight: true
                    }
                    Label {
                        text: "0"
                        color: page.theme.neutral
                    }
                }
                RpmChart {
                    id: chart
                    Layout.fillWidth: true
                    Layout.preferredHeight: page.em * 8
                    total: page.dash.requestsPerMinute
                    successes: page.dash.successesPerMinute
                    nowMs: page.dash.nowMs
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.leftMargin: page.em * 1.5
                    text: qsTr("60 min ago")
                    color: page.theme.neutral
                }
                Item {
                    Layout.fillWidth: true
                }
                Label {
                    text: qsTr("Failed")
                    color: page.theme.bad
                }
                Label {
                    text: qsTr("Succeeded")
                    color: page.theme.accentText
                }
                Item {
                    Layout.fillWidth: true
                }
                Label {
                    text: qsTr("now")
                    color: page.theme.neutral
                }
            }
        }

        // Health
        GridLayout {
            Layout.fillWidth: true
            columns: page.width > page.em * 40 ? 2 : 1
            columnSpacing: page.theme.spacing
            rowSpacing: page.theme.spacing
            Card {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.preferredWidth: 1
                title: qsTr("Keys")
                Label {
                    text: qsTr("%1 of %2 usable").arg(Backend.usableKeys).arg(Backend.totalKeys)
                    font.pointSize: Qt.application.font.pointSize > 0 ? Qt.application.font.pointSize * 1.3 : 13
                    color: Backend.totalKeys > 0 && Backend.usableKeys === 0 ? page.theme.bad : page.palette.windowText
                }
                Flow {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing * 0.5
                    StateBadge {
                        text: qsTr("%1 active").arg(Backend.usableKeys)
                        kind: "good"
                    }
                    StateBadge {
                        visible: Backend.coolingKeys > 0
                        text: qsTr("%1 cooling").arg(Backend.coolingKeys)
                        kind: "warn"
                    }
                    StateBadge {
                        visible: Backend.invalidKeys > 0
                        text: qsTr("%1 invalid").arg(Backend.invalidKeys)
                        kind: "bad"
                    }
                    StateBadge {
                        visible: Backend.disabledKeys > 0
                        text: qsTr("%1 disabled").arg(Backend.disabledKeys)
                        kind: "neutral"
                    }
                }
                Item {
                    Layout.fillHeight: true
                }
                Button {
                    text: qsTr("Manage keys")
                    icon.source: Qt.resolvedUrl("../icons/key.svg")
                    icon.color: palette.buttonText
                    onClicked: page.navigateTo("keys")
                }
            }
            Card {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.preferredWidth: 1
                title: qsTr("Relays")
                Label {
                    text: Backend.totalRelays === 0 ? qsTr("No relays")
                          : Backend.uncheckedRelays > 0
                            ? qsTr("%1 of %2 healthy, %3 not checked yet").arg(Backend.healthyRelays)
                                  .arg(Backend.totalRelays).arg(Backend.uncheckedRelays)
                            : qsTr("%1 of %2 healthy").arg(Backend.healthyRelays).arg(Backend.totalRelays)
                    font.pointSize: Qt.application.font.pointSize > 0 ? Qt.application.font.pointSize * 1.3 : 13
                    color: Backend.totalRelays > 0 && Backend.healthyRelays + Backend.uncheckedRelays === 0
                           && Backend.mode !== "local"
                           ? page.theme.bad : page.palette.windowText
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    color: page.theme.neutral
                    text: Backend.mode === "local" ? qsTr("Local mode: requests go straight to Google.")
                                                   : Backend.totalRelays === 0 ? qsTr("This mode needs at least one relay.")
                                                                               : qsTr("Requests go through healthy relays.")
                }
                Item {
                    Layout.fillHeight: true
                }
                Button {
                    text: qsTr("Manage relays")
                    icon.source: Qt.resolvedUrl("../icons/relay.svg")
                    icon.color: palette.buttonText
                    onClicked: page.navigateTo("instances")
                }
            }
        }

        // Quota outlook
        Card {
            Layout.fillWidth: true
            title: qsTr("Quota outlook")
            RowLayout {
                Layout.fillWidth: true
                spacing: page.theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Daily quotas reset at midnight Pacific time, in %1.")
                              .arg(fmt.duration(page.dash.quotaResetMs - page.dash.nowMs))
                    wrapMode: Text.Wrap
                }
                Button {
                    text: qsTr("Set limits")
                    icon.source: Qt.resolvedUrl("../icons/settings.svg")
                    icon.color: palette.buttonText
                    onClicked: page.navigateTo("settings")
                }
            }
            Label {
                Layout.fillWidth: true
                visible: page.dash.quota.length === 0
                text: qsTr("No requests today yet.")
                color: page.theme.neutral
            }
            ColumnLayout {
                Layout.fillWidth: true
                visible: page.dash.quota.length > 0
                spacing: page.theme.spacing * 0.5
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    Label {
                        Layout.fillWidth: true
                        Layout.preferredWidth: page.em * 9
                        Layout.maximumWidth: page.em * 9
                        Layout.minimumWidth: page.em * 4
                        text: qsTr("Project")
                        color: page.theme.neutral
                        elide: Text.ElideRight
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.preferredWidth: page.em * 10
                        Layout.maximumWidth: page.em * 10
                        Layout.minimumWidth: page.em * 4
                        text: qsTr("Model")
                        color: page.theme.neutral
                        elide: Text.ElideRight
                    }
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Used today")
                        color: page.theme.neutral
                        elide: Text.ElideRight
                    }
                    Label {
                        Layout.preferredWidth: page.em * 5
                        horizontalAlignment: Text.AlignRight
                        text: qsTr("Limit")
                        color: page.theme.neutral
                        elide: Text.ElideRight
                    }
                }
                Repeater {
                    model: page.dash.quota.slice(0, 12)
                    delegate: RowLayout {
                        id: quotaRow
                        required property var modelData
                        readonly property real fraction: modelData.fraction !== undefined ? Number(modelData.fraction) : -1
                        readonly property bool limited: Number(modelData.limit) > 0
                        Layout.fillWidth: true
                        spacing: page.theme.spacing
                        Label {
                            Layout.fillWidth: true
                            Layout.preferredWidth: page.em * 9
                            Layout.maximumWidth: page.em * 9
                            Layout.minimumWidth: page.em * 4
                            text: quotaRow.modelData.project || ""
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.fillWidth: true
                            Layout.preferredWidth: page.em * 10
                            Layout.maximumWidth: page.em * 10
                            Layout.minimumWidth: page.em * 4
                            text: quotaRow.modelData.model || ""
                            elide: Text.ElideRight
                        }
                        ProgressBar {
                            Layout.fillWidth: true
                            visible: quotaRow.limited
                            from: 0
                            to: 1
                            value: Math.min(1, Math.max(0, quotaRow.fraction))
                            palette.highlight: quotaRow.fraction >= 0.9 ? page.theme.bad
                                             : quotaRow.fraction >= 0.7 ? page.theme.warn : page.theme.accent
                            Accessible.name: qsTr("Used today")
                        }
                        Label {
                            Layout.fillWidth: !quotaRow.limited
                            Layout.preferredWidth: page.em * 7
                            text: quotaRow.limited ? qsTr("%1 (%2)").arg(fmt.number(quotaRow.modelData.used)).arg(fmt.percent(quotaRow.fraction))
                                                   : fmt.number(quotaRow.modelData.used)
                            elide: Text.ElideRight
                        }
                        Label {
                            Layout.preferredWidth: page.em * 5
                            horizontalAlignment: Text.AlignRight
                            text: quotaRow.limited ? fmt.number(quotaRow.modelData.limit) : qsTr("not set")
                            color: quotaRow.limited ? page.palette.windowText : page.theme.neutral
                            elide: Text.ElideRight
                        }
                    }
                }
            }
        }
    }
}
