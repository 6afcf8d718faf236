/**
 * `npm run dev`: the API restarting on every server change (tsx watch) and the web app on Vite's dev
 * server with hot reload, which proxies /api (and the WebSocket stream) to the API: open the URL it prints.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createServer } from 'vite';

const root = path.resolve(import.meta.dirname, '../..');
const apiPort = Number(process.env.PORT ?? 3000);
const webPort = Number(process.env.WEB_DEV_PORT ?? 5173);
process.env.ATRIUM_API_URL ??= `http://127.0.0.1:${apiPort}`;

const api = spawn(path.join(root, 'node_modules/.bin/tsx'), ['watch', 'src/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  // Reset links in emails point at the page with hot reload.
  env: { ...process.env, PORT: String(apiPort), PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${webPort}` },
});

const vite = await createServer({ configFile: path.join(root, 'web/vite.config.ts'), server: { port: webPort } });
await vite.listen();
console.log(`\nWeb app with hot reload: http://localhost:${vite.config.server.port}  (API on port ${apiPort})\n`);

const stop = async () => {
  api.kill('SIGTERM');
  await vite.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
api.on('exit', (code) => {
  console.error(`the API process exited (code ${code}); stopping`);
  void stop();
});
