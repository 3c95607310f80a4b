// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// A setting field shows the schema's message next to an invalid value, and nothing is saved until the
// whole form is valid.
Item {
    id: root
    width: 800
    height: 400

    QtObject {
        id: form
        property var edits: ({})
        property var problems: ({})
        property int revision: 0
        function setValue(path, value) {
            const next = Object.assign({}, edits)
            next[path] = value
            edits = next
            problems = SettingsController.checkSettings(edits)
            revision++
        }
    }

    // How each save request ended, as the Settings page hears it (request id → {ok, message, problems}).
    QtObject {
        id: saves
        property var outcomes: ({})
    }
    Connections {
        target: SettingsController
        function onSettingsSaved(request) {
            saves.outcomes[request] = { ok: true }
        }
        function onFailed(request, message, problems) {
            saves.outcomes[request] = { ok: false, message: message, problems: problems }
        }
    }

    SettingField {
        id: portField
        width: root.width
        path: "listen.port"
        title: "Port"
        form: form
    }

    TestCase {
        name: "SettingField"
        when: windowShown

        function test_invalidValueShowsTheMessage() {
            const saved = SettingsController.setting("listen.port").value
            compare(portField.kind, "int")
            compare(portField.problem, "")
            form.setValue("listen.port", 70000)
            verify(portField.problem.indexOf("port") >= 0, portField.problem)
            verify(portField.edited)
            // Only checked: the config still has the old port.
            compare(SettingsController.setting("listen.port").value, saved)
            form.setValue("listen.port", saved)
            compare(portField.problem, "")
        }

        function test_saveRefusesInvalidValues() {
            const request = SettingsController.saveSettings({ "listen.port": 0 })
            verify(request > 0)
            tryVerify(function () { return saves.outcomes[request] !== undefined }, 5000)
            const result = saves.outcomes[request]
            compare(result.ok, false)
            compare(result.problems.length, 1)
            compare(result.problems[0].path, "listen.port")
        }
    }
}
