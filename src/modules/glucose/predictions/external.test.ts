/**
 * The optional external model (§4.10.4) against a local fake HTTP server: a healthy answer becomes primary and is
 * announced; timeout, HTTP error, invalid body, low confidence, insufficient data and an open circuit each leave the
 * AR2/physio forecast in place with the documented reason.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHttpServer, Script, type Reply } from '../../../../test/fakes/http.js';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, startGlucoseApp } from '../testing.js';
import { waitFor } from '../../../platform/jobs/testing.js';

type Scripted = Reply | 'hang';
const script = new Script<Scripted>();
const fake = new FakeHttpServer((req) => {
  if (req.method === 'GET' && req.path === '/health') return { status: 200, body: { status: 'ok' } };
  const next = script.next() ?? { status: 500, body: { error: 'no script' } };
  return next === 'hang' ? undefined : next;
});
let t: TestApp;
before(async () => {
  await fake.start();
  process.env.GLUCOSE_ML_ENDPOINT = fake.url;
  process.env.GLUCOSE_ML_TIMEOUT_MS = '200';
  process.env.GLUCOSE_ML_TOKEN = 'internal-test-token';
  t = await startGlucoseApp();
});
after(async () => {
  await t.close();
  await fake.stop();
  delete process.env.GLUCOSE_ML_ENDPOINT;
});

const ok = (v30: number, v60: number, confidence = 0.8): Reply => ({
  status: 200, body: { status: 'ok', modelVersion: 'lstm-7', confidence, predictions: { 30: { value: v30, p10: v30 - 10, p90: v30 + 10 }, 60: { value: v60, p10: v60 - 20, p90: v60 + 20 } } },
});

/** A patient with 8 live CGM readings: the ingest stores AR2 and queues the external call; answers the settled row. */
async function forecastWith(answer: Scripted, readings = 8): Promise<{ patient: TestUser; row: { fallback_reason: string | null; primary_model: string | null; external: unknown } }> {
  const patient = await t.createUser(['patient']);
  script.push(answer);
  const up = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: cgmSeries(readings, (i) => 140 - i, { endAgoMin: 1 }) } });
  assert.equal(up.status, 200);
  const row = await waitFor('the external job to settle', async () => {
    const r = await t.db.db.selectFrom('glucose.predictions').select(['fallback_reason', 'primary_model', 'external']).where('patient_id', '=', patient.id).executeTakeFirst();
    return r && r.fallback_reason !== 'external_pending' ? r : undefined;
  });
  return { patient, row };
}

test('a healthy model becomes primary; the request carries no identity, only a keyed subject', async () => {
  const before = fake.requests.length;
  const { patient, row } = await forecastWith(ok(120, 110));
  assert.equal(row.primary_model, 'external');
  assert.equal(row.fallback_reason, null);
  const call = fake.requests.slice(before).find((r) => r.path === '/predict')!;
  assert.equal(call.headers['x-internal-token'], 'internal-test-token');
  const body = JSON.parse(call.body);
  assert.match(body.subjectKey, /^[0-9a-f]{64}$/);
  assert.ok(!call.body.includes(patient.id) && !call.body.includes(patient.email), 'no patient id or email sent');
  assert.equal(body.readings.length, 8);
  assert.deepEqual(body.horizons, [30, 60]);
  const cur = await t.api('GET', '/api/v1/glucose/patients/me/predictions/current', { token: patient.token });
  assert.equal(cur.body.primaryModel, 'external');
  assert.equal(cur.body.fallback, false);
  assert.deepEqual(cur.body.horizons.map((h: { value: number }) => h.value), [120, 110]);
  assert.equal(cur.body.models.ar2.length, 12, 'AR2 is kept beside it');
});

test('each failure falls back with its reason, within the timeout', async () => {
  const cases: [Scripted, string][] = [
    [{ status: 200, body: { status: 'ok', confidence: 0.9 } }, 'external_invalid_response'],
    [{ status: 200, body: 'not json' }, 'external_invalid_response'],
    [ok(500, 110), 'external_invalid_response'],
    [ok(120, 110, 0.49), 'external_low_confidence'],
    [{ status: 200, body: { status: 'insufficient_data' } }, 'external_insufficient_data'],
    [{ status: 503, body: { error: 'down' } }, 'external_http_error'],
    ['hang', 'external_timeout'],
  ];
  for (const [answer, reason] of cases) {
    const started = Date.now();
    const { patient, row } = await forecastWith(answer);
    assert.equal(row.fallback_reason, reason, JSON.stringify(answer));
    assert.equal(row.primary_model, 'ar2');
    assert.equal(row.external, null);
    if (answer === 'hang') assert.ok(Date.now() - started < 5_000);
    const cur = await t.api('GET', '/api/v1/glucose/patients/me/predictions/current', { token: patient.token });
    assert.equal(cur.body.fallback, true);
    assert.equal(cur.body.fallbackReason, reason);
  }
  const few = await forecastWith(ok(120, 110), 3);
  assert.equal(few.row.fallback_reason, 'external_not_called', 'fewer than 6 readings: not called');
  script.clear();
});

test('five consecutive failures open the circuit: the next forecast is not sent', async () => {
  assert.equal((await forecastWith(ok(120, 110))).row.primary_model, 'external', 'a success closes the count');
  for (let i = 0; i < 5; i++) assert.equal((await forecastWith({ status: 500, body: {} })).row.fallback_reason, 'external_http_error');
  const calls = fake.requests.filter((r) => r.path === '/predict').length;
  const { row } = await forecastWith(ok(120, 110));
  assert.equal(row.fallback_reason, 'external_circuit_open');
  assert.equal(fake.requests.filter((r) => r.path === '/predict').length, calls, 'no call made while open');
  script.clear();
});
