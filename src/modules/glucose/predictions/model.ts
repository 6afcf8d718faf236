import { Type, type Static } from 'typebox';
import { advice } from './forecast.js';
import type { PredictionsTable } from './tables.js';
import type { Selectable } from 'kysely';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Point = Type.Object({ minutesAhead: Type.Integer(), value: Type.Number() });

export const PredictionSchema = Type.Object({
  predictionId: Nullable(Type.String()),
  baseReadingId: Nullable(Type.String()),
  baseTime: Nullable(Type.String({ format: 'date-time' })),
  baseValue: Nullable(Type.Number()),
  unit: Type.Literal('mg/dL'),
  primaryModel: Nullable(Type.String({ description: 'external | physio | ar2' })),
  fallback: Type.Boolean({ description: 'The external model is configured but its result is not used for this forecast' }),
  fallbackReason: Nullable(Type.String({ description: 'insufficient_data | external_timeout | external_http_error | external_invalid_response | external_low_confidence | external_insufficient_data | external_circuit_open | external_not_called | external_pending' })),
  horizons: Type.Array(Type.Object({ minutes: Type.Integer(), value: Nullable(Type.Number()), probabilityHypo: Nullable(Type.Number()), probabilityHyper: Nullable(Type.Number()) })),
  trajectory: Type.Array(Point),
  models: Type.Object({ ar2: Nullable(Type.Array(Point)), physio: Nullable(Type.Array(Point)), external: Nullable(Type.Array(Point)) }),
  iob: Nullable(Type.Object({ units: Type.Number() })),
  cob: Nullable(Type.Object({ grams: Type.Number() })),
  recommendationLevel: Type.String({ description: 'none | watch | warning | alert | critical (from the 30-min hypo probability)' }),
  recommendations: Type.Array(Type.Object({ type: Type.String(), grams: Type.Optional(Type.Number()), reason: Type.String() })),
  actual30: Nullable(Type.Number()),
  actual60: Nullable(Type.Number()),
  evaluatedAt: Nullable(Type.String({ format: 'date-time' })),
  feedback: Type.Array(Type.Object({ userId: Type.String(), outcome: Type.String(), userAction: Type.String(), notes: Nullable(Type.String()), at: Type.String({ format: 'date-time' }) })),
});
export type PredictionDto = Static<typeof PredictionSchema>;

type Row = Selectable<PredictionsTable>;
type Points = { minutesAhead: number; value: number }[];
const pointsOf = (json: unknown): Points | null => (json && typeof json === 'object' && Array.isArray((json as { points?: unknown }).points) ? (json as { points: Points }).points : null);
const num = (v: string | number | null) => (v === null ? null : Number(v));

export interface FeedbackRow { user_id: string; outcome: string; user_action: string; notes: string | null; updated_at: Date }

export function toPredictionDto(row: Row, feedback: FeedbackRow[] = []): PredictionDto {
  const models = { ar2: pointsOf(row.ar2), physio: pointsOf(row.physio), external: pointsOf(row.external) };
  const trajectory = (row.primary_model ? models[row.primary_model] : null) ?? [];
  const at = (m: number) => trajectory.find((p) => p.minutesAhead === m)?.value ?? null;
  const probs = row.p_hypo_30 === null ? null : { hypo30: Number(row.p_hypo_30), hyper30: Number(row.p_hyper_30), hypo60: Number(row.p_hypo_60), hyper60: Number(row.p_hyper_60) };
  const reason = row.fallback_reason;
  return {
    predictionId: row.id, baseReadingId: row.base_reading_id, baseTime: new Date(row.base_time).toISOString(), baseValue: Number(row.base_value), unit: 'mg/dL',
    primaryModel: row.primary_model, fallback: reason !== null && reason.startsWith('external_') && reason !== 'external_pending', fallbackReason: reason,
    horizons: [30, 60].map((minutes) => ({
      minutes, value: at(minutes),
      probabilityHypo: probs ? (minutes === 30 ? probs.hypo30 : probs.hypo60) : null,
      probabilityHyper: probs ? (minutes === 30 ? probs.hyper30 : probs.hyper60) : null,
    })),
    trajectory, models,
    iob: row.iob_u === null ? null : { units: Number(row.iob_u) },
    cob: row.cob_g === null ? null : { grams: Number(row.cob_g) },
    ...advice(probs),
    actual30: num(row.actual_30), actual60: num(row.actual_60),
    evaluatedAt: row.evaluated_at ? new Date(row.evaluated_at).toISOString() : null,
    feedback: feedback.map((f) => ({ userId: f.user_id, outcome: f.outcome, userAction: f.user_action, notes: f.notes, at: new Date(f.updated_at).toISOString() })),
  };
}

/** `current` for a patient whose latest CGM reading has no forecast (too little data, or no CGM at all). */
export const noForecast = (): PredictionDto => ({
  predictionId: null, baseReadingId: null, baseTime: null, baseValue: null, unit: 'mg/dL', primaryModel: null, fallback: false,
  fallbackReason: 'insufficient_data', horizons: [], trajectory: [], models: { ar2: null, physio: null, external: null }, iob: null, cob: null,
  recommendationLevel: 'none', recommendations: [], actual30: null, actual60: null, evaluatedAt: null, feedback: [],
});
