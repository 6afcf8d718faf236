import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { SensorRow } from './model.js';

export interface DiagnosticsFacts {
  status: string;
  calibrationPolicy: 'none' | 'optional' | 'required';
  lastReadingAt: string | null;
  minutesSinceLastReading: number | null;
  readingsLast24h: number;
  expectedLast24h: number;
  completenessPct24h: number;
  gapsOver15MinLast24h: number;
  batteryPct: number | null;
  signalQuality: number | null;
  noiseLevel: number | null;
  uploaderBatteryPct: number | null;
  medianLatencySec: number | null;
  hoursToExpiry: number | null;
  /** Readings of the last 12 with noise ≥ 3, and suspect readings in 24 h (for `sensor_noisy`). */
  noisyOfLast12: number;
  suspectLast24h: number;
  calibrationsLast24h: number;
}

export type Recommendation = 'replace_sensor_soon' | 'sensor_expired' | 'check_phone_bluetooth' | 'charge_uploader' | 'replace_transmitter_battery'
  | 'sensor_noisy' | 'calibrate' | 'low_completeness';

/** The recommendation rules of §4.9, in a fixed order. Pure. */
export function recommend(f: DiagnosticsFacts): Recommendation[] {
  const out: Recommendation[] = [];
  if (f.status === 'expired' || (f.hoursToExpiry !== null && f.hoursToExpiry <= 0)) out.push('sensor_expired');
  else if (f.hoursToExpiry !== null && f.hoursToExpiry < 24) out.push('replace_sensor_soon');
  if (f.status === 'active' || f.status === 'disconnected') {
    if (f.minutesSinceLastReading === null || f.minutesSinceLastReading > 15) out.push('check_phone_bluetooth');
  }
  if (f.uploaderBatteryPct !== null && f.uploaderBatteryPct <= 20) out.push('charge_uploader');
  if (f.batteryPct !== null && f.batteryPct <= 20) out.push('replace_transmitter_battery');
  if (f.noisyOfLast12 >= 3 || f.suspectLast24h >= 2) out.push('sensor_noisy');
  if (f.calibrationPolicy === 'required' && f.calibrationsLast24h === 0) out.push('calibrate');
  if (f.completenessPct24h < 70) out.push('low_completeness');
  return out;
}

/**
 * §4.9 diagnostics of one sensor, computed (never stored) from its readings of the last 24 h, the uploader status
 * and its calibrations. Completeness counts CGM readings against 1440 / sampling minutes.
 */
export async function diagnose(db: DbOrTx, sensor: SensorRow, samplingMinutes: number, nowMs = Date.now()) {
  const now = new Date(nowMs).toISOString();
  const { rows: [r] } = await sql<{
    last_at: Date | null; n: number; gaps: number; noise: number | null; noisy12: number; suspect: number; latency: number | null; uploader: number | null; cals: number;
  }>`
    with w as (
      select measured_at, received_at, noise, flags from glucose.readings
      where patient_id = ${sensor.patient_id} and source = 'cgm' and deleted_at is null
        and measured_at > ${now}::timestamptz - interval '24 hours' and measured_at <= ${now}::timestamptz
    ), g as (select measured_at - lag(measured_at) over (order by measured_at) as gap from w),
    last12 as (select noise from w order by measured_at desc limit 12)
    select (select max(measured_at) from glucose.readings where patient_id = ${sensor.patient_id} and source = 'cgm' and deleted_at is null) as last_at,
      (select count(*)::int from w) as n,
      (select count(*)::int from g where gap > interval '15 minutes') as gaps,
      (select noise from w where noise is not null order by measured_at desc limit 1) as noise,
      (select count(*)::int from last12 where noise >= 3) as noisy12,
      (select count(*)::int from w where 'suspect' = any(flags)) as suspect,
      (select percentile_cont(0.5) within group (order by extract(epoch from received_at - measured_at)) from w)::float8 as latency,
      (select uploader_battery_pct from glucose.uploader_status where patient_id = ${sensor.patient_id}) as uploader,
      (select count(*)::int from glucose.calibrations where sensor_id = ${sensor.id} and status = 'accepted' and recorded_at > ${now}::timestamptz - interval '24 hours') as cals`.execute(db);
  const lastMs = r.last_at ? new Date(r.last_at).getTime() : null;
  const expected = Math.round(1440 / samplingMinutes);
  const facts: DiagnosticsFacts = {
    status: sensor.status,
    calibrationPolicy: sensor.calibration_policy,
    lastReadingAt: lastMs === null ? null : new Date(lastMs).toISOString(),
    minutesSinceLastReading: lastMs === null ? null : Math.max(0, Math.floor((nowMs - lastMs) / 60_000)),
    readingsLast24h: r.n,
    expectedLast24h: expected,
    completenessPct24h: Math.min(100, Math.round((1000 * r.n) / expected) / 10),
    gapsOver15MinLast24h: r.gaps,
    batteryPct: sensor.battery_pct,
    signalQuality: sensor.signal_quality,
    noiseLevel: r.noise,
    uploaderBatteryPct: r.uploader,
    medianLatencySec: r.latency === null ? null : Math.round(r.latency),
    hoursToExpiry: sensor.expires_at ? Math.round(((new Date(sensor.expires_at).getTime() - nowMs) / 3_600_000) * 10) / 10 : null,
    noisyOfLast12: r.noisy12,
    suspectLast24h: r.suspect,
    calibrationsLast24h: r.cals,
  };
  return { ...facts, recommendations: recommend(facts) };
}
