/**
 * Glucose sensors and forecasts in the browser: the patient registers and starts a sensor on the Devices page, a
 * live reading arrives, and the live chart shows the forecast cone with its summary; the accuracy page lists
 * scored forecasts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';
import { glucoseFamily, type GlucoseFamily } from './glucose-fixtures.js';
import { contextOf } from '../../src/modules/glucose/testing.js';
import { servicesOf } from '../../src/modules/glucose/routes.js';
import { forecastOnIngest } from '../../src/modules/glucose/predictions/store.js';
import { evaluatePredictions } from '../../src/modules/glucose/predictions/evaluate.js';

let w: WebTest;
let family: GlucoseFamily;

before(async () => {
  w = await startWebTest({ modules: [glucose] });
  family = await glucoseFamily(w.server, { hours: 4 });
});
after(async () => w?.close());

test('start a sensor on the Devices page, then see the forecast cone on the live chart and the accuracy page', async () => {
  const { page, errors } = await w.open();
  await signIn(page, family.patient.email, family.patient.password);
  await page.goto('/glucose/devices');
  await page.getByText('No sensor running').waitFor();
  await page.getByLabel('Model').selectOption('dexcom_g7');
  await page.getByLabel('Serial number').fill('G7-E2E-1');
  await page.getByRole('button', { name: 'Register', exact: true }).click();
  const card = page.getByTestId('current-sensor');
  await card.getByText('Dexcom G7 · G7-E2E-1').waitFor();
  await page.getByRole('button', { name: 'Start sensor' }).click();
  await page.getByText('Warming up', { exact: true }).first().waitFor();
  await card.getByText('Warm-up ends in').waitFor();
  await screenshot(page, 'glucose-devices-sensor');

  // a live CGM reading: the ingest stores its forecast
  const posted = await w.server.api('POST', `/api/v1/glucose/patients/${family.patient.id}/readings/bulk`, {
    token: family.patient.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000).toISOString(), value: 112 }] },
  });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  assert.equal(posted.body.inserted, 1);
  await page.goto('/glucose/patients/me');
  await page.getByTestId('glucose-chart').locator('canvas').waitFor();
  const summary = page.getByTestId('forecast-summary');
  await summary.getByText(/In 30 min: \d+ mg\/dL · in 60 min: \d+ mg\/dL/).waitFor();
  await summary.getByText(/Low risk: \d+ % within 30 min/).waitFor();
  await page.locator('.g-l-forecast').waitFor();
  await screenshot(page, 'glucose-forecast-cone');

  // scored forecasts of the last hours, as the ingest would have stored them live, then the evaluation job
  const svc = servicesOf(contextOf(w.server));
  const readings = await w.server.db.db.selectFrom('glucose.readings' as never).select(['id', 'measured_at', 'value_mgdl', 'trend_rate'] as never)
    .where('patient_id' as never, '=', family.patient.id as never).where('source' as never, '=', 'cgm' as never)
    .orderBy('measured_at' as never).execute() as unknown as { id: string; measured_at: Date; value_mgdl: string; trend_rate: string | null }[];
  for (const r of readings.slice(2, 20)) {
    await w.server.db.db.transaction().execute((tx) => forecastOnIngest(svc, tx, family.patient.id, {
      id: r.id, measuredAtMs: new Date(r.measured_at).getTime(), value: Number(r.value_mgdl), source: 'cgm', flags: [], trendRate: r.trend_rate === null ? null : Number(r.trend_rate),
    }));
  }
  assert.ok((await evaluatePredictions(w.server.db.db)).evaluated >= 10);
  await summary.getByRole('link', { name: 'Forecast accuracy' }).click();
  await page.getByRole('heading', { name: 'Forecast accuracy' }).waitFor();
  const table = page.getByTestId('accuracy-table');
  await table.getByText('AR2').first().waitFor();
  await table.getByText('30 min').first().waitFor();
  await page.getByRole('button', { name: 'Accurate' }).first().click();
  await page.getByText('Thank you: feedback saved.').waitFor();
  await screenshot(page, 'glucose-prediction-accuracy');
  assert.deepEqual(errors, []);
});

test('on a phone, in French, the sensor card and the accuracy page read well', async () => {
  const { page, errors } = await w.open({ viewport: PHONE, locale: 'fr-FR' });
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'FR' }).click();
  await page.getByLabel('E-mail').fill(family.patient.email);
  await page.getByLabel('Mot de passe').fill(family.patient.password);
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  await page.getByTestId('user-menu').waitFor();
  await page.goto('/glucose/devices');
  await page.getByTestId('current-sensor').getByText('Fin du préchauffage dans').waitFor();
  await screenshot(page, 'glucose-devices-sensor-fr');
  await page.goto('/glucose/patients/me/predictions');
  await page.getByRole('heading', { name: 'Fiabilité des prévisions' }).waitFor();
  await page.getByTestId('accuracy-table').waitFor();
  await screenshot(page, 'glucose-prediction-accuracy-fr');
  assert.deepEqual(errors, []);
});
