import { Type } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf } from '../../../platform/audit/writer.js';
import { badRequest } from '../../../platform/http/errors.js';
import { RefusalSchema } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { retentionHorizonMs } from '../config.js';
import { CONTEXTS, Enum, Nullable, ReadingSchema, toReadingDto } from './model.js';
import { recordManual } from './manual.js';
import { BULK_MAX_ITEMS, readBulkItem } from './bulk.js';
import { ingestBatch, type RejectedItem } from './batch.js';
import type { IncomingReading } from './plan.js';
import { currentReading } from './current.js';
import { readingHistory } from './history.js';
import { deleteReading, findReading, readingNotFound } from './remove.js';

const PatientParams = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });
const ReadingParams = Type.Object({ patientId: Type.String(), readingId: Type.String({ format: 'uuid' }) });
const Unit = Type.Union([Type.Literal('mg/dL'), Type.Literal('mmol/L')]);
const Iso = Type.String({ format: 'date-time' });

const ManualBody = Type.Object({
  value: Type.Number({ description: 'In `unit`; 20–600 mg/dL (1.1–33.3 mmol/L) after conversion, at most one decimal' }),
  unit: Type.Optional(Unit),
  measuredAt: Type.Optional(Type.String({ format: 'date-time', description: 'Defaults to now; not more than 5 min ahead nor 30 days back' })),
  context: Type.Optional(Enum(CONTEXTS)),
  notes: Type.Optional(Type.String({ maxLength: 500 })),
  confirmOutlier: Type.Optional(Type.Boolean({ description: 'Store a value the outlier check questioned' })),
}, { additionalProperties: false });

const BulkBody = Type.Object({
  source: Type.Union([Type.Literal('cgm'), Type.Literal('meter')]),
  sensorId: Type.Optional(Type.String({ format: 'uuid' })),
  device: Type.Optional(Type.String({ maxLength: 100 })),
  readings: Type.Array(Type.Unknown(), {
    description: `1 to ${BULK_MAX_ITEMS} items {measuredAt, value, unit?, direction?, noise?, utcOffsetMin?}; each is checked on its own and a bad one is reported by index`,
  }),
}, { additionalProperties: false });

const BulkResult = Type.Object({
  batchId: Type.String(),
  received: Type.Integer(),
  inserted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String(), field: Type.String(), message: Type.String() })),
  firstMeasuredAt: Nullable(Iso),
  lastMeasuredAt: Nullable(Iso),
});

const Current = Type.Object({
  patientId: Type.String(),
  unit: Type.Literal('mg/dL'),
  reading: Nullable(Type.Object({
    id: Type.String(), measuredAt: Iso, value: Type.Number(), source: Type.String(), direction: Nullable(Type.String()),
    trendRate: Nullable(Type.Number()), delta5: Nullable(Type.Number()), flags: Type.Array(Type.String()),
  })),
  minutesAgo: Nullable(Type.Integer()),
  stale: Type.Boolean(),
  sensor: Nullable(Type.Object({
    id: Type.String(), model: Type.String(), status: Type.String(), expiresAt: Nullable(Iso), batteryPct: Nullable(Type.Integer()), signalQuality: Nullable(Type.Integer()),
  })),
  iob: Nullable(Type.Object({ units: Type.Number(), source: Type.String() })),
  cob: Nullable(Type.Object({ grams: Type.Number() })),
  forecast: Nullable(Type.Object({}, { additionalProperties: true })),
  openAlerts: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), severity: Type.String(), status: Type.String() })),
});

const HistoryQuery = Type.Object({
  from: Type.Optional(Iso),
  to: Type.Optional(Iso),
  granularity: Type.Union([Type.Literal('raw'), Type.Literal('5m'), Type.Literal('15m'), Type.Literal('1h')], { default: 'raw' }),
  source: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('cgm'), Type.Literal('meter'), Type.Literal('manual')])),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
  limit: Type.Integer({ minimum: 1, maximum: 2000, default: 288 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  include: Type.Optional(Type.Literal('markers')),
}, { additionalProperties: false });

const Bucket = Type.Object({ bucketStart: Iso, value: Type.Number(), min: Type.Number(), max: Type.Number(), count: Type.Integer() });
const History = Type.Object({
  patientId: Type.String(), unit: Type.Literal('mg/dL'), granularity: Type.String(), from: Iso, to: Iso,
  items: Type.Array(Type.Union([ReadingSchema, Bucket])),
  nextCursor: Nullable(Type.String()),
  markers: Type.Optional(Type.Array(Type.Object({
    kind: Type.String(), id: Type.String(), at: Iso, label: Type.String(), value: Type.Optional(Type.Number()),
  }))),
});

export default async function readingRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose readings'];

  app.post('/patients/:patientId/readings', {
    schema: {
      tags, summary: 'Enter a finger-stick reading (patient, caregiver, admin)',
      description: 'Refusals: 400 value_out_of_range, measured_at_in_future, measured_at_too_old; 422 manual_entry_too_soon (conflictingReadingId), '
        + 'manual_entry_daily_limit (limit, date), outlier_confirmation_required (reason, referenceValue). Send Idempotency-Key to retry safely.',
      params: PatientParams, body: ManualBody,
      response: { 201: Type.Object({ ...ReadingSchema.properties, raisedAlertIds: Type.Array(Type.String()) }), 400: RefusalSchema, 422: RefusalSchema, ...problemResponses(401, 403, 404, 409, 503) },
    },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']),
    config: { idempotent: true },
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const { reading, raisedAlertIds } = await recordManual(svc, req, patientAccess(req), user.id, req.body);
    return reply.code(201).send({
      id: reading.id, patientId: patientAccess(req).patientId, measuredAt: new Date(reading.measuredAtMs).toISOString(), value: reading.value,
      unit: 'mg/dL', source: 'manual', context: reading.context ?? null, notes: reading.notes ?? null, direction: null, trendRate: null,
      flags: reading.flags, sensorId: null, device: null, enteredBy: user.id, receivedAt: new Date().toISOString(), raisedAlertIds,
    });
  });

  app.post('/patients/:patientId/readings/bulk', {
    schema: {
      tags, summary: `Upload up to ${BULK_MAX_ITEMS} CGM or meter readings (patient, admin)`,
      description: 'Each item is validated on its own (codes: value_out_of_range, measured_at_in_future, measured_at_too_old, invalid_direction, '
        + 'invalid_timestamp, unknown_field…); duplicates on (time, source) and CGM readings within ±30 s of a stored one are counted, not stored. '
        + 'One transaction: on 503 nothing was stored; retry with the same Idempotency-Key.',
      params: PatientParams, body: BulkBody,
      response: { 200: BulkResult, ...problemResponses(400, 401, 403, 404, 409, 413, 422, 503) },
    },
    bodyLimit: 5 * 1024 * 1024,
    preHandler: patientScope(ctx, ['patient', 'admin']),
    config: { idempotent: true },
  }, async (req) => {
    const access = patientAccess(req);
    const { readings, source } = req.body;
    if (readings.length > BULK_MAX_ITEMS) throw badRequest('batch_too_large', `At most ${BULK_MAX_ITEMS} readings per request; split the upload.`, [{ path: 'body.readings', message: `must have at most ${BULK_MAX_ITEMS} items` }]);
    if (readings.length === 0) throw badRequest('batch_empty', 'Send at least one reading.', [{ path: 'body.readings', message: 'must not be empty' }]);
    if (req.body.sensorId) {
      const sensor = await ctx.db.selectFrom('glucose.sensors').select('id').where('id', '=', req.body.sensorId).where('patient_id', '=', access.patientId).executeTakeFirst();
      if (!sensor) throw badRequest('unknown_sensor', 'No such sensor for this patient.', [{ path: 'body.sensorId', message: 'is not a sensor of this patient' }]);
    }
    const now = Date.now();
    const context = { source, nowMs: now, horizonMs: retentionHorizonMs(now), device: req.body.device ?? null, sensorId: req.body.sensorId ?? null };
    const incoming: IncomingReading[] = [];
    const rejected: RejectedItem[] = [];
    readings.forEach((raw, index) => {
      const result = readBulkItem(raw, index, context);
      if ('reading' in result) incoming.push(result.reading); else rejected.push(result.rejected);
    });
    const outcome = await ingestBatch(svc, access.patientId, incoming, {
      channel: 'api', app: req.headers['user-agent']?.slice(0, 200) ?? null, actor: actorOf(req), role: access.as, rejected: rejected.length,
    });
    const first = outcome.inserted[0];
    const last = outcome.inserted[outcome.inserted.length - 1];
    return {
      batchId: outcome.batchId, received: readings.length, inserted: outcome.inserted.length, duplicates: outcome.duplicatesCount, rejected,
      firstMeasuredAt: first ? new Date(first.measuredAtMs).toISOString() : null,
      lastMeasuredAt: last ? new Date(last.measuredAtMs).toISOString() : null,
    };
  });

  app.get('/patients/:patientId/readings/current', {
    schema: {
      tags, summary: 'The latest reading with trend, staleness, sensor and insulin/carbs on board (never 404 for no data)',
      params: PatientParams, response: { 200: Current, ...problemResponses(401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const current = await currentReading(ctx.db, access.patientId);
    await recordHealthRead(ctx.db, req, access, 'readings.current');
    return current;
  });

  app.get('/patients/:patientId/readings', {
    schema: {
      tags, summary: 'Reading history, raw or in buckets aligned on the patient\'s local clock, cursor-paginated',
      description: 'Defaults: last 24 h, raw, order asc, limit 288 (max 2000). `to − from` ≤ 90 days (else 400 range_too_large). Buckets default to CGM readings.',
      params: PatientParams, querystring: HistoryQuery, response: { 200: History, ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const history = await readingHistory(ctx.db, access.patientId, req.query);
    await recordHealthRead(ctx.db, req, access, 'readings', { from: history.from, to: history.to, granularity: history.granularity, items: history.items.length });
    return history;
  });

  app.get('/patients/:patientId/readings/:readingId', {
    schema: { tags, summary: 'One reading', params: ReadingParams, response: { 200: ReadingSchema, ...problemResponses(400, 401, 404) } },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const reading = await findReading(ctx.db, access.patientId, req.params.readingId);
    if (!reading || reading.deleted) throw readingNotFound();
    await recordHealthRead(ctx.db, req, access, 'reading', { readingId: reading.id, measuredAt: reading.measuredAt.toISOString() });
    return toReadingDto(reading);
  });

  app.delete('/patients/:patientId/readings/:readingId', {
    schema: {
      tags, summary: 'Delete a reading (soft): patient their manual/meter entries ≤ 30 days, caregiver their own entries ≤ 24 h, admin any with a reason',
      params: ReadingParams,
      body: Type.Union([Type.Object({ reason: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })) }, { additionalProperties: false }), Type.Null()]),
      response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 422, 503) },
    },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']),
  }, async (req, reply) => {
    await deleteReading(svc, req, patientAccess(req), authenticatedUser(req).id, req.params.readingId, req.body?.reason);
    return reply.code(204).send(null);
  });
}

