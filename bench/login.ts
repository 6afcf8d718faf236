/** `POST /api/v1/auth/login`: bounded by argon2id (19 MiB, t=2) by design; measures what one process sustains. */
import { parseArgs } from 'node:util';
import { machine, startServer } from './lib/server.js';
import { hammer } from './lib/http.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '15' }, connections: { type: 'string', default: '8' } } });
const server = await startServer();
try {
  const body = JSON.stringify({ email: 'bench@atrium.local', password: 'bench-password-123' });
  const options = { url: `${server.url}/api/v1/auth/login`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  await hammer({ ...options, duration: 2, connections: Number(values.connections) });
  const run = await hammer({ ...options, duration: Number(values.duration), connections: Number(values.connections) });
  console.log(JSON.stringify({ scenario: 'POST /api/v1/auth/login', machine: machine(), ...run }, null, 2));
  if (run.errors || run.non2xx) process.exitCode = 1;
} finally {
  await server.stop();
}
