import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, changes, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, type FieldError } from '../../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { isValidTimeZone } from '../../../platform/auth/users.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { Enum, Nullable } from '../readings/model.js';
import type { GlucoseServices } from '../services.js';
import { loadSettings, scheduleProblems } from './settings.js';
import { localDay } from '../notices.js';
import { patientList } from '../analytics/risk.js';

const Schedule = (min: number, max: number, unit: string) => Type.Array(
  Type.Object({ start: Type.String({ description: 'HH:mm, local' }), value: Type.Number({ minimum: min, maximum: max, description: unit }) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 48 },
);

const Settings = Type.Object({
  patientId: Type.String(),
  timezone: Type.String({ description: 'Effective IANA zone for local days' }),
  timezoneSetting: Nullable(Type.String({ description: 'null: follows the zone of the patient\'s profile' })),
  diabetesType: Type.String(),
  weightKg: Nullable(Type.Number()),
  isfSchedule: Nullable(Type.Array(Type.Object({ start: Type.String(), value: Type.Number() }))),
  carbRatioSchedule: Nullable(Type.Array(Type.Object({ start: Type.String(), value: Type.Number() }))),
  diaHours: Type.Number(),
  bolusInsulinKind: Type.String(),
  insulinPeakMinutes: Nullable(Type.Integer()),
  carbDelayMinutes: Type.Integer(),
  carbAbsorptionMinutes: Type.Integer(),
  useUploaderProfile: Type.Boolean(),
  exposeNativeToUploaders: Type.Boolean(),
  unit: Type.String({ description: 'The patient\'s display unit (profile preference); values in the API are always mg/dL' }),
  targets: Type.Object({ urgentLow: Type.Integer(), low: Type.Integer(), high: Type.Integer(), urgentHigh: Type.Integer() }, { description: 'mg/dL; changed through the alert settings' }),
  updatedAt: Nullable(Type.String()),
  updatedBy: Nullable(Type.String()),
});

const SettingsPatch = Type.Object({
  timezone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  diabetesType: Type.Optional(Enum(['t1', 't2', 'gestational', 'other', 'unknown'] as const)),
  weightKg: Type.Optional(Nullable(Type.Number({ minimum: 20, maximum: 400 }))),
  isfSchedule: Type.Optional(Nullable(Schedule(10, 500, 'mg/dL per unit'))),
  carbRatioSchedule: Type.Optional(Nullable(Schedule(1, 150, 'g per unit'))),
  diaHours: Type.Optional(Type.Number({ minimum: 5, maximum: 8 })),
  bolusInsulinKind: Type.Optional(Type.Union([Type.Literal('rapid'), Type.Literal('ultra_rapid')])),
  insulinPeakMinutes: Type.Optional(Nullable(Type.Integer({ minimum: 35, maximum: 120 }))),
  carbDelayMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
  carbAbsorptionMinutes: Type.Optional(Type.Integer({ minimum: 60, maximum: 480 })),
  useUploaderProfile: Type.Optional(Type.Boolean()),
  exposeNativeToUploaders: Type.Optional(Type.Boolean({ description: 'Nightscout GET also returns records made in Atrium (loop apps may import them)' })),
}, { additionalProperties: false, minProperties: 1 });

const PatientItem = Type.Object({
  patientId: Type.String(), displayName: Type.String(), relation: Type.String({ description: 'self | caregiver | clinician | admin' }),
  diabetesType: Type.String(),
  latest: Nullable(Type.Object({ value: Type.Number(), direction: Nullable(Type.String()), source: Type.String(), measuredAt: Type.String() })),
  // with `sort` (analytics/risk.ts): open alerts and the last 14 complete local days from daily_stats
  openAlerts: Type.Optional(Type.Object({ critical: Type.Integer(), warning: Type.Integer() })),
  last14d: Type.Optional(Type.Object({
    n: Type.Integer(), tirPct: Nullable(Type.Number()), tbr54Pct: Nullable(Type.Number()), tbr70Pct: Nullable(Type.Number()),
    gri: Nullable(Type.Number()), griZone: Nullable(Type.String()), activePct: Type.Number(), sufficient: Type.Boolean(),
    gmi: Nullable(Type.Number()), meanMgdl: Nullable(Type.Number()), cvPct: Nullable(Type.Number()),
  })),
});

export default async function patientRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose patients'];

  app.get('/patients', {
    schema: {
      tags, summary: 'Patients I can see with their latest reading: myself, the patients I follow, or all (admin)',
      querystring: Type.Object({
        search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name (admin)' })),
        cursor: Type.Optional(Type.String({ maxLength: 512 })),
        limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        sort: Type.Optional(Type.Union([Type.Literal('risk'), Type.Literal('name'), Type.Literal('lastReading')], {
          description: 'With a sort, items carry openAlerts and last14d metrics. risk: open critical alerts, GRI (14 d) desc, % < 54 desc, active % asc, name',
        })),
        sufficient: Type.Optional(Type.Boolean({ description: 'With sort: only patients whose 14-day CGM data is (or is not) sufficient (active ≥ 70 %)' })),
        diabetesType: Type.Optional(Type.Union(['t1', 't2', 'gestational', 'other', 'unknown'].map((t) => Type.Literal(t)))),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(PatientItem), nextCursor: Nullable(Type.String()), total: Type.Optional(Type.Integer()) }), ...problemResponses(400, 401) },
    },
    preHandler: app.requireAuth,
  }, async (req) => {
    const me = authenticatedUser(req);
    if (req.query.sort) {
      const list = await patientList(db, me, { ...req.query, sort: req.query.sort });
      await recordAudit(db, actorOf(req), { action: 'glucose.patients.read', entity: 'glucose.patients', diff: { count: list.items.length, sort: req.query.sort } });
      return list;
    }
    const { limit, search } = req.query;
    const position = decodeCursor(req.query.cursor);
    if (position && (typeof position[0] !== 'string' || typeof position[1] !== 'string')) throw badRequest('invalid_cursor', 'The cursor is not one this API returned; start again without it.');
    const admin = me.roles.includes('admin');
    const { rows } = await sql<{ id: string; display_name: string; relation: string; diabetes_type: string | null; value: number | null; direction: string | null; source: string | null; measured_at: Date | null }>`
      with visible as (
        ${admin
          ? sql`select r.user_id as id, case when r.user_id = ${me.id} then 'self' else 'admin' end as relation from platform.user_roles r where r.role = 'patient'`
          : sql`select l.patient_id as id, l.relation from glucose.care_links l
                where l.member_id = ${me.id} and l.ended_at is null and l.relation = any(${me.roles.filter((r) => r === 'caregiver' || r === 'clinician')}::text[])
                union all select ${me.id}::uuid, 'self' where ${me.roles.includes('patient')}`}
      )
      select u.id, u.display_name, v.relation, s.diabetes_type, l.value_mgdl::float8 as value, l.direction, l.source, l.measured_at
      from visible v join platform.users u on u.id = v.id
      left join glucose.patient_settings s on s.patient_id = u.id
      left join glucose.latest_readings l on l.patient_id = u.id
      where true ${search ? sql`and u.display_name ilike ${`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}` : sql``}
        ${position ? sql`and (u.display_name, u.id) > (${position[0] as string}, ${position[1] as string}::uuid)` : sql``}
      order by u.display_name, u.id limit ${limit + 1}`.execute(db);
    const page = rows.slice(0, limit);
    await recordAudit(db, actorOf(req), { action: 'glucose.patients.read', entity: 'glucose.patients', diff: { count: page.length } });
    return {
      items: page.map((r) => ({
        patientId: r.id, displayName: r.display_name, relation: r.relation, diabetesType: r.diabetes_type ?? 'unknown',
        latest: r.measured_at ? { value: r.value!, direction: r.direction, source: r.source!, measuredAt: new Date(r.measured_at).toISOString() } : null,
      })),
      nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].display_name, page[page.length - 1].id]) : null,
    };
  });

  app.get('/patients/:patientId/settings', {
    schema: {
      tags, summary: 'Patient configuration: zone, diabetes type, therapy schedules, unit and glucose targets',
      params: Type.Object({ patientId: Type.String() }), response: { 200: Settings, ...problemResponses(401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const settings = await loadSettings(db, access.patientId);
    await recordHealthRead(db, req, access, 'settings');
    return settings;
  });

  app.patch('/patients/:patientId/settings', {
    schema: {
      tags, summary: 'Change the patient configuration (patient, clinician, admin)',
      params: Type.Object({ patientId: Type.String() }), body: SettingsPatch,
      response: { 200: Settings, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'clinician', 'admin']),
  }, async (req) => {
    const access = patientAccess(req);
    const body = req.body;
    const problems: FieldError[] = [];
    if (body.timezone && !isValidTimeZone(body.timezone)) problems.push({ path: 'body.timezone', message: 'is not an IANA time zone (e.g. Europe/Paris)' });
    if (body.isfSchedule) problems.push(...scheduleProblems(body.isfSchedule, 'body.isfSchedule', 10, 500));
    if (body.carbRatioSchedule) problems.push(...scheduleProblems(body.carbRatioSchedule, 'body.carbRatioSchedule', 1, 150));
    if (problems.length) throw badRequest('validation_failed', 'The request has invalid fields; see errors.', problems);
    const json = (v: unknown) => (v === undefined ? undefined : v === null ? null : JSON.stringify(v));
    const values = {
      timezone: body.timezone, diabetes_type: body.diabetesType, weight_kg: body.weightKg, isf_schedule: json(body.isfSchedule),
      carb_ratio_schedule: json(body.carbRatioSchedule), dia_hours: body.diaHours, bolus_insulin_kind: body.bolusInsulinKind,
      insulin_peak_minutes: body.insulinPeakMinutes, carb_delay_minutes: body.carbDelayMinutes, carb_absorption_minutes: body.carbAbsorptionMinutes,
      use_uploader_profile: body.useUploaderProfile, expose_native_to_uploaders: body.exposeNativeToUploaders,
      updated_by: authenticatedUser(req).id, updated_at: new Date(),
    };
    return db.transaction().execute(async (tx) => {
      const before = await loadSettings(tx, access.patientId);
      await tx.insertInto('glucose.patient_settings').values({ patient_id: access.patientId, ...values })
        .onConflict((oc) => oc.column('patient_id').doUpdateSet(values)).execute();
      const after = await loadSettings(tx, access.patientId);
      const { updatedAt: _a, updatedBy: _b, ...comparableAfter } = after;
      const changed = changes(before as unknown as Record<string, unknown>, comparableAfter);
      await recordAudit(tx, actorOf(req), {
        action: 'glucose.settings.updated', entity: 'glucose.settings', entityId: access.patientId, diff: { role: access.as, changes: changed },
      });
      const me = authenticatedUser(req);
      if (me.id !== access.patientId && Object.keys(changed).length) {
        const by = await tx.selectFrom('platform.users').select('display_name').where('id', '=', me.id).executeTakeFirstOrThrow();
        await ctx.notify.send({
          to: { userId: access.patientId }, template: 'glucose.settings_changed', data: { area: 'therapy', by: by.display_name },
          dedupKey: `glucose.settings-changed:${access.patientId}:therapy:${localDay(after.timezone)}`,
        }, { db: tx });
      }
      return after;
    });
  });
}
