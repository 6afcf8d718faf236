import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';

const LOOP_FRESH_MS = 10 * 60_000;

interface CurrentRow {
  reading_id: string | null; measured_at: Date | null; value: number | null; source: string | null; direction: string | null;
  trend_rate: number | null; delta5: number | null; flags: string[] | null; last_cgm_at: Date | null; stale_warning_min: number;
  sensor_id: string | null; sensor_model: string | null; sensor_status: string | null; sensor_expires_at: Date | null;
  sensor_battery: number | null; sensor_signal: number | null;
  loop_iob_u: number | null; loop_cob_g: number | null; loop_reported_at: Date | null;
  forecast: { predictionId: string; primaryModel: string; value30: number | null; value60: number | null; probabilityHypo30: number | null; probabilityHyper30: number | null } | null;
}

/**
 * §4.1.3, in one round trip: the latest reading (primary-key lookup in latest_readings), staleness against the
 * patient's threshold, the current sensor, and insulin/carbs on board when a loop reported them ≤ 10 min ago.
 * The forecast is the one stored with the latest CGM reading (null when none); open alerts are filled by their capability.
 */
export async function currentReading(db: Db, patientId: string, nowMs = Date.now()) {
  const { rows } = await sql<CurrentRow>`
    select l.reading_id, l.measured_at, l.value_mgdl::float8 as value, l.source, l.direction, l.trend_rate::float8 as trend_rate,
      l.delta5::float8 as delta5, l.flags, l.last_cgm_at,
      coalesce((select stale_warning_min from glucose.alert_settings a where a.patient_id = p.id), 15) as stale_warning_min,
      s.id as sensor_id, s.model as sensor_model, s.status as sensor_status, s.expires_at as sensor_expires_at,
      s.battery_pct as sensor_battery, s.signal_quality as sensor_signal,
      u.loop_iob_u::float8 as loop_iob_u, u.loop_cob_g::float8 as loop_cob_g, u.loop_reported_at,
      -- the forecast made from the latest CGM reading (Glucose III, predictions/)
      (select json_build_object('predictionId', f.id, 'primaryModel', f.primary_model,
          'value30', (select (pt->>'value')::float8 from jsonb_array_elements(case f.primary_model when 'external' then f.external when 'physio' then f.physio else f.ar2 end->'points') pt where (pt->>'minutesAhead')::int = 30),
          'value60', (select (pt->>'value')::float8 from jsonb_array_elements(case f.primary_model when 'external' then f.external when 'physio' then f.physio else f.ar2 end->'points') pt where (pt->>'minutesAhead')::int = 60),
          'probabilityHypo30', f.p_hypo_30::float8, 'probabilityHyper30', f.p_hyper_30::float8)
        from glucose.predictions f where f.patient_id = p.id and f.base_time = l.last_cgm_at limit 1) as forecast
    from (select ${patientId}::uuid as id) p
    left join glucose.latest_readings l on l.patient_id = p.id
    left join glucose.sensors s on s.patient_id = p.id and s.status in ('warming_up', 'active', 'disconnected')
    left join glucose.uploader_status u on u.patient_id = p.id`.execute(db);
  const r = rows[0];
  const loopFresh = r.loop_reported_at !== null && nowMs - new Date(r.loop_reported_at).getTime() <= LOOP_FRESH_MS;
  const measuredMs = r.measured_at ? new Date(r.measured_at).getTime() : null;
  return {
    patientId,
    unit: 'mg/dL' as const,
    reading: r.reading_id && measuredMs !== null ? {
      id: r.reading_id, measuredAt: new Date(measuredMs).toISOString(), value: r.value!, source: r.source!, direction: r.direction,
      trendRate: r.trend_rate, delta5: r.delta5, flags: r.flags ?? [],
    } : null,
    minutesAgo: measuredMs === null ? null : Math.max(0, Math.floor((nowMs - measuredMs) / 60_000)),
    stale: r.last_cgm_at !== null && nowMs - new Date(r.last_cgm_at).getTime() >= r.stale_warning_min * 60_000,
    sensor: r.sensor_id ? {
      id: r.sensor_id, model: r.sensor_model!, status: r.sensor_status!,
      expiresAt: r.sensor_expires_at ? new Date(r.sensor_expires_at).toISOString() : null,
      batteryPct: r.sensor_battery, signalQuality: r.sensor_signal,
    } : null,
    iob: loopFresh && r.loop_iob_u !== null ? { units: r.loop_iob_u, source: 'loop' as const } : null,
    cob: loopFresh && r.loop_cob_g !== null ? { grams: r.loop_cob_g } : null,
    forecast: r.forecast,
    openAlerts: [] as { id: string; type: string; severity: string; status: string }[],
  };
}
