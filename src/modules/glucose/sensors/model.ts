import { Type, type Static } from 'typebox';
import type { Selectable } from 'kysely';
import type { SensorsTable } from '../tables.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ format: 'date-time' });

export const CURRENT_STATUSES = ['warming_up', 'active', 'disconnected'] as const;
export const OPEN_STATUSES = ['pairing', 'warming_up', 'active', 'disconnected'] as const;

export const SensorSchema = Type.Object({
  id: Type.String(), patientId: Type.String(), model: Type.String(), modelName: Type.String(),
  serialNumber: Nullable(Type.String()), transmitterId: Nullable(Type.String()),
  status: Type.String({ description: 'pairing | warming_up | active | disconnected | expired | ended | failed' }),
  pairedAt: Iso, startedAt: Nullable(Iso), warmupEndsAt: Nullable(Iso), expiresAt: Nullable(Iso), endedAt: Nullable(Iso),
  endReason: Nullable(Type.String()), batteryPct: Nullable(Type.Integer()), signalQuality: Nullable(Type.Integer()),
  firmwareVersion: Nullable(Type.String()), lastReadingAt: Nullable(Iso),
  calibrationPolicy: Type.String({ description: 'none | optional | required' }),
  hoursToExpiry: Nullable(Type.Number()),
});
export type SensorDto = Static<typeof SensorSchema>;

export type SensorRow = Selectable<SensorsTable> & { model_name?: string };

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toSensorDto(s: SensorRow, nowMs = Date.now()): SensorDto {
  const open = (OPEN_STATUSES as readonly string[]).includes(s.status);
  return {
    id: s.id, patientId: s.patient_id, model: s.model, modelName: s.model_name ?? s.model, serialNumber: s.serial_number, transmitterId: s.transmitter_id,
    status: s.status, pairedAt: iso(s.paired_at)!, startedAt: iso(s.started_at), warmupEndsAt: iso(s.warmup_ends_at), expiresAt: iso(s.expires_at),
    endedAt: iso(s.ended_at), endReason: s.end_reason, batteryPct: s.battery_pct, signalQuality: s.signal_quality, firmwareVersion: s.firmware_version,
    lastReadingAt: iso(s.last_reading_at), calibrationPolicy: s.calibration_policy,
    hoursToExpiry: open && s.expires_at ? Math.round(((new Date(s.expires_at).getTime() - nowMs) / 3_600_000) * 10) / 10 : null,
  };
}
