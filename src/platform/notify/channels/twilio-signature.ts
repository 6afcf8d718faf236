import { createHmac, timingSafeEqual } from 'node:crypto';

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Twilio's request signature: base64(HMAC-SHA1(auth token, url + each form parameter as name + value,
 * names in code-unit order, a repeated name once per value with values in order)).
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams | Record<string, string>): string {
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  const sorted = entries.sort(([an, av], [bn, bv]) => byCodeUnit(an, bn) || byCodeUnit(av, bv));
  const data = url + sorted.map(([name, value]) => name + value).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL as written, then with its default port made explicit and removed (proxies differ in which one Twilio signed). */
function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  if (parsed.port !== '') return [url];
  const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
  const rest = parsed.pathname + parsed.search;
  return [...new Set([url, `${parsed.protocol}//${parsed.hostname}:${defaultPort}${rest}`, `${parsed.protocol}//${parsed.hostname}${rest}`])];
}

export function verifyTwilioSignature(authToken: string, url: string, params: URLSearchParams, signature: string): boolean {
  const given = Buffer.from(signature);
  return urlVariants(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
