// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// The Settings page's tokens card: a new token is created through TokensController, the name field is cleared,
// and only the card that asked says so (every card hears the controller's signals).
Item {
    id: root
    width: 800
    height: 600

    Component {
        id: cardComponent
        TokensCard {
            width: root.width
        }
    }

    SignalSpy {
        id: toastSpy
        target: Backend
        signalName: "toast"
    }
    SignalSpy {
        id: createdSpy
        target: TokensController
        signalName: "tokenCreated"
    }

    TestCase {
        name: "TokensCard"
        when: windowShown

        function findByName(item, name) {
            if (item.objectName === name)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findByName(item.children[i], name)
                if (found)
                    return found
            }
            return null
        }

        // Copying a token says so on the toast line (the token itself is never shown).
        function test_copyConfirms() {
            if (Backend.tokens.count === 0) {
                TokensController.createToken("qml-copy")
                tryVerify(() => Backend.tokens.count > 0, 10000)
            }
            const card = createTemporaryObject(cardComponent, root)
            verify(card)
            tryVerify(() => findByName(card, "copyToken") !== null, 10000, "a token row has a Copy button")
            toastSpy.clear()
            findByName(card, "copyToken").clicked()
            tryCompare(toastSpy, "count", 1, 10000)
            verify(/copied to the clipboard/.test(String(toastSpy.signalArguments[0][0])), toastSpy.signalArguments[0][0])
        }

        function test_createsAToken() {
            const asking = createTemporaryObject(cardComponent, root)
            const other = createTemporaryObject(cardComponent, root)
            verify(asking && other)
            const field = findByName(asking, "newTokenField")
            verify(field, "the name field has objectName newTokenField")
            const before = Backend.tokens.count

            field.text = "Not Valid"
            verify(asking.newTokenProblem !== "", "upper case and spaces are refused before asking")
            field.text = "qml-card"
            compare(asking.newTokenProblem, "")
            toastSpy.clear()
            createdSpy.clear()
            asking.createToken()
            createdSpy.wait(10000)
            compare(createdSpy.signalArguments[0].length, 2, "tokenCreated(request, name): no token in it")
            compare(createdSpy.signalArguments[0][1], "qml-card")
            tryCompare(Backend.tokens, "count", before + 1, 10000)
            compare(field.text, "", "the name is cleared once created")
            tryCompare(toastSpy, "count", 1, 5000)
            verify(String(toastSpy.signalArguments[0][0]).indexOf("qml-card") >= 0, toastSpy.signalArguments[0][0])
            wait(50)
            compare(toastSpy.count, 1, "only the card that asked says so")

            // The name exists now: refused before asking.
            field.text = "qml-card"
            verify(asking.newTokenProblem !== "")
            field.text = ""
        }
    }
}
