// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls

// Requests per minute over the last hour as bars: answered requests in the accent colour, failed ones stacked
// on top in the error colour. Hovering a bar tells its minute and counts.
Canvas {
    id: chart
    // 60 numbers, oldest first; the last one is the current minute.
    property var total: []
    property var successes: []
    property real nowMs: 0

    Theme {
        id: theme
        palette: chart.palette
    }

    readonly property int peak: {
        let m = 0
        for (let i = 0; i < chart.total.length; ++i)
            m = Math.max(m, Number(chart.total[i]))
        return m
    }
    // The top of the scale: 1, 2, 5, 10, 20, 50 … at or above the peak.
    readonly property int scaleMax: {
        let step = 1
        while (true) {
            for (const f of [1, 2, 5]) {
                if (f * step >= chart.peak && f * step >= 1)
                    return f * step
            }
            step *= 10
        }
    }
    readonly property int hoveredBar: hover.hovered && chart.total.length > 0
                                      ? Math.max(0, Math.min(chart.total.length - 1,
                                                             Math.floor(hover.point.position.x / (chart.width / chart.total.length))))
                                      : -1

    Accessible.role: Accessible.Chart
    Accessible.name: qsTr("Requests per minute, last hour")

    onTotalChanged: requestPaint()
    onSuccessesChanged: requestPaint()
    onWidthChanged: requestPaint()
    onHeightChanged: requestPaint()
    onHoveredBarChanged: requestPaint()
    onPaletteChanged: requestPaint()

    onPaint: {
        const ctx = getContext("2d")
        ctx.reset()
        const n = chart.total.length
        const w = chart.width
        const h = chart.height
        ctx.strokeStyle = theme.border
        ctx.lineWidth = 1
        for (const f of [0, 0.5, 1]) {
            const y = Math.round(h - f * (h - 1)) - 0.5
            ctx.beginPath()
            ctx.moveTo(0, y)
            ctx.lineTo(w, y)
            ctx.stroke()
        }
        if (n === 0)
            return
        const slot = w / n
        const gap = Math.max(1, Math.round(slot * 0.2))
        for (let i = 0; i < n; ++i) {
            const all = Number(chart.total[i]) || 0
            const ok = Math.min(all, Number(chart.successes[i]) || 0)
            if (all <= 0)
                continue
            const x = Math.round(i * slot) + gap / 2
            const bw = Math.max(1, Math.round(slot) - gap)
            const hOk = ok / chart.scaleMax * (h - 1)
            const hAll = all / chart.scaleMax * (h - 1)
            ctx.fillStyle = i === chart.hoveredBar ? Qt.darker(theme.accent, theme.dark ? 0.8 : 1.25) : theme.accent
            ctx.fillRect(x, h - hOk, bw, hOk)
            if (all > ok) {
                ctx.fillStyle = theme.bad
                ctx.fillRect(x, h - hAll, bw, hAll - hOk)
            }
        }
    }

    HoverHandler {
        id: hover
    }
    ToolTip {
        parent: chart
        visible: chart.hoveredBar >= 0
        x: Math.min(chart.width - width, Math.max(0, hover.point.position.x - width / 2))
        y: -height - 4
        text: {
            const i = chart.hoveredBar
            if (i < 0)
                return ""
            const minutesAgo = chart.total.length - 1 - i
            const when = new Date(chart.nowMs - minutesAgo * 60000)
            const all = Number(chart.total[i]) || 0
            const ok = Number(chart.successes[i]) || 0
            return qsTr("%1 — requests: %2, failed: %3").arg(Qt.formatTime(when, "hh:mm")).arg(all).arg(all - Math.min(all, ok))
        }
    }
}
