import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from './test-database.js';

let db: TestDatabase;
before(async () => { db = await createTestDatabase(); });
after(async () => { await db.drop(); });

const nextId = async () => (await db.pool.query<{ id: string }>('select platform.uuid_v7() as id')).rows[0].id;

test('ids made one after another sort in the order they were made, even within one millisecond', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) ids.push(await nextId());
  assert.deepEqual([...ids].sort(), ids);
});

test('ids are version 7, RFC 9562 variant, and carry the current time in their first 48 bits', async () => {
  const before = Date.now();
  const id = await nextId();
  const hex = id.replace(/-/g, '');
  assert.equal(hex[12], '7');
  assert.match(hex[16], /[89ab]/);
  const ms = Number.parseInt(hex.slice(0, 12), 16);
  assert.ok(ms >= before - 1000 && ms <= Date.now() + 1000, `timestamp ${ms} is near now`);
});
