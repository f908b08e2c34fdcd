/**
 * Builds the admin UI into dist/ui, which the gateway serves (src/web/ui.ts).
 * The page is served with a Content-Security-Policy without 'unsafe-inline',
 * so the output must hold no inline script or style: module scripts and CSS
 * are separate files, and the module-preload polyfill (an inline script) is off.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // Inlined assets would become data: URLs in CSS or scripts; files keep the CSP simple.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
});
