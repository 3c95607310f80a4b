// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// The Settings page's access tokens: a row per token (copy, replace, revoke) and a field to create one. Tokens go
// to the clipboard (TokensController), never on screen.
Card {
    id: card
    title: qsTr("Access tokens")

    Theme {
        id: theme
        palette: card.palette
        font: card.font
    }
    Fmt {
        id: fmt
    }
    Requests {
        id: requests
    }
    ConfirmDialog {
        id: confirm
    }

    readonly property string newTokenProblem: {
        const t = newTokenField.text
        if (t === "")
            return ""
        if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(t))
            return qsTr("Use lowercase letters, digits, - and _ (at most 32).")
        if (Backend.tokens.indexOf(t) >= 0)
            return qsTr("A token with this name exists.")
        return ""
    }
    function createToken() {
        const name = newTokenField.text
        if (name === "" || card.newTokenProblem !== "")
            return
        requests.add(TokensController.createToken(name), { name: name })
    }

    Connections {
        target: TokensController
        function onTokenCreated(request) {
            const mine = requests.take(request)
            if (mine === undefined)
                return
            newTokenField.clear()
            Backend.toast(qsTr("Token “%1” created and copied to the clipboard.").arg(mine.name))
        }
        function onTokenRotated(request) {
            const mine = requests.take(request)
            if (mine !== undefined)
                Backend.toast(qsTr("New value of “%1” copied to the clipboard.").arg(mine.name))
        }
        function onTokenRevoked(request) {
            if (requests.take(request) !== undefined)
                Backend.toast(qsTr("Token revoked."))
        }
        function onTokenCopied(request) {
            const mine = requests.take(request)
            if (mine !== undefined)
                Backend.toast(qsTr("Token “%1” copied to the clipboard.").arg(mine.name))
        }
        function onFailed(request, message) {
            if (requests.take(request) !== undefined)
                Backend.toast(message)
        }
    }

    Label {
        Layout.fillWidth: true
        text: qsTr("Clients send a token as their API key. Give each tool its own, so you can revoke one alone. Tokens are copied, never shown.")
        wrapMode: Text.Wrap
        color: theme.neutral
    }
    Label {
        visible: Backend.tokens.count === 0
        text: qsTr("No tokens yet.")
        color: theme.warn
    }
    Repeater {
        model: Backend.tokens
        delegate: RowLayout {
            id: tokenRow
            required property var model
            Layout.fillWidth: true
            spacing: theme.spacing
            AppIcon {
                iconName: "token"
                color: theme.neutral
            }
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 0
                Label {
                    Layout.fillWidth: true
                    text: tokenRow.model.name
                    font.bold: true
                    elide: Text.ElideRight
                }
                Label {
                    Layout.fillWidth: true
                    visible: text !== ""
                    text: tokenRow.model.rotated ? qsTr("Replaced %1").arg(fmt.isoDate(tokenRow.model.rotated))
                        : tokenRow.model.created ? qsTr("Created %1").arg(fmt.isoDate(tokenRow.model.created)) : ""
                    color: theme.neutral
                    elide: Text.ElideRight
                }
            }
            Button {
                objectName: "copyToken"
                text: qsTr("Copy")
                icon.source: Qt.resolvedUrl("../icons/copy.svg")
                icon.color: palette.buttonText
                onClicked: requests.add(TokensController.copyToken(tokenRow.model.name), { name: tokenRow.model.name })
            }
            Button {
                text: qsTr("Replace")
                icon.source: Qt.resolvedUrl("../icons/refresh.svg")
                icon.color: palette.buttonText
                ToolTip.visible: hovered
                ToolTip.delay: 600
                ToolTip.text: qsTr("Make a new value; the old one stops working at once")
                onClicked: {
                    const name = tokenRow.model.name
                    confirm.ask(qsTr("Replace token"),
                                qsTr("Replace token “%1”? Tools using it stop working until they get the new value, which goes to the clipboard.").arg(name),
                                qsTr("Replace"), [],
                                function () {
                                    requests.add(TokensController.rotateToken(name), { name: name })
                                }, false)
                }
            }
            Button {
                text: qsTr("Revoke")
                icon.source: Qt.resolvedUrl("../icons/delete.svg")
                icon.color: theme.bad
                palette.buttonText: theme.badOnButton
                onClicked: {
                    const name = tokenRow.model.name
                    confirm.ask(qsTr("Revoke token"),
                                qsTr("Revoke token “%1”? Tools using it stop working at once.").arg(name),
                                qsTr("Revoke"), [],
                                function () {
                                    requests.add(TokensController.revokeToken(name), { name: name })
                                })
                }
            }
        }
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: theme.spacing
        TextField {
            placeholderTextColor: theme.neutral
            id: newTokenField
            objectName: "newTokenField"
            Layout.fillWidth: true
            Layout.maximumWidth: theme.em * 16
            placeholderText: qsTr("New token name, e.g. cline")
            inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhLowercaseOnly
            Accessible.name: qsTr("New token name")
            onAccepted: card.createToken()
        }
        Button {
            text: qsTr("Create token")
            icon.source: Qt.resolvedUrl("../icons/add.svg")
            icon.color: palette.buttonText
            enabled: newTokenField.text !== "" && card.newTokenProblem === ""
            onClicked: card.createToken()
        }
        Item {
            Layout.fillWidth: true
        }
    }
    Label {
        Layout.fillWidth: true
        visible: card.newTokenProblem !== ""
        text: card.newTokenProblem
        color: theme.bad
        wrapMode: Text.Wrap
    }
}
