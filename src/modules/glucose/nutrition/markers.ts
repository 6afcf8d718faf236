import { sql } from 'kysely';
import { markerSources, type Marker } from '../readings/history.js';

let added = false;

/** Chart markers (§4.1.4 include=markers, §8 live chart): meals, insulin doses, medication intakes and activities. */
export function addCareLogMarkers() {
  if (added) return;
  added = true;
  markerSources.push(async (db, patientId, fromMs, toMs) => {
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const { rows } = await sql<{ kind: Marker['kind']; id: string; at: Date; label: string; value: number | null }>`
      (select 'meal' as kind, id, taken_at as at, coalesce(name, meal_type) || ' · ' || carbs_g::float8 || ' g' as label, carbs_g::float8 as value
        from glucose.meals where patient_id = ${patientId} and deleted_at is null and taken_at >= ${from}::timestamptz and taken_at < ${to}::timestamptz)
      union all
      (select 'insulin', id, administered_at, units::float8 || ' U ' || insulin_kind, units::float8
        from glucose.insulin_doses where patient_id = ${patientId} and deleted_at is null and medication_dose_id is null
          and administered_at >= ${from}::timestamptz and administered_at < ${to}::timestamptz)
      union all
      (select 'medication', d.id, d.taken_at, p.name, coalesce(d.amount, p.dose_amount)::float8
        from glucose.medication_doses d join glucose.medication_plans p on p.id = d.plan_id
        where d.patient_id = ${patientId} and d.status = 'taken' and d.taken_at >= ${from}::timestamptz and d.taken_at < ${to}::timestamptz)
      union all
      (select 'activity', id, started_at, activity_type || ' · ' || round(extract(epoch from ended_at - started_at) / 60) || ' min', null
        from glucose.activity_sessions where patient_id = ${patientId} and deleted_at is null and started_at >= ${from}::timestamptz and started_at < ${to}::timestamptz)
      order by at limit 500`.execute(db);
    return rows.map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at).toISOString(), label: r.label, ...(r.value !== null ? { value: r.value } : {}) }));
  });
}
