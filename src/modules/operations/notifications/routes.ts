import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { conflict, HttpError, notFound, unprocessable } from '../../../platform/http/errors.js';
import { idCursor, PageQuery, toPage } from '../../../platform/http/pagination.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { MANAGERS, ADMIN, STAFF, organizationInScope, quoteInScope, visibleOrganizations } from './access.js';
import { enabledChannels, isWebhookUrlAllowed, loadSettings, notifyLocale, publicSettings } from './settings.js';
import { resendNotification, syncDeliveries, WEBHOOK_PURPOSE } from './scan.js';
import { NOTIFY_QUEUE } from './jobs.js';
import type { Recipient } from '../../../platform/notify/types.js';

const tags = ['operations notifications'];
const Uuid = Type.String({ format: 'uuid' });
const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Status = Type.Union([Type.Literal('draft'), Type.Literal('issued'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('paid'), Type.Literal('cancelled')]);
const Kind = Type.Union([Type.Literal('period_started'), Type.Literal('deadline_reached')]);
const NotificationStatus = Type.Union([Type.Literal('queued'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('skipped')]);

const Settings = Type.Object({
  organizationId: Uuid, timezone: Type.String(), webhookEnabled: Type.Boolean(),
  discordWebhookUrl: Type.Union([Type.Literal('***'), Type.Null()], { description: 'Write-only: "***" when one is stored' }),
  emailEnabled: Type.Boolean(), emailRecipients: Type.Array(Type.String()), notifyResponsible: Type.Boolean(),
  notifyStatuses: Type.Array(Type.String()), notificationsEnabledFrom: IsoDate, locale: Type.String(), version: Type.Integer(),
  saved: Type.Boolean({ description: 'False until the settings were saved once (defaults shown, nothing sent)' }),
});
const SettingsPut = Type.Object({
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  webhookEnabled: Type.Boolean(),
  discordWebhookUrl: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'Omit to keep the stored URL; null removes it' })),
  emailEnabled: Type.Boolean(),
  emailRecipients: Type.Array(Type.String({ format: 'email', maxLength: 254 }), { maxItems: 50, uniqueItems: true }),
  notifyResponsible: Type.Boolean(),
  notifyStatuses: Type.Array(Status, { minItems: 1, uniqueItems: true }),
  notificationsEnabledFrom: IsoDate,
  locale: Type.Union([Type.Literal('fr-FR'), Type.Literal('en-GB'), Type.Literal('en-US')]),
  version: Type.Integer({ minimum: 0, description: 'The version read (0 before the first save)' }),
}, { additionalProperties: false });

const Notification = Type.Object({
  id: Uuid, quoteId: Uuid, organizationId: Uuid, kind: Kind, eventDate: IsoDate, dedupKey: Type.String(), resendNo: Type.Integer(),
  status: NotificationStatus, skipReason: Type.Union([Type.String(), Type.Null()]), lateByDays: Type.Integer(),
  channels: Type.Record(Type.String(), Type.Object({
    status: Type.String(), outboxId: Type.String(), deliveredAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  })),
  detectedAt: Type.String({ format: 'date-time' }), deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]), quoteNumber: Type.Union([Type.String(), Type.Null()]), quoteTitle: Type.String(),
});

const validTimezone = (tz: string) => {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
};

function toSettings(s: Awaited<ReturnType<typeof loadSettings>>) {
  const { webhookConfigured, ...rest } = publicSettings(s);
  return { ...rest, discordWebhookUrl: webhookConfigured ? '***' as const : null };
}

const NOTIFICATION_SELECT = sql`n.id, n.quote_id, n.organization_id, n.kind, to_char(n.event_date, 'YYYY-MM-DD') as event_date, n.dedup_key,
  n.resend_no, n.status, n.skip_reason, n.late_by_days, n.channels, n.detected_at, n.delivered_at, n.last_error, q.number as quote_number, q.title as quote_title`;

const toNotification = (r: any) => ({
  id: r.id, quoteId: r.quote_id, organizationId: r.organization_id, kind: r.kind, eventDate: r.event_date, dedupKey: r.dedup_key,
  resendNo: r.resend_no, status: r.status, skipReason: r.skip_reason, lateByDays: r.late_by_days, channels: r.channels ?? {},
  detectedAt: new Date(r.detected_at).toISOString(), deliveredAt: r.delivered_at ? new Date(r.delivered_at).toISOString() : null,
  lastError: r.last_error, quoteNumber: r.quote_number, quoteTitle: r.quote_title,
});

export async function notificationRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const box = ctx.secretBox(WEBHOOK_PURPOSE);
  const allowLoopback = ctx.config.env === 'test';

  app.get('/organizations/:id/notification-settings', {
    schema: { tags, summary: 'Notification settings of an organisation (webhook URL write-only)', params: Type.Object({ id: Uuid }), response: { 200: Settings, ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const org = await organizationInScope(db, req.user!, req.params.id);
    return toSettings(await loadSettings(db, box, org.id, org.timezone));
  });

  app.put('/organizations/:id/notification-settings', {
    schema: { tags, summary: 'Replace the notification settings of an organisation', params: Type.Object({ id: Uuid }), body: SettingsPut, response: { 200: Settings, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const org = await organizationInScope(db, req.user!, req.params.id);
    // Ajv's type coercion turns a JSON null into "" for a string-or-null field: both mean "remove".
    const b = { ...req.body, discordWebhookUrl: req.body.discordWebhookUrl === '' ? null : req.body.discordWebhookUrl };
    if (!validTimezone(b.timezone)) throw unprocessable('invalid_timezone', 'Unknown time zone.', [{ path: 'body.timezone', message: 'is not an IANA time zone' }]);
    if (typeof b.discordWebhookUrl === 'string' && !isWebhookUrlAllowed(b.discordWebhookUrl, allowLoopback)) {
      throw unprocessable('webhook_url_invalid', 'The webhook URL must be a Discord webhook (https://discord.com/api/webhooks/…).', [{ path: 'body.discordWebhookUrl', message: 'is not a Discord webhook URL' }]);
    }
    return db.transaction().execute(async (tx) => {
      const before = await loadSettings(tx, box, org.id, org.timezone);
      if (before.version !== b.version) {
        throw new HttpError(409, 'version_conflict', 'The settings were changed by someone else; reload them.', undefined, undefined, { version: before.version });
      }
      const secret = b.discordWebhookUrl === undefined ? (before.webhookUrl ? box.seal(before.webhookUrl) : null)
        : b.discordWebhookUrl === null ? null : box.seal(b.discordWebhookUrl);
      if (b.webhookEnabled && !secret) throw unprocessable('webhook_url_required', 'Enter the Discord webhook URL to enable the webhook channel.', [{ path: 'body.discordWebhookUrl', message: 'is required when the webhook is enabled' }]);
      const values = {
        timezone: b.timezone, webhook_enabled: b.webhookEnabled, discord_webhook_url_secret: secret, email_enabled: b.emailEnabled,
        email_recipients: b.emailRecipients, notify_responsible: b.notifyResponsible, notify_statuses: b.notifyStatuses,
        notifications_enabled_from: b.notificationsEnabledFrom, locale: b.locale,
      };
      if (before.saved) {
        await tx.updateTable('operations.notification_setting').set({ ...values, version: sql`version + 1`, updated_at: new Date() })
          .where('organization_id', '=', org.id).execute();
      } else {
        await tx.insertInto('operations.notification_setting').values({ organization_id: org.id, ...values })
          .onConflict((oc) => oc.column('organization_id').doNothing()).execute();
      }
      const after = await loadSettings(tx, box, org.id, org.timezone);
      if (after.version !== before.version + 1) throw new HttpError(409, 'version_conflict', 'The settings were changed by someone else; reload them.', undefined, undefined, { version: after.version });
      const diff: Record<string, unknown> = {};
      const b4 = toSettings(before) as Record<string, unknown>;
      const af = toSettings(after) as Record<string, unknown>;
      for (const k of Object.keys(af)) if (JSON.stringify(b4[k]) !== JSON.stringify(af[k]) && k !== 'version' && k !== 'saved') diff[k] = { from: b4[k], to: af[k] };
      if (b.discordWebhookUrl !== undefined && before.webhookUrl !== after.webhookUrl) diff.discordWebhookUrl = { from: '***', to: '***' };
      await recordAudit(tx, actorOf(req), { action: 'operations.notification_setting.updated', entity: 'operations.notification_setting', entityId: org.id, diff: { organizationId: org.id, ...diff } });
      return toSettings(after);
    });
  });

  app.post('/organizations/:id/notification-settings/test', {
    schema: { tags, summary: 'Send a test message to each enabled channel', params: Type.Object({ id: Uuid }), response: { 202: Type.Object({ channels: Type.Array(Type.Object({ channel: Type.String(), outboxIds: Type.Array(Type.String()) })) }), ...problemResponses(400, 401, 403, 404, 422) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req, reply) => {
    const org = await organizationInScope(db, req.user!, req.params.id);
    const s = await loadSettings(db, box, org.id, org.timezone);
    const channels = enabledChannels(s);
    if (channels.length === 0) throw unprocessable('no_channel_enabled', 'Enable and save at least one channel first.');
    const me = await db.selectFrom('platform.users').select(['email', 'display_name']).where('id', '=', req.user!.id).executeTakeFirstOrThrow();
    const out = await db.transaction().execute(async (tx) => {
      const result = [];
      const stamp = `operations:test:${org.id}:${Date.now()}`;
      for (const channel of channels) {
        const to: Recipient[] = channel === 'webhook' ? [{ channel: 'discord', address: s.webhookUrl! }]
          : [...new Set([...s.emailRecipients, ...(s.notifyResponsible ? [me.email] : [])])].map((address) => ({ channel: 'email' as const, address }));
        const sent = await ctx.notify.send({ to, template: 'operations.notification_test', dedupKey: `${stamp}:${channel}`, locale: notifyLocale(s.locale), data: { organization: org.name, sentBy: me.display_name } }, { db: tx });
        result.push({ channel, outboxIds: sent.map((m) => m.id) });
      }
      await recordAudit(tx, actorOf(req), { action: 'operations.notification_setting.tested', entity: 'operations.notification_setting', entityId: org.id, diff: { channels } });
      return result;
    });
    return reply.code(202).send({ channels: out });
  });

  app.get('/quotes/:id/notifications', {
    schema: { tags, summary: 'Notification history of a quote', params: Type.Object({ id: Uuid }), response: { 200: Type.Object({ items: Type.Array(Notification) }), ...problemResponses(400, 401, 403, 404) } },
    preHandler: app.requireRole(...STAFF),
  }, async (req) => {
    const quote = await quoteInScope(db, req.user!, req.params.id);
    const ids = await db.selectFrom('operations.quote_notification').select('id').where('quote_id', '=', quote.id).where('status', '=', 'queued').execute();
    if (ids.length) await syncDeliveries(ctx, { ids: ids.map((r) => r.id) });
    const { rows } = await sql`select ${NOTIFICATION_SELECT} from operations.quote_notification n join operations.quote q on q.id = n.quote_id
      where n.quote_id = ${quote.id} order by n.detected_at desc, n.id desc`.execute(db);
    return { items: rows.map(toNotification) };
  });

  app.get('/notifications', {
    schema: {
      tags, summary: 'Delivery overview of quote notifications',
      querystring: Type.Object({
        ...PageQuery.properties, organizationId: Type.Optional(Uuid), status: Type.Optional(NotificationStatus), kind: Type.Optional(Kind),
        from: Type.Optional(IsoDate), to: Type.Optional(IsoDate),
      }),
      response: { 200: Type.Object({ items: Type.Array(Notification), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const { organizationId, status, kind, from, to, limit, cursor } = req.query;
    if (organizationId) await organizationInScope(db, req.user!, organizationId);
    const orgs = await visibleOrganizations(db, req.user!);
    await syncDeliveries(ctx, { organizationId, limit: 500 });
    const after = idCursor(cursor);
    const where = [sql`true`];
    if (organizationId) where.push(sql`n.organization_id = ${organizationId}`);
    if (orgs) where.push(sql`n.organization_id = any(${orgs}::uuid[])`);
    if (status) where.push(sql`n.status = ${status}`);
    if (kind) where.push(sql`n.kind = ${kind}`);
    if (from) where.push(sql`n.event_date >= ${from}::date`);
    if (to) where.push(sql`n.event_date <= ${to}::date`);
    if (after) where.push(sql`n.id < ${after}`);
    const { rows } = await sql<{ id: string }>`select ${NOTIFICATION_SELECT} from operations.quote_notification n join operations.quote q on q.id = n.quote_id
      where ${sql.join(where, sql` and `)} order by n.id desc limit ${limit + 1}`.execute(db);
    return toPage(rows, limit, (r) => [r.id], toNotification);
  });

  app.post('/quotes/:id/notifications/:kind/resend', {
    schema: { tags, summary: 'Send a notification again (new message, key …:resend:{n})', params: Type.Object({ id: Uuid, kind: Kind }), response: { 202: Type.Object({ notificationId: Uuid, resendNo: Type.Integer(), dedupKey: Type.String() }), ...problemResponses(400, 401, 403, 404, 422) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req, reply) => {
    const quote = await quoteInScope(db, req.user!, req.params.id);
    const out = await resendNotification(ctx, quote.id, req.params.kind, req.user!.id);
    if ('error' in out) {
      if (out.error === 'no_event_date') throw unprocessable('no_event_date', `The quote has no ${req.params.kind === 'period_started' ? 'start' : 'due'} date.`);
      if (out.error === 'no_channel_enabled') throw unprocessable('no_channel_enabled', 'The organisation has no enabled notification channel.');
      throw notFound();
    }
    await recordAudit(db, actorOf(req), { action: 'operations.quote_notification.resent', entity: 'operations.quote_notification', entityId: out.id, diff: { organizationId: out.organizationId, quoteId: quote.id, kind: req.params.kind, eventDate: out.eventDate, resendNo: out.resendNo } });
    return reply.code(202).send({ notificationId: out.id, resendNo: out.resendNo, dedupKey: out.dedupKey });
  });

  app.post('/notifications/scan', {
    schema: { tags, summary: 'Run the daily notification scan now (all organisations)', response: { 202: Type.Object({ jobId: Uuid }), ...problemResponses(401, 403, 409) } },
    preHandler: app.requireRole(...ADMIN),
  }, async (req, reply) => {
    const jobId = await ctx.jobs.send(NOTIFY_QUEUE, {}, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: 'all' });
    if (!jobId) throw conflict('scan_in_progress', 'A scan is already queued or running.');
    await recordAudit(db, actorOf(req), { action: 'operations.notification_scan.requested', entity: 'operations.notification_scan', entityId: jobId });
    return reply.code(202).send({ jobId });
  });
}
