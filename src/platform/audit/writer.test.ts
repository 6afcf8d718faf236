import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import type { AtriumModule } from '../types.js';
import { actorOf, changes, recordAudit, recordRead, redact } from './writer.js';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';

test('credential values are hidden in a diff, at any depth; ordinary fields that merely contain such letters are kept', () => {
  const diff = {
    password: 'p', newPassword: 'p', password_hash: 'h', refreshToken: 't', mfa_token: 't', totpSecret: 's', code: '123456',
    recoveryCodes: ['a'], apiKey: 'k', authorization: 'Bearer x',
    nested: { list: [{ clientSecret: 's', smsCode: '42', name: 'kept' }] },
    countryCode: 'FR', lotCode: 'L-12', postcode: '75001', carbonFootprint: 3, hashtag: '#cgm', idempotencyKey: 'k1', displayName: 'Ada',
  };
  assert.deepEqual(redact(diff), {
    password: '***', newPassword: '***', password_hash: '***', refreshToken: '***', mfa_token: '***', totpSecret: '***', code: '***',
    recoveryCodes: '***', apiKey: '***', authorization: '***',
    nested: { list: [{ clientSecret: '***', smsCode: '***', name: 'kept' }] },
    countryCode: 'FR', lotCode: 'L-12', postcode: '75001', carbonFootprint: 3, hashtag: '#cgm', idempotencyKey: 'k1', displayName: 'Ada',
  });
});

test('changes lists only the fields that differ, as [before, after]', () => {
  assert.deepEqual(changes({ a: 1, b: { x: 1 }, c: 'same' }, { a: 2, b: { x: 1 }, c: 'same', d: null }), { a: [1, 2], d: [undefined, null] });
});

/** A module that writes an audit event inside its transaction, then fails (or not), and one that records a read. */
const probe: AtriumModule = {
  name: 'probe',
  routes: async (app, ctx) => {
    app.post('/things', {
      schema: { tags: ['test'], body: Type.Object({ fail: Type.Boolean(), secret: Type.String() }) },
      preHandler: ctx.requireAuth,
    }, async (req) => {
      const body = req.body as { fail: boolean; secret: string };
      const id = randomUUID();
      await ctx.db.transaction().execute(async (tx) => {
        await recordAudit(tx, actorOf(req), { action: 'probe.thing_created', entity: 'probe.thing', entityId: id, diff: { secret: body.secret, size: 3 } });
        if (body.fail) throw new Error('the mutation failed after its audit event');
      });
      return { id };
    });
    app.get('/things/:id', {
      schema: { tags: ['test'], params: Type.Object({ id: Type.String() }) },
      preHandler: ctx.requireAuth,
    }, async (req) => {
      await recordRead(ctx.db, req, 'probe.thing', (req.params as { id: string }).id);
      return { ok: true };
    });
  },
};

let t: TestApp;
before(async () => { t = await startTestApp({ modules: [probe] }); });
after(async () => { await t.close(); });

const eventsFor = (entityId: string) => t.db.db.selectFrom('platform.audit_events').selectAll().where('entity_id', '=', entityId).execute();

test('an audit event commits with its mutation: actor, ip, request id and the redacted diff', async () => {
  const user = await t.createUser();
  const res = await t.api('POST', '/api/v1/probe/things', { token: user.token, body: { fail: false, secret: 's3cr3t-value' }, headers: { 'x-request-id': 'audit-probe-1' } });
  assert.equal(res.status, 200);
  const [event] = await eventsFor(res.body.id);
  assert.equal(event.actor_id, user.id);
  assert.equal(event.action, 'probe.thing_created');
  assert.equal(event.entity, 'probe.thing');
  assert.equal(event.request_id, 'audit-probe-1');
  assert.match(event.ip ?? '', /127\.0\.0\.1$/);
  assert.deepEqual(event.diff, { secret: '***', size: 3 });
});

test('when the mutation fails, its audit event is rolled back with it', async () => {
  const user = await t.createUser();
  const before = await t.db.db.selectFrom('platform.audit_events').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'probe.thing_created').executeTakeFirstOrThrow();
  const res = await t.api('POST', '/api/v1/probe/things', { token: user.token, body: { fail: true, secret: 'x' } });
  assert.equal(res.status, 500);
  const afterCount = await t.db.db.selectFrom('platform.audit_events').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'probe.thing_created').executeTakeFirstOrThrow();
  assert.equal(afterCount.n, before.n);
});

test('a read of health data is recorded with who read which record', async () => {
  const user = await t.createUser();
  const id = randomUUID();
  assert.equal((await t.api('GET', `/api/v1/probe/things/${id}`, { token: user.token })).status, 200);
  const [event] = await eventsFor(id);
  assert.equal(event.action, 'probe.thing.read');
  assert.equal(event.actor_id, user.id);
  assert.equal(event.diff, null);
});
