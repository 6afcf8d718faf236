import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.ATRIUM_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    sourcemap: false,
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: false,
    // The API and its WebSocket stay on the API server; the browser sees one origin, as in production.
    proxy: {
      '/api': { target: api, changeOrigin: false, ws: true },
      '/docs': { target: api },
      '/openapi.json': { target: api },
      '/health': { target: api },
    },
  },
});
