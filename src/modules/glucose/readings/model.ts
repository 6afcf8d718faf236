import { Type, type TSchema } from 'typebox';
import { DIRECTIONS, type Direction } from './trend.js';

export const SOURCES = ['cgm', 'meter', 'manual'] as const;
export type Source = (typeof SOURCES)[number];

export const FLAGS = ['below_sensor_range', 'above_sensor_range', 'suspect', 'outlier_confirmed', 'warmup'] as const;
export type Flag = (typeof FLAGS)[number];

export const CONTEXTS = ['fasting', 'preprandial', 'postprandial_1h', 'postprandial_2h', 'bedtime', 'exercise', 'stress', 'correction'] as const;
export type ReadingContext = (typeof CONTEXTS)[number];

/** Accepted value range in mg/dL by source (CGM 39 is the sensors' "below range" floor). */
export const VALUE_RANGE: Record<Source, { min: number; max: number }> = {
  cgm: { min: 39, max: 600 },
  meter: { min: 20, max: 600 },
  manual: { min: 20, max: 600 },
};

/** A reading as stored, in the module's own words. */
export interface StoredReading {
  id: string;
  patientId: string;
  measuredAt: Date;
  source: Source;
  value: number;
  direction: Direction | null;
  trendRate: number | null;
  flags: string[];
  context: ReadingContext | null;
  notes: string | null;
  sensorId: string | null;
  device: string | null;
  noise: number | null;
  utcOffsetMin: number | null;
  enteredBy: string | null;
  clientId: string | null;
  raw: Record<string, unknown> | null;
  receivedAt: Date;
  deleted: boolean;
}

/** The columns readings queries select, with numbers as numbers. */
export const READING_COLUMNS = `id, patient_id, measured_at, source, value_mgdl::float8 as value, direction, trend_rate::float8 as trend_rate,
  flags, context, notes, sensor_id, device, noise, utc_offset_min, entered_by, client_id, raw, received_at, deleted_at is not null as deleted`;

export interface ReadingRow {
  id: string; patient_id: string; measured_at: Date; source: Source; value: number; direction: Direction | null;
  trend_rate: number | null; flags: string[]; context: ReadingContext | null; notes: string | null; sensor_id: string | null;
  device: string | null; noise: number | null; utc_offset_min: number | null; entered_by: string | null; client_id: string | null;
  raw: Record<string, unknown> | null; received_at: Date; deleted: boolean;
}

export const fromRow = (r: ReadingRow): StoredReading => ({
  id: r.id, patientId: r.patient_id, measuredAt: new Date(r.measured_at), source: r.source, value: r.value, direction: r.direction,
  trendRate: r.trend_rate, flags: r.flags, context: r.context, notes: r.notes, sensorId: r.sensor_id, device: r.device,
  noise: r.noise, utcOffsetMin: r.utc_offset_min, enteredBy: r.entered_by, clientId: r.client_id, raw: r.raw,
  receivedAt: new Date(r.received_at), deleted: r.deleted,
});

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** A string schema limited to `values`, typed as their union. */
export const Enum = <T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

export const ReadingSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  patientId: Type.String({ format: 'uuid' }),
  measuredAt: Type.String({ format: 'date-time' }),
  value: Type.Number({ description: 'mg/dL' }),
  unit: Type.Literal('mg/dL'),
  source: Enum(SOURCES),
  context: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  direction: Nullable(Enum(DIRECTIONS)),
  trendRate: Nullable(Type.Number({ description: 'mg/dL per minute' })),
  flags: Type.Array(Type.String()),
  sensorId: Nullable(Type.String()),
  device: Nullable(Type.String()),
  enteredBy: Nullable(Type.String({ description: 'User who entered it on the patient\'s behalf, or the patient' })),
  receivedAt: Type.String({ format: 'date-time' }),
});

export const toReadingDto = (r: StoredReading) => ({
  id: r.id, patientId: r.patientId, measuredAt: r.measuredAt.toISOString(), value: r.value, unit: 'mg/dL' as const, source: r.source,
  context: r.context, notes: r.notes, direction: r.direction, trendRate: r.trendRate, flags: r.flags, sensorId: r.sensorId,
  device: r.device, enteredBy: r.enteredBy, receivedAt: r.receivedAt.toISOString(),
});
