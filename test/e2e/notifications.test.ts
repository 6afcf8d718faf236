import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';

let w: WebTest;
before(async () => { w = await startWebTest(); });
after(async () => w?.close());

test('a notification appears in the bell without a reload, and opening it marks it read', async () => {
  const user = await w.server.createUser(['patient'], { email: 'bell@example.test' });
  const { page, errors } = await w.open();
  await signIn(page, user.email, user.password);
  assert.equal(await page.getByTestId('bell-count').count(), 0);
  // The stream is open once the bell listens; then the server sends.
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/api/v1/stream/ticket')));
  await page.waitForTimeout(300);
  await w.server.app.platform.notify.send({
    to: { userId: user.id }, template: 'message', data: { title: 'Your appointment is confirmed', body: 'Tuesday at 10:30 with Dr Martin.', link: '/inbox' },
  });
  await page.getByTestId('bell-count').getByText('1').waitFor();
  await page.getByText('Your appointment is confirmed').first().waitFor(); // the toast
  await page.getByTestId('bell').click();
  await screenshot(page, 'bell-live');
  await page.locator('.bell-item', { hasText: 'Your appointment is confirmed' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="bell-count"]'));
  const row = await w.server.db.db.selectFrom('platform.inbox_messages').select('read_at').where('user_id', '=', user.id).executeTakeFirstOrThrow();
  assert.ok(row.read_at);
  assert.deepEqual(errors, []);
});

test('notification preferences per channel are saved', async () => {
  const user = await w.server.createUser(['patient'], { email: 'channels@example.test' });
  const { page } = await w.open();
  await signIn(page, user.email, user.password);
  await page.goto('/account/notifications');
  await page.getByLabel('general: SMS').check();
  await page.getByLabel('general: Phone').uncheck();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  const prefs = await w.server.db.db.selectFrom('platform.notification_preferences').select(['category', 'channels']).where('user_id', '=', user.id).execute();
  assert.deepEqual(prefs, [{ category: 'general', channels: ['inapp', 'sms'] }]);
  await page.reload();
  assert.equal(await page.getByLabel('general: SMS').isChecked(), true);
  await page.getByText('Your choice').waitFor();
});
