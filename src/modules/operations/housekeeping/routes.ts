import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, HttpError, notFound, unprocessable } from '../../../platform/http/errors.js';
import { idCursor, PageQuery, toPage } from '../../../platform/http/pagination.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { ADMIN, MANAGERS, isAdmin } from '../notifications/access.js';
import { isWebhookUrlAllowed } from '../notifications/settings.js';
import { ALERTS_TOPIC, refreshAlertDelivery } from './alerts.js';
import { healthSummary } from './kpis.js';
import { CLEANUP_QUEUES } from './jobs.js';

const tags = ['operations housekeeping'];
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const OPS_WEBHOOK_PURPOSE = 'operations.ops-webhook';

const Run = Type.Object({
  id: Uuid, kind: Type.String(), queue: Type.String(), jobId: Uuid, attempt: Type.Integer(), scheduleKey: Nullable(Type.String()),
  scheduledFor: Nullable(DateTime), trigger: Type.String(), status: Type.String(), startedAt: DateTime, finishedAt: Nullable(DateTime),
  durationMs: Nullable(Type.Integer()), summary: Type.Unknown(), error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), stack: Type.Optional(Type.String()) })),
  actorUserId: Nullable(Uuid),
});
const Alert = Type.Object({
  id: Uuid, kind: Type.String(), severity: Type.String(), dedupKey: Type.String(), title: Type.String(), details: Type.Unknown(),
  raisedAt: DateTime, delivery: Type.Record(Type.String(), Type.Object({ status: Type.String(), outboxId: Type.String(), deliveredAt: Type.Optional(Nullable(Type.String())), error: Type.Optional(Nullable(Type.String())) })),
  acknowledgedAt: Nullable(DateTime), acknowledgedBy: Nullable(Uuid),
});
const OpsSettings = Type.Object({
  discordWebhookUrl: Type.Union([Type.Literal('***'), Type.Null()]), emailRecipients: Type.Array(Type.String()), inAppRoles: Type.Array(Type.String()),
  externalHeartbeatUrl: Nullable(Type.String()), runRetentionDays: Type.Integer(), failureRetentionDays: Type.Integer(), alertRetentionDays: Type.Integer(),
  logCompressDays: Type.Integer(), logDeleteDays: Type.Integer(), stepUpMinutes: Type.Integer(), version: Type.Integer(),
});
const OpsSettingsPut = Type.Object({
  discordWebhookUrl: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  emailRecipients: Type.Array(Type.String({ format: 'email', maxLength: 254 }), { maxItems: 50, uniqueItems: true }),
  inAppRoles: Type.Array(Type.Union([Type.Literal('admin'), Type.Literal('manager')]), { uniqueItems: true }),
  externalHeartbeatUrl: Nullable(Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' })),
  runRetentionDays: Type.Integer({ minimum: 7, maximum: 3650 }), failureRetentionDays: Type.Integer({ minimum: 7, maximum: 3650 }),
  alertRetentionDays: Type.Integer({ minimum: 7, maximum: 3650 }), logCompressDays: Type.Integer({ minimum: 1, maximum: 365 }),
  logDeleteDays: Type.Integer({ minimum: 1, maximum: 3650 }), stepUpMinutes: Type.Integer({ minimum: 1, maximum: 120 }), version: Type.Integer({ minimum: 1 }),
}, { additionalProperties: false });
const Kpi = Type.Object({
  key: Type.String(), numerator: Type.Integer(), denominator: Type.Integer(), value: Nullable(Type.Number()), target: Type.Number(), ok: Nullable(Type.Boolean()),
  series: Type.Array(Type.Object({ date: Type.String(), value: Nullable(Type.Number()) })), unavailable: Type.Optional(Type.String()),
});
const Summary = Type.Object({
  windowDays: Type.Integer(), from: DateTime, to: DateTime, kpis: Type.Array(Kpi),
  openAlerts: Type.Object({ total: Type.Integer(), critical: Type.Integer() }),
  backups: Nullable(Type.Object({ lastBackupAt: Nullable(DateTime), lastRestoreVerifyAt: Nullable(DateTime) })),
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toRun = (r: any, withStack: boolean) => ({
  id: r.id, kind: r.kind, queue: r.queue, jobId: r.job_id, attempt: r.attempt, scheduleKey: r.schedule_key, scheduledFor: iso(r.scheduled_for),
  trigger: r.trigger, status: r.status, startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), durationMs: r.duration_ms, summary: r.summary ?? null,
  error: r.error ? { code: r.error.code, message: r.error.message, ...(withStack && r.error.stack ? { stack: r.error.stack } : {}) } : null,
  actorUserId: r.actor_user_id,
});
const toAlert = (a: any) => ({
  id: a.id, kind: a.kind, severity: a.severity, dedupKey: a.dedup_key, title: a.title, details: a.details, raisedAt: iso(a.raised_at)!,
  delivery: a.delivery ?? {}, acknowledgedAt: iso(a.acknowledged_at), acknowledgedBy: a.acknowledged_by,
});

export async function housekeepingRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const box = ctx.secretBox(OPS_WEBHOOK_PURPOSE);

  app.post('/cleanup/:kind', {
    schema: {
      tags, summary: 'Run a cleanup now (dryRun lists what would be removed in the run summary)',
      params: Type.Object({ kind: Type.Union([Type.Literal('temp-files'), Type.Literal('logs'), Type.Literal('runs-reconcile')]) }),
      body: Type.Optional(Type.Object({ dryRun: Type.Optional(Type.Boolean()), params: Type.Optional(Type.Object({ maxAgeHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })) }, { additionalProperties: false })) }, { additionalProperties: false })),
      response: { 202: Type.Object({ jobId: Uuid, queue: Type.String() }), ...problemResponses(400, 401, 403, 409) },
    },
    preHandler: app.requireRole(...ADMIN),
  }, async (req, reply) => {
    const queue = CLEANUP_QUEUES[req.params.kind as keyof typeof CLEANUP_QUEUES];
    const data = { dryRun: req.body?.dryRun ?? false, ...(req.body?.params ?? {}) };
    const jobId = await ctx.jobs.send(queue, data, { trigger: 'manual', actorUserId: req.user!.id });
    if (!jobId) throw conflict('cleanup_in_progress', 'This cleanup is already queued or running.');
    await recordAudit(db, actorOf(req), { action: 'operations.cleanup.requested', entity: 'operations.cleanup', entityId: jobId, diff: { kind: req.params.kind, ...data } });
    return reply.code(202).send({ jobId, queue });
  });

  app.get('/runs', {
    schema: {
      tags, summary: 'Operations history: one row per job attempt (managers see operations queues only)',
      querystring: Type.Object({
        ...PageQuery.properties, kind: Type.Optional(Type.String({ maxLength: 40 })), status: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('cancelled'), Type.Literal('skipped')])),
        scheduleKey: Type.Optional(Type.String({ maxLength: 200 })), queue: Type.Optional(Type.String({ maxLength: 200 })), from: Type.Optional(DateTime), to: Type.Optional(DateTime),
      }),
      response: { 200: Type.Object({ items: Type.Array(Run), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const { kind, status, scheduleKey, queue, from, to, limit, cursor } = req.query;
    let q = db.selectFrom('platform.operation_run').selectAll();
    if (!isAdmin(req.user!)) q = q.where('queue', 'like', 'operations.%');
    if (kind) q = q.where('kind', '=', kind);
    if (status) q = q.where('status', '=', status);
    if (scheduleKey) q = q.where('schedule_key', '=', scheduleKey);
    if (queue) q = q.where('queue', '=', queue);
    if (from) q = q.where('started_at', '>=', new Date(from));
    if (to) q = q.where('started_at', '<', new Date(to));
    const after = idCursor(cursor);
    if (after) q = q.where('id', '<', after);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.id], (r) => toRun(r, false));
  });

  app.get('/runs/:id', {
    schema: { tags, summary: 'One run with its summary (error stack for admins)', params: Type.Object({ id: Uuid }), response: { 200: Run, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    let q = db.selectFrom('platform.operation_run').selectAll().where('id', '=', req.params.id);
    if (!isAdmin(req.user!)) q = q.where('queue', 'like', 'operations.%');
    const run = await q.executeTakeFirst();
    if (!run) throw notFound();
    return toRun(run, isAdmin(req.user!));
  });

  app.get('/alerts', {
    schema: {
      tags, summary: 'Ops alerts with per-channel delivery',
      querystring: Type.Object({
        ...PageQuery.properties, kind: Type.Optional(Type.String({ maxLength: 40 })), severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')])),
        acknowledged: Type.Optional(Type.Boolean()),
      }),
      response: { 200: Type.Object({ items: Type.Array(Alert), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const { kind, severity, acknowledged, limit, cursor } = req.query;
    let q = db.selectFrom('operations.ops_alert').select('id');
    if (kind) q = q.where('kind', '=', kind as never);
    if (severity) q = q.where('severity', '=', severity);
    if (acknowledged !== undefined) q = q.where('acknowledged_at', acknowledged ? 'is not' : 'is', null);
    const after = idCursor(cursor);
    if (after) q = q.where('id', '<', after);
    const ids = (await q.orderBy('id', 'desc').limit(limit + 1).execute()).map((r) => r.id);
    await refreshAlertDelivery(db, ids);
    const rows = ids.length ? await db.selectFrom('operations.ops_alert').selectAll().where('id', 'in', ids).orderBy('id', 'desc').execute() : [];
    return toPage(rows, limit, (r) => [r.id], toAlert);
  });

  app.post('/alerts/:id/acknowledge', {
    schema: { tags, summary: 'Acknowledge an ops alert', params: Type.Object({ id: Uuid }), response: { 200: Alert, ...problemResponses(400, 401, 403, 404, 409) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => {
    const alert = await db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('operations.ops_alert').set({ acknowledged_at: new Date(), acknowledged_by: req.user!.id, updated_at: new Date() })
        .where('id', '=', req.params.id).where('acknowledged_at', 'is', null).returningAll().executeTakeFirst();
      if (!row) {
        const exists = await tx.selectFrom('operations.ops_alert').select('id').where('id', '=', req.params.id).executeTakeFirst();
        throw exists ? conflict('already_acknowledged', 'This alert was already acknowledged.') : notFound();
      }
      await recordAudit(tx, actorOf(req), { action: 'operations.ops_alert.acknowledged', entity: 'operations.ops_alert', entityId: row.id, diff: { acknowledgedAt: { from: null, to: row.acknowledged_at } } });
      return row;
    });
    await ctx.realtime.publish(ALERTS_TOPIC, 'alert.acknowledged', { alertId: alert.id, kind: alert.kind, severity: alert.severity, title: alert.title }).catch(() => undefined);
    return toAlert(alert);
  });

  const loadOps = async (tx = db) => {
    const s = await tx.selectFrom('operations.ops_setting').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    return {
      row: s,
      view: {
        discordWebhookUrl: s.discord_webhook_secret ? '***' as const : null, emailRecipients: s.email_recipients, inAppRoles: s.in_app_roles,
        externalHeartbeatUrl: s.external_heartbeat_url, runRetentionDays: s.run_retention_days, failureRetentionDays: s.failure_retention_days,
        alertRetentionDays: s.alert_retention_days, logCompressDays: s.log_compress_days, logDeleteDays: s.log_delete_days, stepUpMinutes: s.step_up_minutes, version: s.version,
      },
    };
  };

  app.get('/settings', {
    schema: { tags, summary: 'Ops settings: where alerts go, retention of history (webhook URL write-only)', response: { 200: OpsSettings, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...ADMIN),
  }, async () => (await loadOps()).view);

  app.put('/settings', {
    schema: { tags, summary: 'Replace the ops settings', body: OpsSettingsPut, response: { 200: OpsSettings, ...problemResponses(400, 401, 403, 409, 422) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req) => {
    // Ajv's type coercion turns a JSON null into "" for a string-or-null field: both mean "remove".
    const b = { ...req.body, discordWebhookUrl: req.body.discordWebhookUrl === '' ? null : req.body.discordWebhookUrl };
    if (typeof b.discordWebhookUrl === 'string' && !isWebhookUrlAllowed(b.discordWebhookUrl, ctx.config.env === 'test')) {
      throw unprocessable('webhook_url_invalid', 'The webhook URL must be a Discord webhook (https://discord.com/api/webhooks/…).', [{ path: 'body.discordWebhookUrl', message: 'is not a Discord webhook URL' }]);
    }
    if (b.logDeleteDays <= b.logCompressDays) throw unprocessable('invalid_request', 'Logs must be deleted after they are compressed.', [{ path: 'body.logDeleteDays', message: 'must be greater than logCompressDays' }]);
    return db.transaction().execute(async (tx) => {
      const before = await loadOps(tx);
      const secret = b.discordWebhookUrl === undefined ? before.row.discord_webhook_secret : b.discordWebhookUrl === null ? null : box.seal(b.discordWebhookUrl);
      const updated = await tx.updateTable('operations.ops_setting').set({
        discord_webhook_secret: secret, email_recipients: b.emailRecipients, in_app_roles: b.inAppRoles, external_heartbeat_url: b.externalHeartbeatUrl,
        run_retention_days: b.runRetentionDays, failure_retention_days: b.failureRetentionDays, alert_retention_days: b.alertRetentionDays,
        log_compress_days: b.logCompressDays, log_delete_days: b.logDeleteDays, step_up_minutes: b.stepUpMinutes,
        updated_by: req.user!.id, updated_at: new Date(), version: sql`version + 1`,
      }).where('id', '=', 1).where('version', '=', b.version).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new HttpError(409, 'version_conflict', 'The settings were changed by someone else; reload them.', undefined, undefined, { version: before.view.version });
      const after = await loadOps(tx);
      const diff: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(after.view)) {
        const old = (before.view as Record<string, unknown>)[k];
        if (k !== 'version' && JSON.stringify(old) !== JSON.stringify(v)) diff[k] = { from: old, to: v };
      }
      if (b.discordWebhookUrl !== undefined && secret !== before.row.discord_webhook_secret) diff.discordWebhookUrl = { from: '***', to: '***' };
      await recordAudit(tx, actorOf(req), { action: 'operations.ops_setting.updated', entity: 'operations.ops_setting', entityId: '1', diff });
      return after.view;
    });
  });

  app.get('/health/summary', {
    schema: { tags, summary: 'The four KPIs of the operations spec §1 over the last 30 days, with numerator and denominator', response: { 200: Summary, ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async () => healthSummary(ctx));
}
