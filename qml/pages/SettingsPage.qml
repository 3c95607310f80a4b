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
    readonly property bool saving: requests.count > 0
    // The last proxy password request removed it (an empty field), for its toast.
    property bool proxyPasswordRemoved: false

    readonly property var typedValues: page.typed(page.edits)
    readonly property var liveProblems: Object.keys(page.edits).length > 0 ? SettingsController.checkSettings(page.typedValues) : ({})
    // The configured address could not be bound (at start-up, or since): shown at the port until it is edited.
    readonly property var listenProblems: SettingsController.listenProblem !== "" && page.edits["listen.port"] === undefined
                                          && page.edits["listen.host"] === undefined
                                          ? { "listen.port": SettingsController.listenProblem } : ({})
    readonly property var problems: Object.assign({}, page.listenProblems, page.saveProblems, page.liveProblems)
    readonly property int changeCount: Object.keys(page.edits).length
    readonly property int problemCount: Object.keys(page.problems).length
    readonly property real labelWidth: page.em * 12

    // Whole numbers typed into int fields become numbers; anything else stays text for the check to refuse.
    function typed(map) {
        const out = {}
        for (const path in map) {
            const v = map[path]
            if (typeof v === "string" && SettingsController.setting(path).kind === "int" && /^\s*-?\d+\s*$/.test(v))
                out[path] = Number(v)
            else
                out[path] = v
        }
        return out
    }
    function setValue(path, value) {
        const next = Object.assign({}, page.edits)
        const saved = SettingsController.setting(path).value
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
        requests.add(SettingsController.saveSettings(page.typedValues))
    }

    Requests {
        id: requests
    }
    Connections {
        target: SettingsController
        function onProxyPasswordSaved(request) {
            if (requests.take(request) === undefined)
                return
            Backend.toast(page.proxyPasswordRemoved ? qsTr("Proxy password removed.")
                                                    : qsTr("Proxy password stored in the secret store."))
        }
        function onSettingsSaved(request) {
            if (requests.take(request) === undefined)
                return
            page.edits = {}
            page.saveProblems = {}
            page.revision += 1
            Backend.toast(qsTr("Settings saved."))
        }
        function onFailed(request, message, problems) {
            if (requests.take(request) === undefined)
                return
            const map = {}
            for (const p of (problems || []))
                map[p.path] = p.message
            page.saveProblems = map
            Backend.toast(message ? message : qsTr("Nothing was saved: fix the marked fields."))
        }
    }

    Shortcut {
        sequences: [StandardKey.Save]
        enabled: page.visible
        onActivated: page.save()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        // Return or Enter in a field saves (as Ctrl+S does); a focused button takes the key itself.
        Keys.onReturnPressed: page.save()
        Keys.onEnterPressed: page.save()

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
                id: httpsCard
                Layout.fillWidth: true
                title: qsTr("HTTPS")
                readonly property var tls: SettingsController.tlsStatus
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    text: httpsCard.tls.present
                          ? qsTr("In service: %1 for %2, until %3 (%4 days) — %5")
                                .arg(httpsCard.tls.subject)
                                .arg((httpsCard.tls.names || []).join(", "))
                                .arg(String(httpsCard.tls.notAfter).slice(0, 10))
                                .arg(Math.floor(httpsCard.tls.daysLeft))
                                .arg(httpsCard.tls.source === "acme" ? qsTr("ACME")
                                     : httpsCard.tls.source === "self-signed" ? qsTr("local CA") : qsTr("certificate files"))
                          : qsTr("No HTTPS listener. Set a port and a certificate: your own files, the local CA, or ACME.")
                }
                Label {
                    Layout.fillWidth: true
                    visible: !!httpsCard.tls.nextRenewal
                    wrapMode: Text.Wrap
                    text: qsTr("Next renewal: %1").arg(String(httpsCard.tls.nextRenewal || "").replace("T", " ").replace("Z", " UTC"))
                }
                Label {
                    Layout.fillWidth: true
                    visible: !!httpsCard.tls.lastError
                    wrapMode: Text.Wrap
                    color: page.theme.bad
                    text: qsTr("Last problem: %1").arg(httpsCard.tls.lastError || "")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.port"
                    title: qsTr("HTTPS port")
                    hint: qsTr("0: no HTTPS. A port of its own, beside the HTTP port.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.selfSigned"
                    title: qsTr("Local CA")
                    hint: qsTr("A certificate for this machine from a CA made once; 'gemini-aggregatord tls trust' shows how to trust it.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.certFile"
                    title: qsTr("Certificate file")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.keyFile"
                    title: qsTr("Key file")
                    hint: qsTr("Readable by you only (chmod 600). Replaced files are used for new connections at once.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.acme.directoryUrl"
                    title: qsTr("ACME directory")
                    hint: qsTr("The CA's directory URL, for example Let's Encrypt's (listed in the README).")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.acme.domains"
                    title: qsTr("ACME names")
                    hint: qsTr("Comma-separated; port 80 of each must reach this proxy's port.")
                }
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "listen.tls.acme.email"
                    title: qsTr("ACME contact")
                }
            }

            TokensCard {
                Layout.fillWidth: true
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
                    hint: qsTr("none, system, http://host:port or socks5://host:port; with a login, the user only: http://user@host:port")
                }
                // The proxy's password: the secret store's, never the config file; stored at once, not with Save.
                RowLayout {
                    Layout.fillWidth: true
                    // As a SettingField lays out: its label, its field, and the same gap at the right.
                    Layout.rightMargin: page.theme.spacing
                    spacing: page.theme.spacing
                    Label {
                        Layout.preferredWidth: page.labelWidth
                        text: qsTr("Proxy password")
                        wrapMode: Text.Wrap
                    }
                    TextField {
                        id: proxyPassword
                        objectName: "proxyPassword"
                        Layout.fillWidth: true
                        echoMode: TextInput.Password
                        placeholderTextColor: page.theme.neutral // as SettingField's: readable in every style
                        placeholderText: qsTr("Kept in the secret store only")
                        Accessible.name: qsTr("Proxy password")
                        Keys.onReturnPressed: storeProxyPassword.clicked()
                        Keys.onEnterPressed: storeProxyPassword.clicked()
                    }
                    Button {
                        id: storeProxyPassword
                        objectName: "storeProxyPassword"
                        text: proxyPassword.text === "" ? qsTr("Remove") : qsTr("Store")
                        enabled: !page.saving
                        onClicked: {
                            page.proxyPasswordRemoved = proxyPassword.text === ""
                            requests.add(SettingsController.saveProxyPassword(proxyPassword.text))
                            proxyPassword.text = ""
                        }
                    }
                }
            }

            Card {
                Layout.fillWidth: true
                title: qsTr("Routing and retries")
                SettingField {
                    id: modeField
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "routing.mode"
                    title: qsTr("Mode")
                    choiceLabels: ({ local: qsTr("Local"), serverless: qsTr("Serverless"), hybrid: qsTr("Hybrid") })
                    hint: qsTr("Local: straight to Google. Serverless: only through relays. Hybrid: relays first, then straight.")
                }
                // A mode that uses relays, chosen (or being chosen) without any: say what happens, as the
                // Dashboard does.
                RowLayout {
                    objectName: "modeWarning"
                    readonly property string mode: modeField.value === undefined ? "local" : String(modeField.value)
                    Layout.fillWidth: true
                    visible: mode !== "local" && Backend.totalRelays === 0
                    spacing: page.theme.spacing * 0.5
                    AppIcon {
                        iconName: "warning"
                        color: page.theme.warn
                        Layout.alignment: Qt.AlignTop
                    }
                    Label {
                        Layout.fillWidth: true
                        text: parent.mode === "serverless"
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
                SettingField {
                    Layout.fillWidth: true
                    form: page
                    labelWidth: page.labelWidth
                    path: "upstream.idleTimeoutMs"
                    title: qsTr("Unused connection")
                    hint: qsTr("Kept open this long for the next request, then closed.")
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

            AppSettingsCard {
                Layout.fillWidth: true
                form: page
                labelWidth: page.labelWidth
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
}
