// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// Colours and sizes derived from the palette, so light and dark themes both work. Every colour text is drawn in
// is made readable here: at least 4.5:1 (WCAG AA) against the window and the card colour, moved towards black or
// white from its hue when the palette's own falls short.
// Make one where needed: Theme { id: theme; palette: root.palette }
// The window (Main.qml) gives every page a palette that is already readable (see `windowPalette`), so a page's
// Theme mostly returns the palette's own colours.
QtObject {
    id: theme

    // A QML palette, a SystemPalette, or any object with the same colour roles.
    property var palette
    property font font
    readonly property FontMetrics metrics: FontMetrics {
        font: theme.font
    }
    // One line of text: the unit for sizes that should follow the font (and so the screen's scale).
    readonly property real em: metrics.height
    readonly property real spacing: Math.round(em * 0.6)

    // What text is read on: the window and the cards (the palette's base).
    readonly property color window: theme.palette ? theme.palette.window : "#efefef"
    readonly property color text: theme.palette ? theme.palette.windowText : "#000000"
    readonly property color card: theme.palette ? theme.palette.base : "#ffffff"
    readonly property bool dark: theme.luminance(theme.window) < theme.luminance(theme.text)
    // The navigation's background: the window, a shade towards the text colour.
    readonly property color sidebar: Qt.tint(theme.window, theme.wash(theme.text, theme.dark ? 0.05 : 0.03))
    readonly property var surfaces: [theme.window, theme.card, theme.sidebar]

    // State colours: a hue per state, made readable on the window and the cards.
    readonly property color good: theme.readable(dark ? "#6dd58c" : "#1e7e34", surfaces)
    readonly property color warn: theme.readable(dark ? "#f2b84b" : "#a35a00", surfaces)
    readonly property color bad: theme.readable(dark ? "#f28b82" : "#c5221f", surfaces)
    // Secondary text: the palette's placeholder colour, as readable as body text has to be.
    readonly property color neutral: theme.readable(theme.palette ? theme.over(theme.palette.placeholderText, theme.window)
                                                                  : "#707070", surfaces)
    // Fills (chart bars, step circles, selection): the palette's highlight. Text in the accent: accentText.
    readonly property color accent: theme.palette ? theme.palette.highlight : "#3b82f6"
    readonly property color accentText: theme.readable(theme.accent, surfaces)
    readonly property color border: theme.palette ? theme.palette.mid : "#808080"
    // The text of a button that destroys something (Delete, Revoke), readable on the button.
    readonly property color button: theme.palette ? theme.palette.button : theme.window
    // (Styles shade buttons: a gradient, a lighter face when hovered.)
    readonly property color badOnButton: theme.readable(theme.bad, [theme.button, theme.mix(theme.button, theme.text, 0.15),
                                                                     theme.mix(theme.button, theme.window, 0.5)])
    readonly property string mono: Qt.platform.os === "windows" ? "Consolas"
                                 : Qt.platform.os === "osx" ? "Menlo" : "monospace"

    // `c` at `alpha`: badge and banner backgrounds (drawn over the window or a card).
    function wash(c, alpha) {
        return Qt.rgba(c.r, c.g, c.b, alpha)
    }
    function kindColor(kind) {
        return kind === "good" ? good : kind === "warn" ? warn : kind === "bad" ? bad : neutral
    }

    // A colour from a colour or a colour name.
    function toColor(c) {
        return Qt.tint(c, "transparent")
    }
    // Relative luminance and contrast ratio as WCAG 2 defines them.
    function luminance(value) {
        const c = theme.toColor(value)
        const f = v => v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b)
    }
    function contrast(a, b) {
        const x = theme.luminance(a)
        const y = theme.luminance(b)
        return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
    }
    // `c` drawn over the opaque `bg` (for colours with alpha, such as a placeholder colour).
    function over(value, background) {
        const c = theme.toColor(value)
        const bg = theme.toColor(background)
        const a = c.a
        return Qt.rgba(c.r * a + bg.r * (1 - a), c.g * a + bg.g * (1 - a), c.b * a + bg.b * (1 - a), 1)
    }
    function mix(x, y, t) {
        const a = theme.toColor(x)
        const b = theme.toColor(y)
        return Qt.rgba(a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t, 1)
    }
    // `fg` as it is when it reads at 4.5:1 on every colour of `backgrounds`; otherwise moved step by step towards
    // black or white (away from the backgrounds) until it does. Keeps the hue as long as it can.
    function readable(fg, backgrounds) {
        const bgs = backgrounds.map(b => theme.toColor(b))
        let c = theme.toColor(fg)
        if (c.a < 1)
            c = theme.over(c, bgs[0])
        const bright = bgs.reduce((sum, b) => sum + theme.luminance(b), 0) / bgs.length
        const pole = bright > 0.18 ? Qt.rgba(0, 0, 0, 1) : Qt.rgba(1, 1, 1, 1)
        for (let t = 0; t <= 1.0001; t += 0.04) {
            const m = theme.mix(c, pole, t)
            if (bgs.every(b => theme.contrast(m, b) >= 4.6))
                return m
        }
        return pole
    }
    // Text on a coloured fill (a badge, a selected item): `preferred` when it reads, else black or white.
    function onColor(fill, preferred) {
        const bg = theme.toColor(fill)
        if (preferred !== undefined && theme.contrast(preferred, bg) >= 4.6)
            return preferred
        return theme.contrast("#ffffff", bg) >= theme.contrast("#000000", bg) ? "#ffffff" : "#000000"
    }
    // A fill that `foreground` reads on at 4.5:1, as close to `fill` as can be (the selected item's highlight).
    function fillFor(fill, foreground) {
        return theme.readable(fill, [foreground])
    }
}
