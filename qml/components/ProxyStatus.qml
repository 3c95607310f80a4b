// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import GeminiAggregator.Ui

// What the proxy's state is called where it is shown (the navigation, the Dashboard), its colour kind, and why,
// in words: a fresh install has no keys yet (not "Degraded"), and a degraded or failed state names its causes.
QtObject {
    readonly property bool noKeys: Backend.listening && Backend.state !== "error" && Backend.totalKeys === 0
    readonly property string name: {
        if (noKeys)
            return qsTr("No keys yet")
        switch (Backend.state) {
        case "running": return qsTr("Running")
        case "degraded": return qsTr("Degraded")
        case "stopped": return qsTr("Stopped")
        case "error": return qsTr("Error")
        }
        return Backend.state
    }
    // good | warn | bad | neutral (StateBadge's kinds)
    readonly property string kind: noKeys ? "neutral"
                                 : Backend.state === "running" ? "good"
                                 : Backend.state === "degraded" ? "warn"
                                 : Backend.state === "error" ? "bad" : "neutral"
    readonly property bool relaysMatter: Backend.mode !== "local"
    readonly property int relaysDown: Backend.totalRelays - Backend.healthyRelays - Backend.uncheckedRelays
    // Each cause on its own line.
    readonly property var reasons: {
        const out = []
        if (Backend.errorText !== "")
            out.push(Backend.errorText)
        if (!Backend.listening && Backend.errorText === "")
            out.push(qsTr("Not serving requests: switch Serve on to start."))
        if (Backend.totalKeys === 0) {
            out.push(qsTr("Add a Gemini API key to serve requests."))
        } else if (Backend.usableKeys === 0 && Backend.coolingKeys === 0) {
            out.push(qsTr("No key can be used: every key is invalid or disabled."))
        }
        if (Backend.coolingKeys > 0)
            out.push(qsTr("%n key(s) cooling down after a rate limit.", "", Backend.coolingKeys))
        if (Backend.invalidKeys > 0)
            out.push(qsTr("%n key(s) invalid.", "", Backend.invalidKeys))
        if (relaysMatter && Backend.totalRelays === 0)
            out.push(Backend.mode === "serverless" ? qsTr("Serverless mode needs a relay: add one on the Relays page.")
                                                   : qsTr("Hybrid mode has no relay: requests go straight to Google."))
        if (relaysMatter && relaysDown > 0)
            out.push(qsTr("%n relay(s) down.", "", relaysDown))
        return out
    }
    readonly property string why: reasons.join("\n")
}
