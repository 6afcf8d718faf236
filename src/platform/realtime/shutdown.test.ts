import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../../../test/helpers/app.js';
import { StreamClient } from './testing/stream-client.js';

test('closing the server tells connected clients 1001 and does not wait on a client that stopped reading', async () => {
  const t = await startTestApp();
  const user = await t.createUser(['patient']);
  const polite = await StreamClient.open(t.url, { token: user.token });
  const stuck = await StreamClient.open(t.url, { token: user.token });
  const tcp = (stuck.ws as unknown as { _socket: import('node:net').Socket })._socket;
  tcp.pause();
  await t.close();
  assert.deepEqual(await polite.closed, { code: 1001, reason: 'server shutting down' });
  tcp.resume();
  await stuck.closed;
});
