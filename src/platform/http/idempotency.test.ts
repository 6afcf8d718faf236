import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { purgeIdempotencyKeys } from './idempotency.js';
import type { AtriumModule } from '../types.js';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';

let t: TestApp;
let admin: TestUser;
let serial = 0;
const probe: AtriumModule = {
  name: 'probe',
  routes: async (app) => {
    app.post('/public', {
      schema: { tags: ['test'], body: Type.Object({ n: Type.Integer() }), response: { 201: Type.Object({ serial: Type.Integer() }) } },
      config: { public: true, idempotent: true },
    }, async (_req, reply) => reply.code(201).send({ serial: ++serial }));
  },
};

before(async () => {
  t = await startTestApp({ modules: [probe] });
  admin = await t.createUser(['admin']);
});
after(async () => { await t.close(); });

const newUser = (email: string) => ({ email, displayName: 'Retry', password: 'retry-passphrase', roles: ['staff'] });
const create = (token: string, key: string | undefined, body: unknown) =>
  t.api('POST', '/api/v1/users', { token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });
const count = async (email: string) => Number((await t.db.db.selectFrom('platform.users').select((eb) => eb.fn.countAll().as('n')).where('email', '=', email).executeTakeFirstOrThrow()).n);
const auditCount = async (email: string) => Number((await sql<{ n: number }>`select count(*)::int as n from platform.audit_events where action = 'user.created' and diff->>'email' = ${email}`.execute(t.db.db)).rows[0].n);

test('the same key and body answer the first response again, marked idempotent-replayed, and create nothing more', async () => {
  const key = randomUUID();
  const email = `idem-${key}@example.test`;
  const first = await create(admin.token, key, newUser(email));
  assert.equal(first.status, 201);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const second = await create(admin.token, key, newUser(email));
  assert.equal(second.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.match(second.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(second.body, first.body);
  assert.equal(await count(email), 1);
  assert.equal(await auditCount(email), 1, 'one audit event: the replay did not run the handler');
});

test('the same key with a different body is refused with 422 idempotency_key_reused', async () => {
  const key = randomUUID();
  assert.equal((await create(admin.token, key, newUser(`a-${key}@example.test`))).status, 201);
  const res = await create(admin.token, key, newUser(`b-${key}@example.test`));
  assert.equal(res.status, 422);
  assert.equal(res.body.code, 'idempotency_key_reused');
  assert.equal(await count(`b-${key}@example.test`), 0);
});

test('keys belong to their caller: two users with the same key are independent', async () => {
  const other = await t.createUser(['admin']);
  const key = 'shared-key-1';
  const mine = await create(admin.token, key, newUser('mine-shared@example.test'));
  const theirs = await create(other.token, key, newUser('theirs-shared@example.test'));
  assert.equal(mine.status, 201);
  assert.equal(theirs.status, 201);
  assert.equal(theirs.headers.get('idempotent-replayed'), null);
  assert.notEqual(theirs.body.id, mine.body.id);
});

test('without a key a repeated create is not deduplicated', async () => {
  const email = `nokey-${randomUUID()}@example.test`;
  assert.equal((await create(admin.token, undefined, newUser(email))).status, 201);
  assert.equal((await create(admin.token, undefined, newUser(email))).status, 409);
});

test('a refused request is not kept: after a 403 the same key still works for an allowed caller', async () => {
  const key = randomUUID();
  const patient = await t.createUser(['patient']);
  assert.equal((await create(patient.token, key, newUser(`p-${key}@example.test`))).status, 403);
  assert.equal(await t.db.db.selectFrom('platform.idempotency_keys').select('key').where('key', '=', key).executeTakeFirst(), undefined);
});

test('public creates are keyed by client address', async () => {
  const key = randomUUID();
  const first = await t.api('POST', '/api/v1/probe/public', { body: { n: 1 }, headers: { 'idempotency-key': key } });
  const again = await t.api('POST', '/api/v1/probe/public', { body: { n: 1 }, headers: { 'idempotency-key': key } });
  assert.equal(first.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.serial, first.body.serial);
  const row = await t.db.db.selectFrom('platform.idempotency_keys').select('scope').where('key', '=', key).executeTakeFirstOrThrow();
  assert.match(row.scope, /^ip:.*127\.0\.0\.1$/);
});

test('registration is not replayed: its answer holds a refresh token, which is stored only hashed', async () => {
  const key = randomUUID();
  const body = { email: `reg-${key}@example.test`, password: 'retry-passphrase', displayName: 'Retry' };
  assert.equal((await t.api('POST', '/api/v1/auth/register', { body, headers: { 'idempotency-key': key } })).status, 201);
  const retry = await t.api('POST', '/api/v1/auth/register', { body, headers: { 'idempotency-key': key } });
  assert.equal(retry.status, 409);
  assert.equal(retry.body.code, 'email_taken');
  assert.equal(await t.db.db.selectFrom('platform.idempotency_keys').select('key').where('key', '=', key).executeTakeFirst(), undefined);
});

test('two concurrent requests with one key create one record; the loser is told the first is still running', async () => {
  const key = randomUUID();
  const email = `race-${key}@example.test`;
  const results = await Promise.all([create(admin.token, key, newUser(email)), create(admin.token, key, newUser(email))]);
  const statuses = results.map((r) => r.status).sort();
  assert.ok(statuses[0] === 201 && [201, 409].includes(statuses[1]), `statuses ${statuses}`);
  for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.code, 'idempotency_in_progress');
  assert.equal(await count(email), 1);
});

test('a first attempt that never answered blocks retries with 409 for a while, then counts as abandoned', async () => {
  const key = randomUUID();
  const email = `crash-${key}@example.test`;
  // The state a process leaves when it dies mid-request: the key taken, no answer recorded, nothing committed.
  assert.equal((await create(admin.token, key, newUser(email))).status, 201);
  await t.db.db.deleteFrom('platform.users').where('email', '=', email).execute();
  await t.db.db.updateTable('platform.idempotency_keys').set({ state: 'in_progress', status_code: null, response_body: null }).where('key', '=', key).execute();
  const blocked = await create(admin.token, key, newUser(email));
  assert.equal(blocked.status, 409);
  assert.equal(blocked.body.code, 'idempotency_in_progress');
  await t.db.db.updateTable('platform.idempotency_keys').set({ created_at: sql`now() - interval '6 minutes'` } as never).where('key', '=', key).execute();
  const retried = await create(admin.token, key, newUser(email));
  assert.equal(retried.status, 201);
  const replayed = await create(admin.token, key, newUser(email));
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
  assert.equal(await count(email), 1);
});

test('a key longer than 255 characters is refused', async () => {
  const res = await create(admin.token, 'k'.repeat(256), newUser('long-key@example.test'));
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 'invalid_idempotency_key');
});

test('keys older than a day are purged and can then be used again', async () => {
  const key = randomUUID();
  assert.equal((await create(admin.token, key, newUser(`old-${key}@example.test`))).status, 201);
  await t.db.db.updateTable('platform.idempotency_keys').set({ created_at: sql`now() - interval '25 hours'` } as never).where('key', '=', key).execute();
  assert.ok(await purgeIdempotencyKeys(t.db.db) >= 1);
  const reused = await create(admin.token, key, newUser(`new-${key}@example.test`));
  assert.equal(reused.status, 201);
});
