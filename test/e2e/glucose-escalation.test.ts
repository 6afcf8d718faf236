/**
 * The escalation policy editor on the alert settings page: a patient makes low alerts escalate, adds a level for
 * emergency contacts, sees a clear error for a delay out of range, and saves a policy the server then holds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';

let w: WebTest;
before(async () => { w = await startWebTest({ modules: [glucose] }); });
after(async () => w?.close());

test('a patient edits the escalation policy: levels, recipients, channels and timing, with errors shown on the field', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'lea@example.test', displayName: 'Léa Martin' });
  const { page, errors } = await w.open();
  await signIn(page, patient.email, patient.password);
  await page.goto('/glucose/settings');
  const editor = page.locator('.card', { hasText: 'Alerts that escalate' });
  await editor.getByTestId('escalation-level-3').waitFor();
  await editor.getByText('9 min after the alert').waitFor();

  await editor.getByLabel('Low', { exact: true }).check();
  await editor.getByRole('button', { name: 'Add a level' }).click();
  const fourth = editor.getByTestId('escalation-level-4');
  await fourth.getByLabel('Who is told').selectOption('clinicians');
  await fourth.getByLabel('In the app').uncheck();
  await fourth.getByLabel('Email').check();
  await editor.getByLabel('First level after (minutes)').fill('45');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await editor.getByText('must be from 1 to 30').waitFor();
  await screenshot(page, 'glucose-escalation-error');

  await editor.getByLabel('First level after (minutes)').fill('10');
  await editor.getByText('16 min after the alert').waitFor();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  await screenshot(page, 'glucose-escalation');

  const res = await w.server.api('GET', '/api/v1/glucose/patients/me/alert-settings', { token: patient.token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.escalation.types.sort(), ['low', 'urgent_low']);
  assert.equal(res.body.escalation.firstDelayMinutes, 10);
  assert.equal(res.body.escalation.maxLevels, 4);
  assert.deepEqual(res.body.escalation.levels[3], { level: 4, recipients: 'clinicians', channels: ['push', 'email'] });

  await page.reload();
  await editor.getByTestId('escalation-level-4').getByLabel('Who is told').waitFor();
  assert.equal(await editor.getByTestId('escalation-level-4').getByLabel('Who is told').inputValue(), 'clinicians');
  assert.deepEqual(errors, []);
});
