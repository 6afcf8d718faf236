import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../../../../test/helpers/app.js';
import { contextOf, startGlucoseApp } from '../testing.js';
import { servicesOf } from '../routes.js';
import { maintainPartitions, purgeExpired } from './maintenance.js';

let t: TestApp;
before(async () => { t = await startGlucoseApp(); });
after(async () => { await t.close(); });

const partitions = async (parent: string) => (await sql<{ name: string }>`
  select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
  where p.relname = ${parent} order by 1`.execute(t.db.db)).rows.map((r) => r.name);
const monthName = (parent: string, ms: number) => { const d = new Date(ms); return `${parent}_${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`; };

test('readings are partitioned by month with partitions three months ahead; BRIN on measured_at', async () => {
  const result = await maintainPartitions(servicesOf(contextOf(t)));
  assert.equal(result.dropped, 0);
  const names = await partitions('readings');
  for (let m = 0; m <= 3; m++) {
    const d = new Date(); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() + m);
    assert.ok(names.includes(monthName('readings', d.getTime())), `${monthName('readings', d.getTime())} in ${names.join(', ')}`);
  }
  const brin = await sql<{ indexdef: string }>`select indexdef from pg_indexes where schemaname = 'glucose' and tablename = 'readings' and indexdef like '%brin%'`.execute(t.db.db);
  assert.equal(brin.rows.length, 1);
});

test('a backfill into a missing past month creates its partition; retention drops whole months past the horizon', async () => {
  const p = await t.createUser(['patient']);
  const old = Date.UTC(new Date().getUTCFullYear() - 2, 2, 15, 12);
  const res = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(old).toISOString(), value: 100 }] } });
  assert.equal(res.body.inserted, 1);
  const name = monthName('readings', old);
  assert.ok((await partitions('readings')).includes(name));
  const dropped = await sql<{ name: string }>`select glucose.drop_month_partitions_before('readings', ${new Date(Date.UTC(new Date(old).getUTCFullYear(), 3, 1)).toISOString()}::timestamptz) as name`.execute(t.db.db);
  assert.deepEqual(dropped.rows.map((r) => r.name), [name]);
  assert.ok(!(await partitions('readings')).includes(name));
  const again = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: p.token, body: { source: 'cgm', readings: [{ measuredAt: new Date(old + 3_600_000).toISOString(), value: 101 }] } });
  assert.equal(again.status, 200, 'a process that believed the month existed recreates it and writes again');
  assert.equal(again.body.inserted, 1);
});

test('upload batches and deletion markers older than 90 days are purged', async () => {
  const p = await t.createUser(['patient']);
  await sql`insert into glucose.upload_batches (patient_id, channel, item_count, inserted, duplicates, rejected, received_at) values (${p.id}, 'api', 1, 1, 0, 0, now() - interval '91 days')`.execute(t.db.db);
  await t.db.db.insertInto('glucose.ns_tombstones').values({ patient_id: p.id, collection: 'treatments', identifier: 'x', deleted_at: new Date(Date.now() - 91 * 86_400_000) }).execute();
  const purged = await purgeExpired(servicesOf(contextOf(t)));
  assert.deepEqual(purged, { uploadBatches: 1, tombstones: 1 });
});
