// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// Every page builds on its own, against the live Backend, without errors.
Item {
    id: root
    width: 1000
    height: 700

    TestCase {
        name: "Pages"
        when: windowShown

        function test_page_data() {
            return [
                { tag: "dashboard", file: "DashboardPage" },
                { tag: "keys", file: "KeysPage" },
                { tag: "instances", file: "InstancesPage" },
                { tag: "bindings", file: "BindingsPage" },
                { tag: "files", file: "FilesPage" },
                { tag: "logs", file: "LogsPage" },
                { tag: "settings", file: "SettingsPage" },
                { tag: "firstrun", file: "FirstRunPage" }
            ]
        }
        function test_page(row) {
            const component = Qt.createComponent("qrc:/GeminiAggregator/Ui/pages/" + row.file + ".qml")
            compare(component.status, Component.Ready, component.errorString())
            const page = createTemporaryObject(component, root, { width: root.width, height: root.height })
            verify(page !== null, "the page was not created")
            waitForRendering(root)
        }
    }
}
