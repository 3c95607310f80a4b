// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// Relay instances with their health; add, edit, test and remove them; and how to deploy one.
AppPage {
    id: page
    title: qsTr("Relays")

    // Last test per relay id: {ok, result, message, latencyMs} or {pending: true}
    property var testResults: ({})
    property int deployKind: 0   // 0 Deno Deploy, 1 Cloudflare Workers

    Fmt {
        id: fmt
    }
    Requests {
        id: requests
    }

    function healthName(health, enabled) {
        if (!enabled)
            return qsTr("Disabled")
        switch (health) {
        case "healthy": return qsTr("Healthy")
        case "unhealthy": return qsTr("Unhealthy")
        }
        return qsTr("Not checked yet")
    }
    function healthKind(health, enabled) {
        return !enabled ? "neutral" : health === "healthy" ? "good" : health === "unhealthy" ? "bad" : "neutral"
    }
    function setTestResult(id, r) {
        const next = Object.assign({}, page.testResults)
        next[id] = r
        page.testResults = next
    }
    function test(id) {
        page.setTestResult(id, { pending: true })
        requests.add(InstancesController.testInstance(id), { kind: "test", id: id })
    }
    function testText(r) {
        if (!r)
            return ""
        if (r.pending)
            return qsTr("Testing…")
        if (r.ok)
            return qsTr("Test: connected in %1").arg(fmt.millis(r.latencyMs))
        switch (r.result) {
        case "unreachable": return qsTr("Test: unreachable. %1").arg(r.message || "")
        case "bad-secret": return qsTr("Test: the relay refused the secret. Set RELAY_SECRET on the relay to the same value.")
        case "no-upstream": return qsTr("Test: the relay cannot reach Google. %1").arg(r.message || "")
        }
        return qsTr("Test: %1").arg(r.message || r.result)
    }
    function askRemove(row) {
        const bound = InstancesController.keysBoundTo(row.id)
        confirm.ask(qsTr("Remove relay"),
                    bound.length > 0
                    ? qsTr("Remove relay “%1”? These %n key(s) lose their binding and go direct or to other relays:", "", bound.length).arg(row.name)
                    : qsTr("Remove relay “%1”? No key is bound to it.").arg(row.name),
                    qsTr("Remove"), bound,
                    function () {
                        requests.add(InstancesController.removeInstance(row.id), { kind: "remove" })
                    })
    }
    function setEnabled(row, on) {
        requests.add(InstancesController.updateInstance(row.id, { enabled: on }), { kind: "enable" })
    }

    Connections {
        target: InstancesController
        function onInstanceTested(request, id, result, message, latencyMs) {
            if (requests.take(request) !== undefined)
                page.setTestResult(id, { ok: result === "ok", result: result, message: message, latencyMs: latencyMs })
        }
        function onInstanceRemoved(request) {
            if (requests.take(request) !== undefined)
                Backend.toast(qsTr("Relay removed."))
        }
        function onInstanceUpdated(request) {
            requests.take(request)
        }
        function onFailed(request, message) {
            const mine = requests.take(request)
            if (mine === undefined)
                return
            if (mine.kind === "test")
                page.setTestResult(mine.id, { ok: false, result: "", message: message })
            else
                Backend.toast(message)
        }
    }

    Shortcut {
        sequences: [StandardKey.New]
        enabled: page.visible
        onActivated: instanceDialog.openAdd()
    }

    headerActions: [
        Button {
            text: qsTr("Add relay")
            icon.source: Qt.resolvedUrl("../icons/add.svg")
            icon.color: palette.buttonText
            highlighted: true
            onClicked: instanceDialog.openAdd()
        }
    ]

    ScrollColumn {
        anchors.fill: parent

        Banner {
            Layout.fillWidth: true
            visible: Backend.mode === "local" && Backend.instances.count > 0
            kind: "info"
            text: qsTr("Relays are used in serverless and hybrid mode. The proxy is in local mode now.")
            actionText: qsTr("Use hybrid mode")
            onActionTriggered: Backend.mode = "hybrid"
        }

        EmptyState {
            Layout.fillWidth: true
            Layout.topMargin: page.em
            visible: Backend.instances.count === 0
            iconName: "relay"
            title: qsTr("No relays yet")
            text: qsTr("A relay is a small script on Deno Deploy or Cloudflare Workers that forwards requests to Google, so Google sees its address instead of yours. See below how to deploy one.")
            actionText: qsTr("Add relay")
            onActionTriggered: instanceDialog.openAdd()
        }

        Repeater {
            model: Backend.instances
            delegate: Card {
                id: relayCard
                required property var model
                required property int index
                readonly property var test: page.testResults[relayCard.model.id]
                Layout.fillWidth: true
                Accessible.name: relayCard.model.name + ", " + page.healthName(relayCard.model.health, relayCard.model.enabled)

                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    AppIcon {
                        iconName: "relay"
                        color: page.theme.kindColor(page.healthKind(relayCard.model.health, relayCard.model.enabled))
                        Layout.alignment: Qt.AlignTop
                    }
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: page.theme.spacing * 0.3
                        RowLayout {
                            Layout.fillWidth: true
                            spacing: page.theme.spacing
                            Label {
                                text: relayCard.model.name
                                font.bold: true
                                elide: Text.ElideRight
                                Layout.maximumWidth: page.em * 16
                            }
                            StateBadge {
                                text: page.healthName(relayCard.model.health, relayCard.model.enabled)
                                kind: page.healthKind(relayCard.model.health, relayCard.model.enabled)
                            }
                            Label {
                                visible: Number(relayCard.model.latencyMs) >= 0
                                text: fmt.millis(relayCard.model.latencyMs)
                                color: page.theme.neutral
                            }
                            Label {
                                Layout.fillWidth: true
                                text: qsTr("%n key(s) bound", "", Number(relayCard.model.boundKeys))
                                color: page.theme.neutral
                                elide: Text.ElideRight
                            }
                        }
                        Label {
                            Layout.fillWidth: true
                            text: relayCard.model.url
                            font.family: page.theme.mono
                            color: page.theme.neutral
                            elide: Text.ElideMiddle
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: relayCard.model.lastError !== ""
                            text: qsTr("Last error: %1").arg(relayCard.model.lastError)
                            color: page.theme.bad
                            wrapMode: Text.Wrap
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: relayCard.test !== undefined
                            text: page.testText(relayCard.test)
                            color: relayCard.test && relayCard.test.ok ? page.theme.good
                                 : relayCard.test && relayCard.test.pending ? page.theme.neutral : page.theme.bad
                            wrapMode: Text.Wrap
                        }
                    }
                    RowLayout {
                        Layout.alignment: Qt.AlignTop
                        spacing: 0
                        IconButton {
                            iconName: "test"
                            text: qsTr("Test")
                            enabled: !(relayCard.test && relayCard.test.pending)
                            onClicked: page.test(relayCard.model.id)
                        }
                        IconButton {
                            iconName: "edit"
                            text: qsTr("Edit")
                            onClicked: instanceDialog.openEdit(Backend.instances.get(relayCard.index))
                        }
                        IconButton {
                            iconName: relayCard.model.enabled ? "disable" : "enable"
                            text: relayCard.model.enabled ? qsTr("Disable") : qsTr("Enable")
                            onClicked: page.setEnabled(relayCard.model, !relayCard.model.enabled)
                        }
                        IconButton {
                            iconName: "delete"
                            text: qsTr("Remove")
                            icon.color: page.theme.bad
                            onClicked: page.askRemove(Backend.instances.get(relayCard.index))
                        }
                    }
                }
            }
        }

        // How to deploy one
        Card {
            Layout.fillWidth: true
            title: qsTr("Deploy a relay")

            Label {
                Layout.fillWidth: true
                text: qsTr("The relay keeps nothing and only works with its secret. Both platforms have a free tier.")
                wrapMode: Text.Wrap
                color: page.theme.neutral
            }
            TabBar {
                id: deployTabs
                Layout.fillWidth: true
                currentIndex: page.deployKind
                onCurrentIndexChanged: if (currentIndex >= 0) page.deployKind = currentIndex
                // At their own width: the bar scrolls when the tabs do not fit, so no name is cut short.
                TabButton {
                    text: qsTr("Deno Deploy")
                    width: implicitWidth
                }
                TabButton {
                    text: qsTr("Cloudflare Workers")
                    width: implicitWidth
                }
            }
            Repeater {
                model: page.deployKind === 0 ? [
                    qsTr("Sign in to Deno Deploy and create a new playground."),
                    qsTr("Replace all of main.ts with the script below, then deploy."),
                    qsTr("Copy the app's URL (https://….deno.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard."),
                    qsTr("In the playground's environment variables, add RELAY_SECRET with that secret, mark it secret, and deploy again."),
                    qsTr("Test the relay here. Then bind keys to it, and use serverless or hybrid mode.")
                ] : [
                    qsTr("Sign in to Cloudflare, open Workers & Pages, and create a Worker from “Hello World”."),
                    qsTr("Edit its code: replace all of worker.js with the script below, then deploy."),
                    qsTr("Copy the Worker's URL (https://….workers.dev) and add it here with “Add relay”. Leave the secret empty: a new one goes to your clipboard."),
                    qsTr("In the Worker's settings, add a secret named RELAY_SECRET with that value, and deploy."),
                    qsTr("Test the relay here. Then bind keys to it, and use serverless or hybrid mode.")
                ]
                delegate: RowLayout {
                    id: step
                    required property int index
                    required property string modelData
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    StateBadge {
                        Layout.alignment: Qt.AlignTop
                        text: String(step.index + 1)
                        kind: "neutral"
                    }
                    Label {
                        Layout.fillWidth: true
                        text: step.modelData
                        wrapMode: Text.Wrap
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                spacing: page.theme.spacing
                Button {
                    text: qsTr("Copy script")
                    icon.source: Qt.resolvedUrl("../icons/copy.svg")
                    icon.color: palette.buttonText
                    highlighted: true
                    onClicked: {
                        Backend.copyText(InstancesController.relayScript(page.deployKind === 0 ? "deno" : "workers"))
                        Backend.toast(qsTr("Script copied."))
                    }
                }
                Button {
                    text: page.deployKind === 0 ? qsTr("Open Deno Deploy") : qsTr("Open Cloudflare")
                    icon.source: Qt.resolvedUrl("../icons/external.svg")
                    icon.color: palette.buttonText
                    onClicked: Qt.openUrlExternally(page.deployKind === 0 ? "https://console.deno.com" : "https://dash.cloudflare.com")
                }
                Item {
                    Layout.fillWidth: true
                }
            }
            CodeBox {
                Layout.fillWidth: true
                Layout.preferredHeight: page.em * 14
                text: InstancesController.relayScript(page.deployKind === 0 ? "deno" : "workers")
                accessibleName: qsTr("Relay script")
            }
        }
    }

    InstanceDialog {
        id: instanceDialog
        objectName: "instanceDialog"
    }
    ConfirmDialog {
        id: confirm
    }
}
