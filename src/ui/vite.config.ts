/**
 * Builds the `meshless serve` front end into dist/ui: relative asset paths (the
 * server serves it from any base), no CDN, nothing fetched at run time.
 * Run from the repository root: vite build --config src/ui/vite.config.ts
 */
import { defineConfig } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: decodeURIComponent(new URL('../../dist/ui', import.meta.url).pathname),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    reportCompressedSize: false,
  },
});
