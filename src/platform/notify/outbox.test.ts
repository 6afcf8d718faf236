import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import { startProviders, waitFor, type Providers } from '../../../test/fakes/providers.js';
import type { Notifications } from './service.js';
import { sweepOutbox } from './sweeper.js';

let t: TestApp;
let p: Providers;
let notify: Notifications;
before(async () => {
  p = await startProviders();
  t = await startTestApp({ env: p.env });
  notify = t.app.platform.notify as Notifications;
});
after(async () => {
  await t.close();
  await p.stop();
});

const FINAL = ['sent', 'delivered', 'failed', 'not_configured', 'suppressed'];
const rowsOf = (ids: string[]) => t.db.db.selectFrom('platform.notification_outbox').selectAll().where('id', 'in', ids).orderBy('channel').execute();
const settled = (ids: string[], also: string[] = []) => waitFor('final statuses', async () => {
  const rows = await rowsOf(ids);
  return rows.every((r) => FINAL.includes(r.status) || also.includes(r.status)) ? rows : undefined;
});
const inboxOf = (userId: string) => t.db.db.selectFrom('platform.inbox_messages').selectAll().where('user_id', '=', userId).execute();
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** A user whose quiet hours (UTC) started an hour ago and end in an hour. */
async function userInQuietHours() {
  const user = await t.createUser(['patient']);
  const now = Date.now();
  await t.db.db.updateTable('platform.users').set({
    time_zone: 'UTC', quiet_hours_start: hhmm(new Date(now - 3600_000)), quiet_hours_end: hhmm(new Date(now + 3600_000)),
  }).where('id', '=', user.id).execute();
  return user;
}

test('during quiet hours a message that is not critical reaches the inbox at once; email waits for the end of the quiet period', async () => {
  const user = await userInQuietHours();
  const queued = await notify.send({ to: { userId: user.id }, template: 'message', channels: ['inapp', 'email'], data: { title: 'Night', body: 'not urgent' } });
  const rows = await settled(queued.map((q) => q.id), ['deferred']);
  const email = rows.find((r) => r.channel === 'email')!;
  assert.equal(rows.find((r) => r.channel === 'inapp')!.status, 'delivered');
  assert.equal(email.status, 'deferred');
  const wait = new Date(email.deliver_after).getTime() - Date.now();
  assert.ok(wait > 55 * 60_000 && wait <= 61 * 60_000, `deferred about an hour, got ${wait} ms`);
  assert.equal(p.smtp.received.filter((m) => m.to.includes(user.email)).length, 0);

  // The quiet period ends: the deferred row is delivered.
  await t.db.db.updateTable('platform.notification_outbox').set({ deliver_after: sql`now()` }).where('id', '=', email.id).execute();
  assert.equal(await notify.deliverer.deliver(email.id, false), 'sent');
  assert.equal(p.smtp.received.filter((m) => m.to.includes(user.email)).length, 1);
});

test('a critical message ignores quiet hours', async () => {
  const user = await userInQuietHours();
  const queued = await notify.send({ to: { userId: user.id }, template: 'message', channels: ['email'], critical: true, data: { title: 'Urgent', body: 'now' } });
  const [email] = await settled(queued.map((q) => q.id));
  assert.equal(email.status, 'sent');
  assert.equal(p.smtp.received.filter((m) => m.to.includes(user.email)).length, 1);
});

test('preferences choose the channels of a category; a critical message still reaches every channel its sender chose', async () => {
  const user = await t.createUser(['patient']);
  const put = await t.api('PUT', '/api/v1/me/notification-preferences', { token: user.token, body: { categories: [{ category: 'general', channels: ['inapp'] }] } });
  assert.equal(put.status, 200);
  const general = put.body.categories.find((c: any) => c.category === 'general');
  assert.deepEqual(general, { category: 'general', description: general.description, defaultChannels: ['inapp', 'push'], channels: ['inapp'], customized: true });

  const byDefault = await notify.send({ to: { userId: user.id }, template: 'message', data: { title: 'a', body: 'b' } });
  assert.deepEqual(byDefault.map((q) => q.channel), ['inapp'], 'without channels from the sender, the user\'s choice');

  const narrowed = await settled((await notify.send({ to: { userId: user.id }, template: 'message', channels: ['inapp', 'email'], data: { title: 'a', body: 'b' } })).map((q) => q.id));
  assert.equal(narrowed.find((r) => r.channel === 'email')!.status, 'suppressed');
  assert.equal(narrowed.find((r) => r.channel === 'email')!.error_code, 'preference');

  const critical = await settled((await notify.send({ to: { userId: user.id }, template: 'message', channels: ['inapp', 'email'], critical: true, data: { title: 'a', body: 'b' } })).map((q) => q.id));
  assert.equal(critical.find((r) => r.channel === 'email')!.status, 'sent');

  const reset = await t.api('PUT', '/api/v1/me/notification-preferences', { token: user.token, body: { categories: [{ category: 'general', channels: null }] } });
  assert.equal(reset.body.categories.find((c: any) => c.category === 'general').customized, false);
  const unknown = await t.api('PUT', '/api/v1/me/notification-preferences', { token: user.token, body: { categories: [{ category: 'nope', channels: ['inapp'] }] } });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.errors[0].path, 'body.categories.0.category');
  const bad = await t.api('PUT', '/api/v1/me/notification-preferences', { token: user.token, body: { categories: [{ category: 'general', channels: ['fax'] }] } });
  assert.equal(bad.status, 400);
});

test('rows written in a transaction that rolls back are never sent; committed ones are', async () => {
  const user = await t.createUser(['patient']);
  const key = `test:tx:${user.id}`;
  await t.db.db.transaction().execute(async (tx) => {
    await notify.send({ to: { userId: user.id }, template: 'message', channels: ['email'], dedupKey: key, data: { title: 'a', body: 'b' } }, { db: tx });
    throw new Error('business rule failed');
  }).catch(() => {});
  const none = await t.db.db.selectFrom('platform.notification_outbox').select('id').where('dedup_key', '=', key).execute();
  assert.deepEqual(none, []);

  const queued = await t.db.db.transaction().execute((tx) =>
    notify.send({ to: { userId: user.id }, template: 'message', channels: ['email'], dedupKey: key, data: { title: 'a', body: 'b' } }, { db: tx }));
  const [row] = await settled(queued.map((q) => q.id));
  assert.equal(row.status, 'sent');
  assert.equal(p.smtp.received.filter((m) => m.to.includes(user.email)).length, 1);
});

test('the sweeper enqueues rows left without a job (or whose deferred job came early) and closes a row interrupted during its provider call', async () => {
  const user = await t.createUser(['patient']);
  const base = {
    user_id: user.id, recipient_key: `user:${user.id}`, category: 'general', template: 'message', locale: 'en' as const,
    data: JSON.stringify({ title: 'Left behind', body: 'b' }), critical: false,
  };
  const orphan = await t.db.db.insertInto('platform.notification_outbox').values({
    ...base, message_id: crypto.randomUUID(), channel: 'email', dedup_key: `test:orphan:${user.id}`, status: 'pending', dispatched_at: null,
  }).returning('id').executeTakeFirstOrThrow();
  const interrupted = await t.db.db.insertInto('platform.notification_outbox').values({
    ...base, message_id: crypto.randomUUID(), channel: 'sms', dedup_key: `test:interrupted:${user.id}`, status: 'sending',
    updated_at: sql`now() - interval '20 minutes'`, attempts: 1,
  }).returning('id').executeTakeFirstOrThrow();

  const early = await t.db.db.insertInto('platform.notification_outbox').values({
    ...base, message_id: crypto.randomUUID(), channel: 'email', dedup_key: `test:early:${user.id}`, status: 'deferred',
    deliver_after: sql`now() - interval '2 minutes'`, dispatched_at: sql`now() - interval '10 minutes'`,
  }).returning('id').executeTakeFirstOrThrow();

  const result = await sweepOutbox(t.db.db, t.app.platform.jobs, notify.deliverer, t.app.log);
  assert.ok(result.dispatched >= 2);
  assert.equal(result.interrupted, 1);
  const sent = await settled([orphan.id, early.id]);
  assert.deepEqual(sent.map((r) => r.status), ['sent', 'sent']);
  const [closed] = await rowsOf([interrupted.id]);
  assert.equal(closed.status, 'failed');
  assert.equal(closed.error_code, 'interrupted');
  assert.deepEqual((await inboxOf(user.id)).map((m) => m.title), ['Left behind'], 'the interrupted message is copied to the inbox');
});

test('job.failed alerts every admin\'s inbox, Discord and the alert webhook once, however often the event is raised', async () => {
  const admins = [await t.createUser(['admin']), await t.createUser(['admin'])];
  const patient = await t.createUser(['patient']);
  const event = { queue: 'ops.backup', jobId: crypto.randomUUID(), error: 'pg_dump exited with 1', critical: true };
  t.app.platform.events.emit('job.failed', event);
  t.app.platform.events.emit('job.failed', event);
  const dedupKey = `ops:dlq:${event.jobId}`;
  const rows = await waitFor('alert rows', async () => {
    const r = await t.db.db.selectFrom('platform.notification_outbox').selectAll().where('dedup_key', '=', dedupKey).execute();
    return r.length >= admins.length + 2 && r.every((x) => FINAL.includes(x.status)) ? r : undefined;
  });
  for (const admin of admins) {
    const inbox = await inboxOf(admin.id);
    assert.equal(inbox.filter((m) => (m.data as any).jobId === event.jobId).length, 1);
  }
  assert.equal((await inboxOf(patient.id)).length, 0);
  assert.equal(p.discord.posted.filter((m) => m.embeds[0].description.includes(event.jobId)).length, 1);
  assert.equal(p.webhook.received.filter((m) => m.body.data.jobId === event.jobId).length, 1);
  assert.ok(rows.every((r) => r.critical));
});

test('schedule.missed alerts the admins and Discord with the event\'s dedup key', async () => {
  const admin = await t.createUser(['admin']);
  const event = {
    scheduleKey: 'operations.backup:nightly', queue: 'operations.backup', module: 'operations', reason: 'missed' as const,
    fireTimes: ['2025-03-30T01:30:00.000Z'], catchUpJobId: crypto.randomUUID(), dedupKey: `ops:miss:operations.backup:nightly:${Date.now()}`,
  };
  t.app.platform.events.emit('schedule.missed', event);
  await waitFor('discord post', async () => p.discord.posted.find((m) => m.content.includes('operations.backup:nightly')));
  const inbox = await waitFor('admin inbox', async () => (await inboxOf(admin.id)).find((m) => m.template === 'schedule_missed'));
  assert.match(inbox.body, /did not run at 2025-03-30T01:30:00.000Z/);
  assert.match(inbox.body, /One catch-up run has been started/);
});
