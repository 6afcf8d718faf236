import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../app.js';
import { loggableUrl } from './log-url.js';
import { startTestApp } from '../../../test/helpers/app.js';

test('credential query parameters are masked in logged URLs; other parameters are kept', () => {
  assert.equal(loggableUrl('/reset-password?token=abc123'), '/reset-password?token=***');
  assert.equal(loggableUrl('/api/v1/stream?ticket=eyJ.x.y&topics=a'), '/api/v1/stream?ticket=***&topics=a');
  assert.equal(loggableUrl('/cb?state=1&code=xyz&access_token=t&apiKey=k'), '/cb?state=1&code=***&access_token=***&apiKey=***');
  assert.equal(loggableUrl('/api/v1/users?search=ada&role=admin&cursor=WyJ4Il0'), '/api/v1/users?search=ada&role=admin&cursor=WyJ4Il0');
  assert.equal(loggableUrl('/api/v1/audit-events?entity=lot&postcode=75001'), '/api/v1/audit-events?entity=lot&postcode=75001');
});

test('the request log line of a password-reset link does not hold its token', async () => {
  const t = await startTestApp();
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done(); } });
  const app = await buildApp({ config: t.config, database: t.db, logger: pino({ level: 'info' }, sink), modules: [], role: 'api' });
  try {
    await app.inject({ method: 'GET', url: '/reset-password?token=leaky-reset-token-value' });
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request');
    assert.equal(entry.url, '/reset-password?token=***');
    assert.ok(!lines.join('').includes('leaky-reset-token-value'));
  } finally {
    await app.close();
    await t.close();
  }
});
