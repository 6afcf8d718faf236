import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import type { AtriumModule } from '../types.js';
import { startTestApp } from '../../../test/helpers/app.js';

test('closing the app finishes the requests in flight and then refuses new connections', async () => {
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => { entered = resolve; });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const slow: AtriumModule = {
    name: 'slow',
    routes: async (app) => {
      app.get('/work', { schema: { tags: ['test'], response: { 200: Type.Object({ done: Type.Boolean() }) } }, config: { public: true } }, async () => {
        entered();
        await gate;
        return { done: true };
      });
    },
  };
  const t = await startTestApp({ modules: [slow] });
  try {
    const inFlight = t.api('GET', '/api/v1/slow/work');
    await inside;
    let closed = false;
    const closing = t.app.close().then(() => { closed = true; });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(closed, false, 'close waits for the request in flight');
    release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { done: true });
    assert.equal(res.headers.get('connection'), 'close', 'the client does not keep the connection, so the server can stop now');
    await closing;
    await assert.rejects(t.api('GET', '/health/live'), 'the listener is closed');
  } finally {
    await t.db.drop();
  }
});
