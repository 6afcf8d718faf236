import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/helpers/app.js';
import { waitFor } from '../../../test/fakes/providers.js';

// No provider credentials at all: every channel but the inbox is "not configured".
let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t.close(); });

const FINAL = ['sent', 'delivered', 'failed', 'not_configured', 'suppressed'];

test('without credentials a channel keeps the status not_configured and one copy goes to the inbox, never a fake success', async () => {
  const user = await t.createUser(['patient']);
  await t.db.db.updateTable('platform.users').set({ phone: '+33612345678' }).where('id', '=', user.id).execute();
  await t.api('POST', '/api/v1/me/devices', { token: user.token, body: { token: 'device-token-unconfigured', platform: 'android' } });
  const queued = await t.app.platform.notify.send({
    to: { userId: user.id }, template: 'message', channels: ['email', 'sms', 'whatsapp', 'push'], data: { title: 'Hello', body: 'World' },
  });
  const rows = await waitFor('final statuses', async () => {
    const r = await t.db.db.selectFrom('platform.notification_outbox').selectAll().where('id', 'in', queued.map((q) => q.id)).execute();
    return r.every((x) => FINAL.includes(x.status)) ? r : undefined;
  });
  assert.deepEqual(rows.map((r) => r.status), ['not_configured', 'not_configured', 'not_configured', 'not_configured']);
  assert.ok(rows.every((r) => r.provider_id === null && r.sent_at === null));
  assert.match(rows.find((r) => r.channel === 'email')!.error_message!, /SMTP_URL or SMTP_HOST/);
  assert.match(rows.find((r) => r.channel === 'sms')!.error_message!, /TWILIO_ACCOUNT_SID/);

  const inbox = await t.api('GET', '/api/v1/inbox', { token: user.token });
  assert.equal(inbox.status, 200);
  assert.equal(inbox.body.items.length, 1, 'one inbox copy for the message, however many channels could not deliver it');
  assert.equal(inbox.body.items[0].title, 'Hello');
  const count = await t.api('GET', '/api/v1/inbox/unread-count', { token: user.token });
  assert.deepEqual(count.body, { unread: 1 });
});

test('the password-reset mail, with no SMTP configured, is recorded as not_configured (the test mailer is not the platform one)', async () => {
  // startTestApp captures mail; the platform's own sender is checked directly here.
  const { OutboxMailSender } = await import('./mail-sender.js');
  const result = await new OutboxMailSender(t.app.platform.notify).send({ to: 'someone@example.test', template: 'password_reset', locale: 'en', data: { link: 'https://x/reset?token=abc', displayName: 'S' } });
  assert.equal(result.delivered, false);
  const row = await waitFor('not configured', async () => t.db.db.selectFrom('platform.notification_outbox').selectAll()
    .where('address', '=', 'someone@example.test').where('status', '=', 'not_configured').executeTakeFirst());
  assert.deepEqual(row.data, { displayName: 'S' }, 'the reset link is erased from the outbox once the row is final');
});

test('the Twilio status callback answers 503 when Twilio is not configured', async () => {
  const res = await t.api('POST', '/api/v1/notify/twilio/status', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }, body: 'MessageSid=SM1&MessageStatus=delivered',
  });
  assert.equal(res.status, 503);
  assert.equal(res.body.code, 'channel_not_configured');
});
