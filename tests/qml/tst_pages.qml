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

        function findByName(item, name) {
            if (!item)
                return null
            if (item.objectName === name)
                return item
            const lists = [item.children, item.contentChildren || []]
            for (const list of lists) {
                for (let i = 0; i < list.length; ++i) {
                    const found = findByName(list[i], name)
                    if (found)
                        return found
                }
            }
            return item.contentItem && item.contentItem !== item ? findByName(item.contentItem, name) : null
        }

        // Settings says what a relay mode without a relay does, as soon as it is chosen (before saving).
        function test_settingsWarnsOfARelayModeWithoutRelays() {
            compare(Backend.totalRelays, 0)
            const component = Qt.createComponent("qrc:/GeminiAggregator/Ui/pages/SettingsPage.qml")
            compare(component.status, Component.Ready, component.errorString())
            const page = createTemporaryObject(component, root, { width: root.width, height: root.height })
            verify(page)
            const warning = findByName(page, "modeWarning")
            verify(warning, "no mode warning")
            compare(SettingsController.setting("routing.mode").value, "local")
            verify(!warning.visible)
            page.setValue("routing.mode", "hybrid")
            tryVerify(function () { return warning.visible })
            page.setValue("routing.mode", "local")
            tryVerify(function () { return !warning.visible })
        }
    }
}
