import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { badRequest } from '../../../platform/http/errors.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { patientZone } from '../patients/zone.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { localClock } from '../medications/schedule.js';

export const DISCLAIMER = 'Information only, not medical advice';
export type GlucoseState = 'low' | 'in_range' | 'high';
export type TimeOfDay = 'breakfast' | 'lunch' | 'dinner' | 'snack';

/** Local time → time of day (§4.6): breakfast 05–10, lunch 11–14, dinner 18–21, snack otherwise. */
export function timeOfDayAt(hour: number): TimeOfDay {
  return hour >= 5 && hour <= 10 ? 'breakfast' : hour >= 11 && hour <= 14 ? 'lunch' : hour >= 18 && hour <= 21 ? 'dinner' : 'snack';
}

export interface FoodFilter { fastActing?: boolean; minCarbs?: number; maxCarbs?: number; gi?: ('low' | 'medium' | 'high')[] }
export interface NutritionAdvice { code: string; carbsG: number | null; recheckMinutes: number | null; messages: string[]; filter: FoodFilter | null; mealSuggestion: boolean }

/** The nutrition table of §4.6 (documented heuristics). `value` is the latest fresh reading, null when unknown. */
export function nutritionAdvice(state: GlucoseState, value: number | null, timeOfDay: TimeOfDay, activityPlanned: boolean, diabetesType: string): NutritionAdvice {
  if (state === 'low') {
    const severe = value !== null && value < 54;
    return {
      code: 'treat_low', carbsG: severe ? 20 : 15, recheckMinutes: 15, mealSuggestion: false, filter: { fastActing: true, minCarbs: 10, maxCarbs: 20 },
      messages: [`Take ${severe ? 20 : 15} g of fast-acting carbohydrate and recheck in 15 minutes.`, ...(severe ? ['Alert your caregivers if it is not improving.'] : [])],
    };
  }
  if (state === 'high') {
    return {
      code: 'lower_carb', carbsG: null, recheckMinutes: null, mealSuggestion: true, filter: { maxCarbs: 15, gi: ['low'] },
      messages: ['Choose low-carbohydrate, low-GI food and drink water.', ...(value !== null && value > 250 && diabetesType === 't1' ? ['Check for ketones.'] : [])],
    };
  }
  if (activityPlanned && (value === null || value < 126)) {
    return { code: 'pre_exercise_snack', carbsG: 15, recheckMinutes: null, mealSuggestion: false, filter: { minCarbs: 10, maxCarbs: 20, gi: ['low', 'medium'] }, messages: ['Take about 15 g of carbohydrate before the activity.'] };
  }
  if (timeOfDay !== 'snack') {
    return { code: 'balanced_meal', carbsG: null, recheckMinutes: null, mealSuggestion: true, filter: { minCarbs: 30, maxCarbs: 60, gi: ['low', 'medium'] }, messages: ['A balanced meal with 30–60 g of carbohydrate from low or medium GI food.'] };
  }
  return { code: 'light_snack', carbsG: null, recheckMinutes: null, mealSuggestion: false, filter: { maxCarbs: 20, gi: ['low', 'medium'] }, messages: ['A light snack of at most 20 g of carbohydrate, low or medium GI.'] };
}

export interface ActivityAdvice { codes: string[]; messages: string[] }

/** The pre-exercise table of §4.6 (Riddell et al. 2017) plus the post-meal walk. */
export function activityAdvice(g: number, mealMinutesAgo: number | null): ActivityAdvice {
  const out: ActivityAdvice = { codes: [], messages: [] };
  if (g < 90) { out.codes.push('delay_and_eat'); out.messages.push('Take 10–20 g of carbohydrate and start when glucose is at least 90 mg/dL.'); }
  else if (g < 126) { out.codes.push('snack_before_aerobic'); out.messages.push('Take 10 g of carbohydrate before aerobic exercise; resistance or interval exercise can start.'); }
  else if (g <= 180) { out.codes.push('ready'); out.messages.push('Ready to exercise.'); }
  else if (g <= 270) { out.codes.push('ready_monitor'); out.messages.push('Aerobic exercise is fine; intense exercise may raise glucose.'); }
  else { out.codes.push('check_ketones'); out.messages.push('Exercise only if ketones are not elevated, then mild to moderate only.'); }
  if (mealMinutesAgo !== null && mealMinutesAgo >= 30 && mealMinutesAgo <= 120 && g > 180) { out.codes.push('post_meal_walk'); out.messages.push('A 10–15 minute walk after the meal helps.'); }
  return out;
}

export const SUGGESTED_ACTIVITIES = [
  { key: 'walk', activityType: 'walking', minutes: 10, intensity: 'low' },
  { key: 'brisk_walk', activityType: 'walking', minutes: 20, intensity: 'moderate' },
  { key: 'yoga', activityType: 'yoga', minutes: 20, intensity: 'low' },
  { key: 'strength', activityType: 'strength', minutes: 30, intensity: 'moderate' },
  { key: 'cycling', activityType: 'cycling', minutes: 30, intensity: 'moderate' },
  { key: 'swim', activityType: 'swimming', minutes: 45, intensity: 'moderate' },
  { key: 'run', activityType: 'running', minutes: 30, intensity: 'vigorous' },
] as const;

async function latestFresh(svc: GlucoseServices, patientId: string) {
  const { rows } = await sql<{ value: number; at: Date; low: number | null; high: number | null; diabetes_type: string | null }>`
    select l.value_mgdl::float8 as value, l.measured_at as at, a.low, a.high, s.diabetes_type
    from (select 1) x left join glucose.latest_readings l on l.patient_id = ${patientId}
    left join glucose.alert_settings a on a.patient_id = ${patientId} left join glucose.patient_settings s on s.patient_id = ${patientId}`.execute(svc.ctx.db);
  const r = rows[0];
  const fresh = r?.at && Date.now() - new Date(r.at).getTime() <= 15 * 60_000;
  return { value: fresh ? r.value : null, low: r?.low ?? 70, high: r?.high ?? 180, diabetesType: r?.diabetes_type ?? 'unknown' };
}

export default async function recommendationRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose nutrition and activity'];
  const Food = Type.Object({ id: Type.String(), name: Type.String(), portionLabel: Type.String(), carbsG: Type.Number(), giCategory: Type.String(), fastActing: Type.Boolean() });

  app.get('/patients/:patientId/recommendations/nutrition', {
    schema: {
      tags, summary: 'Rule-based nutrition suggestion for the current glucose state (documented heuristics; not medical advice)',
      description: 'glucoseState defaults to the state of the latest reading when ≤ 15 min old; otherwise it is required (400 glucose_state_required).',
      params: Type.Object({ patientId: Type.String() }),
      querystring: Type.Object({
        glucoseState: Type.Optional(Enum(['low', 'in_range', 'high'] as const)), timeOfDay: Type.Optional(Enum(['breakfast', 'lunch', 'dinner', 'snack'] as const)),
        activityPlanned: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          disclaimer: Type.String(), glucoseState: Type.String(), value: Nullable(Type.Number()), timeOfDay: Type.String(), code: Type.String(), carbsG: Nullable(Type.Number()),
          recheckMinutes: Nullable(Type.Integer()), messages: Type.Array(Type.String()), mealSuggestion: Type.Boolean(), items: Type.Array(Food),
        }), ...problemResponses(400, 401, 404),
      },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const latest = await latestFresh(svc, access.patientId);
    const state: GlucoseState | undefined = req.query.glucoseState
      ?? (latest.value === null ? undefined : latest.value < latest.low ? 'low' : latest.value > latest.high ? 'high' : 'in_range');
    if (!state) throw badRequest('glucose_state_required', 'No reading in the last 15 minutes: say the glucose state (low, in_range, high).', [{ path: 'query.glucoseState', message: 'is required without a recent reading' }]);
    const zone = await patientZone(db, access.patientId);
    const timeOfDay = req.query.timeOfDay ?? timeOfDayAt(Number(localClock(zone, Date.now()).slice(0, 2)));
    const advice = nutritionAdvice(state, latest.value, timeOfDay, req.query.activityPlanned === true, latest.diabetesType);
    let items: { id: string; name: string; portionLabel: string; carbsG: number; giCategory: string; fastActing: boolean }[] = [];
    if (advice.filter) {
      const f = advice.filter;
      let q = db.selectFrom('glucose.food_items').select(['id', 'name', 'portion_label', 'carbs_g', 'gi_category', 'fast_acting']).orderBy('carbs_g').orderBy('name').limit(6);
      if (f.fastActing) q = q.where('fast_acting', '=', true);
      if (f.minCarbs !== undefined) q = q.where('carbs_g', '>=', String(f.minCarbs));
      if (f.maxCarbs !== undefined) q = q.where('carbs_g', '<=', String(f.maxCarbs));
      if (f.gi) q = q.where('gi_category', 'in', f.gi);
      if (advice.code === 'lower_carb' || !f.fastActing) q = q.where('category', '<>', 'hypo_treatment');
      if (advice.code !== 'lower_carb') q = q.where('carbs_g', '>', '0');
      items = (await q.execute()).map((r) => ({ id: r.id, name: r.name, portionLabel: r.portion_label, carbsG: Number(r.carbs_g), giCategory: r.gi_category, fastActing: r.fast_acting }));
    }
    await recordHealthRead(db, req, access, 'recommendations', { kind: 'nutrition' });
    const { filter: _f, ...rest } = advice;
    return { disclaimer: DISCLAIMER, glucoseState: state, value: latest.value, timeOfDay, ...rest, items };
  });

  app.get('/patients/:patientId/recommendations/activity', {
    schema: {
      tags, summary: 'Pre-exercise guidance from the current glucose (Riddell et al. 2017) and activities that fit the time available',
      description: 'Uses the latest reading when ≤ 15 min old, else glucoseMgdl; without either 400 glucose_required.',
      params: Type.Object({ patientId: Type.String() }),
      querystring: Type.Object({ timeAvailableMin: Type.Integer({ minimum: 5, maximum: 240, default: 30 }), glucoseMgdl: Type.Optional(Type.Number({ minimum: 20, maximum: 600 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          disclaimer: Type.String(), glucose: Type.Number(), codes: Type.Array(Type.String()), messages: Type.Array(Type.String()),
          activities: Type.Array(Type.Object({ key: Type.String(), activityType: Type.String(), minutes: Type.Integer(), intensity: Type.String() })),
        }), ...problemResponses(400, 401, 404),
      },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const latest = await latestFresh(svc, access.patientId);
    const g = latest.value ?? req.query.glucoseMgdl;
    if (g === undefined) throw badRequest('glucose_required', 'No reading in the last 15 minutes: give glucoseMgdl.', [{ path: 'query.glucoseMgdl', message: 'is required without a recent reading' }]);
    const meal = await sql<{ at: Date }>`select max(taken_at) as at from glucose.meals where patient_id = ${access.patientId} and deleted_at is null
      and taken_at <= now() and taken_at >= now() - interval '3 hours'`.execute(db);
    const mealAgo = meal.rows[0]?.at ? (Date.now() - new Date(meal.rows[0].at).getTime()) / 60_000 : null;
    const advice = activityAdvice(g, mealAgo);
    const fits = SUGGESTED_ACTIVITIES.filter((a) => a.minutes <= req.query.timeAvailableMin && (g <= 270 || a.intensity !== 'vigorous') && (g >= 90 || a.intensity === 'low'));
    await recordHealthRead(db, req, access, 'recommendations', { kind: 'activity' });
    return { disclaimer: DISCLAIMER, glucose: g, ...advice, activities: fits.map((a) => ({ ...a })) };
  });
}
