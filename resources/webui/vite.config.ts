// SPDX-License-Identifier: GPL-3.0-or-later
// The console is served by gemini-aggregatord at /admin/. Element Plus components are imported on demand (the
// resolver adds each used component and its CSS), so the first load stays small.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// `GA_DAEMON=http://127.0.0.1:3145 npm run dev` proxies the API and the session to a running daemon.
const daemon = process.env.GA_DAEMON || 'http://127.0.0.1:3145'

export default defineConfig({
  base: '/admin/',
  plugins: [
    vue(),
    Components({
      dts: 'src/components.d.ts',
      dirs: [],
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
  ],
  // The dev server pre-bundles these at start instead of discovering them page by page (each discovery reloads).
  optimizeDeps: {
    include: [
      'vue',
      'vue-router',
      'pinia',
      'element-plus/es',
      'element-plus/es/locale/lang/zh-cn',
      ...[
        'base', 'alert', 'button', 'config-provider', 'dialog', 'drawer', 'input', 'message', 'message-box',
        'table-v2', 'tabs', 'tab-pane',
      ].map((c) => `element-plus/es/components/${c}/style/css`),
    ],
  },
  build: {
    target: 'es2020',
    chunkSizeWarningLimit: 400,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/admin/api': { target: daemon, changeOrigin: false, ws: false },
      '/admin/session': { target: daemon, changeOrigin: false },
    },
  },
})
