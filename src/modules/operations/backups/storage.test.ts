import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FakeS3 } from '../../../../test/fakes/s3.js';
import { LocalStorage, S3Storage, openStorage, type BackupStorage } from './storage.js';
import { hashObject } from './pipeline.js';
import { createHash } from 'node:crypto';

const s3 = new FakeS3('fake-access-key', ['atrium-test']);
const env = { ATRIUM_BACKUP_S3_TEST_ACCESS_KEY_ID: 'fake-access-key', ATRIUM_BACKUP_S3_TEST_SECRET_ACCESS_KEY: 'fake-secret' };
before(async () => { await s3.start(); });
after(async () => { await s3.stop(); });

const stores: [string, () => BackupStorage][] = [
  ['local', () => new LocalStorage(mkdtempSync(path.join(os.tmpdir(), 'atrium-store-')))],
  ['s3', () => new S3Storage({ kind: 's3', endpoint: s3.url, bucket: 'atrium-test', prefix: 'b/', forcePathStyle: true, credentialsRef: 'test' }, env)],
];

for (const [kind, make] of stores) {
  describe(`${kind} storage`, () => {
    test('put streams an object (multipart above 8 MiB), get/size/list/delete answer for it', async () => {
      const store = make();
      await store.check();
      const body = randomBytes(9 * 1024 * 1024 + 5);
      await store.put('2025/06/x.atrbkup', Readable.from([body.subarray(0, 3_000_000), body.subarray(3_000_000)]));
      assert.equal(await store.size('2025/06/x.atrbkup'), body.length);
      const { sha256, size } = await hashObject(store, '2025/06/x.atrbkup');
      assert.equal(size, body.length);
      assert.equal(sha256, createHash('sha256').update(body).digest('hex'));
      assert.deepEqual((await store.list()).map((o) => o.key), ['2025/06/x.atrbkup']);
      await store.delete('2025/06/x.atrbkup');
      assert.equal(await store.size('2025/06/x.atrbkup'), null);
      await assert.rejects(store.get('2025/06/x.atrbkup'), (err: { code?: string }) => err.code === 'object_missing');
    });

    test('a stream that breaks leaves no object and no open upload', async () => {
      const store = make();
      const broken = new Readable({ read() {} });
      broken.push(randomBytes(9 * 1024 * 1024));
      setTimeout(() => broken.destroy(new Error('pg_dump died')), 50);
      await assert.rejects(store.put('broken.atrbkup', broken), /pg_dump died/);
      assert.equal(await store.size('broken.atrbkup'), null);
      if (kind === 's3') assert.equal(s3.uploads.size, 0);
      assert.equal(await store.abortPartial('broken.atrbkup'), 0);
    });
  });
}

test('an interrupted S3 multipart upload (killed worker) is aborted by abortPartial', async () => {
  const store = stores[1][1]();
  s3.uploads.set('left-over', { bucket: 'atrium-test', key: 'b/killed.atrbkup', parts: new Map([[1, Buffer.from('x')]]) });
  assert.equal(await store.abortPartial('killed.atrbkup'), 1);
  assert.equal(s3.uploads.size, 0);
});

test('S3 credentials missing or a wrong access key give clear errors', async () => {
  assert.throws(() => openStorage({ kind: 's3', bucket: 'atrium-test', credentialsRef: 'nope' }, '/tmp', {}), /ATRIUM_BACKUP_S3_NOPE_ACCESS_KEY_ID/);
  const wrong = new S3Storage({ kind: 's3', endpoint: s3.url, bucket: 'atrium-test', credentialsRef: 'test' }, { ...env, ATRIUM_BACKUP_S3_TEST_ACCESS_KEY_ID: 'other' });
  await assert.rejects(wrong.check(), (err: { code?: string }) => err.code === 'preflight_storage');
});
