// The backup suite's main path on an S3-compatible store (local fake speaking the S3 REST protocol to the real SDK).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeS3 } from '../../../../test/fakes/s3.js';
import { missingPgDump, startBackupApp, waitForBackup, waitForJob, type BackupTestApp } from './testing.js';

const s3 = new FakeS3('s3-test-key', ['atrium-backups']);
let t: BackupTestApp;
let skip: string | null = null;

before(async () => {
  await s3.start();
  process.env.ATRIUM_BACKUP_S3_OFFSITE_ACCESS_KEY_ID = 's3-test-key';
  process.env.ATRIUM_BACKUP_S3_OFFSITE_SECRET_ACCESS_KEY = 's3-test-secret';
  t = await startBackupApp();
  skip = await missingPgDump(t.db.url);
});
after(async () => {
  await t?.close();
  await s3.stop();
});

test('S3 storage: backup, read-back checksum, restore verification, tamper detection', async (c) => {
  if (skip) return c.skip(skip);
  const bad = await t.api('POST', '/api/v1/operations/backup-configs', { token: t.admin.token, body: { name: 'bad', storage: { kind: 's3', endpoint: s3.url, bucket: 'atrium-backups', credentialsRef: 'missing' } } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.code, 'storage_config_invalid');
  const cfg = await t.api('POST', '/api/v1/operations/backup-configs', {
    token: t.admin.token, body: { name: 'offsite', storage: { kind: 's3', endpoint: s3.url, bucket: 'atrium-backups', prefix: 'atrium/', forcePathStyle: true, credentialsRef: 'offsite' } },
  });
  assert.equal(cfg.status, 201, JSON.stringify(cfg.body));
  const run = await t.api('POST', '/api/v1/operations/backups', { token: t.admin.token, body: { configId: cfg.body.id } });
  assert.equal(run.status, 202);
  const row = await waitForBackup(t, run.body.backupId);
  assert.equal(row.status, 'completed', JSON.stringify(row.error));
  assert.equal(row.storage_kind, 's3');
  const object = s3.objects.get(`atrium-backups/atrium/${row.storage_key}`);
  assert.ok(object, 'artefact stored in the bucket');
  assert.equal(object.subarray(0, 8).toString(), 'ATRBKUP1');
  assert.ok(s3.objects.has(`atrium-backups/atrium/${row.storage_key}.manifest.json`));

  const verify = await t.api('POST', '/api/v1/operations/restore-verifications', { token: t.admin.token, body: { backupId: row.id } });
  const vr = await waitForJob(t, verify.body.jobId, 120_000);
  assert.equal(vr.status, 'succeeded', JSON.stringify(vr.error));

  object[object.length - 3] ^= 0xff;
  const check = await t.api('POST', `/api/v1/operations/backups/${row.id}/verify`, { token: t.admin.token });
  const cr = await waitForJob(t, check.body.jobId);
  assert.deepEqual(cr.summary, { checked: 1, ok: 0, corrupt: 1, missing: 0 });
});
