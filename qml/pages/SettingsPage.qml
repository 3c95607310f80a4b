// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "../components"

// Settings form: every change is checked as it is typed and shown next to its field; Save writes all of them
// at once, and only when every value is valid. Access tokens, language and start-at-login apply at once.
AppPage {
    id: page
    title: qsTr("Settings")

    // The form: typed values by setting path (only those that differ from the saved value).
    property var edits: ({})
    // Bumped after a save so fields re-read the saved values.
    property int revision: 0
    // Problems the last save reported, until the field is edited again.
    property var saveProblems: ({})
    property bool saving: false

    readonly property var typedValues: page.typed(page.edits)
    readonly property var liveProblems: Object.keys(page.edits).length > 0 ? Backend.checkSettings(page.typedValues) : ({})
    // The configured address could not be bound (at start-up, or since): shown at the port until it is edited.
    readonly property var listenProblems: Backend.listenProblem !== "" && page.edits["listen.port"] === undefined
                                          && page.edits["listen.host"] === undefined
                                          ? { "listen.port": Backend.listenProblem } : ({})
    readonly property var problems: Object.assign({}, page.listenProblems, page.saveProblems, page.liveProblems)
    readonly property int changeCount: Object.keys(page.edits).length
    readonly property int problemCount: Object.keys(page.problems).length
    readonly property real labelWidth: page.em * 12

    Fmt {
        id: fmt
    }

    // Whole numbers typed into int fields become numbers; anything else stays text for the check to refuse.
    function typed(map) {
        const out = {}
        for (const path in map) {
            const v = map[path]
            if (typeof v === "string" && Backend.setting(path).kind === "int" && /^\s*-?\d+\s*$/.test(v))
                out[path] = Number(v)
            else
                out[path] = v
        }
        return out
    }
    function setValue(path, value) {
        const next = Object.assign({}, page.edits)
        const saved = Backend.setting(path).value
        if (String(value) === String(saved))
            delete next[path]
        else
            next[path] = value
        page.edits = next
        if (page.saveProblems[path] !== undefined) {
            const sp = Object.assign({}, page.saveProblems)
            delete sp[path]
            page.saveProblems = sp
        }
    }
    function revert() {
        page.edits = {}
        page.saveProblems = {}
        page.revision += 1
    }
    function save() {
        if (page.changeCount === 0 || Object.keys(page.liveProblems).length > 0)
            return
        page.saving = true
        Backend.saveSettings(page.typedValues, function (result) {
            page.saving = false
            if (result.ok) {
                page.edits = {}
                page.saveProblems = {}
                page.revision += 1
                Backend.toast(qsTr("Settings saved."))
                return
            }
            const map = {}
            for (const p of (result.problems || []))
                map[p.path] = p.message
            page.saveProblems = map
            Backend.toast(result.message ? result.message : qsTr("Nothing was saved: fix the marked fields."))
        })
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
        if (name === "" || page.newTokenProblem !== "")
            return
        Backend.createToken(name, function (result) {
            if (result.ok) {
                newTokenField.clear()
                Backend.toast(qsTr("Token “%1” created and copied to the clipboard.").arg(name))
            } else {
                Backend.toast(result.message)
            }
        })
    }

    Shortcut {
        sequences: [StandardKey.Save]
        enabled: page.visible
        onActivated: page.save()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        ScrollColumn {
            Layout.fillWidth: true
            Layout.fillHeight: true

            Card {
                Layout.fillWidth: true
                title: qsTr("Proxy")
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.host"
                    title: qsTr("Listen address")
                    hint: qsTr("127.0.0.1 serves this machine only.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.port"
                    title: qsTr("Port")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.allowRemote"
                    title: qsTr("Allow other machines")
                    hint: qsTr("Needed for an address other machines can reach. They must send an access token.")
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Access tokens")
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Clients send a token as their API key. Give each tool its own, so you can revoke one alone. Tokens are copied, never shown.")
                    wrapMode: Text.Wrap
                    color: page.theme.neutral
                }
                Label {
                    visible: Backend.tokens.count === 0
                    text: qsTr("No tokens yet.")
                    color: page.theme.warn
                }
                Repeater {
                    model: Backend.tokens
                    delegate: RowLayout {
                        id: tokenRow
                        required property var model
                        Layout.fillWidth: true
                        spacing: page.theme.spacing
                        AppIcon {
                            iconName: "token"
                            color: page.theme.neutral
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
                                color: page.theme.neutral
                                elide: Text.ElideRight
                            }
                        }
                        Button {
                            text: qsTr("Copy")
                            icon.source: Qt.resolvedUrl("../icons/copy.svg")
                            icon.color: palette.buttonText
                            onClicked: Backend.copyAccessToken(tokenRow.model.name, function (result) {
                                if (!result.ok)
                                    Backend.toast(result.message)
                            })
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
                                                Backend.rotateToken(name, function (result) {
                                                    Backend.toast(result.ok ? qsTr("New value of “%1” copied to the clipboard.").arg(name) : result.message)
                                                })
                                            })
                            }
                        }
                        Button {
                            text: qsTr("Revoke")
                            icon.source: Qt.resolvedUrl("../icons/delete.svg")
                            icon.color: page.theme.bad
                            onClicked: {
                                const name = tokenRow.model.name
                                confirm.ask(qsTr("Revoke token"),
                                            qsTr("Revoke token “%1”? Tools using it stop working at once.").arg(name),
                                            qsTr("Revoke"), [],
                                            function () {
                                                Backend.revokeToken(name, function (result) {
                                                    Backend.toast(result.ok ? qsTr("Token revoked.") : result.message)
                                                })
                                            })
                            }
                        }
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    TextField {
                        id: newTokenField
                        Layout.fillWidth: true
                        Layout.maximumWidth: page.em * 16
                        placeholderText: qsTr("New token name, e.g. cline")
                        inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhLowercaseOnly
                        Accessible.name: qsTr("New token name")
                        onAccepted: page.createToken()
                    }
                    Button {
                        text: qsTr("Create token")
                        icon.source: Qt.resolvedUrl("../icons/add.svg")
                        icon.color: palette.buttonText
                        enabled: newTokenField.text !== "" && page.newTokenProblem === ""
                        onClicked: page.createToken()
                    }
                    Item {
                        Layout.fillWidth: true
                    }
                }
                Label {
                    Layout.fillWidth: true
                    visible: page.newTokenProblem !== ""
                    text: page.newTokenProblem
                    color: page.theme.bad
                    wrapMode: Text.Wrap
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Upstream")
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.baseUrl"
                    title: qsTr("Gemini API URL")
                    hint: qsTr("Where requests go in local mode.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.proxy"
                    title: qsTr("Outgoing proxy")
                    hint: qsTr("none, system, http://host:port or socks5://host:port")
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Routing and retries")
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "routing.mode"
                    title: qsTr("Mode")
                    choiceLabels: ({ local: qsTr("Local"), serverless: qsTr("Serverless"), hybrid: qsTr("Hybrid") })
                    hint: qsTr("Local: straight to Google. Serverless: only through relays. Hybrid: relays first, then straight.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "routing.fallbackToLocal"
                    title: qsTr("Fall back to direct")
                    hint: qsTr("In hybrid mode, go straight to Google when a relay fails.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "keys.strategy"
                    title: qsTr("Key rotation")
                    choiceLabels: ({ round_robin: qsTr("Round robin"), weighted: qsTr("Weighted"),
                                     least_used: qsTr("Least used"), random: qsTr("Random") })
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "keys.maxAttempts"
                    title: qsTr("Keys tried per request")
                    hint: qsTr("On a rate limit, a bad key or a server error, the next key is tried.")
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Timeouts")
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.connectTimeoutMs"
                    title: qsTr("Connect")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.firstByteTimeoutMs"
                    title: qsTr("First byte")
                    hint: qsTr("Long prompts can take minutes before the answer starts.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.streamIdleTimeoutMs"
                    title: qsTr("Silence in a stream")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.requestTimeoutMs"
                    title: qsTr("Whole request")
                    hint: qsTr("Until the answer starts, across every retry; a stream that has started runs on.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "routing.relayConnectTimeoutMs"
                    title: qsTr("Relay connect")
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Quota outlook")
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "quota.dailyRequests"
                    title: qsTr("Daily requests per model")
                    hint: qsTr("Per project (a key group, or a key alone). 0 hides the limit.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "quota.modelLimits"
                    title: qsTr("Limits per model")
                    hint: qsTr("e.g. gemini-2.5-pro=100, gemini-2.5-flash=250")
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("App")
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    Label {
                        Layout.preferredWidth: page.labelWidth
                        text: qsTr("Start at login")
                        wrapMode: Text.Wrap
                    }
                    Switch {
                        checked: Backend.startAtLogin
                        onToggled: Backend.startAtLogin = checked
                        Accessible.name: qsTr("Start at login")
                    }
                    Item {
                        Layout.fillWidth: true
                    }
                }
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    Label {
                        Layout.preferredWidth: page.labelWidth
                        text: qsTr("Language")
                        wrapMode: Text.Wrap
                    }
                    ComboBox {
                        id: languageBox
                        Layout.preferredWidth: Math.max(implicitWidth, page.em * 10)
                        textRole: "text"
                        valueRole: "value"
                        model: [
                            { value: "system", text: qsTr("System") },
                            { value: "en", text: "English" },
                            { value: "zh_CN", text: "简体中文" }
                        ]
                        currentIndex: Backend.language === "en" ? 1 : Backend.language === "zh_CN" ? 2 : 0
                        onActivated: (index) => Backend.language = model[index].value
                        Accessible.name: qsTr("Language")
                    }
                    Item {
                        Layout.fillWidth: true
                    }
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "ui.notifications"
                    title: qsTr("Notifications")
                    hint: qsTr("When a key turns invalid, all keys are cooling, or a relay goes down or up.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "log.level"
                    title: qsTr("Log level")
                    choiceLabels: ({ debug: qsTr("Debug"), info: qsTr("Info"), warning: qsTr("Warning"), error: qsTr("Error") })
                }
                RowLayout {
                    Layout.fillWidth: true
                    spacing: page.theme.spacing
                    Label {
                        Layout.preferredWidth: page.labelWidth
                        text: qsTr("Config file")
                        wrapMode: Text.Wrap
                    }
                    CopyField {
                        Layout.fillWidth: true
                        value: Backend.configPath
                        accessibleName: qsTr("Config file")
                        onCopyClicked: {
                            Backend.copyText(Backend.configPath)
                            Backend.toast(qsTr("Path copied."))
                        }
                    }
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Version %1").arg(Backend.version)
                    color: page.theme.neutral
                }
            }
        }

        // Save bar
        Pane {
            Layout.fillWidth: true
            padding: page.em * 0.5
            leftPadding: page.em
            rightPadding: page.em
            background: Rectangle {
                color: page.palette.window
                Rectangle {
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.top: parent.top
                    height: 1
                    color: page.theme.border
                }
            }
            contentItem: RowLayout {
                spacing: page.theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: page.problemCount > 0 ? qsTr("%n field(s) need a fix before saving.", "", page.problemCount)
                        : page.changeCount > 0 ? qsTr("%n unsaved change(s)", "", page.changeCount)
                        : qsTr("All changes saved.")
                    color: page.problemCount > 0 ? page.theme.bad : page.theme.neutral
                    elide: Text.ElideRight
                }
                Button {
                    text: qsTr("Revert")
                    enabled: page.changeCount > 0 && !page.saving
                    onClicked: page.revert()
                }
                Button {
                    text: page.saving ? qsTr("Saving…") : qsTr("Save")
                    highlighted: true
                    enabled: page.changeCount > 0 && Object.keys(page.liveProblems).length === 0 && !page.saving
                    onClicked: page.save()
                }
            }
        }
    }

    ConfirmDialog {
        id: confirm
    }
}
