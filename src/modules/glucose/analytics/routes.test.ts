import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { cgmSeries, link, startGlucoseApp } from '../testing.js';
import { computeMetrics, roundHalfAway } from './metrics.js';
import { rollupDirtyDays } from './rollup.js';
import { runWeeklyInsights } from './jobs.js';
import { servicesOf } from '../routes.js';
import { contextOf } from '../testing.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const DAY = 86_400_000;
const MIN = 60_000;
const base = (patientId: string) => `/api/v1/glucose/patients/${patientId}/analytics`;
const get = (user: TestUser, path: string) => t.api('GET', path, { token: user.token });
/** A patient on UTC, so that the day boundaries below are their local days. */
const newPatient = async (fields: { displayName?: string } = {}) => {
  const p = await t.createUser(['patient'], fields);
  await t.db.db.updateTable('platform.users').set({ time_zone: 'UTC' }).where('id', '=', p.id).execute();
  return p;
};
const upload = async (p: TestUser, readings: { measuredAt: string; value: number }[], source: 'cgm' | 'meter' = 'cgm') => {
  for (let i = 0; i < readings.length; i += 10_000) {
    const res = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source, readings: readings.slice(i, i + 10_000) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
};
/** Midnight UTC `days` days ago: test patients live in UTC, so these are local day boundaries. */
const dayStart = (daysAgo: number) => Math.floor(Date.now() / DAY) * DAY - daysAgo * DAY;
const wave = (i: number) => Math.round((140 + 70 * Math.sin(i / 20) + (i % 7)) * 10) / 10;

test('metrics over the API equal the pure computation on the same readings, rounded as §4.7 says', async () => {
  const p = await newPatient();
  const from = dayStart(3), to = dayStart(1);
  const readings = cgmSeries(576, wave, { endMs: to - 5 * MIN });
  await upload(p, readings);
  const res = await get(p, `${base('me')}/metrics?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const expected = computeMetrics(readings.map((r) => ({ at: Date.parse(r.measuredAt), mgdl: r.value })), { from, to });
  assert.equal(res.body.n, 576);
  assert.equal(res.body.basis, 'cgm');
  assert.equal(res.body.unit, 'mg/dL');
  assert.equal(res.body.dt0Min, 5);
  // stored values have one decimal: compare with tolerance of that rounding
  assert.ok(Math.abs(res.body.meanMgdl - expected.meanMgdl!) <= 0.1);
  assert.ok(Math.abs(res.body.mage - expected.mage!) <= 0.2, `${res.body.mage} vs ${expected.mage}`);
  assert.equal(res.body.activePct, 100);
  assert.equal(res.body.sufficient, false); // 2 days < 14
  assert.equal(res.body.gri.zone, expected.gri!.zone);
  assert.equal(res.body.conga.hours, 1);
  assert.ok(res.body.conga.value > 0);
  assert.equal(typeof res.body.percentiles.p50, 'number');
  for (const k of ['meanMgdl', 'sdMgdl', 'cvPct', 'mage', 'modd']) assert.equal(res.body[k], roundHalfAway(res.body[k], 1), k);
  assert.equal(res.body.gmiPct, roundHalfAway(res.body.gmiPct, 2));
  const audit = await t.db.db.selectFrom('platform.audit_events').selectAll().where('actor_id', '=', p.id).where('action', '=', 'glucose.analytics.metrics.read').execute();
  assert.equal(audit.length, 1);
});

test('the worked list of §5 through the API: bands, GRI capped at 100 in zone E, LBGI/HBGI', async () => {
  const p = await newPatient();
  const values = [40, 50, 60, 65, 100, 150, 180, 200, 260, 300];
  const end = dayStart(0) - 60 * MIN;
  // 30 minutes apart: closer, jumps such as 200 → 260 would be flagged suspect and left out (§4.1.2)
  await upload(p, values.map((value, i) => ({ measuredAt: new Date(end - (values.length - i) * 30 * MIN).toISOString(), value })));
  const res = await get(p, `${base('me')}/metrics`);
  assert.equal(res.status, 200);
  assert.deepEqual(
    [res.body.bands.below54Pct, res.body.bands.below70Pct, res.body.bands.from54to69Pct, res.body.bands.inRangePct, res.body.bands.above180Pct, res.body.bands.from181to250Pct, res.body.bands.above250Pct],
    [20, 40, 20, 30, 30, 10, 20],
  );
  assert.deepEqual(res.body.gri, { value: 100, zone: 'E', hypoComponent: 36, hyperComponent: 25 });
  assert.equal(res.body.meanMgdl, 140.5);
  assert.equal(res.body.sdMgdl, 92.5);
  assert.equal(res.body.lbgi, 8.33);
  assert.equal(res.body.hbgi, 8.09);
  assert.deepEqual(res.body.percentiles, { p5: 44.5, p25: 61.3, p50: 125, p75: 195, p95: 282 });
});

test('no data: 200 with n 0, nulls with reasons, not sufficient; a range over 90 days is 400 range_too_large', async () => {
  const p = await newPatient();
  const res = await get(p, `${base('me')}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.body.n, 0);
  assert.equal(res.body.meanMgdl, null);
  assert.equal(res.body.sufficient, false);
  assert.equal(res.body.reasons.meanMgdl, 'insufficient_data');
  const agp = await get(p, `${base('me')}/agp`);
  assert.equal(agp.status, 200);
  assert.deepEqual(agp.body.profile, []);
  const tooLong = await get(p, `${base('me')}/metrics?from=${new Date(Date.now() - 91 * DAY).toISOString()}`);
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.code, 'range_too_large');
  const inverted = await get(p, `${base('me')}/metrics?from=${new Date().toISOString()}&to=${new Date(Date.now() - DAY).toISOString()}`);
  assert.equal(inverted.status, 400);
  const badConga = await get(p, `${base('me')}/metrics?congaHours=25`);
  assert.equal(badConga.status, 400);
});

test('a range without CGM readings falls back to all readings with basis "manual" and null grid metrics', async () => {
  const p = await newPatient();
  const end = dayStart(0) - 60 * MIN;
  await upload(p, [100, 150, 200].map((value, i) => ({ measuredAt: new Date(end - i * 4 * 3600_000).toISOString(), value })), 'meter');
  const res = await get(p, `${base('me')}/metrics`);
  assert.equal(res.body.basis, 'manual');
  assert.equal(res.body.n, 3);
  assert.equal(res.body.meanMgdl, 150);
  assert.equal(res.body.mage, null);
  assert.equal(res.body.activePct, null);
  assert.equal(res.body.reasons.modd, 'manual_basis');
});

test('AGP and episodes: percentiles per time of day on the grid, a nocturnal hypo listed with its nadir', async () => {
  const p = await newPatient();
  const from = dayStart(4), to = dayStart(1);
  // three days of 5-minute data; on the last night 02:00–02:30 dips to 60
  const readings = cgmSeries(864, (i) => {
    const minute = (i * 5) % 1440, day = Math.floor(i / 288);
    return day === 2 && minute >= 120 && minute < 150 ? 60 : 100 + 20 * day;
  }, { endMs: to - 5 * MIN });
  await upload(p, readings);
  const agp = await get(p, `${base('me')}/agp?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  assert.equal(agp.status, 200);
  assert.equal(agp.body.profile.length, 288);
  const at = (m: number) => agp.body.profile.find((c: { minuteOfDay: number }) => c.minuteOfDay === m);
  assert.deepEqual([at(600).p5, at(600).p50, at(600).p95, at(600).n], [102, 120, 138, 3]);
  assert.equal(at(0).p50, null); // 24:00 has only two days
  const ep = await get(p, `${base('me')}/episodes?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  assert.equal(ep.status, 200);
  assert.equal(ep.body.items.length, 1);
  assert.deepEqual([ep.body.items[0].kind, ep.body.items[0].level, ep.body.items[0].durationMin, ep.body.items[0].extremeValue, ep.body.items[0].nocturnal], ['hypo', 1, 30, 60, true]);
});

test('aggregates per day and week from daily_stats equal the raw computation; compare gives the previous range', async () => {
  const p = await newPatient();
  const readings = cgmSeries(288 * 4, wave, { endMs: dayStart(0) - 5 * MIN });
  await upload(p, readings);
  const from = new Date(dayStart(2)).toISOString(), to = new Date(dayStart(0)).toISOString();
  const res = await get(p, `${base('me')}/aggregates?period=day&from=${from}&to=${to}&compare=true`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.items.length, 2);
  const raw = (a: number, b: number) => computeMetrics(
    readings.filter((r) => Date.parse(r.measuredAt) >= a && Date.parse(r.measuredAt) < b).map((r) => ({ at: Date.parse(r.measuredAt), mgdl: Math.round(r.value * 10) / 10 })),
    { from: a, to: b },
  );
  const day1 = raw(dayStart(2), dayStart(1));
  const item = res.body.items[0];
  assert.equal(item.periodStart, new Date(dayStart(2)).toISOString().slice(0, 10));
  assert.equal(item.periodEnd, item.periodStart);
  assert.equal(item.n, 288);
  assert.equal(item.meanMgdl, roundHalfAway(day1.meanMgdl!, 1));
  assert.equal(item.sdMgdl, roundHalfAway(day1.sdMgdl!, 1));
  assert.equal(item.gri.value, roundHalfAway(day1.gri!.value, 1));
  assert.equal(item.bands.inRangePct, roundHalfAway(day1.bands!.inRangePct, 1));
  assert.equal(item.lbgi, roundHalfAway(day1.lbgi!, 2));
  assert.equal(item.activePct, 100);
  const previous = raw(dayStart(4), dayStart(2));
  assert.equal(res.body.comparison.from, new Date(dayStart(4)).toISOString().slice(0, 10));
  assert.equal(res.body.comparison.metrics.n, 576);
  const current = raw(dayStart(2), dayStart(0));
  assert.equal(res.body.comparison.delta.meanMgdl, roundHalfAway(current.meanMgdl! - previous.meanMgdl!, 1));
  const weeks = await get(p, `${base('me')}/aggregates?period=week&from=${new Date(dayStart(20)).toISOString()}&to=${to}`);
  assert.equal(weeks.status, 200);
  assert.equal(weeks.body.items.reduce((s: number, i: { n: number }) => s + i.n, 0), 288 * 4);
  const tooMany = await get(p, `${base('me')}/aggregates?period=day&from=${new Date(dayStart(100)).toISOString()}&to=${to}`);
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.code, 'range_too_large');
});

test('rollup: a claimed day is recomputed, and a reading that arrives later marks it dirty again', async () => {
  const p = await newPatient();
  await upload(p, cgmSeries(12, () => 100, { endMs: dayStart(1) + 3600_000 }));
  await rollupDirtyDays(t.db.db, { patientId: p.id });
  const row = async () => (await sql<{ n: number; dirty: boolean; max: string }>`
    select n, dirty, max from glucose.daily_stats where patient_id = ${p.id} and basis = 'cgm'`.execute(t.db.db)).rows[0];
  assert.equal((await row()).n, 12);
  assert.equal((await row()).dirty, false);
  await upload(p, cgmSeries(1, () => 200, { endMs: dayStart(1) + 7200_000 }));
  assert.equal((await row()).dirty, true);
  await rollupDirtyDays(t.db.db, { patientId: p.id });
  assert.equal((await row()).n, 13);
  assert.equal(Number((await row()).max), 200);
});

test('access: another patient or an unlinked clinician gets 404 on every analytics route; linked members and admins get 200', async () => {
  const owner = await newPatient();
  const other = await newPatient();
  const clinician = await t.createUser(['clinician']);
  const stranger = await t.createUser(['clinician']);
  const caregiver = await t.createUser(['caregiver']);
  const otherCaregiver = await t.createUser(['caregiver']);
  const admin = await t.createUser(['admin']);
  await link(t, owner, clinician);
  await link(t, owner, caregiver);
  await upload(owner, cgmSeries(50, wave));
  for (const route of ['metrics', 'agp', 'episodes', 'aggregates', 'insights']) {
    const path = `${base(owner.id)}/${route}`;
    for (const outsider of [other, stranger, otherCaregiver]) {
      const res = await get(outsider, path);
      assert.equal(res.status, 404, `${route} as outsider`);
      assert.equal(res.body.code, 'patient_not_found');
    }
    for (const member of [owner, clinician, caregiver, admin]) assert.equal((await get(member, path)).status, 200, `${route} as ${member.roles[0]}`);
    assert.equal((await t.api('GET', path)).status, 401);
  }
  assert.equal((await get(clinician, `${base('me')}/metrics`)).status, 404); // `me` is only for patients
});

test('insights: nocturnal lows on two nights are reported with their episodes; a steady trace reports nothing', async () => {
  const p = await newPatient();
  const readings = cgmSeries(288 * 5, (i) => {
    const minute = (i * 5) % 1440, day = Math.floor(i / 288);
    return (day === 1 || day === 3) && minute >= 180 && minute < 210 ? 58 : 120;
  }, { endMs: dayStart(0) - 5 * MIN });
  await upload(p, readings);
  const q = `from=${new Date(dayStart(5)).toISOString()}&to=${new Date(dayStart(0)).toISOString()}`;
  const res = await get(p, `${base('me')}/insights?${q}`);
  assert.equal(res.status, 200);
  const types = res.body.items.map((i: { type: string }) => i.type);
  assert.deepEqual(types, ['nocturnal_hypoglycemia']);
  const insight = res.body.items[0];
  assert.equal(insight.evidence.nights, 2);
  assert.equal(insight.evidence.level2, false);
  assert.equal(insight.evidence.episodes.length, 2);
  assert.match(insight.recommendation, /clinician/);
  // the weekly run stores the pattern and notifies once; a second run within 14 days is not new
  const svc = servicesOf(contextOf(t));
  const first = await runWeeklyInsights(svc, dayStart(0) + 7 * 3600_000, [p.id]);
  assert.equal(first.notified, 1);
  const stored = (await sql<{ type: string; notified_at: Date | null }>`select type, notified_at from glucose.insights where patient_id = ${p.id}`.execute(t.db.db)).rows;
  assert.deepEqual(stored.map((r) => r.type), ['nocturnal_hypoglycemia']);
  assert.ok(stored[0].notified_at);
  assert.equal((await runWeeklyInsights(svc, dayStart(0) + 8 * 3600_000, [p.id])).notified, 0);
  assert.equal((await get(p, `${base('me')}/insights?${q}`)).body.items[0].firstDetectedAt !== null, true);
  const steady = await newPatient();
  await upload(steady, cgmSeries(288 * 5, () => 120, { endMs: dayStart(0) - 5 * MIN }));
  assert.deepEqual((await get(steady, `${base('me')}/insights?${q}`)).body.items, []);
});

test('patient list sorted by risk: critical alerts first, then GRI, % < 54 and active %; only linked patients; paginated', async () => {
  const clinician = await t.createUser(['clinician']);
  const names = ['Ada', 'Bea', 'Cy', 'Dee'];
  const people: TestUser[] = [];
  for (const displayName of names) {
    const p = await newPatient({ displayName: `${displayName} ${clinician.id.slice(0, 6)}` });
    people.push(p);
    await link(t, p, clinician);
  }
  const unlinked = await newPatient();
  const end = dayStart(0) - 5 * MIN;
  await upload(people[0], cgmSeries(288 * 3, () => 120, { endMs: end }));          // in range: GRI 0
  await upload(people[1], cgmSeries(288 * 3, (i) => (i % 4 === 0 ? 50 : 70), { endMs: end })); // frequent lows (steps < 40 mg/dL: not suspect)
  await upload(people[2], cgmSeries(288 * 3, (i) => (i % 2 ? 260 : 240), { endMs: end }));     // high
  await upload(unlinked, cgmSeries(288, () => 45, { endMs: end }));
  await rollupDirtyDays(t.db.db);
  // Dee has no data but an open critical alert
  await t.db.db.insertInto('glucose.alerts').values({ patient_id: people[3].id, family: 'low', type: 'urgent_low', severity: 'critical', triggered_at: new Date() } as never).execute();
  const res = await get(clinician, '/api/v1/glucose/patients?sort=risk&limit=2');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.total, 4);
  assert.deepEqual(res.body.items.map((i: { patientId: string }) => i.patientId), [people[3].id, people[2].id]);
  assert.equal(res.body.items[0].openAlerts.critical, 1);
  assert.equal(res.body.items[0].last14d.gri, null);
  assert.equal(res.body.items[1].last14d.gri, 100); // 1.6 × 50 + 0.8 × 50, capped
  assert.equal(res.body.items[1].last14d.griZone, 'E');
  const next = await get(clinician, `/api/v1/glucose/patients?sort=risk&limit=2&cursor=${encodeURIComponent(res.body.nextCursor)}`);
  assert.deepEqual(next.body.items.map((i: { patientId: string }) => i.patientId), [people[1].id, people[0].id]);
  assert.equal(next.body.items[0].last14d.tbr54Pct, 25);
  assert.equal(next.body.items[0].last14d.gri, 75);
  assert.equal(next.body.nextCursor, null);
  assert.equal(next.body.items[1].last14d.tirPct, 100);
  assert.equal(next.body.items[1].last14d.activePct, roundHalfAway((100 * 3 * 288) / (14 * 288), 1));
  const wrongCursor = await get(clinician, `/api/v1/glucose/patients?sort=name&cursor=${encodeURIComponent(res.body.nextCursor)}`);
  assert.equal(wrongCursor.status, 400);
  const insufficient = await get(clinician, '/api/v1/glucose/patients?sort=risk&sufficient=true');
  assert.equal(insufficient.body.items.length, 0, JSON.stringify(insufficient.body.items));
  const plain = await get(clinician, '/api/v1/glucose/patients');
  assert.equal(plain.body.items.length, 4);
  assert.equal(plain.body.items[0].last14d, undefined);
});
