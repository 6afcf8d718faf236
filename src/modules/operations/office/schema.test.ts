import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../../../platform/db/test-database.js';

const tdb = await createTestDatabase();
after(() => tdb.drop());

test('the office schema holds cross-organisation and status invariants', async () => {
  const { pool } = tdb;
  const user = (await pool.query(`insert into platform.users (email, password_hash, display_name) values ('s@x.test', 'x', 's') returning id`)).rows[0].id;
  const [a, b] = (await pool.query(`insert into operations.organization (name, code) values ('A', 'AAA'), ('B', 'BBB') returning id`)).rows.map((r) => r.id);
  await pool.query(`insert into operations.organization_member values ($1, $2)`, [a, user]);
  const clientB = (await pool.query(`insert into operations.client (organization_id, name) values ($1, 'cb') returning id`, [b])).rows[0].id;
  const clientA = (await pool.query(`insert into operations.client (organization_id, name) values ($1, 'ca') returning id`, [a])).rows[0].id;
  await assert.rejects(pool.query(`insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id) values ($1, $2, 't', 1, 'EUR', $3)`, [a, clientB, user]), /foreign key/);
  await assert.rejects(pool.query(`insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id) values ($1, $2, 't', 1, 'EUR', $3)`, [b, clientB, user]), /foreign key/);
  await assert.rejects(pool.query(`insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id, status) values ($1, $2, 't', 1, 'EUR', $3, 'issued')`, [a, clientA, user]), /check/);
  await assert.rejects(pool.query(`insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id, start_date, due_date) values ($1, $2, 't', 1, 'EUR', $3, '2025-06-02', '2025-06-01')`, [a, clientA, user]), /check/);
  const ok = await pool.query(`insert into operations.quote (organization_id, client_id, title, amount, currency, responsible_user_id) values ($1, $2, 't', 1, 'EUR', $3) returning id`, [a, clientA, user]);
  assert.equal(ok.rowCount, 1);
});
