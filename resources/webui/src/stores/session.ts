// SPDX-License-Identifier: GPL-3.0-or-later
// The admin session: the cookie is the daemon's (HttpOnly); the CSRF token lives only here, in memory. A reload
// asks the daemon for it again (GET /admin/session). The admin token is never kept.
import { defineStore } from 'pinia'
import { request } from '../lib/api'

interface SessionBody {
  csrfToken: string
  expiresAt: string
  insecureRemote: boolean
}

export const useSession = defineStore('session', {
  state: () => ({
    known: false, // whether the daemon was asked yet
    signedIn: false,
    csrfToken: '',
    expiresAt: '',
    insecureRemote: false,
  }),
  actions: {
    accept(body: SessionBody) {
      this.known = true
      this.signedIn = true
      this.csrfToken = body.csrfToken
      this.expiresAt = body.expiresAt
      this.insecureRemote = !!body.insecureRemote
    },
    forget() {
      this.known = true
      this.signedIn = false
      this.csrfToken = ''
      this.expiresAt = ''
    },
    async restore() {
      try {
        this.accept(await request<SessionBody>('GET', '/admin/session'))
      } catch {
        this.forget()
      }
    },
    // Throws ApiError (401: wrong token).
    async signIn(token: string) {
      this.accept(await request<SessionBody>('POST', '/admin/session', { token }))
    },
    async signOut() {
      try {
        await request<void>('DELETE', '/admin/session')
      } finally {
        this.forget()
      }
    },
  },
})
