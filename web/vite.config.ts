// Builds the dashboard into dist/web, which the server serves at `/` (server/http/dashboard.ts).
// `npm run dev:web` proxies the API to a running `slactl serve` (SLACTL_URL, default :8080).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const target = process.env.SLACTL_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The CSP allows no inline script: keep the module preload helper in a file, not inline.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/api': { target, changeOrigin: false }, '/login': target, '/logout': target },
  },
});
