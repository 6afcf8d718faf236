import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { buildApp } from '../../app.js';
import { notFound } from '../http/errors.js';
import { problemResponses } from '../http/problem.js';
import type { AtriumModule } from '../types.js';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';

/** A tiny module whose notes belong to their author: the relation guard lets only the author read one. */
const notes = new Map<string, { owner: string; text: string }>();
const notesModule: AtriumModule = {
  name: 'notes',
  routes: async (app, ctx) => {
    const ownsNote = ctx.requireRelation(async (req, user) => notes.get((req.params as { id: string }).id)?.owner === user.id);
    app.get('/notes/:id', {
      schema: {
        tags: ['test'], params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 200: Type.Object({ text: Type.String() }), ...problemResponses(401, 404) },
      },
      preHandler: ownsNote,
    }, async (req) => {
      const note = notes.get((req.params as { id: string }).id);
      if (!note) throw notFound();
      return { text: note.text };
    });
    app.get('/clinic', {
      schema: { tags: ['test'], response: { 200: Type.Object({ ok: Type.Boolean() }), ...problemResponses(401, 403) } },
      preHandler: ctx.requireRole('clinician', 'admin'),
    }, async () => ({ ok: true }));
  },
};

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
before(async () => {
  t = await startTestApp({ modules: [notesModule] });
  [alice, bob] = await Promise.all([t.createUser(), t.createUser()]);
});
after(async () => { await t.close(); });

test('a record outside the caller\'s scope answers 404 exactly like a record that does not exist', async () => {
  const id = randomUUID();
  notes.set(id, { owner: alice.id, text: 'my glucose diary' });
  const own = await t.api('GET', `/api/v1/notes/notes/${id}`, { token: alice.token });
  assert.equal(own.status, 200);
  assert.deepEqual(own.body, { text: 'my glucose diary' });

  const outside = await t.api('GET', `/api/v1/notes/notes/${id}`, { token: bob.token });
  const missing = await t.api('GET', `/api/v1/notes/notes/${randomUUID()}`, { token: bob.token });
  assert.equal(outside.status, 404);
  const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
  assert.deepEqual(strip(outside.body), strip(missing.body));
  assert.equal(outside.headers.get('content-type'), missing.headers.get('content-type'));
  assert.ok(!JSON.stringify(outside.body).includes('diary'));
});

test('the relation guard asks for sign-in first', async () => {
  const res = await t.api('GET', `/api/v1/notes/notes/${randomUUID()}`);
  assert.equal(res.status, 401);
});

test('a role guard admits any of its roles and refuses others with 403 role_required', async () => {
  const clinician = await t.createUser(['clinician']);
  const admin = await t.createUser(['admin']);
  assert.equal((await t.api('GET', '/api/v1/notes/clinic', { token: clinician.token })).status, 200);
  assert.equal((await t.api('GET', '/api/v1/notes/clinic', { token: admin.token })).status, 200);
  const patient = await t.api('GET', '/api/v1/notes/clinic', { token: alice.token });
  assert.equal(patient.status, 403);
  assert.equal(patient.body.code, 'role_required');
});

test('an /api route that declares neither a guard nor config.public stops the app from starting', async () => {
  const careless: AtriumModule = {
    name: 'careless',
    routes: async (app) => { app.get('/open', async () => ({ ok: true })); },
  };
  await assert.rejects(
    buildApp({ config: t.config, database: t.db, logger: false, modules: [careless] }),
    /Route GET \/api\/v1\/careless\/open declares no guard/,
  );
});

test('ENABLED_MODULES leaves the other modules\' routes out', async () => {
  const only = await buildApp({ config: { ...t.config, enabledModules: ['glucose'] }, database: t.db, logger: false, modules: [notesModule] });
  try {
    const res = await only.inject({ method: 'GET', url: `/api/v1/notes/notes/${randomUUID()}`, headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'route_not_found');
  } finally {
    await only.close();
  }
});
