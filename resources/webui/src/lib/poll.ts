// SPDX-License-Identifier: GPL-3.0-or-later
// Runs `tick` now and every `ms` while the page is visible (and at once when it becomes visible again).
import { onBeforeUnmount, onMounted } from 'vue'

export function usePolling(tick: () => Promise<void> | void, ms: number) {
  let timer: number | undefined
  let running = false
  async function run() {
    if (running || document.visibilityState !== 'visible') return
    running = true
    try {
      await tick()
    } finally {
      running = false
    }
  }
  function onVisibility() {
    if (document.visibilityState === 'visible') run()
  }
  onMounted(() => {
    run()
    timer = window.setInterval(run, ms)
    document.addEventListener('visibilitychange', onVisibility)
  })
  onBeforeUnmount(() => {
    window.clearInterval(timer)
    document.removeEventListener('visibilitychange', onVisibility)
  })
  return { refresh: run }
}
