// SPDX-License-Identifier: GPL-3.0-or-later
// Pages are loaded when first visited; only sign-in and the shell come with the first load.
import { createRouter, createWebHistory } from 'vue-router'
import { watch } from 'vue'
import { useSession } from './stores/session'
import { lang, t, type MessageKey } from './lib/i18n'
import LoginView from './views/LoginView.vue'
import AppShell from './components/AppShell.vue'

declare module 'vue-router' {
  interface RouteMeta {
    title: MessageKey
    public?: boolean
  }
}

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { title: 'login.title', public: true } },
    {
      path: '/',
      component: AppShell,
      meta: { title: 'nav.dashboard' },
      children: [
        { path: '', redirect: { name: 'dashboard' } },
        {
          path: 'dashboard',
          name: 'dashboard',
          component: () => import('./views/DashboardView.vue'),
          meta: { title: 'nav.dashboard' },
        },
        { path: 'keys', name: 'keys', component: () => import('./views/KeysView.vue'), meta: { title: 'nav.keys' } },
        {
          path: 'relays',
          name: 'relays',
          component: () => import('./views/RelaysView.vue'),
          meta: { title: 'nav.relays' },
        },
        {
          path: 'tokens',
          name: 'tokens',
          component: () => import('./views/TokensView.vue'),
          meta: { title: 'nav.tokens' },
        },
        {
          path: 'files',
          name: 'files',
          component: () => import('./views/FilesView.vue'),
          meta: { title: 'nav.files' },
        },
        { path: 'logs', name: 'logs', component: () => import('./views/LogsView.vue'), meta: { title: 'nav.logs' } },
        { path: 'tls', name: 'tls', component: () => import('./views/TlsView.vue'), meta: { title: 'nav.tls' } },
        {
          path: 'settings',
          name: 'settings',
          component: () => import('./views/SettingsView.vue'),
          meta: { title: 'nav.settings' },
        },
      ],
    },
    { path: '/:rest(.*)*', redirect: { name: 'dashboard' } },
  ],
})

router.beforeEach(async (to) => {
  const session = useSession()
  if (!session.known) {
    await session.restore()
  }
  if (!to.meta.public && !session.signedIn) {
    return { name: 'login', query: to.fullPath && to.fullPath !== '/' ? { next: to.fullPath } : {} }
  }
  if (to.name === 'login' && session.signedIn) {
    return { name: 'dashboard' }
  }
  return true
})

function setTitle() {
  const route = router.currentRoute.value
  const title = route.meta.title ? t(route.meta.title) : ''
  document.title = title ? `${title} · ${t('app.name')}` : t('app.name')
}
router.afterEach(() => setTitle())
watch(lang, setTitle)
