// SPDX-License-Identifier: GPL-3.0-or-later
// Toasts and confirmations (Element Plus services, imported with their CSS only here).
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { t } from './i18n'

export function notifyError(message: string) {
  ElMessage({ type: 'error', message, showClose: true, duration: 6000 })
}

export function notifyOk(message: string) {
  ElMessage({ type: 'success', message, duration: 2500 })
}

// Resolves true when confirmed. The confirm button's name is `action` (e.g. "Delete"), class ga-confirm-ok.
export async function confirmAction(message: string, action: string, danger = true): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, t('common.confirmTitle'), {
      confirmButtonText: action,
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: danger ? 'ga-confirm-ok el-button--danger' : 'ga-confirm-ok',
      type: danger ? 'warning' : 'info',
      autofocus: false,
    })
    return true
  } catch {
    return false
  }
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    notifyOk(t('common.copied'))
    return true
  } catch {
    // Clipboard API unavailable (plain HTTP on another host): fall back to a hidden textarea.
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.appendChild(area)
    area.select()
    const ok = document.execCommand('copy')
    area.remove()
    if (ok) notifyOk(t('common.copied'))
    else notifyError(t('common.copyFailed'))
    return ok
  }
}
