import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { startProviders, waitFor, type Providers } from '../../../../test/fakes/providers.js';
import { startAppOn } from '../../../platform/jobs/testing.js';
import type { App } from '../../../platform/types.js';
import { contextOf, makeOrg, makeQuote, notificationsOnly, P, parisDay, parisMorning } from './testing.js';
import { scanNotifications, syncDeliveries } from './scan.js';
import { scanChangedQuotes } from './jobs.js';
import { seedNotificationSettings } from './seed.js';
import { healthSummary } from '../housekeeping/kpis.js';

let t: TestApp;
let providers: Providers;
let manager: TestUser;
let second: App | undefined;

before(async () => {
  providers = await startProviders();
  t = await startTestApp({ modules: [notificationsOnly], env: providers.env });
  manager = await t.createUser(['manager']);
});
after(async () => {
  await second?.close();
  await t.close();
  await providers.stop();
});

async function configure(orgId: string, body: Record<string, unknown>) {
  const current = await t.api('GET', `${P}/organizations/${orgId}/notification-settings`, { token: manager.token });
  const res = await t.api('PUT', `${P}/organizations/${orgId}/notification-settings`, {
    token: manager.token,
    body: { timezone: 'Europe/Paris', webhookEnabled: true, discordWebhookUrl: providers.discord.webhookUrl, emailEnabled: true,
      emailRecipients: ['office@example.test'], notifyResponsible: true, notifyStatuses: ['issued', 'accepted'],
      notificationsEnabledFrom: parisDay(-60), locale: 'fr-FR', version: current.body.version, ...body },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const notificationsOf = (quoteId: string) => t.db.db.selectFrom('operations.quote_notification').selectAll().where('quote_id', '=', quoteId).orderBy('detected_at').execute();
const outboxOf = (key: string) => t.db.db.selectFrom('platform.notification_outbox').selectAll().where('dedup_key', 'like', `${key}:%`).execute();

test('a quote missed for two days gets both messages in one run, through Discord and SMTP, then nothing more', async () => {
  const org = await makeOrg(t, [manager]);
  await configure(org.id, {});
  const quote = await makeQuote(t, org, manager, { start: parisDay(-2), due: parisDay(0) });
  const ctx = contextOf(t.app);
  const postsBefore = providers.discord.posted.length;
  const mailsBefore = providers.smtp.received.length;

  const first = await scanNotifications(ctx, { organizationId: org.id, now: parisMorning(parisDay(0)) });
  assert.deepEqual({ queued: first.queued, skipped: first.skipped }, { queued: 2, skipped: 0 });
  const rows = await notificationsOf(quote.id);
  assert.deepEqual(rows.map((r) => [r.kind, r.late_by_days, r.status]), [['period_started', 2, 'queued'], ['deadline_reached', 0, 'queued']]);

  await waitFor('two Discord posts', async () => providers.discord.posted.length - postsBefore >= 2);
  // Two recipients (office + responsible) × two events.
  await waitFor('four e-mails', async () => providers.smtp.received.length - mailsBefore >= 4);
  const posts = providers.discord.posted.slice(postsBefore);
  const start = posts.find((p) => p.embeds[0].color === 0x2e7d32)!;
  const deadline = posts.find((p) => p.embeds[0].color === 0xc62828)!;
  assert.match(start.embeds[0].title, new RegExp(`^Début de période de paiement — ${quote.number}$`));
  assert.equal(start.embeds[0].footer.text, `operations:quote:${quote.id}:period_started:${parisDay(-2)}`);
  assert.ok(start.embeds[0].fields.some((f: any) => /2 jours de retard/.test(f.value)), 'the late start says how late');
  assert.ok(!deadline.embeds[0].fields.some((f: any) => /retard/.test(f.value)), 'the on-time deadline does not');
  assert.match(deadline.embeds[0].title, /^Échéance atteinte/);

  await waitFor('both notifications delivered', async () => {
    await syncDeliveries(ctx, { organizationId: org.id });
    const now = await notificationsOf(quote.id);
    return now.every((r) => r.status === 'delivered') && now;
  });
  const [delivered] = await notificationsOf(quote.id);
  assert.deepEqual(Object.keys(delivered!.channels).sort(), ['email', 'webhook']);
  assert.equal(delivered!.channels.webhook!.status, 'delivered');

  const again = await scanNotifications(ctx, { organizationId: org.id, now: parisMorning(parisDay(0)) });
  assert.equal(again.queued, 0, 're-running the job sends nothing new');
  assert.equal((await notificationsOf(quote.id)).length, 2);

  const metrics = await t.api('GET', '/metrics');
  assert.match(metrics.body, /atrium_quote_notifications_total\{kind="period_started",status="queued"\} [1-9]/);
  assert.match(metrics.body, /atrium_quote_notifications_total\{kind="deadline_reached",status="delivered"\} [1-9]/);

  const history = await t.api('GET', `${P}/quotes/${quote.id}/notifications`, { token: manager.token });
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.items.map((n: any) => [n.kind, n.status, n.lateByDays]).sort(), [['deadline_reached', 'delivered', 0], ['period_started', 'delivered', 2]]);
});

test('two workers scanning at the same moment send each event exactly once per channel', async () => {
  const org = await makeOrg(t, [manager]);
  await configure(org.id, { emailRecipients: [], notifyResponsible: true });
  const quote = await makeQuote(t, org, manager, { start: parisDay(-1), due: parisDay(-1) });
  // A second process on the same database; role api: it scans here, and leaves delivery to the first (which has the fakes).
  second ??= await startAppOn(t.db.url, { modules: [notificationsOnly], role: 'api' });
  const at = parisMorning(parisDay(0));
  const results = await Promise.all([
    scanNotifications(contextOf(t.app), { organizationId: org.id, now: at }),
    scanNotifications(contextOf(second), { organizationId: org.id, now: at }),
    scanNotifications(contextOf(t.app), { organizationId: org.id, now: at }),
  ]);
  assert.equal(results.reduce((n, r) => n + r.queued, 0), 2, 'two events, each queued by exactly one of the workers');
  const rows = await notificationsOf(quote.id);
  assert.equal(rows.length, 2);
  for (const r of rows) {
    const outbox = await outboxOf(r.dedup_key);
    assert.deepEqual(outbox.map((o) => o.channel).sort(), ['discord', 'email'], `one message per channel for ${r.kind}`);
  }
});

test('a deleted Discord webhook fails the notification and raises one alert; e-mail is still delivered', async () => {
  {
    const org = await makeOrg(t, [manager]);
    // The fake answers 404 Unknown Webhook for any other webhook id, as Discord does for a deleted one.
    const deleted = providers.discord.webhookUrl.replace(providers.discord.id, '111111111111111111');
    await configure(org.id, { discordWebhookUrl: deleted, emailRecipients: ['billing@example.test'], notifyResponsible: false });
    const quote = await makeQuote(t, org, manager, { start: parisDay(0), due: parisDay(30) });
    const ctx = contextOf(t.app);
    await scanNotifications(ctx, { organizationId: org.id, now: parisMorning(parisDay(0)) });
    const [row] = await waitFor('the notification to fail', async () => {
      await syncDeliveries(ctx, { organizationId: org.id });
      const rows = await notificationsOf(quote.id);
      return rows[0]?.status === 'failed' && rows[0].channels.email?.status !== 'queued' && rows;
    });
    assert.equal(row!.channels.webhook!.status, 'failed');
    assert.match(row!.last_error ?? '', /webhook/);
    assert.equal(row!.channels.email!.status, 'delivered', 'the e-mail channel is unaffected');
    const alerts = await t.db.db.selectFrom('operations.ops_alert').selectAll().where('kind', '=', 'notification_undelivered').execute();
    const mine = alerts.filter((a) => (a.details as any).quoteId === quote.id);
    assert.equal(mine.length, 1);
    await syncDeliveries(ctx, { ids: [row!.id] });
    assert.equal((await t.db.db.selectFrom('operations.ops_alert').select('id').where('kind', '=', 'notification_undelivered').execute()).length, alerts.length, 'no second alert');
  }
});

test('a 30-day run with one missed day still delivers every notification (KPI 100 %)', async () => {
  const ctx = contextOf(t.app);
  const kpiBefore = (await healthSummary(ctx)).kpis.find((k) => k.key === 'notificationDelivery')!;
  const org = await makeOrg(t, [manager]);
  await configure(org.id, { emailRecipients: [], notifyResponsible: true, webhookEnabled: false, discordWebhookUrl: null });
  // One quote per day over the last 30 days (start on that day, deadline three days later).
  for (let d = -29; d <= 0; d++) await makeQuote(t, org, manager, { start: parisDay(d), due: parisDay(Math.min(0, d + 3)) });
  const missed = parisDay(-12);
  for (let d = -29; d <= 0; d++) {
    if (parisDay(d) === missed) continue; // the platform was down all that day
    await scanNotifications(ctx, { organizationId: org.id, now: parisMorning(parisDay(d)) });
  }
  const caughtUp = await t.db.db.selectFrom('operations.quote_notification').select(['late_by_days', 'event_date']).where('organization_id', '=', org.id)
    .where('late_by_days', '>', 0).execute();
  assert.ok(caughtUp.length >= 1, 'the missed day was caught up the next day with lateByDays');
  await waitFor('every notification delivered', async () => {
    await syncDeliveries(ctx, { organizationId: org.id, limit: 1000 });
    const open = await t.db.db.selectFrom('operations.quote_notification').select('id').where('organization_id', '=', org.id).where('status', '<>', 'delivered').execute();
    return open.length === 0;
  }, 60_000);
  const summary = await healthSummary(ctx);
  const kpi = summary.kpis.find((k) => k.key === 'notificationDelivery')!;
  // This organisation adds 30 starts and 30 deadlines to the 30-day window, every one delivered.
  assert.equal(kpi.denominator - kpiBefore.denominator, 60);
  assert.equal(kpi.numerator - kpiBefore.numerator, 60);
});

test('a quote entered today with both dates in the past is picked up by the per-minute single-quote scan', async () => {
  const org = await makeOrg(t, [manager]);
  await configure(org.id, { emailRecipients: [], webhookEnabled: false, discordWebhookUrl: null });
  const quote = await makeQuote(t, org, manager, { start: parisDay(-10), due: parisDay(-1) });
  const flagged = await t.db.db.selectFrom('operations.notification_scan_request' as any).selectAll().execute();
  assert.ok(flagged.some((r: any) => r.quote_id === quote.id), 'the insert flagged the quote');
  await scanChangedQuotes(contextOf(t.app));
  assert.deepEqual((await notificationsOf(quote.id)).map((r) => [r.kind, r.late_by_days]), [['period_started', 10], ['deadline_reached', 1]]);
});

test('the demo seed gives every organisation saved settings (e-mail to the responsible person) and is idempotent', async () => {
  const org = await makeOrg(t, [manager]);
  const ctx = contextOf(t.app);
  await seedNotificationSettings(ctx);
  await seedNotificationSettings(ctx);
  const rows = await t.db.db.selectFrom('operations.notification_setting').selectAll().where('organization_id', '=', org.id).execute();
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0]!.email_enabled, rows[0]!.notify_responsible, rows[0]!.webhook_enabled], [true, true, false]);
});
