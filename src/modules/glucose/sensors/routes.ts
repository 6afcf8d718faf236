import { Type } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf } from '../../../platform/audit/writer.js';
import { notFound } from '../../../platform/http/errors.js';
import { RefusalSchema } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { SensorSchema, toSensorDto, type SensorRow } from './model.js';
import { announceSensor, loadSensor, registerSensor, startSensor, stopSensor, updateSensor } from './lifecycle.js';
import { calibrate, CALIBRATION_STEPS, toCalibrationDto } from './calibrations.js';
import { diagnose } from './diagnostics.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const PatientParams = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });
const SensorParams = Type.Object({ patientId: Type.String(), sensorId: Type.String({ format: 'uuid' }) });
const Iso = Type.String({ format: 'date-time' });
const WRITERS = ['patient', 'caregiver', 'admin'] as const;

const DeviceModel = Type.Object({
  key: Type.String(), manufacturer: Type.String(), name: Type.String(), kind: Type.String(), lifetimeHours: Nullable(Type.Integer()),
  graceHours: Type.Integer(), warmupMinutes: Type.Integer(), calibrationPolicy: Type.String(), samplingMinutes: Nullable(Type.Integer()),
});
const RegisterBody = Type.Object({
  model: Type.String({ maxLength: 40, description: 'A CGM key of GET /device-models' }),
  serialNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  transmitterId: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
}, { additionalProperties: false });
const StartBody = Type.Object({ startedAt: Type.Optional(Iso) }, { additionalProperties: false });
const StopBody = Type.Object({ reason: Type.Union([Type.Literal('replaced'), Type.Literal('removed'), Type.Literal('failed'), Type.Literal('expired')]) }, { additionalProperties: false });
const PatchBody = Type.Object({
  batteryPct: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  signalQuality: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  firmwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
}, { additionalProperties: false, minProperties: 1 });
const CalibrationBody = Type.Object({
  referenceValue: Type.Number({ description: 'Finger-stick value in `unit`; 40–400 mg/dL after conversion' }),
  unit: Type.Optional(Type.Union([Type.Literal('mg/dL'), Type.Literal('mmol/L')])),
  recordedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Within [now − 15 min, now + 1 min]; default now' })),
  stepsCompleted: Type.Optional(Type.Array(Type.Union(CALIBRATION_STEPS.map((s) => Type.Literal(s))), { maxItems: 3, uniqueItems: true })),
  notes: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
const Calibration = Type.Object({
  id: Type.String(), sensorId: Type.String(), referenceMgdl: Type.Number(), recordedAt: Iso, stepsCompleted: Type.Array(Type.String()), status: Type.String(),
  rejectReason: Nullable(Type.String()), source: Type.String(), performedBy: Nullable(Type.String()), notes: Nullable(Type.String()), readingId: Nullable(Type.String()),
});
const Diagnostics = Type.Object({
  sensorId: Type.String(), lastReadingAt: Nullable(Iso), minutesSinceLastReading: Nullable(Type.Integer()), readingsLast24h: Type.Integer(),
  expectedLast24h: Type.Integer(), completenessPct24h: Type.Number(), gapsOver15MinLast24h: Type.Integer(), batteryPct: Nullable(Type.Integer()),
  signalQuality: Nullable(Type.Integer()), noiseLevel: Nullable(Type.Integer()), uploaderBatteryPct: Nullable(Type.Integer()), medianLatencySec: Nullable(Type.Number()),
  hoursToExpiry: Nullable(Type.Number()),
  recommendations: Type.Array(Type.String({ description: 'replace_sensor_soon | sensor_expired | check_phone_bluetooth | charge_uploader | replace_transmitter_battery | sensor_noisy | calibrate | low_completeness' })),
});

const sensorNotFound = () => notFound('sensor_not_found', 'No such sensor for this patient.');

export default async function sensorRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose devices'];

  /** Loads the sensor of the patient in scope, locked for a change; 404 for a sensor of anyone else. */
  const sensorFor = async (tx: Parameters<typeof loadSensor>[0], patientId: string, sensorId: string, lock = false): Promise<SensorRow> => {
    const sensor = await loadSensor(tx, patientId, sensorId, lock);
    if (!sensor) throw sensorNotFound();
    return sensor;
  };

  app.get('/device-models', {
    schema: { tags, summary: 'The catalog of CGM, meter and pump models (lifetime, warm-up, calibration policy, sampling)', response: { 200: Type.Object({ items: Type.Array(DeviceModel) }), ...problemResponses(401) } },
    preHandler: app.requireAuth,
  }, async () => {
    const rows = await ctx.db.selectFrom('glucose.device_models').selectAll().orderBy('kind').orderBy('manufacturer').orderBy('name').execute();
    return {
      items: rows.map((m) => ({
        key: m.key, manufacturer: m.manufacturer, name: m.name, kind: m.kind, lifetimeHours: m.lifetime_hours, graceHours: m.grace_hours,
        warmupMinutes: m.warmup_minutes, calibrationPolicy: m.calibration_policy, samplingMinutes: m.sampling_minutes,
      })),
    };
  });

  app.get('/patients/:patientId/sensors', {
    schema: {
      tags, summary: 'The patient\'s sensors, current first then newest', params: PatientParams,
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(SensorSchema), current: Nullable(SensorSchema) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const rows = await ctx.db.selectFrom('glucose.sensors as s').innerJoin('glucose.device_models as m', 'm.key', 's.model').selectAll('s').select('m.name as model_name')
      .where('s.patient_id', '=', access.patientId).orderBy('s.created_at', 'desc').limit(req.query.limit).execute();
    await recordHealthRead(ctx.db, req, access, 'sensors', { items: rows.length });
    const items = rows.map((r) => toSensorDto(r));
    return { items, current: items.find((s) => ['warming_up', 'active', 'disconnected'].includes(s.status)) ?? items.find((s) => s.status === 'pairing') ?? null };
  });

  app.post('/patients/:patientId/sensors', {
    schema: {
      tags, summary: 'Register a sensor (status pairing)', description: 'Refusals: 400 unknown_sensor_model. Send Idempotency-Key to retry safely.',
      params: PatientParams, body: RegisterBody, response: { 201: SensorSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, [...WRITERS]),
    config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const sensor = await ctx.db.transaction().execute((tx) => registerSensor(tx, actorOf(req), access.patientId, req.body));
    await announceSensor(svc, sensor);
    return reply.code(201).send(toSensorDto(sensor));
  });

  app.post('/patients/:patientId/sensors/:sensorId/start', {
    schema: {
      tags, summary: 'Start a sensor: warm-up then active; ends the patient\'s other current sensor (replaced)',
      description: 'Refusals: 400 started_at_invalid (within the last 24 h, not in the future); 409 sensor_not_pairing.',
      params: SensorParams, body: StartBody, response: { 200: SensorSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: patientScope(ctx, [...WRITERS]),
  }, async (req) => {
    const access = patientAccess(req);
    const { sensor, replacedIds } = await ctx.db.transaction().execute(async (tx) =>
      startSensor(svc, tx, actorOf(req), await sensorFor(tx, access.patientId, req.params.sensorId, true), req.body.startedAt));
    for (const id of replacedIds) { const other = await loadSensor(ctx.db, access.patientId, id); if (other) await announceSensor(svc, other); }
    await announceSensor(svc, sensor);
    return toSensorDto(sensor);
  });

  app.post('/patients/:patientId/sensors/:sensorId/stop', {
    schema: {
      tags, summary: 'Stop a sensor: ended with the reason, or failed', description: 'Refusals: 409 sensor_already_ended.',
      params: SensorParams, body: StopBody, response: { 200: SensorSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: patientScope(ctx, [...WRITERS]),
  }, async (req) => {
    const access = patientAccess(req);
    const sensor = await ctx.db.transaction().execute(async (tx) => stopSensor(tx, actorOf(req), await sensorFor(tx, access.patientId, req.params.sensorId, true), req.body.reason));
    await announceSensor(svc, sensor);
    return toSensorDto(sensor);
  });

  app.patch('/patients/:patientId/sensors/:sensorId', {
    schema: {
      tags, summary: 'Report battery, signal quality or firmware (battery ≤ 20 % and ≤ 10 % notify the patient once per sensor)',
      params: SensorParams, body: PatchBody, response: { 200: SensorSchema, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: patientScope(ctx, [...WRITERS]),
  }, async (req) => {
    const access = patientAccess(req);
    const sensor = await ctx.db.transaction().execute(async (tx) => updateSensor(svc, tx, actorOf(req), await sensorFor(tx, access.patientId, req.params.sensorId, true), req.body));
    await announceSensor(svc, sensor);
    return toSensorDto(sensor);
  });

  app.get('/patients/:patientId/sensors/:sensorId/calibrations', {
    schema: {
      tags, summary: 'Calibrations of a sensor, newest first', params: SensorParams,
      response: { 200: Type.Object({ items: Type.Array(Calibration), perDayLimit: Type.Integer() }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const sensor = await sensorFor(ctx.db, access.patientId, req.params.sensorId);
    const rows = await ctx.db.selectFrom('glucose.calibrations').selectAll().where('sensor_id', '=', sensor.id).orderBy('recorded_at', 'desc').limit(200).execute();
    await recordHealthRead(ctx.db, req, access, 'calibrations', { sensorId: sensor.id, items: rows.length });
    return { items: rows.map(toCalibrationDto), perDayLimit: 2 };
  });

  app.post('/patients/:patientId/sensors/:sensorId/calibrations', {
    schema: {
      tags, summary: 'Calibrate an active sensor with a finger-stick value (also stored as a meter reading)',
      description: 'Refusals: 400 value_out_of_range (40–400 mg/dL), calibration_time_invalid; 409 sensor_not_active; 422 calibration_not_supported, '
        + 'calibration_daily_limit (limit, date), glucose_changing_rapidly (trendRate). Send Idempotency-Key to retry safely.',
      params: SensorParams, body: CalibrationBody, response: { 201: Calibration, 400: RefusalSchema, 422: RefusalSchema, ...problemResponses(401, 403, 404, 409) },
    },
    preHandler: patientScope(ctx, [...WRITERS]),
    config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const sensor = await sensorFor(ctx.db, access.patientId, req.params.sensorId);
    const calibration = await calibrate(svc, actorOf(req), authenticatedUser(req).id, access.as, sensor, req.body);
    return reply.code(201).send(calibration);
  });

  app.post('/patients/:patientId/sensors/:sensorId/diagnostics', {
    schema: {
      tags, summary: 'Diagnose a sensor: data completeness, gaps, latency, noise, batteries, expiry, with recommendations (computed, not stored)',
      params: SensorParams, response: { 200: Diagnostics, ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const sensor = await sensorFor(ctx.db, access.patientId, req.params.sensorId);
    const model = await ctx.db.selectFrom('glucose.device_models').select('sampling_minutes').where('key', '=', sensor.model).executeTakeFirst();
    const d = await diagnose(ctx.db, sensor, model?.sampling_minutes ?? 5);
    await recordHealthRead(ctx.db, req, access, 'sensor.diagnostics', { sensorId: sensor.id });
    return {
      sensorId: sensor.id, lastReadingAt: d.lastReadingAt, minutesSinceLastReading: d.minutesSinceLastReading, readingsLast24h: d.readingsLast24h,
      expectedLast24h: d.expectedLast24h, completenessPct24h: d.completenessPct24h, gapsOver15MinLast24h: d.gapsOver15MinLast24h, batteryPct: d.batteryPct,
      signalQuality: d.signalQuality, noiseLevel: d.noiseLevel, uploaderBatteryPct: d.uploaderBatteryPct, medianLatencySec: d.medianLatencySec,
      hoursToExpiry: d.hoursToExpiry, recommendations: d.recommendations,
    };
  });
}
