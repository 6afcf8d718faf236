import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 1024);
let offset = pool.length;

function randomBytes10(): Buffer {
  if (offset + 10 > pool.length) { randomFillSync(pool); offset = 0; }
  offset += 10;
  return pool.subarray(offset - 10, offset);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 whose 48-bit timestamp is `ms` (the reading's measured_at): the id alone tells which monthly
 * partition holds the row, and ids sort by measurement time. Built byte by byte: bulk ingestion makes thousands.
 */
export function uuidV7At(ms: number): string {
  const r = randomBytes10();
  const hi = Math.floor(ms / 0x1000000);
  const lo = ms % 0x1000000;
  return HEX[(hi >>> 16) & 255] + HEX[(hi >>> 8) & 255] + HEX[hi & 255] + HEX[(lo >>> 16) & 255] + '-'
    + HEX[(lo >>> 8) & 255] + HEX[lo & 255] + '-' + HEX[0x70 | (r[0] & 0x0f)] + HEX[r[1]] + '-'
    + HEX[0x80 | (r[2] & 0x3f)] + HEX[r[3]] + '-' + HEX[r[4]] + HEX[r[5]] + HEX[r[6]] + HEX[r[7]] + HEX[r[8]] + HEX[r[9]];
}

/** The timestamp (ms) a UUIDv7 carries. */
export const timestampOfUuidV7 = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

/** Nightscout's 24-hex `_id` for a record that came without a client id: the first 24 hex digits of its UUIDv7. */
export const nightscoutId = (id: string): string => id.replace(/-/g, '').slice(0, 24);

/** The id range whose first 24 hex digits are `nsId` (to find a record by the `_id` Atrium gave it). */
export function uuidRangeOfNightscoutId(nsId: string): [string, string] {
  const fmt = (hex32: string) => `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;
  return [fmt(`${nsId}00000000`), fmt(`${nsId}ffffffff`)];
}

export const isNightscoutGeneratedId = (value: string): boolean => /^[0-9a-f]{24}$/.test(value);
