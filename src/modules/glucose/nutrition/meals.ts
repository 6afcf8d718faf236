import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { badRequest } from '../../../platform/http/errors.js';
import type { GlucoseServices } from '../services.js';
import { localClock } from '../medications/schedule.js';
import { scheduleImpact } from './impact.js';
import type { MealItem, MealType } from './tables.js';

export const MEAL_TYPES = ['breakfast', 'lunch', 'dinner', 'snack', 'hypo_treatment', 'other'] as const;
export const ABSORPTION_MINUTES = { fast: 120, medium: 180, slow: 240 } as const;
export type Absorption = keyof typeof ABSORPTION_MINUTES;

/** Meal type by local time (§4.2.5): 04:00–10:59 breakfast, 11:00–15:59 lunch, 16:00–21:59 dinner, else snack. */
export function mealTypeAt(zone: string, atMs: number): MealType {
  const h = Number(localClock(zone, atMs).slice(0, 2));
  return h >= 4 && h < 11 ? 'breakfast' : h >= 11 && h < 16 ? 'lunch' : h >= 16 && h < 22 ? 'dinner' : 'snack';
}

/** Calories when absent: round(4·carbs + 4·protein + 9·fat). */
export const caloriesOf = (carbs: number, protein: number | null, fat: number | null) => Math.round(4 * carbs + 4 * (protein ?? 0) + 9 * (fat ?? 0));

export interface MealValues {
  takenAtMs: number; mealType: MealType; name: string | null; carbsG: number; proteinG: number | null; fatG: number | null; fiberG: number | null;
  caloriesKcal: number | null; absorptionMinutes: number; items: MealItem[] | null; source: 'manual' | 'nightscout' | 'quick_action';
  nsTreatmentId: string | null; notes: string | null; enteredBy: string | null;
}

export interface MealRow {
  id: string; patient_id: string; taken_at: Date; meal_type: MealType; name: string | null; carbs_g: string; protein_g: string | null; fat_g: string | null;
  fiber_g: string | null; calories_kcal: number | null; absorption_minutes: number; items: MealItem[] | null; source: string; ns_treatment_id: string | null;
  notes: string | null; impact: Record<string, unknown> | null; impact_computed_at: Date | null; entered_by: string | null; entered_by_name?: string | null;
  created_at: Date; updated_at: Date;
}

const num = (v: string | null) => (v === null ? null : Number(v));
export const toMealDto = (m: MealRow) => ({
  id: m.id, patientId: m.patient_id, takenAt: new Date(m.taken_at).toISOString(), mealType: m.meal_type, name: m.name, carbsG: Number(m.carbs_g),
  proteinG: num(m.protein_g), fatG: num(m.fat_g), fiberG: num(m.fiber_g), caloriesKcal: m.calories_kcal, absorptionMinutes: m.absorption_minutes,
  items: m.items, source: m.source, notes: m.notes, impact: m.impact, impactComputedAt: m.impact_computed_at ? new Date(m.impact_computed_at).toISOString() : null,
  enteredBy: m.entered_by, enteredByName: m.entered_by_name ?? null,
});

/** Macros from catalog items ({foodItemId, portions}) — used for the fields the caller left out. */
export async function macrosOfItems(db: DbOrTx, items: MealItem[]) {
  const ids = [...new Set(items.map((i) => i.foodItemId))];
  const found = ids.length ? await db.selectFrom('glucose.food_items').selectAll().where('id', 'in', ids).execute() : [];
  const byId = new Map(found.map((f) => [f.id, f]));
  const missing = items.findIndex((i) => !byId.has(i.foodItemId));
  if (missing >= 0) throw badRequest('unknown_food_item', 'A food item does not exist.', [{ path: `body.items.${missing}.foodItemId`, message: 'is not in the food catalog' }]);
  const sum = (f: (x: (typeof found)[number]) => number) => Math.round(items.reduce((s, i) => s + f(byId.get(i.foodItemId)!) * i.portions, 0) * 10) / 10;
  return {
    carbsG: sum((x) => Number(x.carbs_g)), proteinG: sum((x) => Number(x.protein_g)), fatG: sum((x) => Number(x.fat_g)),
    caloriesKcal: Math.round(sum((x) => x.calories_kcal)), name: items.map((i) => byId.get(i.foodItemId)!.name).join(', ').slice(0, 120),
  };
}

/** Inserts a meal and queues its impact computation (same transaction). */
export async function insertMeal(svc: GlucoseServices, tx: DbOrTx, patientId: string, v: MealValues): Promise<MealRow> {
  const row = await tx.insertInto('glucose.meals').values({
    patient_id: patientId, taken_at: new Date(v.takenAtMs), meal_type: v.mealType, name: v.name, carbs_g: v.carbsG, protein_g: v.proteinG, fat_g: v.fatG,
    fiber_g: v.fiberG, calories_kcal: v.caloriesKcal ?? caloriesOf(v.carbsG, v.proteinG, v.fatG), absorption_minutes: v.absorptionMinutes,
    items: v.items ? JSON.stringify(v.items) : null, source: v.source, ns_treatment_id: v.nsTreatmentId, notes: v.notes, entered_by: v.enteredBy,
  }).returningAll().executeTakeFirstOrThrow();
  await scheduleImpact(svc, tx, row.id, v.takenAtMs);
  return row as unknown as MealRow;
}

export async function defaultAbsorption(db: DbOrTx, patientId: string): Promise<number> {
  const { rows } = await sql<{ m: number }>`select carb_absorption_minutes as m from glucose.patient_settings where patient_id = ${patientId}`.execute(db);
  return rows[0]?.m ?? 180;
}

/**
 * The meal of a treat_hypo quick action (§4.3.5): `hypo_treatment`, absorption 120 min, source quick_action.
 * Called inside the quick action's transaction.
 */
export async function logHypoTreatment(svc: GlucoseServices, tx: DbOrTx, patientId: string, carbsG: number, enteredBy: string | null, atMs = Date.now(), notes: string | null = null) {
  return insertMeal(svc, tx, patientId, {
    takenAtMs: atMs, mealType: 'hypo_treatment', name: 'Fast-acting carbohydrate', carbsG, proteinG: null, fatG: null, fiberG: null, caloriesKcal: null,
    absorptionMinutes: ABSORPTION_MINUTES.fast, items: null, source: 'quick_action', nsTreatmentId: null, notes, enteredBy,
  });
}
