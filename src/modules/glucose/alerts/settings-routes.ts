import { Type, type Static } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, changes, recordAudit } from '../../../platform/audit/writer.js';
import type { FieldError } from '../../../platform/http/errors.js';
import { RefusalSchema, refuse } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { Nullable } from '../readings/model.js';
import { LIMITS, TOGGLES, USER_CHANNELS, settingsFromRow, type AlertSettings, type AlertSettingsRow, type EscalationPolicy } from './settings.js';
import './tables.js';

const Level = Type.Object({
  level: Type.Integer(),
  recipients: Type.Union([Type.Literal('caregivers'), Type.Literal('emergency_contacts'), Type.Literal('clinicians'), Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 20 })],
    { description: 'caregivers | emergency_contacts | clinicians | list of linked user ids or emergency contact ids' }),
  channels: Type.Array(Type.String({ description: USER_CHANNELS.join(' | ') }), { minItems: 1, maxItems: 5 }),
}, { additionalProperties: false });

const Escalation = Type.Object({
  types: Type.Array(Type.String({ description: 'urgent_low | low | urgent_high | high | predicted_low | stale_data' }), { maxItems: 6 }),
  firstDelayMinutes: Type.Integer({ description: '1..30' }),
  repeatEveryMinutes: Type.Integer({ description: '1..30' }),
  maxLevels: Type.Integer({ description: '1..5, equal to the number of levels' }),
  levels: Type.Array(Level, { maxItems: 5 }),
}, { additionalProperties: false });

const Toggles = Type.Object(Object.fromEntries(TOGGLES.map((k) => [k, Type.Boolean()])) as Record<typeof TOGGLES[number], ReturnType<typeof Type.Boolean>>,
  { description: 'Rules switched on or off; urgent_low cannot be switched off (no key)' });

const SettingsSchema = Type.Object({
  patientId: Type.String(), unit: Type.Literal('mg/dL'),
  urgentLow: Type.Integer(), low: Type.Integer(), high: Type.Integer(), urgentHigh: Type.Integer(), rapidRate: Type.Number({ description: 'mg/dL/min' }),
  staleWarningMin: Type.Integer(), staleUrgentMin: Type.Integer(), hysteresisMgdl: Type.Integer(), enabled: Toggles,
  renotifyCriticalMin: Type.Integer(), ackSilenceMin: Type.Integer(), ackSilenceUrgentLowMin: Type.Integer(), escalation: Escalation,
  limits: Type.Record(Type.String(), Type.Array(Type.Number()), { description: 'Allowed [min, max] of each numeric setting' }),
  defaults: Type.Boolean({ description: 'true while the patient has never changed the settings (consensus defaults)' }),
  updatedAt: Nullable(Type.String()), updatedBy: Nullable(Type.String()),
});

const num = (description: string) => Type.Optional(Type.Number({ description }));
const SettingsBody = Type.Object({
  unit: Type.Optional(Type.Union([Type.Literal('mg/dL'), Type.Literal('mmol/L')], { description: 'Unit of the four glucose thresholds; mmol/L is stored as round(x × 18.0182)' })),
  urgentLow: num('50..65 mg/dL'), low: num('60..100'), high: num('120..300'), urgentHigh: num('180..400'), rapidRate: num('1.0..5.0 mg/dL/min'),
  staleWarningMin: num('10..60'), staleUrgentMin: num('20..120, > staleWarningMin'), hysteresisMgdl: num('0..20'),
  enabled: Type.Optional(Type.Partial(Toggles, { additionalProperties: false })),
  renotifyCriticalMin: num('2..30'), ackSilenceMin: num('10..120'), ackSilenceUrgentLowMin: num('5..30'), escalation: Type.Optional(Escalation),
}, { additionalProperties: false });

async function read(db: DbOrTx, patientId: string) {
  const row = await db.selectFrom('glucose.alert_settings').selectAll().where('patient_id', '=', patientId).executeTakeFirst();
  return { settings: settingsFromRow(row as unknown as AlertSettingsRow | undefined), row };
}

const dto = (patientId: string, s: AlertSettings, row: { updated_at: Date; updated_by: string | null } | undefined) => ({
  patientId, unit: 'mg/dL' as const, ...s, limits: LIMITS, defaults: row === undefined,
  updatedAt: row ? new Date(row.updated_at).toISOString() : null, updatedBy: row?.updated_by ?? null,
});

const ESCALATABLE = ['urgent_low', 'low', 'urgent_high', 'high', 'predicted_low', 'stale_data'];

/** Every rule the settings break, each naming its field (§3.1 limits, threshold order, escalation policy). */
export function settingsProblems(s: AlertSettings): FieldError[] {
  const out: FieldError[] = [];
  for (const [field, [min, max]] of Object.entries(LIMITS)) {
    const v = (s as unknown as Record<string, number>)[field];
    const integer = field !== 'rapidRate';
    if (typeof v !== 'number' || v < min || v > max || (integer && !Number.isInteger(v)) || (!integer && Math.round(v * 10) !== v * 10)) {
      out.push({ path: `body.${field}`, message: `must be ${integer ? 'an integer' : 'a number with one decimal'} from ${min} to ${max}` });
    }
  }
  if (out.length) return out;
  if (!(s.urgentLow < s.low && s.low < s.high && s.high < s.urgentHigh)) out.push({ path: 'body.low', message: 'thresholds must increase: urgentLow < low < high < urgentHigh' });
  if (s.low - s.urgentLow < 5) out.push({ path: 'body.urgentLow', message: 'must be at least 5 mg/dL below low' });
  if (s.urgentHigh - s.high < 20) out.push({ path: 'body.urgentHigh', message: 'must be at least 20 mg/dL above high' });
  if (s.staleUrgentMin <= s.staleWarningMin) out.push({ path: 'body.staleUrgentMin', message: 'must be greater than staleWarningMin' });
  const e: EscalationPolicy = s.escalation;
  if (e.types.some((t) => !ESCALATABLE.includes(t))) out.push({ path: 'body.escalation.types', message: `each must be one of ${ESCALATABLE.join(', ')}` });
  if (e.firstDelayMinutes < 1 || e.firstDelayMinutes > 30) out.push({ path: 'body.escalation.firstDelayMinutes', message: 'must be from 1 to 30' });
  if (e.repeatEveryMinutes < 1 || e.repeatEveryMinutes > 30) out.push({ path: 'body.escalation.repeatEveryMinutes', message: 'must be from 1 to 30' });
  if (e.maxLevels < 1 || e.maxLevels > 5 || e.maxLevels !== e.levels.length) out.push({ path: 'body.escalation.maxLevels', message: 'must be from 1 to 5 and equal the number of levels' });
  e.levels.forEach((l, i) => {
    if (l.level !== i + 1) out.push({ path: `body.escalation.levels.${i}.level`, message: `must be ${i + 1}` });
    if (l.channels.some((c) => !(USER_CHANNELS as readonly string[]).includes(c))) out.push({ path: `body.escalation.levels.${i}.channels`, message: `each must be one of ${USER_CHANNELS.join(', ')}` });
  });
  return out;
}

export default async function alertSettingsRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose alerts'];
  const params = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });

  app.get('/patients/:patientId/alert-settings', {
    schema: { tags, summary: 'Alert thresholds, rules, re-notification, silence and escalation policy of a patient (mg/dL)', params, response: { 200: SettingsSchema, ...problemResponses(401, 404) } },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { settings, row } = await read(db, access.patientId);
    await recordHealthRead(db, req, access, 'alert_settings');
    return dto(access.patientId, settings, row);
  });

  app.put('/patients/:patientId/alert-settings', {
    schema: {
      tags, summary: 'Change the alert settings (patient, caregiver, clinician, admin); omitted fields keep their value',
      description: 'Values outside the safe limits (see `limits` of GET) or out of order answer 422 alert_settings_invalid with errors naming each field. '
        + 'A change by someone other than the patient notifies the patient.',
      params, body: SettingsBody, response: { 200: SettingsSchema, 422: RefusalSchema, ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const user = authenticatedUser(req);
    const body = req.body as Static<typeof SettingsBody>;
    const toMgdl = (v: number | undefined) => (v === undefined ? undefined : body.unit === 'mmol/L' ? Math.round(v * 18.0182) : v);
    return db.transaction().execute(async (tx) => {
      const before = await read(tx, access.patientId);
      const next: AlertSettings = {
        ...before.settings,
        ...Object.fromEntries(Object.entries({
          urgentLow: toMgdl(body.urgentLow), low: toMgdl(body.low), high: toMgdl(body.high), urgentHigh: toMgdl(body.urgentHigh),
          rapidRate: body.rapidRate, staleWarningMin: body.staleWarningMin, staleUrgentMin: body.staleUrgentMin, hysteresisMgdl: body.hysteresisMgdl,
          renotifyCriticalMin: body.renotifyCriticalMin, ackSilenceMin: body.ackSilenceMin, ackSilenceUrgentLowMin: body.ackSilenceUrgentLowMin,
          escalation: body.escalation as EscalationPolicy | undefined,
        }).filter(([, v]) => v !== undefined)),
        enabled: { ...before.settings.enabled, ...body.enabled },
      };
      const problems = settingsProblems(next);
      if (problems.length) throw refuse('alert_settings_invalid', 'Some alert settings are outside the safe limits; see errors.', {}, problems);
      const values = {
        urgent_low: next.urgentLow, low: next.low, high: next.high, urgent_high: next.urgentHigh, rapid_rate: next.rapidRate,
        stale_warning_min: next.staleWarningMin, stale_urgent_min: next.staleUrgentMin, hysteresis_mgdl: next.hysteresisMgdl,
        enabled: JSON.stringify(next.enabled), renotify_critical_min: next.renotifyCriticalMin, ack_silence_min: next.ackSilenceMin,
        ack_silence_urgent_low_min: next.ackSilenceUrgentLowMin, escalation: JSON.stringify(next.escalation), updated_by: user.id, updated_at: new Date(),
      };
      await tx.insertInto('glucose.alert_settings').values({ patient_id: access.patientId, ...values })
        .onConflict((oc) => oc.column('patient_id').doUpdateSet(values)).execute();
      await recordAudit(tx, actorOf(req), {
        action: 'glucose.alert_settings.updated', entity: 'glucose.alert_settings', entityId: access.patientId,
        diff: { patientId: access.patientId, role: access.as, changes: changes(before.settings as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>) },
      });
      if (user.id !== access.patientId) {
        await ctx.notify.send({
          to: { userId: access.patientId }, template: 'message', channels: ['inapp'],
          dedupKey: `glucose.settings-changed:${access.patientId}:alerts:${new Date().toISOString().slice(0, 10)}`,
          data: { title: 'Your alert settings were changed', body: 'A member of your care team changed your glucose alert settings.', link: `${ctx.config.publicUrl}/glucose/settings` },
        }, { db: tx });
      }
      const after = await read(tx, access.patientId);
      return dto(access.patientId, after.settings, after.row);
    });
  });
}
