// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// One key of the Keys page's list (its delegate): label, masked key, last test, group, weight, relay, state with
// the cooling countdown, today's use, and the row's buttons. The page owns selection and actions: the row only
// says what was asked for.
ItemDelegate {
    id: row
    required property var model
    required property int index
    readonly property string keyId: row.model.id
    readonly property bool isCooling: row.model.state === "cooling"
    // Ticked for the page's bulk actions.
    property bool selected: false
    // The page's last test of this key: {result, message, latencyMs}, or undefined.
    property var test
    // Now (UTC ms), for the cooling countdown.
    property real nowMs: 0
    // A narrow window: group, weight and relay go under the key, and the row's buttons into its menu.
    property bool compact: false

    signal selectToggled(bool on)
    signal menuRequested()
    signal testClicked()
    signal editClicked()
    signal enableClicked(bool on)
    signal deleteClicked()

    Theme {
        id: theme
        palette: row.palette
        font: row.font
    }
    Fmt {
        id: fmt
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

    width: ListView.view.width
    highlighted: ListView.isCurrentItem && ListView.view.activeFocus
    focusPolicy: Qt.NoFocus
    padding: theme.em * 0.3
    leftPadding: theme.em * 0.5
    rightPadding: theme.em * 0.5
    Accessible.name: (row.model.label ? row.model.label + " " : "") + row.model.masked + ", " + row.stateName(row.model.state)

    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: row.menuRequested()
    }

    contentItem: RowLayout {
        spacing: theme.spacing
        CheckBox {
            checked: row.selected
            focusPolicy: Qt.NoFocus
            onToggled: row.selectToggled(checked)
            Accessible.name: qsTr("Select %1").arg(row.model.masked)
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.minimumWidth: theme.em * 8
            spacing: 0
            Label {
                Layout.fillWidth: true
                text: row.model.label ? row.model.label : qsTr("(no label)")
                color: row.model.label ? row.palette.windowText : theme.neutral
                font.bold: row.model.label !== ""
                elide: Text.ElideRight
            }
            // The key and, after a test, its result on the same line: a test never changes the row's height.
            RowLayout {
                Layout.fillWidth: true
                spacing: theme.spacing
                Label {
                    Layout.maximumWidth: implicitWidth
                    Layout.fillWidth: true
                    text: row.model.masked
                    font.family: theme.mono
                    color: theme.neutral
                    elide: Text.ElideRight
                }
                Label {
                    objectName: "testResult"
                    Layout.fillWidth: true
                    visible: row.test !== undefined
                    text: row.testText(row.test)
                    color: !row.test ? theme.neutral
                         : row.test.result === "valid" ? theme.good
                         : row.test.result === "pending" ? theme.neutral : theme.bad
                    elide: Text.ElideRight
                }
            }
            Label {
                Layout.fillWidth: true
                visible: row.compact
                text: [row.model.group ? qsTr("Group %1").arg(row.model.group) : "",
                       row.model.instance ? qsTr("via %1").arg(row.model.instanceName || row.model.instance) : qsTr("Direct"),
                       qsTr("weight %1").arg(row.model.weight)].filter(s => s !== "").join(" · ")
                color: theme.neutral
                elide: Text.ElideRight
            }
        }
        Label {
            visible: !row.compact
            Layout.preferredWidth: theme.em * 6
            text: row.model.group || qsTr("—")
            color: row.model.group ? row.palette.windowText : theme.neutral
            elide: Text.ElideRight
        }
        Label {
            visible: !row.compact
            Layout.preferredWidth: theme.em * 3.5
            text: String(row.model.weight)
        }
        Label {
            visible: !row.compact
            Layout.preferredWidth: theme.em * 7
            text: row.model.instance ? (row.model.instanceName || row.model.instance) : qsTr("Direct")
            color: row.model.instance ? row.palette.windowText : theme.neutral
            elide: Text.ElideRight
        }
        ColumnLayout {
            Layout.fillWidth: false
            Layout.preferredWidth: theme.em * 9
            Layout.maximumWidth: theme.em * 9
            spacing: 0
            StateBadge {
                Layout.maximumWidth: theme.em * 9
                text: row.stateName(row.model.state)
                kind: row.stateKind(row.model.state)
            }
            Label {
                Layout.fillWidth: true
                visible: row.isCooling && row.model.untilMs > 0
                text: row.isCooling && row.model.untilMs > 0
                      ? qsTr("%1 left").arg(fmt.countdown(row.model.untilMs, row.nowMs)) : ""
                color: theme.warn
                elide: Text.ElideRight
            }
            Label {
                id: reasonLabel
                Layout.fillWidth: true
                visible: text !== ""
                text: row.model.reason || (row.model.state === "invalid" ? row.model.lastError || "" : "")
                color: theme.neutral
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
            Layout.preferredWidth: theme.em * 6
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
                color: theme.neutral
                elide: Text.ElideRight
            }
        }
        IconButton {
            visible: row.compact
            iconName: "more"
            text: qsTr("Actions")
            focusPolicy: Qt.NoFocus
            onClicked: row.menuRequested()
        }
        RowLayout {
            visible: !row.compact
            spacing: 0
            IconButton {
                iconName: "test"
                text: qsTr("Test")
                focusPolicy: Qt.NoFocus
                enabled: !(row.test && row.test.result === "pending")
                onClicked: row.testClicked()
            }
            IconButton {
                iconName: "edit"
                text: qsTr("Edit")
                focusPolicy: Qt.NoFocus
                onClicked: row.editClicked()
            }
            IconButton {
                iconName: row.model.enabled ? "disable" : "enable"
                text: row.model.enabled ? qsTr("Disable") : qsTr("Enable")
                focusPolicy: Qt.NoFocus
                onClicked: row.enableClicked(!row.model.enabled)
            }
            IconButton {
                iconName: "delete"
                text: qsTr("Delete")
                focusPolicy: Qt.NoFocus
                icon.color: theme.bad
                onClicked: row.deleteClicked()
            }
        }
    }
}
