import { Type } from 'typebox';
import { sql } from 'kysely';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { badRequest, HttpError, notFound } from '../../../platform/http/errors.js';
import { fromRow, READING_COLUMNS, type ReadingRow } from '../readings/model.js';
import { isNightscoutGeneratedId, uuidRangeOfNightscoutId } from '../readings/ids.js';
import { deleteReading, findReading } from '../readings/remove.js';
import type { GlucoseServices } from '../services.js';
import { uploaderActor, uploaderGuard, uploaderOf, type Uploader } from './guard.js';
import { outputId, parseTime, SQL_OP, type FindOp } from './format.js';
import { toEntry, uploadEntries } from './entries.js';
import { deleteTreatment, findTreatmentById, toTreatmentDoc, upsertTreatments, type TreatmentRow } from './treatments.js';
import { deleteDeviceStatus, findDeviceStatusById, storeDeviceStatus, toDeviceStatusDoc, type DeviceStatusRow } from './devicestatus.js';
import { deleteProfile, findProfileById, storeProfiles, toProfileDoc, type ProfileRow } from './profile.js';
import { auditUploaderRead, NIGHTSCOUT_VERSION } from './reads.js';

const tags = ['nightscout v3'];
const API_VERSION = '3.0.4';
const COLLECTIONS = ['entries', 'treatments', 'devicestatus', 'profile'] as const;
type Collection = (typeof COLLECTIONS)[number];
const Envelope = Type.Object({ status: Type.Integer(), result: Type.Unknown() }, { additionalProperties: true });
const Anything = Type.Object({}, { additionalProperties: true });
const HISTORY_DAYS = 30;

/** Per collection: the column each v3 filter field reads, and how its value is written (ms or ISO). */
const FILTERS: Record<Collection, Record<string, { column: string; kind: 'time' | 'eq' }>> = {
  entries: { date: { column: 'measured_at', kind: 'time' }, srvModified: { column: 'received_at', kind: 'time' }, type: { column: 'source', kind: 'eq' } },
  treatments: { date: { column: 'created_at', kind: 'time' }, created_at: { column: 'created_at', kind: 'time' }, srvModified: { column: 'srv_modified', kind: 'time' }, eventType: { column: 'event_type', kind: 'eq' } },
  devicestatus: { date: { column: 'created_at', kind: 'time' }, created_at: { column: 'created_at', kind: 'time' }, srvModified: { column: 'received_at', kind: 'time' } },
  profile: { date: { column: 'start_date', kind: 'time' }, startDate: { column: 'start_date', kind: 'time' }, srvModified: { column: 'srv_modified', kind: 'time' } },
};
const TABLE: Record<Collection, string> = { entries: 'glucose.readings', treatments: 'glucose.ns_treatments', devicestatus: 'glucose.device_status', profile: 'glucose.ns_profiles' };
const RESERVED = new Set(['limit', 'skip', 'sort', 'sort$desc', 'fields', 'token', 'now']);

const collectionOf = (raw: string): Collection => {
  if ((COLLECTIONS as readonly string[]).includes(raw)) return raw as Collection;
  throw notFound('collection_not_found', `No collection ${raw}; Atrium serves ${COLLECTIONS.join(', ')}.`);
};

const gone = () => new HttpError(410, 'gone', 'This document was deleted.');

function project(doc: Record<string, unknown>, fields: unknown): Record<string, unknown> {
  if (typeof fields !== 'string' || fields === '' || fields === '_all') return doc;
  const keep = new Set(fields.split(',').map((f) => f.trim()));
  return Object.fromEntries(Object.entries(doc).filter(([k]) => keep.has(k) || k === 'identifier'));
}

/** `field$op=value` and `field=value` query parameters of API v3 as SQL conditions; anything unknown is refused. */
function v3Conditions(collection: Collection, query: Record<string, unknown>) {
  const parts = [];
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key)) continue;
    const [field, op = 'eq'] = key.split('$');
    const filter = FILTERS[collection][field];
    const sqlOp = op === 'eq' ? '=' : SQL_OP[`$${op}` as FindOp];
    if (!filter || !sqlOp || (filter.kind === 'eq' && op !== 'eq')) {
      throw badRequest('unsupported_filter', `The filter ${key} is not supported on ${collection}.`, [{ path: `query.${key}`, message: 'is not a supported filter' }]);
    }
    const value = String(Array.isArray(raw) ? raw[raw.length - 1] : raw);
    if (filter.kind === 'eq') {
      if (collection === 'entries') parts.push(value === 'sgv' ? sql`source = 'cgm'` : value === 'mbg' ? sql`source in ('meter', 'manual')` : sql`false`);
      else parts.push(sql`${sql.ref(filter.column)} = ${value}`);
      continue;
    }
    const ms = parseTime(/^\d+$/.test(value) ? Number(value) : value);
    if (ms === undefined) throw badRequest('invalid_filter_value', `${key} needs a time (ms or ISO-8601).`, [{ path: `query.${key}`, message: 'is not a time' }]);
    parts.push(sql`${sql.ref(filter.column)} ${sql.raw(sqlOp)} ${new Date(ms).toISOString()}::timestamptz`);
  }
  return parts;
}

const ENVELOPE_OK = (result: unknown) => ({ status: 200, result });

/** Nightscout API v3, the subset AndroidAPS uses (§4.2.7). */
export default async function v3Routes(app: App, svc: GlucoseServices) {
  const { db } = svc.ctx;
  const auth = uploaderGuard(svc);
  const byPathToken = uploaderGuard(svc, { tokenParam: 'accessToken' });

  app.get('/api/v2/authorization/request/:accessToken', {
    schema: {
      tags, summary: 'Exchange the v3 access token for a JWT valid 8 hours, usable on /api/v3 for that patient',
      params: Type.Object({ accessToken: Type.String({ maxLength: 64 }) }),
      response: { 200: Type.Object({ token: Type.String(), sub: Type.String(), permissionGroups: Type.Array(Type.Array(Type.String())), iat: Type.Integer(), exp: Type.Integer() }), ...problemResponses(401, 429) },
    },
    preHandler: byPathToken,
  }, async (req) => {
    const { token, iat, exp } = await svc.uploaderKeys.signV3(uploaderOf(req).patientId);
    return { token, sub: 'uploader', permissionGroups: [['api:*:create', 'api:*:read', 'api:*:update', 'api:*:delete']], iat, exp };
  });

  const storage = { storage: 'postgresql', version: 'atrium' };
  app.get('/api/v3/version', {
    schema: { tags, summary: 'API version (no authentication)', response: { 200: Envelope } },
    config: { public: true },
  }, async () => ENVELOPE_OK({ version: NIGHTSCOUT_VERSION, apiVersion: API_VERSION, srvDate: Date.now(), storage }));

  app.get('/api/v3/status', {
    schema: { tags, summary: 'Status with the permissions of the token', response: { 200: Envelope, ...problemResponses(401, 429) } },
    preHandler: auth,
  }, async () => ENVELOPE_OK({
    version: NIGHTSCOUT_VERSION, apiVersion: API_VERSION, srvDate: Date.now(), storage,
    apiPermissions: { devicestatus: 'crud', entries: 'crud', food: 'r', profile: 'crud', settings: 'r', treatments: 'crud' },
  }));

  app.get('/api/v3/lastModified', {
    schema: { tags, summary: 'When each collection last changed (ms)', response: { 200: Envelope, ...problemResponses(401, 429) } },
    preHandler: auth,
  }, async (req) => {
    const { patientId } = uploaderOf(req);
    const since = new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString();
    const { rows } = await sql<Record<Collection, number | null>>`
      select
        (select extract(epoch from greatest(max(received_at), max(deleted_at))) * 1000 from glucose.readings where patient_id = ${patientId} and measured_at >= ${since}::timestamptz) as entries,
        (select extract(epoch from max(srv_modified)) * 1000 from glucose.ns_treatments where patient_id = ${patientId}) as treatments,
        (select extract(epoch from greatest((select max(received_at) from glucose.device_status where patient_id = ${patientId} and created_at >= ${since}::timestamptz),
                                            (select max(deleted_at) from glucose.ns_tombstones where patient_id = ${patientId} and collection = 'devicestatus'))) * 1000) as devicestatus,
        (select extract(epoch from max(srv_modified)) * 1000 from glucose.ns_profiles where patient_id = ${patientId}) as profile`.execute(db);
    const collections = Object.fromEntries(Object.entries(rows[0]).filter(([, v]) => v !== null).map(([k, v]) => [k, Math.floor(Number(v))]));
    return ENVELOPE_OK({ srvDate: Date.now(), collections });
  });

  app.get('/api/v3/food', { schema: { tags, summary: 'Food collection (Atrium keeps none here)', response: { 200: Envelope, ...problemResponses(401) } }, preHandler: auth }, async () => ENVELOPE_OK([]));

  app.get('/api/v3/:collection', {
    schema: {
      tags, summary: 'Search a collection: limit (≤ 1000), skip, sort / sort$desc, fields, filters such as date$gt=<ms>, created_at$gt=<ISO>, type=sgv',
      params: Type.Object({ collection: Type.String() }), querystring: Anything, response: { 200: Envelope, ...problemResponses(400, 401, 404, 429) },
    },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    const collection = collectionOf(req.params.collection);
    const query = req.query as Record<string, unknown>;
    const limit = Math.min(Math.max(Number(query.limit) || 100, 1), 1000);
    const skip = Math.max(Number(query.skip) || 0, 0);
    const conditions = [sql`patient_id = ${u.patientId}`, ...v3Conditions(collection, query)];
    if (collection === 'entries') conditions.push(sql`deleted_at is null`);
    if (collection === 'treatments' || collection === 'profile') conditions.push(sql`is_valid`);
    const timeColumn = FILTERS[collection].date.column;
    const ascending = typeof query.sort === 'string' && query.sort !== '' && query['sort$desc'] === undefined;
    const { rows } = await sql<Record<string, unknown>>`
      select ${collection === 'entries' ? sql.raw(READING_COLUMNS) : sql`*`} from ${sql.table(TABLE[collection])}
      where ${sql.join(conditions, sql` and `)} order by ${sql.ref(timeColumn)} ${sql.raw(ascending ? 'asc' : 'desc')} limit ${limit} offset ${skip}`.execute(db);
    const docs = rows.map((r) => render(collection, r)).map((d) => project(d, query.fields));
    await auditUploaderRead(svc, req, u, collection, { count: docs.length, api: 'v3' });
    return ENVELOPE_OK(docs);
  });

  app.post('/api/v3/:collection', {
    schema: {
      tags, summary: 'Create a document (required: date in ms, app); 201 created, or 200 with isDeduplication when it was already stored',
      params: Type.Object({ collection: Type.String() }), body: Anything,
      response: { 200: Anything, 201: Anything, ...problemResponses(400, 401, 404, 429, 503) },
    },
    preHandler: auth,
  }, async (req, reply) => {
    const u = uploaderOf(req);
    const collection = collectionOf(req.params.collection);
    const doc = req.body as Record<string, unknown>;
    if (typeof doc.date !== 'number' || !Number.isFinite(doc.date)) throw badRequest('missing_date', 'Bad or missing date field (ms epoch).', [{ path: 'body.date', message: 'is required (ms)' }]);
    if (typeof doc.app !== 'string' || doc.app === '') throw badRequest('missing_app', 'Bad or missing app field.', [{ path: 'body.app', message: 'is required' }]);
    const { identifier, created, lastModified } = await createV3(svc, req, u, collection, doc);
    const body = created ? { status: 201, identifier, lastModified } : { status: 200, identifier, isDeduplication: true, deduplicatedIdentifier: identifier, lastModified };
    return reply.code(created ? 201 : 200).send(body);
  });

  app.get('/api/v3/:collection/history/:lastModified', {
    schema: {
      tags, summary: 'Documents changed after lastModified (ms), oldest change first; deletions as {identifier, isValid: false}',
      params: Type.Object({ collection: Type.String(), lastModified: Type.String({ pattern: '^[0-9]{1,16}$' }) }), querystring: Anything,
      response: { 200: Envelope, ...problemResponses(400, 401, 404, 429) },
    },
    preHandler: auth,
  }, async (req, reply) => {
    const u = uploaderOf(req);
    const collection = collectionOf(req.params.collection);
    const limit = Math.min(Math.max(Number((req.query as Record<string, unknown>).limit) || 1000, 1), 1000);
    const docs = await history(svc, u.patientId, collection, Number(req.params.lastModified), limit);
    const max = docs.reduce((m, d) => Math.max(m, Number(d.srvModified)), Number(req.params.lastModified));
    reply.header('last-modified', new Date(max).toUTCString()).header('etag', `W/"${max}"`);
    await auditUploaderRead(svc, req, u, collection, { count: docs.length, api: 'v3', since: Number(req.params.lastModified) });
    return ENVELOPE_OK(docs);
  });

  const IdParams = Type.Object({ collection: Type.String(), identifier: Type.String({ maxLength: 64 }) });

  app.get('/api/v3/:collection/:identifier', {
    schema: { tags, summary: 'One document by identifier (410 when deleted)', params: IdParams, querystring: Anything, response: { 200: Envelope, ...problemResponses(401, 404, 429) } },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    const collection = collectionOf(req.params.collection);
    const found = await findById(svc, u.patientId, collection, req.params.identifier);
    if (!found) throw notFound('document_not_found', 'No such document.');
    if (!found.valid) throw gone();
    await auditUploaderRead(svc, req, u, collection, { count: 1, api: 'v3', identifier: req.params.identifier });
    return ENVELOPE_OK(project(found.doc, (req.query as Record<string, unknown>).fields));
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method, url: '/api/v3/:collection/:identifier',
      schema: {
        tags, summary: method === 'PUT' ? 'Replace a document' : 'Change fields of a document',
        description: 'Readings are measurements and do not change: on entries only `isValid: false` has an effect (the reading is deleted).',
        params: IdParams, body: Anything, response: { 200: Anything, 201: Anything, ...problemResponses(400, 401, 403, 404, 410, 429, 503) },
      },
      preHandler: auth,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const u = uploaderOf(req);
        const { collection: raw, identifier } = req.params as { collection: string; identifier: string };
        const collection = collectionOf(raw);
        const doc = req.body as Record<string, unknown>;
        const found = await findById(svc, u.patientId, collection, identifier);
        if (found && !found.valid) throw gone();
        if (collection === 'entries') {
          if (!found) throw notFound('document_not_found', 'No such document.');
          if (doc.isValid === false) await deleteEntry(svc, req, u, identifier);
          return { status: 200, identifier, lastModified: Date.now() };
        }
        if (method === 'PATCH' && !found) throw notFound('document_not_found', 'No such document.');
        const merged = method === 'PATCH' ? { ...found!.doc, ...doc, _id: identifier } : { ...doc, _id: identifier };
        if (doc.isValid === false) {
          await deleteById(svc, req, u, collection, identifier);
          return { status: 200, identifier, lastModified: Date.now() };
        }
        const result = await createV3(svc, req, u, collection, merged, method === 'PATCH' ? 'merge' : 'upsert');
        return reply.code(found ? 200 : 201).send({ status: found ? 200 : 201, identifier, lastModified: result.lastModified });
      },
    });
  }

  app.delete('/api/v3/:collection/:identifier', {
    schema: { tags, summary: 'Delete a document (kept as a deletion for history)', params: IdParams, response: { 200: Anything, ...problemResponses(401, 403, 404, 410, 429) } },
    preHandler: auth,
  }, async (req) => {
    const u = uploaderOf(req);
    const collection = collectionOf(req.params.collection);
    const found = await findById(svc, u.patientId, collection, req.params.identifier);
    if (!found) throw notFound('document_not_found', 'No such document.');
    if (!found.valid) throw gone();
    await deleteById(svc, req, u, collection, req.params.identifier);
    return { status: 200 };
  });
}

function render(collection: Collection, row: Record<string, unknown>): Record<string, unknown> {
  switch (collection) {
    case 'entries': return toEntry(fromRow(row as unknown as ReadingRow), true);
    case 'treatments': return toTreatmentDoc(row as unknown as TreatmentRow, true);
    case 'devicestatus': return toDeviceStatusDoc(row as unknown as DeviceStatusRow, true);
    case 'profile': return toProfileDoc(row as unknown as ProfileRow, true);
  }
}

async function createV3(svc: GlucoseServices, req: FastifyRequest, u: Uploader, collection: Collection, doc: Record<string, unknown>, mode: 'upsert' | 'merge' = 'upsert') {
  const actor = uploaderActor(req, u);
  const app = typeof doc.app === 'string' ? doc.app.slice(0, 200) : u.app;
  switch (collection) {
    case 'entries': {
      const outcome = await uploadEntries(svc, u.patientId, [doc], { channel: 'nightscout_v3', app, actor });
      if (outcome.rejected.length) throw badRequest(outcome.rejected[0].code, outcome.rejected[0].message, [{ path: `body.${outcome.rejected[0].field.replace(/^\[0\]\./, '')}`, message: outcome.rejected[0].message }]);
      const stored = outcome.stored[0];
      if (!stored) return { identifier: null, created: true, lastModified: Date.now() };
      return { identifier: String(stored._id), created: outcome.inserted > 0, lastModified: Date.now() };
    }
    case 'treatments': {
      const outcome = await upsertTreatments(svc, u.patientId, [doc], { app, actor, channel: 'nightscout_v3', mode });
      if (outcome.rejected.length) throw badRequest(outcome.rejected[0].code, outcome.rejected[0].message);
      const r = outcome.results[0];
      return { identifier: outputId(r.row.id, r.row.client_id), created: r.created, lastModified: new Date(r.row.srv_modified).getTime() };
    }
    case 'devicestatus': {
      const existing = mode === 'merge' && typeof doc._id === 'string' ? await findDeviceStatusById(svc.ctx.db, u.patientId, doc._id) : undefined;
      if (existing) {
        await sql`update glucose.device_status set doc = ${JSON.stringify({ ...existing.doc, ...doc, _id: undefined })}::jsonb
          where patient_id = ${u.patientId} and created_at = ${new Date(existing.created_at).toISOString()}::timestamptz and device = ${existing.device}`.execute(svc.ctx.db);
        return { identifier: outputId(existing.id, existing.client_id), created: false, lastModified: Date.now() };
      }
      const outcome = await storeDeviceStatus(svc, u.patientId, [doc], { app, actor });
      const row = outcome.rows[0];
      return { identifier: outputId(row.id, row.client_id), created: outcome.created[0], lastModified: new Date(row.received_at).getTime() };
    }
    case 'profile': {
      const outcome = await storeProfiles(svc, u.patientId, [doc], { actor, mode });
      const row = outcome.rows[0];
      return { identifier: outputId(row.id, row.client_id), created: outcome.created[0], lastModified: new Date(row.srv_modified).getTime() };
    }
  }
}

async function findEntryById(db: GlucoseServices['ctx']['db'], patientId: string, identifier: string) {
  const range = isNightscoutGeneratedId(identifier) ? uuidRangeOfNightscoutId(identifier) : undefined;
  const { rows } = await sql<ReadingRow>`select ${sql.raw(READING_COLUMNS)} from glucose.readings where patient_id = ${patientId}
    and (client_id = ${identifier} ${range ? sql`or (client_id is null and id between ${range[0]}::uuid and ${range[1]}::uuid)` : sql``}) limit 1`.execute(db);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

async function findById(svc: GlucoseServices, patientId: string, collection: Collection, identifier: string): Promise<{ doc: Record<string, unknown>; valid: boolean } | undefined> {
  const { db } = svc.ctx;
  switch (collection) {
    case 'entries': {
      const r = await findEntryById(db, patientId, identifier);
      return r && { doc: toEntry(r, true), valid: !r.deleted };
    }
    case 'treatments': {
      const r = await findTreatmentById(db, patientId, identifier);
      return r && { doc: toTreatmentDoc(r, true), valid: r.is_valid };
    }
    case 'devicestatus': {
      const r = await findDeviceStatusById(db, patientId, identifier);
      if (r) return { doc: toDeviceStatusDoc(r, true), valid: true };
      const tomb = await db.selectFrom('glucose.ns_tombstones').select('identifier').where('patient_id', '=', patientId).where('collection', '=', 'devicestatus').where('identifier', '=', identifier).executeTakeFirst();
      return tomb && { doc: {}, valid: false };
    }
    case 'profile': {
      const r = await findProfileById(db, patientId, identifier);
      return r && { doc: toProfileDoc(r, true), valid: r.is_valid };
    }
  }
}

/** An uploader deleting an entry acts as the patient: manual and meter readings only, CGM readings stay (§2). */
async function deleteEntry(svc: GlucoseServices, req: FastifyRequest, u: Uploader, identifier: string) {
  const entry = await findEntryById(svc.ctx.db, u.patientId, identifier);
  if (!entry) throw notFound('document_not_found', 'No such document.');
  const reading = await findReading(svc.ctx.db, u.patientId, entry.id);
  if (!reading) throw notFound('document_not_found', 'No such document.');
  await deleteReading(svc, req, { patientId: u.patientId, as: 'patient' }, u.patientId, entry.id, 'deleted through Nightscout API v3', uploaderActor(req, u));
  await svc.ctx.db.insertInto('glucose.ns_tombstones').values({ patient_id: u.patientId, collection: 'entries', identifier })
    .onConflict((oc) => oc.columns(['patient_id', 'collection', 'identifier']).doUpdateSet({ deleted_at: new Date() })).execute();
}

async function deleteById(svc: GlucoseServices, req: FastifyRequest, u: Uploader, collection: Collection, identifier: string) {
  const actor = uploaderActor(req, u);
  const done = collection === 'entries' ? (await deleteEntry(svc, req, u, identifier), true)
    : collection === 'treatments' ? await deleteTreatment(svc, u.patientId, identifier, actor)
      : collection === 'devicestatus' ? await deleteDeviceStatus(svc, u.patientId, identifier, actor)
        : await deleteProfile(svc, u.patientId, identifier, actor);
  if (!done) throw notFound('document_not_found', 'No such document.');
}

async function history(svc: GlucoseServices, patientId: string, collection: Collection, since: number, limit: number): Promise<Record<string, unknown>[]> {
  const { db } = svc.ctx;
  const after = new Date(since).toISOString();
  const horizon = new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString();
  const deletion = (identifier: string, at: Date | string) => ({ identifier, isValid: false, srvModified: new Date(at).getTime() });
  switch (collection) {
    case 'entries': {
      const { rows } = await sql<ReadingRow & { deleted_at: Date | null }>`
        select ${sql.raw(READING_COLUMNS)}, deleted_at from glucose.readings
        where patient_id = ${patientId} and measured_at >= ${horizon}::timestamptz and (received_at > ${after}::timestamptz or deleted_at > ${after}::timestamptz)
        order by coalesce(deleted_at, received_at), measured_at limit ${limit}`.execute(db);
      return rows.map((r) => (r.deleted_at ? deletion(outputId(r.id, r.client_id), r.deleted_at) : toEntry(fromRow(r), true)));
    }
    case 'treatments': {
      const { rows } = await sql<TreatmentRow>`select * from glucose.ns_treatments where patient_id = ${patientId} and srv_modified > ${after}::timestamptz order by srv_modified limit ${limit}`.execute(db);
      return rows.map((r) => (r.is_valid ? toTreatmentDoc(r, true) : deletion(outputId(r.id, r.client_id), r.srv_modified)));
    }
    case 'profile': {
      const { rows } = await sql<ProfileRow>`select * from glucose.ns_profiles where patient_id = ${patientId} and srv_modified > ${after}::timestamptz order by srv_modified limit ${limit}`.execute(db);
      return rows.map((r) => (r.is_valid ? toProfileDoc(r, true) : deletion(outputId(r.id, r.client_id), r.srv_modified)));
    }
    case 'devicestatus': {
      const { rows } = await sql<DeviceStatusRow>`select * from glucose.device_status where patient_id = ${patientId} and created_at >= ${horizon}::timestamptz
        and received_at > ${after}::timestamptz order by received_at limit ${limit}`.execute(db);
      const tombs = await db.selectFrom('glucose.ns_tombstones').selectAll().where('patient_id', '=', patientId).where('collection', '=', 'devicestatus')
        .where('deleted_at', '>', new Date(since)).orderBy('deleted_at').limit(limit).execute();
      return [...rows.map((r) => toDeviceStatusDoc(r, true)), ...tombs.map((t) => deletion(t.identifier, t.deleted_at))]
        .sort((a, b) => Number(a.srvModified) - Number(b.srvModified)).slice(0, limit);
    }
  }
}
