import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecryptStream, EncryptStream, MAGIC, encodeHeader, parseHeader, rewrapHeader } from './artefact.js';
import { fingerprint, loadKeys } from './settings.js';

const kek = randomBytes(32);
const keys = (id: string) => (id === 'k-one' ? kek : undefined);
const CHUNK = 1024;

async function encrypt(plain: Buffer, chunkSize = CHUNK) {
  const parts: Buffer[] = [];
  await pipeline(Readable.from([plain.subarray(0, 1500), plain.subarray(1500)]), new EncryptStream({ kek, keyId: 'k-one', backupId: 'b-1', chunkSize }),
    new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }));
  return Buffer.concat(parts);
}

async function decrypt(artefact: Buffer, lookup = keys) {
  const parts: Buffer[] = [];
  await pipeline(Readable.from([artefact]), new DecryptStream(lookup), new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }));
  return Buffer.concat(parts);
}

const code = (c: string) => (err: unknown) => (err as { code?: string }).code === c;

test('round trip: magic, header fields and plaintext of several sizes (empty final chunk on a multiple)', async () => {
  for (const size of [0, 1, CHUNK, 3 * CHUNK, 3 * CHUNK + 7]) {
    const plain = randomBytes(size);
    const art = await encrypt(plain);
    assert.ok(art.subarray(0, 8).equals(MAGIC));
    const { header, length } = parseHeader(art)!;
    assert.equal(header.alg, 'AES-256-GCM-STREAM');
    assert.equal(header.keyId, 'k-one');
    assert.equal(Buffer.from(header.noncePrefix, 'base64').length, 7);
    // Full chunks plus one final chunk (empty when the plaintext is a multiple of the chunk size).
    assert.equal(art.length - length, size + 16 * (Math.floor(size / CHUNK) + 1));
    assert.ok((await decrypt(art)).equals(plain), `size ${size}`);
  }
});

test('tampering one byte anywhere fails authentication', async () => {
  const plain = randomBytes(3 * CHUNK + 100);
  const art = await encrypt(plain);
  const { length } = parseHeader(art)!;
  const positions = [length + 5, length + CHUNK + 16 + 3, art.length - 1, art.length - 20];
  for (const at of positions) {
    const bad = Buffer.from(art);
    bad[at] ^= 0x01;
    await assert.rejects(decrypt(bad), code('decrypt_failed'), `byte ${at}`);
  }
  // Header: a changed wrapped key, key id or backup id.
  const { header } = parseHeader(art)!;
  const body = art.subarray(length);
  const wrapped = Buffer.from(header.wrappedDek, 'base64');
  wrapped[20] ^= 1;
  await assert.rejects(decrypt(Buffer.concat([encodeHeader({ ...header, wrappedDek: wrapped.toString('base64') }), body])), code('decrypt_failed'));
  await assert.rejects(decrypt(Buffer.concat([encodeHeader({ ...header, backupId: 'b-2' }), body])), code('decrypt_failed'));
  await assert.rejects(decrypt(Buffer.concat([encodeHeader({ ...header, createdAt: new Date(0).toISOString() }), body])), code('decrypt_failed'));
  await assert.rejects(decrypt(Buffer.concat([encodeHeader({ ...header, keyId: 'k-two' }), body])), code('key_unavailable'));
  const magic = Buffer.from(art);
  magic[0] = 0x41 ^ 0x20;
  await assert.rejects(decrypt(magic), code('bad_magic'));
});

test('truncating the last chunk, dropping it, or swapping chunks fails', async () => {
  const plain = randomBytes(3 * CHUNK + 100);
  const art = await encrypt(plain);
  const { length } = parseHeader(art)!;
  const full = CHUNK + 16;
  await assert.rejects(decrypt(art.subarray(0, art.length - 10)), code('decrypt_failed'));
  await assert.rejects(decrypt(art.subarray(0, length + 3 * full)), code('truncated'));
  await assert.rejects(decrypt(art.subarray(0, length)), code('truncated'));
  const c = (i: number) => art.subarray(length + i * full, length + (i + 1) * full);
  const swapped = Buffer.concat([art.subarray(0, length), c(1), c(0), c(2), art.subarray(length + 3 * full)]);
  await assert.rejects(decrypt(swapped), code('decrypt_failed'));
});

test('rewrap changes only the header: the data chunks decrypt with the new key only', async () => {
  const plain = randomBytes(2 * CHUNK + 9);
  const art = await encrypt(plain);
  const { header, length } = parseHeader(art)!;
  const newKek = randomBytes(32);
  const rewrapped = Buffer.concat([encodeHeader(rewrapHeader(header, kek, { keyId: 'k-two', kek: newKek })), art.subarray(length)]);
  assert.ok((await decrypt(rewrapped, (id) => (id === 'k-two' ? newKek : undefined))).equals(plain));
  await assert.rejects(decrypt(rewrapped, keys), code('key_unavailable'));
  await assert.rejects(decrypt(rewrapped, () => kek), code('decrypt_failed'));
});

test('keys load from ATRIUM_BACKUP_KEYS, have a stable fingerprint and are refused when equal to the app secret', () => {
  const k = randomBytes(32).toString('base64');
  const settings = { backupDir: '/tmp/x', keysFile: '/nonexistent/keys.json', tempDir: '/tmp/x' };
  const loaded = loadKeys(settings, 'app-secret-app-secret-app-secret-1234', { ATRIUM_BACKUP_KEYS: JSON.stringify({ 'key-a': k }) });
  assert.equal(fingerprint(loaded.get('key-a')!).length, 32);
  assert.equal(fingerprint(loaded.get('key-a')!), fingerprint(Buffer.from(k, 'base64')));
  const secret = randomBytes(16).toString('hex'); // a 32-character application secret
  assert.throws(() => loadKeys(settings, secret, { ATRIUM_BACKUP_KEYS: JSON.stringify({ 'key-a': Buffer.from(secret).toString('base64') }) }), code('key_source_invalid'));
  assert.throws(() => loadKeys(settings, undefined, { ATRIUM_BACKUP_KEYS: JSON.stringify({ 'key-a': 'c2hvcnQ=' }) }), /32 random bytes/);
  assert.equal(loadKeys(settings, undefined, {}).size, 0);
});
