import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextOf, startGlucoseApp } from '../testing.js';
import { glucose } from '../index.js';
import { DEMO_ACCOUNTS } from '../seed/demo.js';

test('the module seed gives the demo patient scored forecasts, once', async () => {
  const t = await startGlucoseApp();
  try {
    await glucose.seed!(contextOf(t));
    const patient = await t.db.db.selectFrom('platform.users').select('id').where('email', '=', DEMO_ACCOUNTS.patient.email).executeTakeFirstOrThrow();
    const count = async () => Number((await t.db.db.selectFrom('glucose.predictions').select((eb) => eb.fn.countAll<string>().as('n')).where('patient_id', '=', patient.id).executeTakeFirstOrThrow()).n);
    const first = await count();
    assert.ok(first > 500, `three days of 5-min forecasts (${first})`);
    const accuracy = await t.db.db.selectFrom('glucose.prediction_accuracy_daily').select(['model', 'n']).where('patient_id', '=', patient.id).execute();
    assert.ok(accuracy.some((a) => a.model === 'ar2' && a.n > 0));
    assert.ok(accuracy.some((a) => a.model === 'physio' && a.n > 0), 'the demo patient has ISF and carb ratio');
    await glucose.seed!(contextOf(t));
    assert.equal(await count(), first, 'idempotent');
  } finally {
    await t.close();
  }
});
