import { sql } from 'kysely';
import type { GlucoseServices } from '../services.js';
import { announceSensor, loadSensor } from './lifecycle.js';
import { notifySensor } from './notices.js';

export const LIFECYCLE_QUEUE = 'glucose.sensors.lifecycle';

interface Changed { id: string; patient_id: string; model: string; model_name: string }

/**
 * Every minute (§4.9, §7): expiry (warming_up/active/disconnected past expires_at → expired), warm-up complete,
 * expiry warnings at 24 h and 2 h, and active → disconnected when no CGM reading came for the patient's
 * stale_warning_min (the stale_data alert itself is the alert rules' job). Each step is one statement; the
 * milestone events are unique per sensor, so a repeated run notifies nobody twice.
 */
export async function runSensorLifecycle(svc: GlucoseServices, nowMs = Date.now()) {
  const now = new Date(nowMs).toISOString();
  const counts = { expired: 0, warmedUp: 0, expiring: 0, disconnected: 0 };
  const touched = new Map<string, string>();
  await svc.ctx.db.transaction().execute(async (tx) => {
    const expired = await sql<Changed>`
      with s as (
        update glucose.sensors s set status = 'expired', end_reason = 'expired', ended_at = s.expires_at, updated_at = now()
        where s.status in ('warming_up', 'active', 'disconnected') and s.expires_at <= ${now}::timestamptz
        returning s.id, s.patient_id, s.model, s.expires_at
      ), e as (
        insert into glucose.sensor_events (sensor_id, patient_id, at, event) select id, patient_id, expires_at, 'expired' from s on conflict do nothing
      )
      select s.id, s.patient_id, s.model, m.name as model_name from s join glucose.device_models m on m.key = s.model`.execute(tx);
    for (const s of expired.rows) { await notifySensor(svc, tx, s, 'expired'); touched.set(s.id, s.patient_id); }
    counts.expired = expired.rows.length;

    const warmed = await sql<Changed>`
      with s as (
        update glucose.sensors s set status = 'active', updated_at = now()
        where s.status = 'warming_up' and s.warmup_ends_at <= ${now}::timestamptz
        returning s.id, s.patient_id, s.model, s.warmup_ends_at
      ), e as (
        insert into glucose.sensor_events (sensor_id, patient_id, at, event) select id, patient_id, warmup_ends_at, 'warmup_complete' from s on conflict do nothing
      )
      select s.id, s.patient_id, s.model, m.name as model_name from s join glucose.device_models m on m.key = s.model`.execute(tx);
    for (const s of warmed.rows) { await notifySensor(svc, tx, s, 'warmup_complete'); touched.set(s.id, s.patient_id); }
    counts.warmedUp = warmed.rows.length;

    for (const [notice, hours] of [['expiring_24h', 24], ['expiring_2h', 2]] as const) {
      const due = await sql<Changed>`
        with e as (
          insert into glucose.sensor_events (sensor_id, patient_id, at, event)
          select s.id, s.patient_id, ${now}::timestamptz, ${notice} from glucose.sensors s
          where s.status in ('warming_up', 'active', 'disconnected') and s.expires_at > ${now}::timestamptz
            and s.expires_at <= ${now}::timestamptz + make_interval(hours => ${hours})
          on conflict do nothing
          returning sensor_id
        )
        select s.id, s.patient_id, s.model, m.name as model_name from e join glucose.sensors s on s.id = e.sensor_id join glucose.device_models m on m.key = s.model`.execute(tx);
      for (const s of due.rows) await notifySensor(svc, tx, s, notice);
      counts.expiring += due.rows.length;
    }

    const disconnected = await sql<Changed>`
      with s as (
        update glucose.sensors s set status = 'disconnected', updated_at = now()
        where s.status = 'active'
          and greatest(s.last_reading_at, s.warmup_ends_at, s.started_at) <= ${now}::timestamptz
            - make_interval(mins => coalesce((select a.stale_warning_min from glucose.alert_settings a where a.patient_id = s.patient_id), 15))
        returning s.id, s.patient_id, s.model, greatest(s.last_reading_at, s.warmup_ends_at, s.started_at) as since
      ), e as (
        insert into glucose.sensor_events (sensor_id, patient_id, at, event, payload)
        select id, patient_id, ${now}::timestamptz, 'disconnected', jsonb_build_object('lastReadingAt', since) from s
      )
      select s.id, s.patient_id, s.model, m.name as model_name from s join glucose.device_models m on m.key = s.model`.execute(tx);
    for (const s of disconnected.rows) touched.set(s.id, s.patient_id);
    counts.disconnected = disconnected.rows.length;
  });
  for (const [id, patientId] of touched) {
    const sensor = await loadSensor(svc.ctx.db, patientId, id);
    if (sensor) await announceSensor(svc, sensor);
  }
  return counts;
}

export function defineSensorJobs(svc: GlucoseServices) {
  svc.ctx.jobs.define({
    queue: LIFECYCLE_QUEUE, policy: 'singleton', retryLimit: 3, retryDelay: 10,
    handler: () => runSensorLifecycle(svc),
    schedules: [{ cron: '* * * * *', timezone: 'UTC', description: 'Sensor warm-up complete, expiry warnings and expiry, disconnection on stale data' }],
  });
}
