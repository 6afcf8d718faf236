import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import type { App } from '../types.js';
import { registerErrorHandler } from './error-handler.js';
import { registerWebApp } from './web-app.js';

async function serve(root: string) {
  const app = Fastify() as unknown as App;
  registerErrorHandler(app);
  app.get('/api/v1/ping', { config: { public: true } }, async () => ({ ok: true }));
  await registerWebApp(app, root);
  await app.ready();
  return app;
}

function builtApp() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'atrium-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
  return root;
}

test('page paths, deep links and paths with dots get the app, never cached', async () => {
  const root = builtApp();
  const app = await serve(root);
  try {
    for (const url of ['/', '/sign-in', '/admin/jobs/queues/notify.deliver', '/reset-password?token=abc']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<div id="root">/);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('hashed assets are cached for a year; other files are revalidated', async () => {
  const root = builtApp();
  const app = await serve(root);
  try {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await app.inject({ url: '/favicon.svg' });
    assert.equal(icon.headers['cache-control'], 'no-cache');
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('the API keeps its own answers: routes work and unknown API paths or missing files are problem+json 404s', async () => {
  const root = builtApp();
  const app = await serve(root);
  try {
    assert.deepEqual((await app.inject({ url: '/api/v1/ping' })).json(), { ok: true });
    for (const url of ['/api/v1/nope', '/api', '/health/nope', '/assets/missing.js', '/robots.txt']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(res.json().code, 'route_not_found');
    }
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('before the app is built, pages say how to build it and the API still answers', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'atrium-web-empty-'));
  const app = await serve(root);
  try {
    const page = await app.inject({ url: '/sign-in' });
    assert.equal(page.statusCode, 503);
    assert.match(page.body, /npm run web:build/);
    assert.equal((await app.inject({ url: '/api/v1/ping' })).statusCode, 200);
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
});
