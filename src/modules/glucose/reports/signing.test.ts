import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDownload, deriveReportKey, downloadLink, signDownload, DOWNLOAD_LINK_SECONDS } from './signing.js';

const key = deriveReportKey('instance-secret-for-tests');
const jobId = '0190f0f0-0000-7000-8000-000000000001';

test('a link issued now is valid for 24 h and no longer', () => {
  const now = 1_800_000_000;
  const { url, expires } = downloadLink(key, jobId, now);
  assert.equal(expires, now + DOWNLOAD_LINK_SECONDS);
  const sig = new URL(url, 'http://x').searchParams.get('sig')!;
  assert.equal(checkDownload(key, jobId, expires, sig, now), 'ok');
  assert.equal(checkDownload(key, jobId, expires, sig, expires - 1), 'ok');
  assert.equal(checkDownload(key, jobId, expires, sig, expires), 'expired');
});

test('a tampered expiry, job id or signature is invalid, not expired and not accepted', () => {
  const expires = 1_800_086_400;
  const sig = signDownload(key, jobId, expires);
  assert.equal(checkDownload(key, jobId, expires + 3600, sig, 1_800_000_000), 'invalid');
  assert.equal(checkDownload(key, jobId.replace(/1$/, '2'), expires, sig, 1_800_000_000), 'invalid');
  assert.equal(checkDownload(key, jobId, expires, `${sig.slice(0, -1)}A`, 1_800_000_000), sig.endsWith('A') ? 'ok' : 'invalid');
  assert.equal(checkDownload(key, jobId, expires, '', 1_800_000_000), 'invalid');
  assert.equal(checkDownload(deriveReportKey('another-install'), jobId, expires, sig, 1_800_000_000), 'invalid');
});

test('sig is base64url(HMAC-SHA256(report key, "<jobId>.<expires>"))', async () => {
  const { createHmac } = await import('node:crypto');
  assert.equal(signDownload(key, jobId, 42), createHmac('sha256', key).update(`${jobId}.42`).digest('base64url'));
});
