import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Download links are valid 24 h from the poll that issued them (§4.8). */
export const DOWNLOAD_LINK_SECONDS = 24 * 3600;

/** The report key: derived from the instance secret, so every process of an install signs and verifies alike. */
export function deriveReportKey(instanceSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', instanceSecret, 'atrium', 'glucose-report-download', 32));
}

/** sig = base64url(HMAC-SHA256(report key, `<jobId>.<expires>`)). */
export function signDownload(key: Buffer, jobId: string, expires: number): string {
  return createHmac('sha256', key).update(`${jobId}.${expires}`).digest('base64url');
}

export type LinkCheck = 'ok' | 'invalid' | 'expired';

/**
 * The signature is checked before the expiry, so a tampered `expires` (pushed into the future) is an invalid link,
 * never an accepted one; a genuine link past its time is expired.
 */
export function checkDownload(key: Buffer, jobId: string, expires: number, sig: string, nowSeconds: number): LinkCheck {
  const expected = Buffer.from(signDownload(key, jobId, expires));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return nowSeconds >= expires ? 'expired' : 'ok';
}

export function downloadLink(key: Buffer, jobId: string, nowSeconds: number) {
  const expires = nowSeconds + DOWNLOAD_LINK_SECONDS;
  return { url: `/api/v1/glucose/reports/${jobId}/download?expires=${expires}&sig=${signDownload(key, jobId, expires)}`, expires };
}
