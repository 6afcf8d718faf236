import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../../test/helpers/app.js';
import { startProviders, waitFor, PUBLIC_URL, type Providers } from '../../../../test/fakes/providers.js';

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

const PATH = '/api/v1/notify/twilio/status';
const rowOf = (id: string) => t.db.db.selectFrom('platform.notification_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function sentSms(phone: string) {
  const user = await t.createUser(['patient']);
  await t.db.db.updateTable('platform.users').set({ phone }).where('id', '=', user.id).execute();
  const [queued] = await t.app.platform.notify.send({ to: { userId: user.id }, template: 'message', channels: ['sms'], data: { title: 'T', body: 'B' } });
  const row = await waitFor('sent', async () => {
    const r = await rowOf(queued.id);
    return r.status === 'sent' ? r : undefined;
  });
  return { user, row };
}

const callback = (sid: string, status: string, extra: { signWith?: string; signature?: string | null; errorCode?: string } = {}) =>
  p.twilio.statusCallback({ postTo: `${t.url}${PATH}`, publicUrl: `${PUBLIC_URL}${PATH}`, sid, status, ...extra });

test('a signed delivery receipt marks the message delivered', async () => {
  const { row } = await sentSms('+33611111111');
  const res = await callback(row.provider_id!, 'delivered');
  assert.equal(res.status, 204);
  const updated = await rowOf(row.id);
  assert.equal(updated.status, 'delivered');
  assert.equal(updated.provider_status, 'delivered');
  assert.ok(updated.delivered_at);
  // A late "sent" does not take it back.
  await callback(row.provider_id!, 'sent');
  assert.equal((await rowOf(row.id)).status, 'delivered');
});

test('a receipt without a signature is refused with 400, a wrong one with 403, and nothing changes', async () => {
  const { row } = await sentSms('+33622222222');
  const missing = await callback(row.provider_id!, 'failed', { signature: null });
  assert.equal(missing.status, 400);
  assert.equal((await missing.json()).code, 'signature_missing');
  const forged = await callback(row.provider_id!, 'failed', { signWith: 'not-the-auth-token' });
  assert.equal(forged.status, 403);
  assert.equal((await forged.json()).code, 'signature_invalid');
  assert.equal((await rowOf(row.id)).status, 'sent');
});

test('an undelivered receipt keeps Twilio\'s ErrorCode and copies the message to the inbox', async () => {
  const { user, row } = await sentSms('+33633333333');
  const res = await callback(row.provider_id!, 'undelivered', { errorCode: '30006' });
  assert.equal(res.status, 204);
  const updated = await rowOf(row.id);
  assert.equal(updated.status, 'failed');
  assert.equal(updated.error_code, '30006');
  assert.equal(updated.provider_status, 'undelivered');
  const inbox = await t.api('GET', '/api/v1/inbox', { token: user.token });
  assert.equal(inbox.body.items.length, 1);
});

test('a JSON body is refused: Twilio posts forms', async () => {
  const res = await t.api('POST', PATH, { headers: { 'x-twilio-signature': 'abc' }, body: { MessageSid: 'SM1', MessageStatus: 'delivered' } });
  assert.equal(res.status, 415);
});
