/**
 * Glucose in the browser, live: what the API receives reaches the caregiver's page without a reload.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { glucoseFamily, subscribed, type GlucoseFamily } from './glucose-fixtures.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server, { caregiverUnit: 'mmol/L' });
});
after(async () => w?.close());

test('a reading posted through the API appears on the caregiver\'s card and chart without reload, in the caregiver\'s unit', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.caregiver.email, family.caregiver.password);
  await page.goto('/glucose/patients');
  const card = page.getByTestId('patient-card').filter({ hasText: 'Léa Martin' });
  await card.getByTestId('glucose-value').waitFor();
  await subscribed(w.server, family.caregiver.id, 'glucose.readings', family.patient.id);
  await screenshot(page, 'glucose-my-patients');

  // 110 mg/dL is 6.1 mmol/L; in case the CGM said otherwise a few minutes ago, Léa confirms the finger-stick.
  const posted = await w.server.api('POST', `/api/v1/glucose/patients/${family.patient.id}/readings`, {
    token: family.patient.token, body: { value: 110, context: 'preprandial', confirmOutlier: true },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  await card.getByTestId('glucose-value').getByText('6.1', { exact: true }).waitFor();
  await card.getByText('Finger-stick').waitFor();
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');

  await card.click();
  await page.getByRole('heading', { name: 'Léa Martin' }).waitFor();
  await page.getByTestId('glucose-chart').locator('canvas').waitFor();
  await page.getByRole('tab', { name: '3 h' }).click();
  await page.getByTestId('glucose-value').getByText('6.1', { exact: true }).waitFor();
  await screenshot(page, 'glucose-patient-chart');
  assert.deepEqual(errors, []);
});

for (const viewport of [DESKTOP, PHONE]) {
  test(`the glucose pages render at ${viewport.width} px for the patient and the caregiver`, async () => {
    const patient = await w.open({ viewport });
    await signIn(patient.page, family.patient.email, family.patient.password);
    for (const [path, name] of [['/glucose/patients/me', 'glucose-my-glucose'], ['/glucose/care-team', 'glucose-care-team-patient'], ['/glucose/devices', 'glucose-devices'],
      ['/glucose/alerts', 'glucose-alerts-patient'], ['/glucose/settings', 'glucose-alert-settings-patient']] as const) {
      await patient.page.goto(path);
      await patient.page.locator('main h1').first().waitFor();
      await patient.page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
      if (path.endsWith('/me')) await patient.page.getByTestId('glucose-chart').locator('canvas').waitFor();
      assert.equal(await patient.page.locator('.alert-error').count(), 0, `${path} shows an error`);
      await screenshot(patient.page, name);
    }
    const caregiver = await w.open({ viewport });
    await signIn(caregiver.page, family.caregiver.email, family.caregiver.password);
    for (const [path, name] of [['/glucose/patients', 'glucose-my-patients'], [`/glucose/patients/${family.patient.id}`, 'glucose-patient-chart'], ['/glucose/care-team', 'glucose-care-team-caregiver'],
      ['/glucose/alerts', 'glucose-alerts-caregiver'], [`/glucose/patients/${family.patient.id}/alert-settings`, 'glucose-alert-settings-caregiver']] as const) {
      await caregiver.page.goto(path);
      await caregiver.page.locator('main h1').first().waitFor();
      await caregiver.page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
      assert.equal(await caregiver.page.locator('.alert-error').count(), 0, `${path} shows an error`);
      await screenshot(caregiver.page, name);
    }
    assert.deepEqual([...patient.errors, ...caregiver.errors], []);
  });
}

test('in French the caregiver reads the glucose pages in French', async () => {
  const { page, errors } = await w.open({ viewport: PHONE, locale: 'fr-FR' });
  await page.goto('/sign-in');
  // Chosen on this device: it wins over the account's language.
  await page.getByRole('button', { name: 'FR' }).click();
  await page.getByLabel('E-mail').fill(family.caregiver.email);
  await page.getByLabel('Mot de passe').fill(family.caregiver.password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.getByTestId('user-menu').waitFor();
  for (const [path, title, name] of [['/glucose/patients', 'Mes patients', 'glucose-fr-my-patients'], ['/glucose/alerts', 'Alertes', 'glucose-fr-alerts'], [`/glucose/patients/${family.patient.id}`, 'Léa Martin', 'glucose-fr-patient-chart']] as const) {
    await page.goto(path);
    await page.getByRole('heading', { name: title, exact: true }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
    await screenshot(page, name);
  }
  await page.getByText('Cible 3,9–10,0 mmol/L').waitFor();
  assert.deepEqual(errors, []);
});
