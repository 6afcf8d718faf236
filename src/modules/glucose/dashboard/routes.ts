import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { HttpError, badRequest } from '../../../platform/http/errors.js';
import { RefusalSchema } from '../access/problems.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import './tables.js';
import { widgetCatalog } from './widgets.js';
import { defaultLayout, validateLayout, type LayoutItem } from './layout.js';
import { dashboardSummary, SUMMARY_BLOCKS, type SummaryBlock } from './summary.js';

const Iso = Type.String({ format: 'date-time' });
const Size = Enum(['compact', 'normal', 'expanded'] as const);

const Widget = Type.Object({
  widgetId: Type.String(), title: Type.String(), description: Type.String(), roles: Type.Array(Type.String()),
  defaultSize: Size, allowedSizes: Type.Array(Size), refreshIntervalSec: Type.Integer(), hideable: Type.Boolean(),
});

const LayoutItemSchema = Type.Object({
  widgetId: Type.String({ maxLength: 40 }),
  column: Type.Integer({ description: '0..3' }),
  row: Type.Integer({ description: '0..39' }),
  size: Type.String({ description: 'compact (1×1), normal (2×1) or expanded (4×2), among the widget\'s allowed sizes' }),
  pinned: Type.Boolean({ default: false }),
}, { additionalProperties: false });

const LayoutBody = Type.Object({ layout: Type.Array(LayoutItemSchema, { minItems: 1, maxItems: 40 }) }, { additionalProperties: false });
const LayoutResponse = Type.Object({ layout: Type.Array(LayoutItemSchema), version: Type.Integer({ description: '0 for the role default (never saved)' }), updatedAt: Nullable(Iso), isDefault: Type.Boolean() });

const Summary = Type.Object({
  patientId: Type.String(),
  glucose: Type.Object({}, { additionalProperties: true, description: 'The current object of §4.1.3' }),
  alerts: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), severity: Type.String(), status: Type.String(), triggeredAt: Iso, value: Nullable(Type.Number()) })),
  medication: Nullable(Type.Object({}, { additionalProperties: true })),
  nutrition: Nullable(Type.Object({
    caloriesKcal: Type.Object({ consumed: Type.Number(), goal: Type.Number() }),
    carbsG: Type.Object({ consumed: Type.Number(), goal: Nullable(Type.Number()) }),
    lastMeal: Nullable(Type.Object({ id: Type.String(), name: Type.String(), takenAt: Iso, impact: Type.Unknown() })),
  })),
  activity: Nullable(Type.Object({ steps: Type.Object({ value: Type.Number(), goal: Type.Number() }), activeMinutes: Type.Object({ value: Type.Number(), goal: Type.Number() }) })),
  prediction: Nullable(Type.Object({}, { additionalProperties: true })),
  healthScore: Type.Object({
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    components: Type.Object({ glycemia: Type.Number(), adherence: Type.Number(), nutrition: Type.Number(), activity: Type.Number() }),
    computedAt: Iso,
  }),
});

export const dashboardTopic = (userId: string) => `dashboard.refresh:${userId}`;

function parseIfMatch(raw: string | string[] | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value.trim());
  if (!m) throw badRequest('invalid_if_match', 'If-Match must be the layout version, e.g. "3".', [{ path: 'headers.if-match', message: 'must be "<version>"' }]);
  return Number(m[1]);
}

export default async function dashboardRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose dashboard'];
  ctx.realtime.defineTopic({
    prefix: 'dashboard.refresh',
    description: 'dashboard.refresh:<userId> — dashboard.refresh {reason, patientId?, widgets?} (only for that user)',
    authorize: (user, key) => key === user.id,
  });

  app.get('/widgets', {
    schema: { tags, summary: 'The widget catalog, filtered by the caller\'s roles', response: { 200: Type.Object({ items: Type.Array(Widget) }), ...problemResponses(401) } },
    preHandler: ctx.requireAuth,
  }, async (req) => ({ items: widgetCatalog(authenticatedUser(req).roles).map((w) => ({ ...w, roles: [...w.roles], allowedSizes: [...w.allowedSizes] })) }));

  app.get('/me/dashboard/layout', {
    schema: { tags, summary: 'My dashboard layout (the role default until I save one); ETag = version', response: { 200: LayoutResponse, ...problemResponses(401) } },
    preHandler: ctx.requireAuth,
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const row = await ctx.db.selectFrom('glucose.dashboard_layouts').selectAll().where('user_id', '=', user.id).executeTakeFirst();
    const body = row
      ? { layout: row.layout as LayoutItem[], version: row.version, updatedAt: new Date(row.updated_at).toISOString(), isDefault: false }
      : { layout: defaultLayout(user.roles), version: 0, updatedAt: null, isDefault: true };
    return reply.header('etag', `"${body.version}"`).send(body);
  });

  app.put('/me/dashboard/layout', {
    schema: {
      tags, summary: 'Save my dashboard layout (If-Match: "<version>", 0 for the first save)',
      description: 'Refusals: 400 unknown_widget, duplicate_widget, size_not_allowed, widget_out_of_grid (errors[].path = layout[i].field); '
        + '422 too_many_widgets, required_widget_missing, widget_not_available_for_role, layout_overlap (details: [widgetIdA, widgetIdB]); '
        + '428 if_match_required; 409 layout_version_conflict.',
      body: LayoutBody,
      response: { 200: LayoutResponse, 400: RefusalSchema, 422: RefusalSchema, ...problemResponses(401, 409, 428) },
    },
    preHandler: ctx.requireAuth,
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const expected = parseIfMatch(req.headers['if-match']);
    if (expected === undefined) throw new HttpError(428, 'if_match_required', 'Send If-Match with the version you edited ("0" for a first save).');
    const layout = req.body.layout.map((w) => ({ ...w, pinned: w.pinned ?? false })) as LayoutItem[];
    validateLayout(layout, user.roles);
    const saved = await ctx.db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('glucose.dashboard_layouts').select('version').where('user_id', '=', user.id).forUpdate().executeTakeFirst();
      if ((current?.version ?? 0) !== expected) {
        throw new HttpError(409, 'layout_version_conflict', 'The layout changed since you loaded it (another tab or device); reload it and apply your change again.', undefined, undefined, { currentVersion: current?.version ?? 0 });
      }
      const row = await tx.insertInto('glucose.dashboard_layouts').values({ user_id: user.id, layout: JSON.stringify(layout), version: 1 })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ layout: JSON.stringify(layout), version: sql`glucose.dashboard_layouts.version + 1`, updated_at: new Date() }))
        .returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.dashboard_layout.updated', entity: 'glucose.dashboard_layout', entityId: user.id, diff: { version: row.version, widgets: layout.map((w) => w.widgetId) } });
      return row;
    });
    try {
      await ctx.realtime.publish(dashboardTopic(user.id), 'dashboard.refresh', { reason: 'layout_changed', widgets: layout.map((w) => w.widgetId) });
    } catch (err) { ctx.log.warn({ err }, 'glucose: dashboard.refresh not published'); }
    return reply.header('etag', `"${saved.version}"`).send({ layout, version: saved.version, updatedAt: new Date(saved.updated_at).toISOString(), isDefault: false });
  });

  app.get('/patients/:patientId/dashboard/summary', {
    schema: {
      tags, summary: 'Dashboard summary of a patient: live glucose, top alerts, nutrition, activity, health score',
      params: Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) }),
      querystring: Type.Object({ include: Type.Optional(Type.String({ description: `Comma-separated blocks among ${SUMMARY_BLOCKS.join(', ')} (default all)`, maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Summary, ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const include = req.query.include === undefined ? [...SUMMARY_BLOCKS] : req.query.include.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = include.filter((b) => !(SUMMARY_BLOCKS as readonly string[]).includes(b));
    if (unknown.length) throw badRequest('unknown_block', `Unknown summary block: ${unknown.join(', ')}.`, [{ path: 'query.include', message: `must be among ${SUMMARY_BLOCKS.join(', ')}` }]);
    // the audit event is written alongside the reads (same round of queries), not after them
    const [summary] = await Promise.all([dashboardSummary(ctx.db, access.patientId, include as SummaryBlock[]), recordHealthRead(ctx.db, req, access, 'dashboard')]);
    return summary;
  });
}
