import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { notFound } from '../../../platform/http/errors.js';
import type { GlucoseServices } from '../services.js';
import { loadSettings } from '../patients/settings.js';
import { optionalUploaderOf, uploaderActor, uploaderGuard, uploaderOf } from './guard.js';
import { auditUploaderRead, NIGHTSCOUT_VERSION } from './reads.js';
import { countOf, documentsOf, parseFind } from './format.js';
import { entriesAsText, findEntries, toEntry, uploadEntries, type EntryKind } from './entries.js';
import { deleteTreatment, findTreatments, nativeTreatments, toTreatmentDoc, upsertTreatments } from './treatments.js';
import { deleteDeviceStatus, findDeviceStatus, storeDeviceStatus, toDeviceStatusDoc } from './devicestatus.js';
import { deleteProfile, findProfiles, storeProfiles, synthesisedProfile, toProfileDoc } from './profile.js';
import v3Routes from './v3.js';

const tags = ['nightscout'];
const Docs = Type.Array(Type.Object({}, { additionalProperties: true }));
const AnyBody = Type.Unknown({ description: 'One document or an array of them, as Nightscout uploaders send' });
const Query = Type.Object({}, { additionalProperties: true });

/** The Nightscout API v1 at its standard paths (§4.2), and the v3 subset. */
export default async function nightscoutRoutes(app: App, svc: GlucoseServices) {
  const { db } = svc.ctx;
  const auth = uploaderGuard(svc);
  const lenient = uploaderGuard(svc, { optional: true, tolerateInvalid: true });
  const paths = (path: string) => [path, `${path}.json`];

  for (const url of paths('/api/v1/status')) {
    app.get(url, {
      schema: { tags, summary: 'Server status (Nightscout); thresholds are the patient\'s with a valid api-secret', response: { 200: Type.Object({}, { additionalProperties: true }) } },
      preHandler: lenient,
    }, async (req) => {
      const u = optionalUploaderOf(req);
      const targets = u ? (await loadSettings(db, u.patientId)).targets : { urgentLow: 54, low: 70, high: 180, urgentHigh: 250 };
      const now = Date.now();
      return {
        status: 'ok', name: 'Atrium', version: NIGHTSCOUT_VERSION, serverTime: new Date(now).toISOString(), serverTimeEpoch: now,
        apiEnabled: true, careportalEnabled: true, boluscalcEnabled: false,
        settings: {
          units: 'mg/dl', timeFormat: 24, theme: 'default', enable: ['careportal', 'iob', 'cob'],
          thresholds: { bgHigh: targets.urgentHigh, bgTargetTop: targets.high, bgTargetBottom: targets.low, bgLow: targets.urgentLow },
        },
        extendedSettings: {},
        authorized: Boolean(u),
      };
    });
  }

  app.get('/api/v1/experiments/test', {
    schema: { tags, summary: 'Connection test of Loop and xDrip4iOS: 200 with a valid secret', response: { 200: Type.Object({ status: Type.String() }), ...problemResponses(401, 429) } },
    preHandler: auth,
  }, async () => ({ status: 'ok' }));

  app.get('/api/v1/verifyauth', {
    schema: { tags, summary: 'Whether the credential sent is valid (always 200)', response: { 200: Type.Object({}, { additionalProperties: true }) } },
    preHandler: lenient,
  }, async (req) => {
    const ok = Boolean(optionalUploaderOf(req));
    return { status: 200, message: { canRead: ok, canWrite: ok, isAdmin: false, message: ok ? 'OK' : 'UNAUTHORIZED', rolefound: ok ? 'FOUND' : 'NOTFOUND', permissions: ok ? 'ROLE' : 'DEFAULT' } };
  });

  const entryRoutes: [string, EntryKind | 'current'][] = [['/api/v1/entries', 'all'], ['/api/v1/entries/sgv', 'sgv'], ['/api/v1/entries/mbg', 'mbg'], ['/api/v1/entries/current', 'current']];
  for (const [base, kind] of entryRoutes) {
    for (const ext of ['', '.json', '.tsv', '.csv', '.txt']) {
      app.get(`${base}${ext}`, {
        schema: {
          tags, summary: kind === 'current' ? 'The newest CGM entry, in an array' : `Entries${kind === 'all' ? '' : ` (${kind})`}, newest first`,
          description: 'count (default 10, max 10000); find[date][$gte|$gt|$lte|$lt]=<ms>, find[dateString][…]=<ISO>, find[sgv][…], find[type]=sgv|mbg; '
            + 'the last 4 days without a date filter. Other find filters: 400 unsupported_filter.',
          querystring: Query, ...(ext === '' || ext === '.json' ? { response: { 200: Docs, ...problemResponses(400, 401, 429) } } : {}),
        },
        preHandler: auth,
      }, async (req, reply) => {
        const u = uploaderOf(req);
        const query = req.query as Record<string, unknown>;
        const rows = kind === 'current'
          ? await findEntries(db, u.patientId, 'sgv', [], 1, Date.now())
          : await findEntries(db, u.patientId, kind, parseFind(query, { date: 'range', dateString: 'range', sgv: 'range', type: 'eq' }), countOf(query.count, 10, 10_000));
        const entries = rows.map((r) => toEntry(r));
        await auditUploaderRead(svc, req, u, 'entries', {
          count: entries.length, from: entries.at(-1)?.dateString ?? null, to: entries[0]?.dateString ?? null,
        });
        return sendEntries(reply, entries, ext);
      });
    }
  }

  for (const url of paths('/api/v1/entries')) {
    app.post(url, {
      schema: {
        tags, summary: 'Upload entries (sgv, mbg, cal) as xDrip+, Spike or Loop send them; up to 10,000',
        body: AnyBody, response: { 200: Docs, ...problemResponses(400, 401, 413, 429, 503) },
      },
      bodyLimit: 5 * 1024 * 1024,
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const docs = documentsOf(req.body, 10_000);
      const outcome = await uploadEntries(svc, u.patientId, docs, { channel: 'nightscout_v1', app: u.app, actor: uploaderActor(req, u) });
      if (outcome.rejected.length) req.log.info({ patientId: u.patientId, rejected: outcome.rejected.slice(0, 20) }, 'nightscout entries rejected');
      return outcome.stored;
    });
  }

  for (const url of paths('/api/v1/treatments')) {
    app.get(url, {
      schema: {
        tags, summary: 'Treatments, newest first', description: 'count (default 100, 1000 with a find, max 10000); find[created_at][$gte|…]=<ISO>, find[eventType]=<string>; last 4 days without a date filter.',
        querystring: Query, response: { 200: Docs, ...problemResponses(400, 401, 429) },
      },
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const query = req.query as Record<string, unknown>;
      const conditions = parseFind(query, { created_at: 'range', eventType: 'eq' });
      const count = countOf(query.count, conditions.length ? 1000 : 100, 10_000);
      const [raw, native] = await Promise.all([findTreatments(db, u.patientId, conditions, count), nativeTreatments(db, u.patientId, conditions, count)]);
      const docs = [...raw.map((r) => toTreatmentDoc(r)), ...native]
        .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at))).slice(0, count);
      await auditUploaderRead(svc, req, u, 'treatments', { count: docs.length });
      return docs;
    });
    for (const method of ['POST', 'PUT'] as const) {
      app.route({
        method, url,
        schema: {
          tags, summary: method === 'POST' ? 'Upload treatments (upsert by _id, or by created_at + eventType); up to 1,000' : 'Replace treatments by _id',
          body: AnyBody, response: { 200: Docs, ...problemResponses(400, 401, 429, 503) },
        },
        bodyLimit: 5 * 1024 * 1024,
        preHandler: auth,
        handler: async (req: FastifyRequest) => {
          const u = uploaderOf(req);
          const outcome = await upsertTreatments(svc, u.patientId, documentsOf(req.body, 1000), { app: u.app, actor: uploaderActor(req, u), channel: 'nightscout_v1' });
          return outcome.rows.map((r) => toTreatmentDoc(r));
        },
      });
    }
  }
  app.delete('/api/v1/treatments/:id', {
    schema: { tags, summary: 'Delete a treatment and the records made from it', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ ok: Type.Integer(), n: Type.Integer() }), ...problemResponses(401, 404, 429) } },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    if (!(await deleteTreatment(svc, u.patientId, req.params.id, uploaderActor(req, u)))) throw notFound('treatment_not_found', 'No such treatment.');
    return { ok: 1, n: 1 };
  });

  for (const url of paths('/api/v1/devicestatus')) {
    app.get(url, {
      schema: { tags, summary: 'Device status documents, newest first', description: 'count (default 10); find[created_at][$gte|…]=<ISO>.', querystring: Query, response: { 200: Docs, ...problemResponses(400, 401, 429) } },
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const query = req.query as Record<string, unknown>;
      const rows = await findDeviceStatus(db, u.patientId, parseFind(query, { created_at: 'range' }), countOf(query.count, 10, 10_000));
      await auditUploaderRead(svc, req, u, 'devicestatus', { count: rows.length });
      return rows.map((r) => toDeviceStatusDoc(r));
    });
    app.post(url, {
      schema: { tags, summary: 'Upload device status (uploader battery, pump, loop IOB/COB)', body: AnyBody, response: { 200: Docs, ...problemResponses(400, 401, 429) } },
      bodyLimit: 5 * 1024 * 1024,
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const outcome = await storeDeviceStatus(svc, u.patientId, documentsOf(req.body, 1000), { app: u.app, actor: uploaderActor(req, u) });
      return outcome.rows.map((r) => toDeviceStatusDoc(r));
    });
  }
  app.delete('/api/v1/devicestatus/:id', {
    schema: { tags, summary: 'Delete one device status document', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ ok: Type.Integer(), n: Type.Integer() }), ...problemResponses(401, 404, 429) } },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    if (!(await deleteDeviceStatus(svc, u.patientId, req.params.id, uploaderActor(req, u)))) throw notFound('devicestatus_not_found', 'No such device status.');
    return { ok: 1, n: 1 };
  });

  for (const url of paths('/api/v1/profile')) {
    app.get(url, {
      schema: { tags, summary: 'Uploaded profiles, newest first; one made from Atrium\'s settings when none was uploaded', querystring: Query, response: { 200: Docs, ...problemResponses(401, 429) } },
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const rows = await findProfiles(db, u.patientId, countOf((req.query as Record<string, unknown>).count, 10, 100));
      await auditUploaderRead(svc, req, u, 'profile', { count: rows.length });
      return rows.length ? rows.map((r) => toProfileDoc(r)) : [await synthesisedProfile(db, u.patientId)];
    });
    for (const method of ['POST', 'PUT'] as const) {
      app.route({
        method, url,
        schema: { tags, summary: 'Store an uploader profile (applied to therapy settings when the patient chose so)', body: AnyBody, response: { 200: Docs, ...problemResponses(400, 401, 429) } },
        preHandler: auth,
        handler: async (req: FastifyRequest) => {
          const u = uploaderOf(req);
          const outcome = await storeProfiles(svc, u.patientId, documentsOf(req.body, 100), { actor: uploaderActor(req, u) });
          return outcome.rows.map((r) => toProfileDoc(r));
        },
      });
    }
  }
  for (const url of paths('/api/v1/profile/current')) {
    app.get(url, {
      schema: { tags, summary: 'The current profile', response: { 200: Type.Object({}, { additionalProperties: true }), ...problemResponses(401, 429) } },
      preHandler: auth,
    }, async (req) => {
      const u = uploaderOf(req);
      const [row] = await findProfiles(db, u.patientId, 1);
      await auditUploaderRead(svc, req, u, 'profile', { count: 1 });
      return row ? toProfileDoc(row) : synthesisedProfile(db, u.patientId);
    });
  }
  app.delete('/api/v1/profile/:id', {
    schema: { tags, summary: 'Delete an uploaded profile', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ ok: Type.Integer(), n: Type.Integer() }), ...problemResponses(401, 404, 429) } },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    if (!(await deleteProfile(svc, u.patientId, req.params.id, uploaderActor(req, u)))) throw notFound('profile_not_found', 'No such profile.');
    return { ok: 1, n: 1 };
  });

  await v3Routes(app, svc);
}

function sendEntries(reply: FastifyReply, entries: Record<string, unknown>[], ext: string) {
  if (ext === '.tsv' || ext === '.txt') return reply.type('text/tab-separated-values; charset=utf-8').send(entriesAsText(entries, '\t'));
  if (ext === '.csv') return reply.type('text/csv; charset=utf-8').send(entriesAsText(entries, ','));
  return entries;
}
