import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import { patientZone } from '../patients/zone.js';
import { localDate, addDays, localToUtc } from '../medications/schedule.js';
import { generateDoses, loadPlan, refreshStock } from '../medications/service.js';
import { computeMealImpact } from './impact.js';

const DAY = 86_400_000;

/**
 * Demo medications, insulin, meals, water, activity and steps for the demo patient (Léa), over the last 7 days
 * and ahead: two plans (basal insulin at 22:00 and vitamin D at 08:00, its stock running low), a realistic intake
 * history with a few missed and skipped doses, meal boluses, three meals a day with their glucose impact.
 * Idempotent: does nothing once Léa has a medication plan.
 */
export async function seedCareLogs(ctx: ModuleContext, patientEmail: string, nowMs = Date.now()): Promise<void> {
  const { db } = ctx;
  const patient = await db.selectFrom('platform.users').select('id').where('email', '=', patientEmail).executeTakeFirst();
  if (!patient) return;
  const has = await db.selectFrom('glucose.medication_plans').select('id').where('patient_id', '=', patient.id).executeTakeFirst();
  if (has) return;
  const pid = patient.id;
  const zone = await patientZone(db, pid);
  const today = localDate(zone, nowMs);
  const start = addDays(today, -7);
  let seed = 7;
  const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };

  const mealIds = await db.transaction().execute(async (tx) => {
    const plans = [
      { name: 'Insulin glargine (Lantus)', kind: 'insulin_long' as const, dose_amount: 14, dose_unit: 'units' as const, schedule: { type: 'fixed_times' as const, times: ['22:00'] }, stock: 420, instructions: 'Same time every evening' },
      { name: 'Vitamin D3', kind: 'oral' as const, dose_amount: 1, dose_unit: 'capsule' as const, schedule: { type: 'fixed_times' as const, times: ['08:00'] }, stock: 9, instructions: 'With breakfast' },
    ];
    for (const p of plans) {
      const { id } = await tx.insertInto('glucose.medication_plans').values({
        patient_id: pid, name: p.name, kind: p.kind, dose_amount: p.dose_amount, dose_unit: p.dose_unit, schedule: JSON.stringify(p.schedule),
        start_date: start, instructions: p.instructions, stock_tracking: true, created_by: pid,
      }).returning('id').executeTakeFirstOrThrow();
      const plan = (await loadPlan(tx, pid, id))!;
      // The last 7 days and 30 ahead; the past ones get an intake history.
      await generateDoses(tx, { ...plan }, zone, nowMs - 7 * DAY);
      const past = await tx.selectFrom('glucose.medication_doses').select(['id', 'scheduled_at']).where('plan_id', '=', id).where('scheduled_at', '<', new Date(nowMs - 2 * 3_600_000)).orderBy('scheduled_at').execute();
      for (const [i, d] of past.entries()) {
        const at = new Date(d.scheduled_at).getTime();
        const outcome = i === 2 && p.kind === 'oral' ? 'skipped' : (i === 4 && p.kind === 'oral') || i === 5 ? 'missed' : 'taken';
        const takenAt = new Date(at + Math.round((rand() * 40 - 10)) * 60_000);
        await tx.updateTable('glucose.medication_doses').set(outcome === 'taken'
          ? { status: 'taken', taken_at: takenAt, recorded_by: pid, recorded_at: takenAt }
          : outcome === 'skipped' ? { status: 'skipped', skip_reason: 'Ran out at work', recorded_by: pid, recorded_at: new Date(at + 3_600_000) } : { status: 'missed' }).where('id', '=', d.id).execute();
        if (outcome === 'taken' && p.kind === 'insulin_long') {
          await tx.insertInto('glucose.insulin_doses').values({ patient_id: pid, administered_at: takenAt, units: 14, insulin_kind: 'long', purpose: 'basal', source: 'medication', medication_dose_id: d.id, entered_by: pid }).execute();
        }
      }
      const stock = await tx.insertInto('glucose.medication_stock').values({ plan_id: id, patient_id: pid, units_remaining: p.stock }).returning('id').executeTakeFirstOrThrow();
      await tx.insertInto('glucose.stock_movements').values({ stock_id: stock.id, delta: p.stock, reason: 'refill', dose_id: null, actor: pid }).execute();
      await refreshStock(ctx, tx, stock.id, nowMs);
    }

    const meals: string[] = [];
    const menu = [
      { time: '07:45', type: 'breakfast' as const, name: 'Oats, berries and yoghurt', carbs: 48, protein: 18, fat: 9, bolus: 5 },
      { time: '12:30', type: 'lunch' as const, name: 'Lentil salad and bread', carbs: 62, protein: 24, fat: 14, bolus: 6.5 },
      { time: '16:30', type: 'snack' as const, name: 'Apple and almonds', carbs: 25, protein: 6, fat: 15, bolus: 0 },
      { time: '19:45', type: 'dinner' as const, name: 'Salmon, quinoa and vegetables', carbs: 55, protein: 35, fat: 18, bolus: 6 },
    ];
    for (let d = start; d <= today; d = addDays(d, 1)) {
      for (const m of menu) {
        const at = localToUtc(zone, d, m.time) + Math.round(rand() * 20 - 10) * 60_000;
        if (at > nowMs - 10 * 60_000) continue;
        const carbs = Math.round(m.carbs * (0.85 + rand() * 0.3));
        const row = await tx.insertInto('glucose.meals').values({
          patient_id: pid, taken_at: new Date(at), meal_type: m.type, name: m.name, carbs_g: carbs, protein_g: m.protein, fat_g: m.fat,
          calories_kcal: Math.round(4 * carbs + 4 * m.protein + 9 * m.fat), absorption_minutes: m.type === 'snack' ? 120 : 180, source: 'manual', entered_by: pid,
        }).returning('id').executeTakeFirstOrThrow();
        meals.push(row.id);
        if (m.bolus) {
          await tx.insertInto('glucose.insulin_doses').values({ patient_id: pid, administered_at: new Date(at - 10 * 60_000), units: Math.round(m.bolus * (carbs / m.carbs) * 2) / 2, insulin_kind: 'rapid', purpose: 'meal', source: 'manual', entered_by: pid }).execute();
        }
      }
      for (let g = 0; g < 5 + Math.floor(rand() * 4); g += 1) {
        const at = localToUtc(zone, d, `${String(8 + g * 2).padStart(2, '0')}:15`);
        if (at < nowMs) await tx.insertInto('glucose.hydration_logs').values({ patient_id: pid, at: new Date(at), glasses: 1, entered_by: pid }).execute();
      }
      const walk = localToUtc(zone, d, '18:00');
      if (walk + 40 * 60_000 < nowMs && rand() > 0.2) {
        await tx.insertInto('glucose.activity_sessions').values({
          patient_id: pid, activity_type: rand() > 0.8 ? 'running' : 'walking', name: 'After-work walk', started_at: new Date(walk), ended_at: new Date(walk + 40 * 60_000),
          intensity: 'moderate', calories_kcal: Math.round(5 * 62 * (40 / 60)), source: 'manual', entered_by: pid,
        }).execute();
      }
      const phone = 5000 + Math.round(rand() * 6000);
      await tx.insertInto('glucose.daily_steps').values([{ patient_id: pid, local_date: d, source: 'phone', steps: d === today ? Math.round(phone / 3) : phone }, { patient_id: pid, local_date: d, source: 'watch', steps: d === today ? Math.round(phone / 3) + 300 : phone + 300 }]).execute();
    }
    await tx.insertInto('glucose.goals').values({ patient_id: pid, calories_kcal: 1900, carbs_g: 200, hydration_glasses: 8, steps: 8000, active_minutes: 30, updated_by: pid }).execute();
    return meals;
  });
  for (const id of mealIds) await computeMealImpact(db, id, nowMs);
  await sql`select 1`.execute(db);
  ctx.log.info({ meals: mealIds.length }, 'glucose demo medications, meals and activity seeded');
}
