/** Authenticated `GET /api/v1/me`: JWT check, session check, profile. Target ≥ 15k req/s, p99 < 10 ms. */
import { parseArgs } from 'node:util';
import { login, machine, startServer } from './lib/server.js';
import { hammer } from './lib/http.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '15' }, connections: { type: 'string', default: '50' } } });
const server = await startServer();
try {
  const { accessToken } = await login(server.url);
  const url = `${server.url}/api/v1/me`;
  await hammer({ url, headers: { authorization: `Bearer ${accessToken}` }, duration: 3, connections: Number(values.connections) }); // warm-up
  const run = await hammer({ url, headers: { authorization: `Bearer ${accessToken}` }, duration: Number(values.duration), connections: Number(values.connections) });
  console.log(JSON.stringify({ scenario: 'GET /api/v1/me (authenticated)', machine: machine(), ...run }, null, 2));
  if (run.errors || run.non2xx) process.exitCode = 1;
} finally {
  await server.stop();
}
