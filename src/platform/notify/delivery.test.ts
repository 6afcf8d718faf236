import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import { startProviders, waitFor, PUBLIC_URL, TWILIO_FROM, TWILIO_WHATSAPP_FROM, type Providers } from '../../../test/fakes/providers.js';
import { subjectOf, textOf } from '../../../test/fakes/smtp.js';
import type { SendInput } from './types.js';

let t: TestApp;
let p: Providers;
before(async () => {
  p = await startProviders();
  t = await startTestApp({ env: p.env });
});
after(async () => {
  await t.close();
  await p.stop();
});

const FINAL = ['sent', 'delivered', 'failed', 'not_configured', 'suppressed'];

async function sendAndSettle(input: SendInput) {
  const queued = await t.app.platform.notify.send(input);
  return waitFor('final statuses', async () => {
    const rows = await t.db.db.selectFrom('platform.notification_outbox').selectAll().where('id', 'in', queued.map((q) => q.id)).execute();
    return rows.every((r) => FINAL.includes(r.status)) ? rows : undefined;
  });
}

async function userWith(fields: { phone?: string; locale?: 'en' | 'fr' } = {}) {
  const user = await t.createUser(['patient']);
  await t.db.db.updateTable('platform.users').set({ phone: fields.phone ?? null, locale: fields.locale ?? 'en' }).where('id', '=', user.id).execute();
  return user;
}

const inboxOf = (userId: string) => t.db.db.selectFrom('platform.inbox_messages').selectAll().where('user_id', '=', userId).execute();

test('a message reaches the inbox and the SMTP server, in the French of a French recipient, and the outbox says so', async () => {
  const user = await userWith({ locale: 'fr' });
  const rows = await sendAndSettle({ to: { userId: user.id }, template: 'job_failed', channels: ['inapp', 'email'], data: { queue: 'ops.backup', jobId: 'j-1', error: 'disk full' } });
  const email = rows.find((r) => r.channel === 'email')!;
  const inapp = rows.find((r) => r.channel === 'inapp')!;
  assert.equal(email.status, 'sent');
  assert.match(email.provider_id!, /^<.+>$/);
  assert.match(email.provider_status!, /^250/);
  assert.equal(inapp.status, 'delivered');
  const mail = p.smtp.received.find((m) => m.to.includes(user.email))!;
  assert.ok(mail, 'the fake SMTP server received the mail');
  assert.equal(mail.user, 'mailer', 'signed in with the configured credentials');
  assert.equal(subjectOf(mail), 'Tâche en échec : ops.backup');
  assert.match(textOf(mail), /La tâche j-1 de la file ops.backup a échoué/);
  const [inbox] = await inboxOf(user.id);
  assert.equal(inbox.title, 'Tâche en échec : ops.backup');
});

test('the same dedup key is never sent twice', async () => {
  const user = await userWith();
  const input: SendInput = { to: { userId: user.id }, template: 'message', channels: ['email'], dedupKey: `test:dedup:${user.id}`, data: { title: 'Once', body: 'only once' } };
  const first = await sendAndSettle(input);
  const again = await t.app.platform.notify.send(input);
  assert.equal(again.length, 1);
  assert.equal(again[0].created, false);
  assert.equal(again[0].id, first[0].id);
  const mails = p.smtp.received.filter((m) => m.to.includes(user.email));
  assert.equal(mails.length, 1);
});

test('an SMTP refusal keeps the server code and text, is not retried, and the user gets an inbox copy', async () => {
  const user = await userWith();
  p.smtp.failures.push({ stage: 'rcpt', code: 550, message: 'No such user here' });
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['email'], data: { title: 'Hi', body: 'text' } });
  assert.equal(row.status, 'failed');
  assert.equal(row.error_code, '550');
  assert.match(row.error_message!, /No such user here/);
  assert.equal(row.attempts, 1);
  assert.equal((await inboxOf(user.id)).length, 1);
});

test('SMS goes to Twilio form-encoded with basic auth and a status callback; the sid is kept', async () => {
  const user = await userWith({ phone: '+33612345678' });
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['sms'], data: { title: 'Rappel', body: 'Rendez-vous demain' } });
  assert.equal(row.status, 'sent');
  assert.equal(row.provider_status, 'queued');
  const message = p.twilio.messages.find((m) => m.sid === row.provider_id)!;
  assert.equal(message.form.get('To'), '+33612345678');
  assert.equal(message.form.get('From'), TWILIO_FROM);
  assert.equal(message.form.get('Body'), 'Rappel\nRendez-vous demain');
  assert.equal(message.form.get('StatusCallback'), `${PUBLIC_URL}/api/v1/notify/twilio/status`);
});

test('WhatsApp goes through the same API with whatsapp: addresses', async () => {
  const user = await userWith({ phone: '+243810000001' });
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['whatsapp'], data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'sent');
  const message = p.twilio.messages.find((m) => m.sid === row.provider_id)!;
  assert.equal(message.form.get('To'), 'whatsapp:+243810000001');
  assert.equal(message.form.get('From'), `whatsapp:${TWILIO_WHATSAPP_FROM}`);
});

test('a Twilio error keeps Twilio\'s code and message; the message is copied to the inbox', async () => {
  const user = await userWith({ phone: '+33612345679' });
  p.twilio.script.push({ status: 400, code: 21211, message: "The 'To' number +33612345679 is not a valid phone number." });
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['sms'], data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'failed');
  assert.equal(row.error_code, '21211');
  assert.equal(row.error_message, "The 'To' number +33612345679 is not a valid phone number.");
  assert.equal(row.provider_status, '400');
  assert.equal(row.attempts, 1, 'a 4xx is not retried');
  assert.equal((await inboxOf(user.id)).length, 1);
});

test('a transient provider failure is retried by the delivery job, then delivered', async () => {
  const user = await userWith({ phone: '+33612345680' });
  p.twilio.script.push({ status: 500, code: 20500, message: 'Internal Server Error' });
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['sms'], data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'sent');
  assert.equal(row.attempts, 2);
  assert.equal(row.error_code, null, 'the error of the failed attempt is cleared by the success');
});

test('push goes to FCM HTTP v1 with an OAuth token from the service-account assertion, to each registered device', async () => {
  const user = await userWith();
  for (const token of ['device-token-aaaaaaaa', 'device-token-bbbbbbbb']) {
    const res = await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token, platform: 'android', label: 'phone' } });
    assert.equal(res.status, 201);
  }
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['push'], critical: true, data: { title: 'Urgent', body: 'Low glucose' } });
  assert.equal(row.status, 'sent');
  assert.match(row.provider_id!, /^projects\/atrium-test\/messages\//);
  const sent = p.fcm.sent.filter((s) => s.token.startsWith('device-token-'));
  assert.deepEqual(sent.map((s) => s.token).sort(), ['device-token-aaaaaaaa', 'device-token-bbbbbbbb']);
  assert.equal(sent[0].message.notification.title, 'Urgent');
  assert.equal(sent[0].message.android.priority, 'HIGH');
  assert.ok(p.fcm.tokenRequests.length >= 1);
  assert.equal(p.fcm.tokenRequests[0].iss, p.fcm.clientEmail);
});

test('FCM errors keep FCM\'s code; a device FCM no longer knows is forgotten', async () => {
  const user = await userWith();
  await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token: 'dead-device-token-1', platform: 'ios' } });
  p.fcm.unregistered.add('dead-device-token-1');
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['push'], data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'failed');
  assert.equal(row.error_code, 'UNREGISTERED');
  assert.equal(row.error_message, 'Requested entity was not found.');
  const devices = await t.api('GET', '/api/v1/me/devices', { token: user.token });
  assert.deepEqual(devices.body.items, []);
});

test('an expired access token is renewed once and the push still goes out', async () => {
  const user = await userWith();
  await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token: 'device-token-renew-1', platform: 'web' } });
  p.fcm.expireAccessTokens();
  const before = p.fcm.tokenRequests.length;
  const [row] = await sendAndSettle({ to: { userId: user.id }, template: 'message', channels: ['push'], data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'sent');
  assert.equal(p.fcm.tokenRequests.length, before + 1);
});

test('Discord gets {content, embeds}; a generic webhook gets JSON with an Idempotency-Key', async () => {
  const rows = await sendAndSettle({
    to: [{ channel: 'discord', address: p.discord.webhookUrl }, { channel: 'webhook', address: p.webhook.url }],
    template: 'job_failed', critical: true, data: { queue: 'ops.backup', jobId: 'j-42', error: 'boom' },
  });
  const discord = rows.find((r) => r.channel === 'discord')!;
  assert.equal(discord.status, 'sent');
  assert.ok(discord.provider_id, 'the Discord message id (wait=true)');
  const posted = p.discord.posted.at(-1);
  assert.match(posted.content, /Job failed: ops\.backup/);
  assert.equal(posted.embeds[0].title, 'Job failed: ops.backup');
  assert.match(posted.embeds[0].description, /boom/);
  assert.deepEqual(posted.allowed_mentions, { parse: [] });
  const webhook = rows.find((r) => r.channel === 'webhook')!;
  const received = p.webhook.received.at(-1)!;
  assert.equal(received.headers['idempotency-key'], webhook.id);
  assert.equal(received.body.template, 'job_failed');
  assert.equal(received.body.data.jobId, 'j-42');
});

test('a Discord 4xx keeps Discord\'s code and message', async () => {
  const badUrl = p.discord.webhookUrl.replace(/[^/]+$/, 'wrong-token');
  const [row] = await sendAndSettle({ to: { channel: 'discord', address: badUrl }, template: 'message', data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'failed');
  assert.equal(row.error_code, '50027');
  assert.equal(row.error_message, 'Invalid Webhook Token');
});

test('a Discord 429 is waited out as its Retry-After says, then sent', async () => {
  p.discord.script.push({ status: 429, message: 'You are being rate limited.', retryAfter: 1 });
  const [row] = await sendAndSettle({ to: { channel: 'discord', address: p.discord.webhookUrl }, template: 'message', data: { title: 'T', body: 'B' } });
  assert.equal(row.status, 'sent');
  assert.equal(row.attempts, 1, 'the client waited and retried within the attempt');
  const metrics = await t.api('GET', '/metrics');
  assert.match(metrics.body, /atrium_outbound_requests_total\{target="discord",outcome="rate_limited"\} 1/);
});
