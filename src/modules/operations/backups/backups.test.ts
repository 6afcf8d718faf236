import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { KEY_B, missingPgDump, setKeys, startBackupApp, stepUpToken, waitForBackup, waitForJob, type BackupTestApp } from './testing.js';
import { backupServices } from './index.js';
import { runChecks } from './restore.js';
import { withDatabase } from './pipeline.js';

let t: BackupTestApp;
let skip: string | null = null;
let configId: string;

before(async () => {
  t = await startBackupApp();
  skip = await missingPgDump(t.db.url);
  const res = await t.api('POST', '/api/v1/operations/backup-configs', { token: t.admin.token, body: { name: 'main', storage: { kind: 'local' }, isDefault: true, keepDaily: 2, keepWeekly: 0, keepMonthly: 0 } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  configId = res.body.id;
});
after(async () => { await t?.close(); });

async function idle() {
  for (let i = 0; i < 600; i++) {
    const running = await t.db.db.selectFrom('operations.backup').select('id').where('status', '=', 'running').executeTakeFirst();
    if (!running) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('a backup is still running');
}

async function runBackup(): Promise<string> {
  await idle();
  const res = await t.api('POST', '/api/v1/operations/backups', { token: t.admin.token, body: { configId } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const row = await waitForBackup(t, res.body.backupId);
  assert.equal(row.status, 'completed', JSON.stringify(row.error));
  return row.id;
}

test('only admins reach backups, keys and restores; destructive actions need step-up', async () => {
  const staff = await t.createUser(['staff']);
  const manager = await t.createUser(['manager']);
  for (const user of [staff, manager]) {
    for (const [method, url, body] of [
      ['GET', '/api/v1/operations/backups'], ['POST', '/api/v1/operations/backups', {}], ['GET', '/api/v1/operations/backup-keys'],
      ['GET', '/api/v1/operations/backup-configs'], ['POST', '/api/v1/operations/restore-verifications', {}], ['GET', '/api/v1/operations/restores'],
    ] as const) {
      const res = await t.api(method, url, { token: user.token, body });
      assert.equal(res.status, 403, `${user.roles[0]} ${method} ${url}`);
    }
  }
  assert.equal((await t.api('GET', '/api/v1/operations/backups')).status, 401);
  const res = await t.api('POST', '/api/v1/operations/backup-keys/key-a/retire', { token: t.admin.token });
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 'step_up_required');
  const missing = await t.api('GET', '/api/v1/operations/backups/018f0000-0000-7000-8000-000000000000', { token: t.admin.token });
  assert.equal(missing.status, 404);
});

test('a backup records exact counts from its snapshot under concurrent writes, and its restore verification passes', async (c) => {
  if (skip) return c.skip(skip);
  await t.db.db.insertInto('operations.backup_canary').values({ id: 1, backup_id: '018f0000-0000-7000-8000-000000000000' }).onConflict((oc) => oc.column('id').doUpdateSet({ written_at: new Date() })).execute();
  const service = backupServices.get(t.app.platform.db)!;
  // Writes committed after the snapshot must not be counted nor restored.
  service.onSnapshot = async () => {
    await t.db.db.insertInto('platform.audit_events' as any).values({ action: 'test.concurrent', entity: 'test' } as any).execute().catch(() => undefined);
    await t.createUser(['staff']);
  };
  const usersBefore = Number((await t.db.db.selectFrom('platform.users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const id = await runBackup();
  service.onSnapshot = undefined;
  const row = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.table_row_counts!['platform.users'], usersBefore);
  assert.equal(row.table_row_counts!['operations.backup_canary'], 1);
  assert.ok(!('pgboss.job' in row.table_row_counts!), 'the job queue schema is excluded');
  assert.match(row.sha256!, /^[0-9a-f]{64}$/);
  assert.equal(row.last_checksum_ok, true);
  const stored = await readFile(path.join(t.dataDir, 'backups', row.storage_key));
  assert.equal(stored.subarray(0, 8).toString(), 'ATRBKUP1');
  assert.equal(stored.length, Number(row.size_bytes));
  const manifest = JSON.parse(await readFile(path.join(t.dataDir, 'backups', `${row.storage_key}.manifest.json`), 'utf8'));
  assert.equal(manifest.sha256, row.sha256);
  assert.equal(manifest.backupId, id);

  const res = await t.api('POST', '/api/v1/operations/restore-verifications', { token: t.admin.token, body: { backupId: id } });
  assert.equal(res.status, 202);
  const run = await waitForJob(t, res.body.jobId, 120_000);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  const detail = await t.api('GET', `/api/v1/operations/restores/${run.id}`, { token: t.admin.token });
  assert.equal(detail.status, 200);
  assert.equal(detail.body.mode, 'verify');
  const checks = detail.body.checks as { name: string; ok: boolean; actual: unknown }[];
  assert.ok(checks.length > 10);
  assert.ok(checks.every((x) => x.ok), JSON.stringify(checks.filter((x) => !x.ok)));
  assert.deepEqual(checks.find((x) => x.name === 'canary'), { name: 'canary', expected: id, actual: id, ok: true });
  const after = await t.db.db.selectFrom('operations.backup').select(['restore_verify_status']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(after.restore_verify_status, 'passed');
  const leftovers = await t.db.pool.query("select datname from pg_database where datname like 'atrium_verify_%'");
  assert.equal(leftovers.rowCount, 0, 'the scratch database is dropped');
});

test('a second backup of the same config while one runs is refused with 409 backup_in_progress', async () => {
  await t.db.db.insertInto('operations.backup').values({ config_id: configId, trigger: 'manual', format: 'pg_dump_custom', storage_kind: 'local', storage_key: 'x/running.atrbkup', key_id: 'key-a' }).execute();
  const res = await t.api('POST', '/api/v1/operations/backups', { token: t.admin.token, body: { configId } });
  assert.equal(res.status, 409);
  assert.equal(res.body.code, 'backup_in_progress');
  // Its attempt died and was reaped (retries exhausted): the stale row no longer blocks the config.
  const dead = await t.db.db.insertInto('platform.operation_run').values({
    kind: 'backup', queue: 'operations.backup.run', job_id: '018f0000-0000-7000-8000-0000000000bb', attempt: 4, trigger: 'manual', status: 'failed',
    finished_at: new Date(), error: JSON.stringify({ code: 'lost_heartbeat', message: 'gone' }),
  }).returning('id').executeTakeFirstOrThrow();
  await t.db.db.updateTable('operations.backup').set({ run_id: dead.id }).where('storage_key', '=', 'x/running.atrbkup').execute();
  const again = await t.api('POST', '/api/v1/operations/backups', { token: t.admin.token, body: { configId } });
  assert.equal(again.status, 202, JSON.stringify(again.body));
  const stale = await t.db.db.selectFrom('operations.backup').select(['status', 'error']).where('storage_key', '=', 'x/running.atrbkup').executeTakeFirstOrThrow();
  assert.equal(stale.status, 'failed');
  assert.equal(stale.error!.code, 'worker_lost');
  await waitForBackup(t, again.body.backupId);
});

test('a tampered byte in a stored backup is detected: corrupt, critical alert, not restorable', async (c) => {
  if (skip) return c.skip(skip);
  const id = await runBackup();
  const row = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const file = path.join(t.dataDir, 'backups', row.storage_key);
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  await writeFile(file, bytes);
  const res = await t.api('POST', `/api/v1/operations/backups/${id}/verify`, { token: t.admin.token });
  assert.equal(res.status, 202);
  const run = await waitForJob(t, res.body.jobId);
  assert.deepEqual(run.summary, { checked: 1, ok: 0, corrupt: 1, missing: 0 });
  const corrupt = await t.db.db.selectFrom('operations.backup').select(['status', 'last_checksum_ok']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(corrupt, { status: 'corrupt', last_checksum_ok: false });
  const alert = await t.db.db.selectFrom('operations.ops_alert').selectAll().where('dedup_key', '=', `checksum_mismatch:${id}`).executeTakeFirst();
  assert.equal(alert?.severity, 'critical');
  const restore = await t.api('POST', '/api/v1/operations/restores', { token: await stepUpToken(t, t.admin), body: { backupId: id, confirm: id.slice(0, 8) } });
  assert.equal(restore.status, 409);
  assert.equal(restore.body.code, 'backup_not_restorable');
  // It was the newest: a new backup was enqueued at once and completes.
  const next = await t.db.db.selectFrom('operations.backup').select('id').where('config_id', '=', configId).where('id', '>', id).executeTakeFirst();
  assert.ok(next, 'a replacement backup was started');
  assert.equal((await waitForBackup(t, next.id)).status, 'completed');
});

test('key rotation and rewrap: old key retired, retained backups restore with the new key only', async (c) => {
  if (skip) return c.skip(skip);
  const id = await runBackup();
  const before = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(before.key_id, 'key-a');
  const token = await stepUpToken(t, t.admin);
  const add = await t.api('POST', '/api/v1/operations/backup-keys', { token, body: { keyId: 'key-b' } });
  assert.equal(add.status, 201, JSON.stringify(add.body));
  assert.equal(add.body.status, 'pending');
  assert.equal((await t.api('POST', '/api/v1/operations/backup-keys/key-b/activate', { token })).body.code, 'key_not_escrowed');
  assert.equal((await t.api('POST', '/api/v1/operations/backup-keys/key-b/escrow-confirmation', { token })).status, 200);
  const act = await t.api('POST', '/api/v1/operations/backup-keys/key-b/activate', { token });
  assert.equal(act.body.status, 'active');
  const retireEarly = await t.api('POST', '/api/v1/operations/backup-keys/key-a/retire', { token });
  assert.equal(retireEarly.body.code, 'key_in_use');
  const rewrap = await t.api('POST', '/api/v1/operations/backup-keys/rewrap', { token, body: { fromKeyId: 'key-a' } });
  assert.equal(rewrap.status, 202);
  const run = await waitForJob(t, rewrap.body.jobId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  const afterRow = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(afterRow.key_id, 'key-b');
  assert.notEqual(afterRow.sha256, before.sha256);
  assert.equal(afterRow.plain_sha256, before.plain_sha256);
  // Deleted backups do not hold a key; everything non-deleted that used key-a was rewrapped (or was corrupt/failed).
  await t.db.db.updateTable('operations.backup').set({ status: 'deleted', deleted_at: new Date(), delete_reason: 'admin' }).where('key_id', '=', 'key-a').where('status', '<>', 'deleted').execute();
  const retire = await t.api('POST', '/api/v1/operations/backup-keys/key-a/retire', { token });
  assert.equal(retire.status, 200, JSON.stringify(retire.body));
  assert.equal(retire.body.status, 'retired');
  // Only key-b remains loadable: restore into a new database.
  setKeys({ 'key-b': KEY_B });
  const bad = await t.api('POST', '/api/v1/operations/restores', { token, body: { backupId: id, confirm: 'xxxxxxxx' } });
  assert.equal(bad.body.code, 'confirmation_mismatch');
  const restore = await t.api('POST', '/api/v1/operations/restores', { token, body: { backupId: id, confirm: id.slice(0, 8), targetDatabase: `${t.db.url.split('/').pop()!.slice(0, 40)}_r` } });
  assert.equal(restore.status, 202, JSON.stringify(restore.body));
  const target = restore.body.targetDatabase as string;
  try {
    const r = await waitForJob(t, restore.body.jobId, 120_000);
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    const detail = (await t.api('GET', `/api/v1/operations/restores/${r.id}`, { token: t.admin.token })).body;
    assert.equal(detail.mode, 'new_database');
    assert.ok(detail.checks.every((x: { ok: boolean }) => x.ok));
    // The live catalogue was copied in: the restored database knows the rewrapped backup with key-b.
    const restoredUrl = withDatabase(t.db.url, target);
    const rc = new pg.Client({ connectionString: restoredUrl });
    await rc.connect();
    const copied = await rc.query('select key_id from operations.backup where id = $1', [id]);
    await rc.end();
    assert.equal(copied.rows[0].key_id, 'key-b');
    // A table whose rows went missing fails the checks.
    const manifest = { format: 'atrium-backup-manifest' as const, v: 1 as const, backupId: id, configId, takenAt: '', serverVersion: '', dumpToolVersion: '', migrationVersions: {}, fileCount: 0, tableRowCounts: { 'platform.users': 10_000 } };
    const checks = await runChecks(restoredUrl, manifest, id);
    assert.equal(checks.find((x) => x.name === 'rows:platform.users')!.ok, false);
  } finally {
    await t.db.pool.query(`drop database if exists "${target}" with (force)`);
    setKeys({ 'key-a': Buffer.alloc(32), 'key-b': KEY_B });
  }
  // A key that retained backups use but that no longer loads raises a critical alert.
  const service = backupServices.get(t.app.platform.db)!;
  assert.deepEqual(await service.checkKeys(), []);
  setKeys({ 'key-a': Buffer.alloc(32) });
  try {
    assert.deepEqual(await service.checkKeys(), ['key-b']);
    const alert = await t.db.db.selectFrom('operations.ops_alert').selectAll().where('kind', '=', 'backup_key_missing').executeTakeFirstOrThrow();
    assert.equal(alert.severity, 'critical');
  } finally {
    setKeys({ 'key-a': Buffer.alloc(32), 'key-b': KEY_B });
  }
});

test('a worker killed during a backup: the retry marks its run worker_lost, releases the partial object and completes', async (c) => {
  if (skip) return c.skip(skip);
  const service = backupServices.get(t.app.platform.db)!;
  const config = await service.config(configId);
  const row = await service.createBackupRow(config, 'manual');
  // What a killed attempt leaves: a `running` run with its resources, a running catalogue row, a partial file.
  const jobId = '018f0000-0000-7000-8000-0000000000aa';
  const lost = await t.db.db.insertInto('platform.operation_run').values({
    kind: 'backup', queue: 'operations.backup.run', job_id: jobId, attempt: 1, trigger: 'manual', status: 'running', heartbeat_at: new Date(Date.now() - 10 * 60_000),
    resources: JSON.stringify({ backupId: row.id, storage: { kind: 'local' }, storageKey: row.storage_key }),
  }).returning('id').executeTakeFirstOrThrow();
  const partial = path.join(t.dataDir, 'backups', `${row.storage_key}.partial`);
  await (await import('node:fs/promises')).mkdir(path.dirname(partial), { recursive: true });
  await writeFile(partial, 'half a backup');
  await t.db.db.insertInto('platform.operation_run').values({ kind: 'backup', queue: 'operations.backup.run', job_id: jobId, attempt: 2, trigger: 'manual', status: 'running' }).execute();
  const controller = new AbortController();
  const result = await service.handleRun({
    id: jobId, queue: 'operations.backup.run', data: { backupId: row.id }, attempt: 2, trigger: 'manual', signal: controller.signal,
    log: t.app.log, recordResources: async () => {},
  });
  assert.equal((result as { backupId: string }).backupId, row.id);
  const run = await t.db.db.selectFrom('platform.operation_run').selectAll().where('id', '=', lost.id).executeTakeFirstOrThrow();
  assert.equal(run.status, 'failed');
  assert.equal(run.error!.code, 'worker_lost');
  await assert.rejects(readFile(partial), /ENOENT/);
  assert.equal((await t.db.db.selectFrom('operations.backup').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status, 'completed');
});

test('retention preview and run apply GFS to the config and keep pinned backups', async (c) => {
  if (skip) return c.skip(skip);
  const completed = await t.db.db.selectFrom('operations.backup').select(['id']).where('config_id', '=', configId).where('status', '=', 'completed').orderBy('taken_at').execute();
  assert.ok(completed.length >= 1);
  // Spread them over days so daily buckets differ: oldest first.
  const days = completed.length;
  for (const [i, b] of completed.entries()) {
    await t.db.db.updateTable('operations.backup').set({ taken_at: new Date(Date.now() - (days - i) * 86_400_000) }).where('id', '=', b.id).execute();
  }
  const extra = await runBackup();
  const pin = await t.api('POST', `/api/v1/operations/backups/${completed[0].id}/pin`, { token: t.admin.token });
  assert.equal(pin.body.pinned, true);
  const preview = await t.api('POST', '/api/v1/operations/backups/retention/preview', { token: t.admin.token, body: { configId } });
  assert.equal(preview.status, 200);
  const kept = preview.body.keep.map((k: { backupId: string }) => k.backupId);
  assert.ok(kept.includes(extra) && kept.includes(completed[0].id));
  const run = await t.api('POST', '/api/v1/operations/backups/retention/run', { token: t.admin.token, body: { configId } });
  const r = await waitForJob(t, run.body.jobId);
  assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
  for (const id of preview.body.delete) {
    const b = await t.db.db.selectFrom('operations.backup').select(['status', 'delete_reason', 'storage_key']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([b.status, b.delete_reason], ['deleted', 'retention']);
    await assert.rejects(readFile(path.join(t.dataDir, 'backups', b.storage_key)), /ENOENT/);
  }
  const list = await t.api('GET', `/api/v1/operations/backups?configId=${configId}&status=completed&limit=1`, { token: t.admin.token });
  assert.equal(list.body.items.length, 1);
  assert.ok(list.body.nextCursor);
});

test('storage reconcile: a vanished object becomes missing with an alert, an uncatalogued valid artefact is adopted', async (c) => {
  if (skip) return c.skip(skip);
  const { runBackup: pipelineBackup } = await import('./pipeline.js');
  const { LocalStorage } = await import('./storage.js');
  const { rm } = await import('node:fs/promises');
  const storage = new LocalStorage(path.join(t.dataDir, 'backups'));
  const orphanId = '018f0000-0000-7000-8000-0000000000cc';
  await pipelineBackup({
    databaseUrl: t.db.url, backupId: orphanId, configId, scope: { schemas: ['operations'] }, compressionLevel: 1, storage,
    storageKey: 'orphans/adopt-me.atrbkup', key: { keyId: 'key-b', kek: KEY_B }, verifyAfterWrite: false,
  });
  const victim = await t.db.db.selectFrom('operations.backup').select(['id', 'storage_key']).where('config_id', '=', configId).where('status', '=', 'completed').orderBy('taken_at', 'desc').executeTakeFirstOrThrow();
  await t.db.db.updateTable('operations.backup').set({ pinned: false }).where('id', '=', victim.id).execute();
  await rm(path.join(t.dataDir, 'backups', victim.storage_key));
  const summary = await backupServices.get(t.app.platform.db)!.reconcileStorage();
  assert.equal(summary.missing, 1);
  assert.equal(summary.adopted, 1, JSON.stringify(summary.orphans));
  const adopted = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', orphanId).executeTakeFirstOrThrow();
  assert.deepEqual([adopted.trigger, adopted.status, adopted.key_id], ['imported', 'completed', 'key-b']);
  assert.equal((await t.db.db.selectFrom('operations.backup').select('status').where('id', '=', victim.id).executeTakeFirstOrThrow()).status, 'missing');
  assert.ok(await t.db.db.selectFrom('operations.ops_alert').select('id').where('dedup_key', '=', `backup_missing:${victim.id}`).executeTakeFirst());
});
