import { createHmac, hkdfSync } from 'node:crypto';
import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { GlucoseServices } from '../services.js';
import { OutboundHttpError, type HttpClient } from '../../../platform/clients/index.js';
import { resolveInstanceSecret } from '../../../platform/auth/instance-secret.js';
import { externalModelConfig, type ExternalModelConfig } from './config.js';
import { computeForecast, type ExternalOutcome, type ModelResult } from './forecast.js';
import { loadForecastInputs } from './inputs.js';

export const EXTERNAL_QUEUE = 'glucose.predictions.external';
export const HEALTH_QUEUE = 'glucose.ml.health';
const MIN_READINGS = 6;
const MAX_READINGS = 100;
const MIN_CONFIDENCE = 0.5;

const Horizon = Type.Object({
  value: Type.Number({ minimum: 39, maximum: 400 }),
  p10: Type.Optional(Type.Number()), p90: Type.Optional(Type.Number()),
  riskHypo: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), riskHyper: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});
/** The external model's answer (§4.10.4); anything else is `external_invalid_response`. */
const ModelResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('low_confidence'), Type.Literal('insufficient_data'), Type.Literal('error')]),
  modelVersion: Type.Optional(Type.String({ maxLength: 100 })),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  predictions: Type.Optional(Type.Object({ 30: Horizon, 60: Horizon })),
});
type ModelResponse = Static<typeof ModelResponse>;

/** Last known health of the endpoint, per process (polled every minute; the admin status page reads it). */
export const modelHealth: { checkedAt: string | null; ok: boolean | null; detail: string | null } = { checkedAt: null, ok: null, detail: null };

interface ExternalRequestData {
  readings: { measuredAt: string; value: number; trendRate: number | null }[];
  insulin: { at: string; units: number; kind: string }[];
  carbs: { at: string; grams: number; absorptionMinutes: number }[];
}

/**
 * Asks the external model for one stored prediction and keeps its answer only when it is usable: HTTP 200, a
 * valid body, `status: ok`, confidence ≥ 0.5 and values in 39..400. Every other outcome becomes a
 * fallback reason; the AR2/physio forecast already in the row stays the answer.
 */
export async function askExternalModel(client: HttpClient, config: ExternalModelConfig, body: Record<string, unknown>): Promise<ExternalOutcome> {
  let parsed: unknown;
  try {
    const res = await client.request({ method: 'POST', path: '/predict', json: body, timeoutMs: config.timeoutMs, retries: 0, headers: config.token ? { 'x-internal-token': config.token } : {} });
    if (res.status !== 200) return { ok: false, reason: 'external_http_error' };
    parsed = JSON.parse(res.text);
  } catch (err) {
    if (err instanceof OutboundHttpError) {
      return { ok: false, reason: err.failure === 'timeout' ? 'external_timeout' : err.failure === 'circuit_open' ? 'external_circuit_open' : 'external_http_error' };
    }
    if (err instanceof SyntaxError) return { ok: false, reason: 'external_invalid_response' };
    throw err;
  }
  if (!Value.Check(ModelResponse, parsed)) return { ok: false, reason: 'external_invalid_response' };
  const answer = parsed as ModelResponse;
  if (answer.status === 'insufficient_data') return { ok: false, reason: 'external_insufficient_data' };
  if (answer.status === 'low_confidence' || (answer.status === 'ok' && (answer.confidence ?? 0) < MIN_CONFIDENCE)) return { ok: false, reason: 'external_low_confidence' };
  if (answer.status !== 'ok' || !answer.predictions) return { ok: false, reason: answer.status === 'ok' ? 'external_invalid_response' : 'external_http_error' };
  const p = answer.predictions;
  const result: ModelResult = {
    points: [{ minutesAhead: 30, value: Math.round(p[30].value) }, { minutesAhead: 60, value: Math.round(p[60].value) }],
    raw: [p[30].value, p[60].value],
    meta: { modelVersion: answer.modelVersion ?? null, confidence: answer.confidence ?? null, p10: { 30: p[30].p10 ?? null, 60: p[60].p10 ?? null }, p90: { 30: p[30].p90 ?? null, 60: p[60].p90 ?? null } },
  };
  return { ok: true, result };
}

export class ExternalModel {
  private client?: HttpClient;
  private subjectKey?: Promise<Buffer>;
  constructor(private readonly svc: GlucoseServices, readonly config: ExternalModelConfig) {}

  http(): HttpClient {
    this.client ??= this.svc.ctx.clients.client({ target: 'glucose.ml', baseUrl: this.config.endpoint, timeoutMs: this.config.timeoutMs, retries: 0 });
    return this.client;
  }

  /** HMAC of the patient id: the model can follow a subject over time without learning who it is. */
  async subject(patientId: string): Promise<string> {
    this.subjectKey ??= resolveInstanceSecret(this.svc.ctx.db, this.svc.ctx.config.jwtSecret)
      .then((secret) => Buffer.from(hkdfSync('sha256', secret, 'atrium', 'glucose.ml-subject', 32)));
    return createHmac('sha256', await this.subjectKey).update(patientId).digest('hex');
  }

  /** The job: call the model for one prediction row, store its result or the fallback reason, announce it. */
  async run(data: { patientId: string; predictionId: string; baseTime: string }) {
    const { db } = this.svc.ctx;
    const row = await db.selectFrom('glucose.predictions').select(['base_reading_id', 'base_value']).where('patient_id', '=', data.patientId)
      .where('base_time', '=', new Date(data.baseTime)).where('id', '=', data.predictionId).executeTakeFirst();
    if (!row) return { skipped: 'prediction_gone' };
    const baseMs = Date.parse(data.baseTime);
    const payload = await this.requestData(data.patientId, baseMs);
    let outcome: ExternalOutcome;
    if (payload.readings.length < MIN_READINGS) outcome = { ok: false, reason: 'external_not_called' };
    else {
      outcome = await askExternalModel(this.http(), this.config, {
        subjectKey: await this.subject(data.patientId), forTime: data.baseTime, ...payload, horizons: [30, 60],
      });
    }
    const last = payload.readings[payload.readings.length - 1];
    const inputs = await loadForecastInputs(db, data.patientId, { id: row.base_reading_id, atMs: baseMs, value: Number(row.base_value), trendRate: last?.trendRate ?? null });
    const f = computeForecast(inputs, outcome);
    const p = f.probabilities;
    await sql`
      update glucose.predictions set external = ${f.external ? JSON.stringify({ points: f.external.points, ...f.external.meta }) : null}::jsonb,
        primary_model = coalesce(${f.primaryModel}, primary_model), fallback_reason = ${f.fallbackReason},
        p_hypo_30 = coalesce(${p?.hypo30 ?? null}, p_hypo_30), p_hyper_30 = coalesce(${p?.hyper30 ?? null}, p_hyper_30),
        p_hypo_60 = coalesce(${p?.hypo60 ?? null}, p_hypo_60), p_hyper_60 = coalesce(${p?.hyper60 ?? null}, p_hyper_60)
      where patient_id = ${data.patientId} and base_time = ${data.baseTime}::timestamptz and id = ${data.predictionId}`.execute(db);
    if (outcome.ok) {
      const at = (m: number) => f.external?.points.find((x) => x.minutesAhead === m)?.value ?? null;
      try {
        await this.svc.ctx.realtime.publish(`glucose.readings:${data.patientId}`, 'prediction.updated', {
          patientId: data.patientId, predictionId: data.predictionId, primaryModel: f.primaryModel, value30: at(30), value60: at(60),
          probabilityHypo30: p?.hypo30 ?? null, probabilityHyper30: p?.hyper30 ?? null,
        });
      } catch (err) {
        this.svc.ctx.log.warn({ err }, 'glucose: prediction.updated not published');
      }
    }
    return { primaryModel: f.primaryModel, fallbackReason: f.fallbackReason };
  }

  /** Readings (6..100, last 8 h, ascending), rapid insulin and carbs: no names or contact data. */
  private async requestData(patientId: string, baseMs: number): Promise<ExternalRequestData> {
    const at = new Date(baseMs).toISOString();
    const { rows: [r] } = await sql<{ readings: ExternalRequestData['readings'] | null; insulin: ExternalRequestData['insulin'] | null; carbs: ExternalRequestData['carbs'] | null }>`
      select
        (select json_agg(x order by x."measuredAt") from (
           select to_char(measured_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "measuredAt", value_mgdl::float8 as value, trend_rate::float8 as "trendRate"
           from glucose.readings where patient_id = ${patientId} and source = 'cgm' and deleted_at is null and not ('suspect' = any(flags))
             and measured_at > ${at}::timestamptz - interval '8 hours' and measured_at <= ${at}::timestamptz
           order by measured_at desc limit ${MAX_READINGS}) x) as readings,
        (select json_agg(json_build_object('at', administered_at, 'units', units::float8, 'kind', insulin_kind) order by administered_at)
           from glucose.insulin_doses where patient_id = ${patientId} and deleted_at is null
             and administered_at > ${at}::timestamptz - interval '8 hours' and administered_at <= ${at}::timestamptz) as insulin,
        (select json_agg(json_build_object('at', taken_at, 'grams', carbs_g::float8, 'absorptionMinutes', absorption_minutes) order by taken_at)
           from glucose.meals where patient_id = ${patientId} and deleted_at is null
             and taken_at > ${at}::timestamptz - interval '8 hours' and taken_at <= ${at}::timestamptz) as carbs`.execute(this.svc.ctx.db);
    return { readings: r.readings ?? [], insulin: r.insulin ?? [], carbs: r.carbs ?? [] };
  }

  async checkHealth() {
    try {
      await this.http().request({ method: 'GET', path: '/health', timeoutMs: this.config.timeoutMs, retries: 0 });
      Object.assign(modelHealth, { checkedAt: new Date().toISOString(), ok: true, detail: null });
    } catch (err) {
      Object.assign(modelHealth, { checkedAt: new Date().toISOString(), ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
    return { ok: modelHealth.ok };
  }
}

/** The two queues of the external model; nothing is defined when GLUCOSE_ML_ENDPOINT is unset. */
export function defineExternalModelJobs(svc: GlucoseServices): ExternalModel | null {
  const config = externalModelConfig();
  if (!config) return null;
  const model = new ExternalModel(svc, config);
  // no retry: a late forecast is worth nothing, and the row already holds the fallback
  svc.ctx.jobs.define<{ patientId: string; predictionId: string; baseTime: string }>({
    queue: EXTERNAL_QUEUE, retryLimit: 0, batchSize: 20, tracked: false, handler: (job) => model.run(job.data),
  });
  svc.ctx.jobs.define({
    queue: HEALTH_QUEUE, policy: 'singleton', retryLimit: 0, handler: () => model.checkHealth(),
    schedules: [{ cron: '* * * * *', timezone: 'UTC', description: 'Poll the external glucose model GET /health' }],
  });
  return model;
}
