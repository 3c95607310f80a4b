// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui

// One request of the history with every attempt it took (which key, which route, what came of it).
Dialog {
    id: dialog
    // A popup follows its window's palette only when it is the window's own QObject child, and the pages (with
    // their dialogs) come from Loaders: bound here, so a change of the desktop's palette reaches an open dialog too.
    Binding on palette {
        when: dialog.ApplicationWindow.window !== null
        value: dialog.ApplicationWindow.window ? dialog.ApplicationWindow.window.palette : null
        restoreMode: Binding.RestoreNone
    }
    background: DialogBackground {
        colors: dialog.palette
    }
    property var row: ({})

    Theme {
        id: theme
        palette: dialog.palette
        font: dialog.font
    }
    Fmt {
        id: fmt
    }
    Names {
        id: names
    }

    function openFor(row) {
        dialog.row = row
        dialog.open()
    }

    // The Gemini method the request called ("streamGenerateContent"), empty for other paths.
    readonly property string callName: {
        const m = /:([A-Za-z]+)$/.exec(String(dialog.row.path || ""))
        return m ? m[1] : ""
    }
    readonly property var attemptList: dialog.row.attemptsText ? String(dialog.row.attemptsText).split(" → ") : []
    // The last attempt ended because the client went away (core/proxy logs it as "client aborted").
    readonly property bool aborted: /: client aborted$/.test(String(dialog.row.attemptsText || ""))
    readonly property var facts: [
        [qsTr("Time"), fmt.dateTime(dialog.row.time)],
        [qsTr("Client"), dialog.row.client || qsTr("—")],
        [qsTr("Call"), dialog.callName || qsTr("—")],
        [qsTr("Request"), (dialog.row.method || "") + " " + (dialog.row.path || "")],
        [qsTr("Kind"), dialog.row.kind || qsTr("—")],
        [qsTr("Model"), dialog.row.model || qsTr("—")],
        [qsTr("Status"), dialog.row.status ? String(dialog.row.status) : qsTr("No answer")],
        [qsTr("Key"), dialog.row.keyId ? names.keyName(dialog.row.keyId) : qsTr("—")],
        [qsTr("Route"), dialog.row.route ? names.routeName(dialog.row.route) : qsTr("—")],
        [qsTr("First byte"), fmt.millis(dialog.row.ttfbMs)],
        [qsTr("Total time"), fmt.millis(dialog.row.totalMs)],
        [qsTr("Tokens"), qsTr("%1 in, %2 out").arg(fmt.number(dialog.row.tokensIn)).arg(fmt.number(dialog.row.tokensOut))],
        [qsTr("Streamed"), dialog.row.stream ? (dialog.aborted ? qsTr("Yes, the client stopped it before the end") : dialog.row.broken ? qsTr("Yes, cut off before the end") : qsTr("Yes"))
                                             : (dialog.aborted ? qsTr("No; the client went away before the answer") : dialog.row.broken ? qsTr("Cut off") : qsTr("No"))]
    ]

    title: qsTr("Request %1").arg(dialog.row.requestId !== undefined ? dialog.row.requestId : "")
    parent: Overlay.overlay
    anchors.centerIn: parent
    modal: true
    // Room around the title, the content and the buttons (the styles' own is a few pixels).
    padding: theme.em
    topPadding: theme.em * 0.6
    header: Label {
        text: dialog.title
        visible: dialog.title !== ""
        elide: Label.ElideRight
        font.bold: true
        leftPadding: theme.em
        rightPadding: theme.em
        topPadding: theme.em * 0.8
        bottomPadding: theme.em * 0.2
        Accessible.role: Accessible.Heading
    }
    focus: true
    width: Math.min(parent ? parent.width - theme.em * 2 : theme.em * 36, theme.em * 36)
    height: Math.min(implicitHeight, parent ? parent.height - theme.em * 2 : implicitHeight)
    standardButtons: Dialog.Close

    ScrollView {
        id: scroller
        anchors.fill: parent
        implicitWidth: theme.em * 30
        implicitHeight: Math.min(content.implicitHeight, theme.em * 30)
        contentWidth: availableWidth
        clip: true
        ColumnLayout {
            id: content
            width: scroller.availableWidth
            spacing: theme.spacing
            GridLayout {
                Layout.fillWidth: true
                columns: 2
                columnSpacing: theme.spacing * 1.5
                rowSpacing: theme.spacing * 0.4
                Repeater {
                    model: dialog.facts.length * 2
                    delegate: Label {
                        required property int index
                        readonly property bool isName: index % 2 === 0
                        Layout.fillWidth: !isName
                        Layout.alignment: Qt.AlignTop
                        text: dialog.facts[Math.floor(index / 2)][isName ? 0 : 1]
                        color: isName ? theme.neutral : dialog.palette.windowText
                        wrapMode: isName ? Text.NoWrap : Text.WrapAnywhere
                    }
                }
            }
            Label {
                text: qsTr("Attempts")
                font.bold: true
            }
            Label {
                visible: dialog.attemptList.length === 0
                text: qsTr("None: the request was answered by the proxy itself.")
                color: theme.neutral
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Repeater {
                model: dialog.attemptList
                delegate: RowLayout {
                    id: attempt
                    required property int index
                    required property var modelData
                    Layout.fillWidth: true
                    spacing: theme.spacing
                    readonly property bool ok: /:\s*ok$/.test(String(attempt.modelData))
                    readonly property bool aborted: /:\s*client aborted$/.test(String(attempt.modelData))
                    StateBadge {
                        text: String(attempt.index + 1)
                        kind: attempt.ok ? "good" : attempt.aborted ? "warn" : "bad"
                    }
                    Label {
                        Layout.fillWidth: true
                        // "key@route: outcome"; the outcome is core's English, said in the window's language.
                        text: {
                            const s = String(attempt.modelData)
                            const i = s.indexOf(": ")
                            return i < 0 ? s : s.slice(0, i + 2) + Backend.translated(s.slice(i + 2))
                        }
                        font.family: theme.mono
                        wrapMode: Text.WrapAnywhere
                    }
                }
            }
        }
    }
}
