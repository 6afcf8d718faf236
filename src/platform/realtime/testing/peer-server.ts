/**
 * A second Atrium process for the multi-process tests: `node --import tsx peer-server.ts` with
 * PEER_DATABASE_URL. It prints `{"port":…}` once listening, then publishes what it is told on stdin
 * (one JSON line `{"id","topic","event","data"}` each, answered `{"id","ok"}`), and stops when stdin ends.
 */
import readline from 'node:readline';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../../app.js';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../db/pool.js';

const url = process.env.PEER_DATABASE_URL;
if (!url) throw new Error('PEER_DATABASE_URL is required');
const database = openDatabase(url, { max: 5, applicationName: 'atrium-peer' });
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000' });
const app = await buildApp({ config, database, logger: false, modules: [] });
await app.listen({ host: '127.0.0.1', port: 0 });
const say = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
say({ port: (app.server.address() as AddressInfo).port });

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const { id, topic, event, data } = JSON.parse(line);
  try {
    await app.platform.realtime.publish(topic, event, data);
    say({ id, ok: true });
  } catch (err) {
    say({ id, ok: false, error: (err as Error).message });
  }
});
lines.on('close', async () => {
  await app.close();
  await database.close();
  process.exit(0);
});
