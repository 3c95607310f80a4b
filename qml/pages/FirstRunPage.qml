// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// The first-run guide: add a key → copy the endpoint and token → set up a tool. Shown while no key exists,
// and from the navigation at any time.
AppPage {
    id: page
    title: qsTr("Get started")

    property int toolIndex: 0
    readonly property var tools: [
        { id: "gemini-cli", name: qsTr("Gemini CLI") },
        { id: "cline", name: qsTr("Cline / Roo Code") },
        { id: "continue", name: qsTr("Continue") },
        { id: "openai", name: qsTr("OpenAI-compatible") }
    ]
    readonly property var tool: page.tools[Math.max(0, Math.min(page.toolIndex, page.tools.length - 1))]
    readonly property string toolId: page.tool.id
    readonly property bool hasKeys: Backend.totalKeys > 0

    // Copying fails only when there is no access token: the toast line says so.
    Requests {
        id: tokenRequests
    }
    Requests {
        id: setupRequests
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
    Connections {
        target: SetupController
        function onSetupCopied(request) {
            if (setupRequests.take(request) !== undefined)
                Backend.toast(qsTr("Setup copied to the clipboard, with your access token."))
        }
        function onFailed(request, message) {
            if (setupRequests.take(request) !== undefined)
                Backend.toast(message)
        }
    }

    ScrollColumn {
        anchors.fill: parent

        Label {
            Layout.fillWidth: true
            text: qsTr("Gemini Aggregator runs a local Gemini API endpoint that rotates your API keys. Three steps to use it:")
            wrapMode: Text.Wrap
        }

        // Step 1
        Card {
            Layout.fillWidth: true
            StepTitle {
                Layout.fillWidth: true
                number: 1
                done: page.hasKeys
                text: qsTr("Add your Gemini API keys")
            }
            Label {
                Layout.fillWidth: true
                visible: page.hasKeys
                text: qsTr("%n key(s) added. You can add more on the Keys page.", "", Backend.totalKeys)
                color: page.theme.good
                wrapMode: Text.Wrap
            }
            RowLayout {
                Layout.fillWidth: true
                visible: !page.hasKeys
                spacing: page.theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: qsTr("No key yet? Create one for free in Google AI Studio.")
                    wrapMode: Text.Wrap
                }
                Button {
                    text: qsTr("Get a key")
                    icon.source: Qt.resolvedUrl("../icons/external.svg")
                    icon.color: palette.buttonText
                    onClicked: Qt.openUrlExternally("https://aistudio.google.com/apikey")
                }
            }
            AddKeysForm {
                Layout.fillWidth: true
                visible: !page.hasKeys
            }
        }

        // Step 2
        Card {
            Layout.fillWidth: true
            enabled: page.hasKeys
            StepTitle {
                Layout.fillWidth: true
                number: 2
                text: qsTr("Copy the endpoint and your access token")
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("Point your tool at this address. Use the access token where the tool asks for an API key.")
                wrapMode: Text.Wrap
            }
            CopyField {
                Layout.fillWidth: true
                value: Backend.endpoint
                accessibleName: qsTr("Endpoint")
                onCopyClicked: Backend.copyEndpoint()
            }
            RowLayout {
                spacing: page.theme.spacing
                Button {
                    text: qsTr("Copy access token")
                    icon.source: Qt.resolvedUrl("../icons/token.svg")
                    icon.color: palette.buttonText
                    onClicked: tokenRequests.add(TokensController.copyToken(""))
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("The token goes to the clipboard; it is never shown.")
                    color: page.theme.neutral
                    wrapMode: Text.Wrap
                }
            }
        }

        // Step 3
        Card {
            Layout.fillWidth: true
            enabled: page.hasKeys
            StepTitle {
                Layout.fillWidth: true
                number: 3
                text: qsTr("Set up your tool")
            }
            TabBar {
                id: toolTabs
                Layout.fillWidth: true
                currentIndex: page.toolIndex
                onCurrentIndexChanged: if (currentIndex >= 0) page.toolIndex = currentIndex
                Repeater {
                    model: page.tools
                    delegate: TabButton {
                        required property var modelData
                        text: modelData.name
                        // Its own width: the bar scrolls when the tabs do not fit, so no name is cut short.
                        width: implicitWidth
                    }
                }
            }
            CodeBox {
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(implicitHeight, page.em * 12)
                text: SetupController.setupSnippet(page.toolId)
                accessibleName: qsTr("Setup for %1").arg(page.tool.name)
            }
            RowLayout {
                spacing: page.theme.spacing
                Button {
                    text: qsTr("Copy with token")
                    icon.source: Qt.resolvedUrl("../icons/copy.svg")
                    icon.color: palette.buttonText
                    highlighted: true
                    onClicked: setupRequests.add(SetupController.copySetup(page.toolId))
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("The copy holds your real token in place of “<your access token>”.")
                    color: page.theme.neutral
                    wrapMode: Text.Wrap
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: page.theme.spacing
            Item {
                Layout.fillWidth: true
            }
            Button {
                text: qsTr("Go to the dashboard")
                icon.source: Qt.resolvedUrl("../icons/dashboard.svg")
                icon.color: palette.buttonText
                enabled: page.hasKeys
                onClicked: page.navigateTo("dashboard")
            }
        }
    }
}
