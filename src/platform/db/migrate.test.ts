import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MigrationError, migrate, migrationFiles, pendingMigrations } from './migrate.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'atrium-migrations-'));
});
after(async () => {
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, sql: string) => writeFileSync(path.join(dir, name), sql);
const tableExists = async (name: string) =>
  (await db.pool.query('select to_regclass($1) is not null as found', [name])).rows[0].found as boolean;

test('pending migrations are applied in name order, each once', async () => {
  write('9002_second.sql', 'alter table probe.things add column colour text;');
  write('9001_first.sql', 'create schema probe; create table probe.things (id int primary key);');
  write('README.md', 'not a migration');
  assert.deepEqual(migrationFiles(dir).map((f) => f.name), ['9001_first.sql', '9002_second.sql']);
  assert.deepEqual(await pendingMigrations(db.pool, dir), ['9001_first.sql', '9002_second.sql']);

  assert.deepEqual(await migrate(db.pool, () => {}, dir), ['9001_first.sql', '9002_second.sql']);
  assert.ok(await tableExists('probe.things'));
  assert.deepEqual(await migrate(db.pool, () => {}, dir), [], 'a second run applies nothing');
  assert.deepEqual(await pendingMigrations(db.pool, dir), []);
});

test('a .sql file whose name would never be applied is refused with its name', async () => {
  write('9003-Bad-Name.sql', 'select 1;');
  try {
    assert.throws(() => migrationFiles(dir), /Migration file names must look like 0042_what_it_does\.sql \(lower case\): 9003-Bad-Name\.sql/);
    await assert.rejects(migrate(db.pool, () => {}, dir), MigrationError);
  } finally {
    rmSync(path.join(dir, '9003-Bad-Name.sql'));
  }
});

test('a migration that was changed after it was applied is refused with a message naming it', async () => {
  write('9001_first.sql', 'create schema probe; create table probe.things (id bigint primary key);');
  await assert.rejects(migrate(db.pool, () => {}, dir), (err: Error) => {
    assert.ok(err instanceof MigrationError);
    assert.equal(err.message, 'Migration 9001_first.sql was changed after it was applied; write a new migration instead.');
    return true;
  });
  write('9001_first.sql', 'create schema probe; create table probe.things (id int primary key);');
});

test('a failing migration is rolled back whole and named; the ones before it stay applied', async () => {
  write('9004_ok.sql', 'create table probe.ok (id int);');
  write('9005_broken.sql', 'create table probe.half (id int); select no_such_function();');
  await assert.rejects(migrate(db.pool, () => {}, dir), /^MigrationError: Migration 9005_broken.sql failed: function no_such_function\(\) does not exist/);
  assert.ok(await tableExists('probe.ok'));
  assert.equal(await tableExists('probe.half'), false, 'nothing of the failed file remains');
  assert.deepEqual(await pendingMigrations(db.pool, dir), ['9005_broken.sql']);
  write('9005_broken.sql', 'create table probe.half (id int);');
  assert.deepEqual(await migrate(db.pool, () => {}, dir), ['9005_broken.sql']);
});

test('processes starting together apply each migration once', async () => {
  write('9006_slow.sql', 'select pg_sleep(0.2); create table probe.once (id int);');
  const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: db.url, max: 1 }));
  try {
    const results = await Promise.all(pools.map((p) => migrate(p, () => {}, dir)));
    assert.deepEqual(results.flat(), ['9006_slow.sql']);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});

test('the repository\'s migrations are all applied to the test template', async () => {
  assert.deepEqual(await pendingMigrations(db.pool), []);
});
