import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { TreatmentDeriver, Derivation } from '../nightscout/derive.js';
import { patientZone } from '../patients/zone.js';
import { isPossibleDuplicate } from '../medications/insulin.js';
import { defaultAbsorption, insertMeal, mealTypeAt, caloriesOf } from './meals.js';
import { computeMealImpact, scheduleImpact } from './impact.js';
import type { InsulinPurpose, MealType } from './tables.js';

const numberOf = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
const notesOf = (doc: Record<string, unknown>) => {
  const parts = [typeof doc.notes === 'string' ? doc.notes : '', typeof doc.foodType === 'string' ? doc.foodType : ''].filter((s) => s.trim() !== '');
  return parts.length ? parts.join(' — ').slice(0, 500) : null;
};

const MEAL_BOLUS = new Set(['Meal Bolus', 'Snack Bolus', 'Combo Bolus', 'Bolus Wizard']);

/** Purpose of a Nightscout bolus (§4.2.5). */
export const bolusPurpose = (eventType: string): InsulinPurpose => (MEAL_BOLUS.has(eventType) ? 'meal' : eventType === 'Correction Bolus' ? 'correction' : 'other');

/** `insulin` > 0 → an insulin dose of the patient's bolus kind; a repeated upload updates it. */
export const insulinDeriver: TreatmentDeriver = {
  kind: 'insulin_doses',
  async derive({ tx, patientId, treatment, previous, rowId }: Derivation) {
    const raw = numberOf(treatment.doc.insulin);
    if (raw === undefined || raw <= 0) return [];
    const units = Math.round(raw * 20) / 20;
    if (units < 0.05 || units > 100) return [];
    const settings = await tx.selectFrom('glucose.patient_settings').select('bolus_insulin_kind').where('patient_id', '=', patientId).executeTakeFirst();
    const kind = settings?.bolus_insulin_kind ?? 'rapid';
    const at = new Date(treatment.occurredAtMs);
    const purpose = bolusPurpose(treatment.eventType);
    const keep = previous[0];
    const dup = await isPossibleDuplicate(tx, patientId, at.getTime(), units, 'nightscout', keep);
    const values = { administered_at: at, units, insulin_kind: kind, purpose, notes: notesOf(treatment.doc), flags: dup ? ['possible_duplicate'] : [] };
    if (keep) {
      const updated = await tx.updateTable('glucose.insulin_doses').set(values).where('id', '=', keep).where('patient_id', '=', patientId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
      if (updated) return [keep];
    }
    const row = await tx.insertInto('glucose.insulin_doses').values({ ...values, patient_id: patientId, source: 'nightscout', ns_treatment_id: rowId ?? null, entered_by: null })
      .returning('id').executeTakeFirstOrThrow();
    return [row.id];
  },
  async remove(tx: Tx, patientId: string, ids: string[]) {
    if (ids.length) await tx.updateTable('glucose.insulin_doses').set({ deleted_at: new Date() }).where('patient_id', '=', patientId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  },
};

/** Carb Correction → hypo_treatment when the latest reading of the 15 minutes before is below the low threshold. */
async function mealTypeOf(d: Derivation, takenAtMs: number): Promise<MealType> {
  const { eventType } = d.treatment;
  if (eventType === 'Snack Bolus') return 'snack';
  if (eventType === 'Carb Correction') {
    const at = new Date(d.treatment.occurredAtMs).toISOString();
    const { rows } = await sql<{ value: number; low: number | null }>`
      select r.value_mgdl::float8 as value, (select low from glucose.alert_settings where patient_id = ${d.patientId}) as low
      from glucose.readings r where r.patient_id = ${d.patientId} and r.deleted_at is null
        and r.measured_at <= ${at}::timestamptz and r.measured_at >= ${at}::timestamptz - interval '15 minutes'
      order by r.measured_at desc limit 1`.execute(d.tx);
    return rows[0] && rows[0].value < (rows[0].low ?? 70) ? 'hypo_treatment' : 'snack';
  }
  return mealTypeAt(await patientZone(d.tx, d.patientId), takenAtMs);
}

/** `carbs` > 0 → a meal: time + preBolus minutes, absorptionTime (minutes) else the patient's default. */
export const mealDeriver: TreatmentDeriver = {
  kind: 'meals',
  async derive(d: Derivation) {
    const { tx, svc, patientId, treatment, previous, rowId } = d;
    const doc = treatment.doc;
    const carbs = numberOf(doc.carbs);
    if (carbs === undefined || carbs <= 0 || carbs > 500) return [];
    const macro = (v: unknown) => { const n = numberOf(v); return n !== undefined && n >= 0 && n <= 300 ? Math.round(n * 10) / 10 : null; };
    const takenAtMs = treatment.occurredAtMs + (numberOf(doc.preBolus) ?? 0) * 60_000;
    const absorption = numberOf(doc.absorptionTime);
    const absorptionMinutes = absorption !== undefined ? Math.min(480, Math.max(60, Math.round(absorption))) : await defaultAbsorption(tx, patientId);
    const protein = macro(doc.protein); const fat = macro(doc.fat);
    const values = {
      takenAtMs, mealType: await mealTypeOf(d, takenAtMs), name: typeof doc.foodType === 'string' ? doc.foodType.slice(0, 120) : null,
      carbsG: Math.round(carbs * 10) / 10, proteinG: protein, fatG: fat, fiberG: null, caloriesKcal: caloriesOf(carbs, protein, fat), absorptionMinutes,
      items: null, source: 'nightscout' as const, nsTreatmentId: rowId ?? null, notes: notesOf(doc), enteredBy: null,
    };
    const keep = previous[0];
    if (keep) {
      const updated = await tx.updateTable('glucose.meals').set({
        taken_at: new Date(takenAtMs), meal_type: values.mealType, name: values.name, carbs_g: values.carbsG, protein_g: protein, fat_g: fat,
        calories_kcal: values.caloriesKcal, absorption_minutes: absorptionMinutes, notes: values.notes, updated_at: new Date(),
      }).where('id', '=', keep).where('patient_id', '=', patientId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
      if (updated) {
        if (Date.now() >= takenAtMs + 130 * 60_000) await computeMealImpact(tx, keep);
        else await scheduleImpact(svc, tx, keep, takenAtMs);
        return [keep];
      }
    }
    const row = await insertMeal(svc, tx, patientId, values);
    return [row.id];
  },
  async remove(tx: Tx, patientId: string, ids: string[]) {
    if (ids.length) await tx.updateTable('glucose.meals').set({ deleted_at: new Date() }).where('patient_id', '=', patientId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  },
};

/** Exercise with a duration → an activity session of moderate intensity. */
export const activityDeriver: TreatmentDeriver = {
  kind: 'activities',
  async derive({ tx, patientId, treatment, previous, rowId }: Derivation) {
    if (treatment.eventType !== 'Exercise') return [];
    const minutes = numberOf(treatment.doc.duration);
    if (minutes === undefined || minutes <= 0 || minutes > 720) return [];
    const start = new Date(treatment.occurredAtMs);
    const end = new Date(treatment.occurredAtMs + Math.round(minutes * 60_000));
    const values = { started_at: start, ended_at: end, notes: notesOf(treatment.doc), updated_at: new Date() };
    const keep = previous[0];
    if (keep) {
      const updated = await tx.updateTable('glucose.activity_sessions').set(values).where('id', '=', keep).where('patient_id', '=', patientId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
      if (updated) return [keep];
    }
    const row = await tx.insertInto('glucose.activity_sessions').values({
      ...values, patient_id: patientId, activity_type: 'other', name: 'Exercise', intensity: 'moderate', source: 'nightscout', ns_treatment_id: rowId ?? null,
    }).returning('id').executeTakeFirstOrThrow();
    return [row.id];
  },
  async remove(tx: Tx, patientId: string, ids: string[]) {
    if (ids.length) await tx.updateTable('glucose.activity_sessions').set({ deleted_at: new Date() }).where('patient_id', '=', patientId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  },
};
