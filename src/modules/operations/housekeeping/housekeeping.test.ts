import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { FakeDiscord } from '../../../../test/fakes/webhooks.js';
import { waitFor } from '../../../platform/jobs/testing.js';
import type { AtriumModule, App, ModuleContext } from '../../../platform/types.js';
import { registerNotifications } from '../notifications/index.js';
import { contextOf, makeOrg, makeQuote, P, parisDay } from '../notifications/testing.js';
import { cleanupTempFiles, pruneHistory, scratchDatabaseCreatedAt, tempRoot } from './cleanup.js';
import { healthSummary } from './kpis.js';

// The operations parts plus a queue that always fails, as a broken scheduled task would.
const withBrokenJob: AtriumModule = {
  name: 'operations',
  routes: (async (app: App, ctx: ModuleContext) => {
    await registerNotifications(app, ctx);
    ctx.jobs.define({ queue: 'operations.test.broken', retryLimit: 1, retryDelay: 1, handler: async () => { throw new Error('disk on fire'); } });
  }) as AtriumModule['routes'],
};

let t: TestApp;
let opsDiscord: FakeDiscord;
let admin: TestUser;
let manager: TestUser;
let staff: TestUser;

before(async () => {
  opsDiscord = await new FakeDiscord('222222222222222222', 'ops-alert-token').start();
  t = await startTestApp({ modules: [withBrokenJob] });
  [admin, manager, staff] = await Promise.all([t.createUser(['admin']), t.createUser(['manager']), t.createUser(['staff'])]);
});
after(async () => {
  await t.close();
  await opsDiscord.stop();
});

test('every original scheduled task is declared in Europe/Paris, none between 02:00 and 02:59', async () => {
  const schedules = await t.db.db.selectFrom('platform.schedule_definition').selectAll().where('module', '=', 'operations').execute();
  const byKey = Object.fromEntries(schedules.map((s) => [s.key, s]));
  const expected: Record<string, string> = {
    'operations.quotes.notify': '0 8 * * *', 'operations.notifications.reconcile': '15 * * * *',
    'operations.cleanup.temp-files': '45 1 * * *', 'operations.cleanup.temp-files:deep': '0 1 * * 6',
    'operations.cleanup.logs': '0 3 * * *', 'operations.runs.reconcile': '*/5 * * * *',
  };
  for (const [key, cron] of Object.entries(expected)) {
    assert.equal(byKey[key]?.cron, cron, key);
    assert.equal(byKey[key]?.timezone, 'Europe/Paris', key);
    const hour = cron.split(' ')[1]!;
    assert.ok(!/^0?2$/.test(hour), `${key} avoids the DST window`);
  }
  assert.deepEqual(byKey['operations.cleanup.temp-files:deep']!.data, { maxAgeHours: 2 });
  assert.equal(byKey['operations.quotes.notify']!.catch_up, 'run_once');
});

test('a job failing every time reaches the dead letter and alerts once, on the Discord webhook of the ops settings', async () => {
  const current = await t.api('GET', `${P}/settings`, { token: admin.token });
  const put = await t.api('PUT', `${P}/settings`, { token: admin.token, body: {
    ...current.body, discordWebhookUrl: opsDiscord.webhookUrl, emailRecipients: [], inAppRoles: ['admin'] } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.discordWebhookUrl, '***');

  const jobId = await t.app.platform.jobs.send('operations.test.broken', {});
  const alert = await waitFor('the dead-letter alert', () => t.db.db.selectFrom('operations.ops_alert').selectAll().where('dedup_key', '=', `ops:dlq:${jobId}`).executeTakeFirst(), 30_000);
  assert.equal(alert.kind, 'job_dead_lettered');
  assert.equal(alert.severity, 'high');
  const failure = await t.db.db.selectFrom('platform.job_failure').selectAll().where('source_job_id', '=', jobId!).executeTakeFirstOrThrow();
  assert.equal(failure.error_message, 'disk on fire');
  assert.match(failure.error_stack ?? '', /disk on fire/);
  await waitFor('the Discord post', () => opsDiscord.posted.length >= 1);
  // A second emission of the same event (another process) changes nothing.
  t.app.platform.events.emit('job.failed', { queue: 'operations.test.broken', jobId: jobId!, error: 'disk on fire', critical: false });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(opsDiscord.posted.length, 1, 'one alert, sent once');
  assert.match(opsDiscord.posted[0].embeds[0].title, /operations\.test\.broken/);

  const list = await t.api('GET', `${P}/alerts?acknowledged=false`, { token: manager.token });
  assert.equal(list.status, 200);
  const mine = list.body.items.find((a: any) => a.id === alert.id);
  assert.equal(mine.delivery.discord.status, 'sent', 'Discord accepted it (its message id is on the outbox row)');
  const kpi = (await healthSummary(contextOf(t.app))).kpis.find((k) => k.key === 'unnoticedFailedRuns')!;
  assert.equal(kpi.value, 0);
  assert.ok(kpi.denominator >= 1);

  assert.equal((await t.api('POST', `${P}/alerts/${alert.id}/acknowledge`, { token: manager.token })).status, 403);
  const ack = await t.api('POST', `${P}/alerts/${alert.id}/acknowledge`, { token: admin.token });
  assert.equal(ack.status, 200);
  assert.equal(ack.body.acknowledgedBy, admin.id);
  assert.equal((await t.api('POST', `${P}/alerts/${alert.id}/acknowledge`, { token: admin.token })).status, 409);
});

test('temp cleanup removes expired and orphan files and old scratch databases, never a running operation\'s files', async () => {
  const ctx = contextOf(t.app);
  const root = tempRoot(ctx.config);
  const now = new Date();
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
  const write = async (rel: string, age: number) => {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), 'x'.repeat(10));
    await fs.utimes(path.join(root, rel), hoursAgo(age), hoursAgo(age));
  };
  const running = await t.db.db.insertInto('platform.operation_run').values({ kind: 'restore', queue: 'operations.restore.run', job_id: crypto.randomUUID(), attempt: 1, trigger: 'manual', status: 'running' }).returning('id').executeTakeFirstOrThrow();
  const files = [
    { path: 'decrypted/old.bin', category: 'decrypted' as const, age: 2, owner: null },
    { path: 'restore/busy.dump', category: 'restore' as const, age: 30, owner: running.id },
    { path: 'export/fresh.xlsx', category: 'export' as const, age: 1, owner: null },
  ];
  for (const f of files) {
    await write(f.path, f.age);
    await t.db.db.insertInto('operations.temp_file').values({ path: f.path, category: f.category, owner_run_id: f.owner, created_at: hoursAgo(f.age), expires_at: new Date(now.getTime() + 3600_000) }).execute();
  }
  await write('stray/orphan.tmp', 25);

  const dry = await cleanupTempFiles(ctx, { dryRun: true, now });
  assert.deepEqual(dry.tempFiles.map((f) => f.path).sort(), ['decrypted/old.bin', 'stray/orphan.tmp']);
  assert.equal(dry.keptOwnedByRunningRun, 1);
  await fs.access(path.join(root, 'decrypted/old.bin'));

  const real = await cleanupTempFiles(ctx, { now });
  assert.equal(real.bytesFreed, 20);
  await assert.rejects(fs.access(path.join(root, 'decrypted/old.bin')));
  await fs.access(path.join(root, 'restore/busy.dump'));
  await fs.access(path.join(root, 'export/fresh.xlsx'));
  const deep = await cleanupTempFiles(ctx, { now: hoursAgo(-2), maxAgeHours: 2, dryRun: true });
  assert.deepEqual(deep.tempFiles.map((f) => f.path), ['export/fresh.xlsx'], 'the deep pass applies 2 h to every category, still sparing the running restore');

  assert.deepEqual(scratchDatabaseCreatedAt('atrium_verify_202506030400_ab12'), new Date('2025-06-03T04:00:00Z'));
  assert.equal(scratchDatabaseCreatedAt('atrium_live'), null);
});

test('history retention prunes runs, failures and alerts older than the settings say', async () => {
  const ctx = contextOf(t.app);
  const old = new Date(Date.now() - 500 * 86_400_000);
  await t.db.db.insertInto('platform.operation_run').values({ kind: 'cleanup_logs', queue: 'operations.cleanup.logs', job_id: crypto.randomUUID(), attempt: 1, trigger: 'schedule', status: 'succeeded', started_at: old, finished_at: old }).execute();
  await t.db.db.insertInto('operations.ops_alert').values({ kind: 'schedule_missed', severity: 'high', dedup_key: `old:${Date.now()}`, title: 'old', raised_at: old }).execute();
  const dry = await pruneHistory(ctx, { dryRun: true });
  assert.ok(dry.operationRuns >= 1 && dry.opsAlerts >= 1);
  const done = await pruneHistory(ctx);
  assert.deepEqual([done.operationRuns, done.opsAlerts], [dry.operationRuns, dry.opsAlerts]);
  assert.deepEqual([(await pruneHistory(ctx, { dryRun: true })).operationRuns], [0]);
});

test('POST /cleanup/{kind} runs the job and records its summary as an operation run', async () => {
  const res = await t.api('POST', `${P}/cleanup/temp-files`, { token: admin.token, body: { dryRun: true } });
  assert.equal(res.status, 202);
  const run = await waitFor('the run', () => t.db.db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', res.body.jobId).where('status', '=', 'succeeded').executeTakeFirst());
  assert.equal(run.trigger, 'manual');
  assert.equal((run.summary as any).dryRun, true);
  const runs = await t.api('GET', `${P}/runs?kind=cleanup_temp`, { token: manager.token });
  assert.ok(runs.body.items.some((r: any) => r.id === run.id));
  const one = await t.api('GET', `${P}/runs/${run.id}`, { token: manager.token });
  assert.equal(one.status, 200);
  assert.equal((await t.api('POST', `${P}/cleanup/nonsense`, { token: admin.token, body: {} })).status, 400);
});

test('access per route and role: staff, manager, admin, and another organisation answers 404', async () => {
  const outsider = await t.createUser(['manager']);
  const org = await makeOrg(t, [manager, staff]);
  const quote = await makeQuote(t, org, manager, { start: parisDay(-1), due: parisDay(5) });
  const S = `${P}/organizations/${org.id}/notification-settings`;
  const cases: [string, string, Record<string, number>][] = [
    ['GET', S, { staff: 403, manager: 200, admin: 200, outsider: 404 }],
    ['POST', `${S}/test`, { staff: 403, manager: 422, admin: 422, outsider: 404 }],
    ['GET', `${P}/quotes/${quote.id}/notifications`, { staff: 200, manager: 200, admin: 200, outsider: 404 }],
    ['POST', `${P}/quotes/${quote.id}/notifications/period_started/resend`, { staff: 403, manager: 422, admin: 422, outsider: 404 }],
    ['GET', `${P}/notifications?organizationId=${org.id}`, { staff: 403, manager: 200, admin: 200, outsider: 404 }],
    ['POST', `${P}/notifications/scan`, { staff: 403, manager: 403 }],
    ['GET', `${P}/runs`, { staff: 403, manager: 200, admin: 200 }],
    ['GET', `${P}/alerts`, { staff: 403, manager: 200, admin: 200 }],
    ['GET', `${P}/settings`, { staff: 403, manager: 403, admin: 200 }],
    ['POST', `${P}/cleanup/logs`, { staff: 403, manager: 403 }],
    ['GET', `${P}/health/summary`, { staff: 403, manager: 200, admin: 200 }],
  ];
  const users: Record<string, TestUser> = { staff, manager, admin, outsider };
  for (const [method, url, expected] of cases) {
    for (const [who, status] of Object.entries(expected)) {
      const res = await t.api(method, url, { token: users[who]!.token, ...(method === 'POST' ? { body: {} } : {}) });
      assert.equal(res.status, status, `${method} ${url} as ${who}: ${JSON.stringify(res.body).slice(0, 200)}`);
    }
  }
  assert.equal((await t.api('GET', `${P}/runs`)).status, 401);
  const bad = await t.api('PUT', S, { token: manager.token, body: {
    timezone: 'Europe/Paris', webhookEnabled: true, discordWebhookUrl: 'https://example.com/hook', emailEnabled: false, emailRecipients: [],
    notifyResponsible: true, notifyStatuses: ['issued'], notificationsEnabledFrom: '2025-01-01', locale: 'fr-FR', version: 0 } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, 'webhook_url_invalid');
  const stale = await t.api('PUT', S, { token: manager.token, body: { ...bad.body, timezone: 'Europe/Paris', webhookEnabled: false, emailEnabled: true, emailRecipients: ['a@example.test'],
    notifyResponsible: true, notifyStatuses: ['issued'], notificationsEnabledFrom: '2025-01-01', locale: 'fr-FR', version: 3 } });
  assert.equal(stale.status, 400, 'unknown fields are refused');
});
