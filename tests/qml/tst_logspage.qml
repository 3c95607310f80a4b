// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// The Logs page names what a request called in plain words (generateContent and streamGenerateContent are not
// told apart by an icon), and a request the client gave up shows as such, with its attempt.
Item {
    id: root
    width: 1000
    height: 700

    RequestDialog {
        id: dialog
    }

    TestCase {
        name: "LogsPage"
        when: windowShown

        function test_callName() {
            const component = Qt.createComponent("qrc:/GeminiAggregator/Ui/pages/LogsPage.qml")
            compare(component.status, Component.Ready, component.errorString())
            const page = createTemporaryObject(component, root, { width: root.width, height: root.height })
            verify(page)
            compare(page.callName("/v1beta/models/gemini-2.5-flash:generateContent"), "generateContent")
            compare(page.callName("/v1beta/models/gemini-2.5-flash:streamGenerateContent"), "streamGenerateContent")
            compare(page.callName("/v1beta/files"), "/v1beta/files")
            verify(page.clientAborted("k1@direct: client aborted"))
            verify(page.clientAborted("k1@direct: rate_limited → k2@direct: client aborted"))
            verify(!page.clientAborted("k1@direct: ok"))
            verify(!page.clientAborted(""))
        }

        function findText(item, text) {
            if (item.text === text && item.visible)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findText(item.children[i], text)
                if (found)
                    return found
            }
            if (item.contentItem && item.contentItem !== item) {
                const found = findText(item.contentItem, text)
                if (found)
                    return found
            }
            return null
        }

        function test_abortedStreamInTheDialog() {
            dialog.openFor({
                requestId: 7, method: "POST", path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                model: "gemini-2.5-flash", status: 200, keyId: "k1", route: "direct", attempts: 1,
                attemptsText: "k1@direct: client aborted", stream: true, broken: true, tokensIn: 12, tokensOut: 40
            })
            tryCompare(dialog, "opened", true)
            verify(dialog.aborted)
            compare(dialog.callName, "streamGenerateContent")
            compare(dialog.attemptList.length, 1)
            verify(findText(dialog.contentItem, "None: the request was answered by the proxy itself.") === null,
                   "an aborted stream is not 'answered by the proxy itself'")
            verify(findText(dialog.contentItem, "Yes, the client stopped it before the end") !== null)
            dialog.close()
            tryCompare(dialog, "opened", false)

            dialog.openFor({ requestId: 8, method: "GET", path: "/v1beta/models", status: 200, attemptsText: "" })
            tryCompare(dialog, "opened", true)
            verify(!dialog.aborted)
            compare(dialog.callName, "")
            verify(findText(dialog.contentItem, "None: the request was answered by the proxy itself.") !== null)
            dialog.close()
            tryCompare(dialog, "opened", false)
        }
    }
}
