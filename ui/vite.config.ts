import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// Resolved from this file so `vite build ui` (from the repo root) and `npm run build -w ui` agree.
const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  base: '/',
  // No @vitejs/plugin-react: npm hoisted it beside the root's Vite 8, so it imports that Vite, not ui's Vite 7
  // (type clash, wrong code path). esbuild compiles JSX from tsconfig's `jsx: react-jsx`; only HMR
  // fast refresh is lost (pages reload instead).
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    // The collector serves /api/v1 on the same origin in production; mirror that in development.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
