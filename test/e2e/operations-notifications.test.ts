import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { FakeDiscord } from '../fakes/webhooks.js';
import { waitFor } from '../../src/platform/jobs/testing.js';
import { operations } from '../../src/modules/operations/index.js';
import { makeOrg, makeQuote, parisDay } from '../../src/modules/operations/notifications/testing.js';

let w: WebTest;
let discord: FakeDiscord;
before(async () => {
  discord = await new FakeDiscord().start();
  w = await startWebTest({ modules: [operations] });
});
after(async () => {
  await w?.close();
  await discord?.stop();
});

test('a manager sets up Discord and e-mail notifications, sends a test, then sees the overview and history', async () => {
  const manager = await w.server.createUser(['manager'], { email: 'office.manager@example.test' });
  const org = await makeOrg(w.server, [manager]);
  await makeQuote(w.server, org, manager, { start: parisDay(-3), due: parisDay(20) });
  const { page, errors } = await w.open();
  await signIn(page, manager.email, manager.password);
  await page.goto('/operations/notification-settings');
  const form = page.getByTestId('notify-settings');
  await form.getByText('These are the defaults').waitFor();

  await form.getByLabel('Post to Discord').check();
  await form.getByLabel('Webhook URL').fill('https://example.com/not-a-webhook');
  await form.getByLabel('Recipients').fill('billing@example.test\nnot-an-address');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('Enter a Discord webhook URL').waitFor();
  await form.getByText('not-an-address is not an e-mail address.').waitFor();

  await form.getByLabel('Webhook URL').fill(discord.webhookUrl);
  await form.getByLabel('Recipients').fill('billing@example.test');
  await form.getByLabel('Send e-mails').check();
  await form.getByLabel('Notify events from').fill(parisDay(-30));
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Notification settings saved.').waitFor();
  await form.getByText('URL stored').waitFor();
  assert.equal(await form.getByLabel('Webhook URL').inputValue(), '', 'the stored URL is never shown again');
  await screenshot(page, 'operations-notification-settings');

  await form.getByRole('button', { name: 'Send test' }).click();
  await page.getByText('Test message queued on: webhook, email.').waitFor();
  await waitFor('the test message on Discord', () => discord.posted.some((p) => /test Atrium|Atrium test/.test(p.embeds?.[0]?.title ?? '')));

  await page.goto('/operations/overview');
  await page.getByTestId('ops-kpis').getByText('Notification delivery').waitFor();
  await screenshot(page, 'operations-overview');
  await page.goto('/operations/history');
  await page.getByRole('tab', { name: 'Alerts' }).click();
  await page.getByText('No alert').waitFor();
  await screenshot(page, 'operations-history');
  assert.deepEqual(errors, []);
});
