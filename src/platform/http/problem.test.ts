import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Type } from 'typebox';
import { buildApp } from '../../app.js';
import type { AtriumModule } from '../types.js';
import { startTestApp, type ApiResponse, type TestApp, type TestUser } from '../../../test/helpers/app.js';

const SECRET_DETAIL = 'connection to 10.0.0.7 failed for user svc_atrium';

const faultyModule: AtriumModule = {
  name: 'faulty',
  routes: async (app, ctx) => {
    app.get('/boom', { schema: { tags: ['test'] }, config: { public: true } }, async () => {
      throw new Error(SECRET_DETAIL);
    });
    app.post('/settings', {
      schema: { tags: ['test'], body: Type.Object({ key: Type.String() }) }, config: { public: true },
    }, async (req) => {
      await ctx.db.insertInto('platform.settings').values({ key: (req.body as { key: string }).key, value: 'v' }).execute();
      return { ok: true };
    });
    app.post('/thresholds', { schema: { tags: ['test'] }, config: { public: true } }, async () => {
      await ctx.db.insertInto('platform.users').values({ email: 'c@example.test', password_hash: 'x', display_name: 'c', low_threshold_mgdl: 10 }).execute();
      return { ok: true };
    });
  },
};

let t: TestApp;
let user: TestUser;
before(async () => {
  t = await startTestApp({ modules: [faultyModule], env: { BODY_LIMIT_BYTES: '2048' } });
  user = await t.createUser();
});
after(async () => { await t.close(); });

/** Every error is RFC 9457 problem+json with the same members. */
function assertProblem(res: ApiResponse, status: number, code: string) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'detail', 'errors', 'requestId', 'status', 'title', 'type']);
  assert.equal(res.body.status, status);
  assert.equal(res.body.code, code);
  assert.equal(res.body.type, `/problems/${code}`);
  assert.equal(typeof res.body.title, 'string');
  assert.ok(res.body.detail.length > 0);
  assert.ok(Array.isArray(res.body.errors));
  assert.equal(res.body.requestId, res.headers.get('x-request-id'));
}

test('400: a validation problem lists each bad field with a message', async () => {
  const res = await t.api('POST', '/api/v1/auth/register', { body: { email: 'nope', password: 'x', displayName: '', extra: 1 } });
  assertProblem(res, 400, 'validation_failed');
  assert.equal(res.body.title, 'Bad Request');
  assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path).sort(), ['body.displayName', 'body.email', 'body.extra', 'body.password']);
  for (const e of res.body.errors) assert.ok(e.message);
});

test('400: malformed JSON and a body of the wrong type are problems too', async () => {
  const res = await t.api('POST', '/api/v1/auth/login', { body: '{"email": ', headers: { 'content-type': 'application/json' } });
  assertProblem(res, 400, 'invalid_json');
  const array = await t.api('POST', '/api/v1/auth/login', { body: [] });
  assertProblem(array, 400, 'validation_failed');
});

test('401: no token, and an invalid token', async () => {
  assertProblem(await t.api('GET', '/api/v1/me'), 401, 'unauthorized');
  assertProblem(await t.api('GET', '/api/v1/me', { token: 'nope' }), 401, 'invalid_token');
  assertProblem(await t.api('GET', '/api/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'invalid_token');
});

test('403: a missing role', async () => {
  assertProblem(await t.api('GET', '/api/v1/users', { token: user.token }), 403, 'role_required');
});

test('404: an unknown route', async () => {
  const res = await t.api('GET', '/api/v1/nothing-here?x=1');
  assertProblem(res, 404, 'route_not_found');
  assert.equal(res.body.detail, 'No route GET /api/v1/nothing-here.');
});

test('409: a conflict, whether a route says so or a unique constraint does', async () => {
  assertProblem(await t.api('POST', '/api/v1/auth/register', { body: { email: user.email, password: 'a-long-passphrase', displayName: 'Dup' } }), 409, 'email_taken');
  assert.equal((await t.api('POST', '/api/v1/faulty/settings', { body: { key: 'dup' } })).status, 200);
  const dup = await t.api('POST', '/api/v1/faulty/settings', { body: { key: 'dup' } });
  assertProblem(dup, 409, 'already_exists');
});

test('422: a CHECK constraint the database holds becomes a business-rule problem', async () => {
  assertProblem(await t.api('POST', '/api/v1/faulty/thresholds'), 422, 'constraint_violation');
});

test('413: a body over BODY_LIMIT_BYTES', async () => {
  const res = await t.api('POST', '/api/v1/auth/login', { body: { email: 'a@example.test', password: 'x'.repeat(4000) } });
  assertProblem(res, 413, 'body_too_large');
});

test('415: an unsupported content type', async () => {
  const res = await t.api('POST', '/api/v1/auth/login', { body: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assertProblem(res, 415, 'unsupported_media_type');
});

test('500: an unexpected error answers a problem with a request id, and leaks neither its message nor its stack', async () => {
  const res = await t.api('GET', '/api/v1/faulty/boom', { headers: { 'x-request-id': 'trace-500-abc' } });
  assertProblem(res, 500, 'internal_error');
  assert.equal(res.body.title, 'Internal Server Error');
  assert.equal(res.body.requestId, 'trace-500-abc');
  assert.ok(res.body.detail.includes('trace-500-abc'), 'the detail says which id to quote');
  const text = JSON.stringify(res.body);
  assert.ok(!text.includes(SECRET_DETAIL));
  assert.ok(!/\bat .*\.ts:\d+/.test(text) && !text.includes('stack'));
});

test('500: the log line of an unexpected error has the stack and the request id', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(chunk.toString()); done(); } });
  const app = await buildApp({ config: t.config, database: t.db, logger: pino({ level: 'info' }, sink), modules: [faultyModule] });
  try {
    const res = await app.inject({ method: 'GET', url: '/api/v1/faulty/boom', headers: { 'x-request-id': 'logged-500' } });
    assert.equal(res.statusCode, 500);
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.err);
    assert.ok(entry, 'an error line was logged');
    assert.equal(entry.reqId, 'logged-500');
    assert.ok(entry.err.stack.includes(SECRET_DETAIL));
  } finally {
    await app.close();
  }
});
