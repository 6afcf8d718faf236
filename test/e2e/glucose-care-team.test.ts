/**
 * Care team and uploader setup in the browser: a caregiver asks to follow, the patient accepts and later removes
 * them; the patient creates the Nightscout secret, which an uploader then uses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { PHONE, screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { glucose } from '../../src/modules/glucose/index.js';

let w: WebTest;
before(async () => { w = await startWebTest({ modules: [glucose] }); });
after(async () => w?.close());

test('a caregiver asks to follow a patient, the patient accepts, the caregiver sees the card, the patient removes them', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'lea@example.test', displayName: 'Léa Martin' });
  const caregiver = await w.server.createUser(['caregiver'], { email: 'paul@example.test', displayName: 'Paul Martin' });

  const paul = await w.open();
  await signIn(paul.page, caregiver.email, caregiver.password);
  await paul.page.goto('/glucose/patients');
  await paul.page.getByText('No patients yet').waitFor();
  await paul.page.getByRole('link', { name: 'Follow a patient' }).click();
  await paul.page.getByLabel('Patient’s email').fill(patient.email);
  await paul.page.getByLabel('Message (optional)').fill('Your husband');
  await paul.page.getByRole('button', { name: 'Send request' }).click();
  await paul.page.getByTestId('sent-invitations').getByText(patient.email).waitFor();
  await paul.page.getByTestId('sent-invitations').getByText('Waiting').waitFor();

  const lea = await w.open({ viewport: PHONE });
  await signIn(lea.page, patient.email, patient.password);
  await lea.page.goto('/glucose/care-team');
  const request = lea.page.getByTestId('received-invitations').locator('li', { hasText: 'Paul Martin' });
  await request.getByText('“Your husband”').waitFor();
  await screenshot(lea.page, 'glucose-care-team-request');
  await request.getByRole('button', { name: 'Accept' }).click();
  await lea.page.getByTestId('care-team').getByText('Paul Martin').waitFor();
  await lea.page.getByRole('button', { name: 'Add a contact' }).click();
  await lea.page.getByLabel('Name', { exact: true }).fill('Sophie Bernard');
  await lea.page.getByLabel('Mobile phone').fill('+33611223344');
  await lea.page.getByLabel('Relation (optional)').fill('neighbour');
  await lea.page.getByRole('button', { name: 'Add contact' }).click();
  await lea.page.getByTestId('emergency-contacts').getByText('neighbour · +33611223344').waitFor();
  await screenshot(lea.page, 'glucose-care-team-contacts');

  await paul.page.goto('/glucose/patients');
  await paul.page.getByTestId('patient-card').filter({ hasText: 'Léa Martin' }).getByText('No reading yet').waitFor();

  await lea.page.getByTestId('care-team').locator('li', { hasText: 'Paul Martin' }).getByRole('button', { name: 'Remove' }).click();
  await lea.page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await lea.page.getByText('Nobody follows you yet').waitFor();
  const links = await w.server.db.db.selectFrom('glucose.care_links').select(['ended_at', 'ended_by']).where('patient_id', '=', patient.id).execute();
  assert.equal(links.length, 1);
  assert.ok(links[0].ended_at);
  assert.equal(links[0].ended_by, patient.id);
  await paul.page.reload();
  await paul.page.getByText('No patients yet').waitFor();
  assert.deepEqual([...paul.errors, ...lea.errors], []);
});

test('the patient creates the Nightscout secret, sees it once, and an uploader using it shows as the last upload', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'nina@example.test', displayName: 'Nina Weber' });
  const { page, errors } = await w.open();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, patient.email, patient.password);
  await page.goto('/glucose/devices');
  await page.locator('main h1').waitFor();
  await page.getByText('Not set up').waitFor();
  await page.getByRole('button', { name: 'Create a secret' }).click();
  const secret = (await page.getByTestId('ns-secret').textContent())!;
  assert.match(secret, /^[A-Za-z0-9]{24}$/);
  await page.getByText('Copy it now: it is shown only once.').waitFor();
  await screenshot(page, 'glucose-devices-secret');

  const sha1 = createHash('sha1').update(secret).digest('hex');
  const now = Date.now();
  const upload = await fetch(`${w.server.url}/api/v1/entries`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'api-secret': sha1, 'user-agent': 'xDrip+ 2025.01' },
    body: JSON.stringify([{ type: 'sgv', sgv: 123, date: now - 60_000, dateString: new Date(now - 60_000).toISOString(), direction: 'Flat', device: 'xDrip-DexcomG7' }]),
  });
  assert.ok(upload.ok, `upload ${upload.status}`);
  await page.reload();
  await page.getByText('Active', { exact: true }).waitFor();
  await page.getByText(/xDrip\+/).first().waitFor();
  assert.equal(await page.getByTestId('ns-secret').count(), 0, 'the secret is not shown again');
  assert.deepEqual(errors, []);
});

test('a caregiver enters a finger-stick in mmol/L; a doubtful value is confirmed before it is stored', async () => {
  const patient = await w.server.createUser(['patient'], { email: 'mia@example.test', displayName: 'Mia Roux' });
  const caregiver = await w.server.createUser(['caregiver'], { email: 'hugo@example.test', displayName: 'Hugo Roux' });
  await w.server.db.db.updateTable('platform.users').set({ glucose_unit: 'mmol/L' }).where('id', '=', caregiver.id).execute();
  await w.server.db.db.insertInto('glucose.care_links').values({ patient_id: patient.id, member_id: caregiver.id, relation: 'caregiver', via: 'admin', created_by: null }).execute();
  const { page, errors } = await w.open({ viewport: PHONE });
  await signIn(page, caregiver.email, caregiver.password);
  await page.goto(`/glucose/patients/${patient.id}`);
  await page.getByRole('heading', { name: 'Mia Roux' }).waitFor();
  await page.getByRole('button', { name: 'Finger-stick' }).click();
  const dialog = page.getByRole('dialog');
  // 23.5 mmol/L is 423 mg/dL: above 400, the server asks for confirmation.
  await dialog.getByLabel('Value (mmol/L)').fill('23,5');
  await dialog.getByLabel('When').selectOption('postprandial_2h');
  await dialog.getByRole('button', { name: 'Save reading' }).click();
  await dialog.getByText('Is this value right?').waitFor();
  await screenshot(page, 'glucose-log-confirm');
  await dialog.getByRole('button', { name: 'Yes, keep it' }).click();
  await page.getByText('Reading saved.').waitFor();
  await page.getByTestId('glucose-value').getByText('23.5', { exact: true }).waitFor();
  const { rows: stored } = await sql<{ value_mgdl: string; entered_by: string; flags: string[] }>`
    select value_mgdl, entered_by, flags from glucose.readings where patient_id = ${patient.id}`.execute(w.server.db.db);
  assert.equal(stored.length, 1);
  assert.equal(Number(stored[0].value_mgdl), 423.4);
  assert.equal(stored[0].entered_by, caregiver.id);
  assert.ok(stored[0].flags.includes('outlier_confirmed'));
  assert.deepEqual(errors, []);
});
