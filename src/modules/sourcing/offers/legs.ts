import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { HttpError, unprocessable } from '../../../platform/http/errors.js';
import { TRANSPORT_MODES, DEFAULT_PARAMS, round, type TransportMode } from '../scoring/params.js';
import { estimatedDistanceKm } from '../scoring/environmental.js';

export interface LegInput { mode: string; distanceKm?: number | null; fromLabel?: string | null; toLabel?: string | null }
export interface StoredLeg { seq: number; mode: TransportMode; distanceKm: number; distanceSource: 'entered' | 'estimated'; fromLabel: string | null; toLabel: string | null }

/**
 * The legs of an offer (spec §4.4): omitted → one road leg from site to destination with a haversine estimate; a leg without
 * distance only when it is the single leg.
 */
export async function resolveLegs(tx: DbOrTx, legs: LegInput[] | undefined, siteId: string, destinationId: string): Promise<Omit<StoredLeg, 'seq'>[]> {
  const given = legs ?? [{ mode: 'road' }];
  given.forEach((l, i) => {
    if (!TRANSPORT_MODES.includes(l.mode as TransportMode)) throw unprocessable('unknown_mode', `Unknown transport mode "${l.mode}".`, [{ path: `body.legs.${i}.mode`, message: `one of ${TRANSPORT_MODES.join(', ')}` }]);
    if (l.distanceKm !== undefined && l.distanceKm !== null && !(l.distanceKm > 0)) throw unprocessable('invalid_values', 'Distances are above 0.', [{ path: `body.legs.${i}.distanceKm`, message: 'must be above 0' }]);
  });
  const missing = given.findIndex((l) => l.distanceKm === undefined || l.distanceKm === null);
  if (missing >= 0 && given.length > 1) throw unprocessable('distance_required', 'Every leg of a multi-leg route needs its distance.', [{ path: `body.legs.${missing}.distanceKm`, message: 'is required' }]);
  if (missing < 0) return given.map((l) => ({ mode: l.mode as TransportMode, distanceKm: l.distanceKm!, distanceSource: 'entered', fromLabel: l.fromLabel ?? null, toLabel: l.toLabel ?? null }));
  const { rows } = await sql<{ slat: string | null; slon: string | null; sname: string | null; dlat: string | null; dlon: string | null; dname: string | null }>`
    select s.latitude as slat, s.longitude as slon, s.name as sname, d.latitude as dlat, d.longitude as dlon, d.name as dname
      from sourcing.supplier_sites s, sourcing.destinations d where s.id = ${siteId} and d.id = ${destinationId}`.execute(tx);
  const r = rows[0];
  if (!r || r.slat === null || r.dlat === null) throw new HttpError(422, 'coordinates_required', 'The site and the destination need coordinates to estimate the distance.');
  const leg = given[0]!;
  const km = estimatedDistanceKm({ lat: Number(r.slat), lon: Number(r.slon) }, { lat: Number(r.dlat), lon: Number(r.dlon) }, leg.mode as TransportMode, DEFAULT_PARAMS);
  return [{ mode: leg.mode as TransportMode, distanceKm: Math.max(0.1, round(km, 1)), distanceSource: 'estimated', fromLabel: leg.fromLabel ?? r.sname, toLabel: leg.toLabel ?? r.dname }];
}

export async function writeLegs(tx: Tx, offerId: string, legs: Omit<StoredLeg, 'seq'>[]) {
  await sql`delete from sourcing.offer_legs where offer_id = ${offerId}`.execute(tx);
  for (const [i, l] of legs.entries()) {
    await sql`insert into sourcing.offer_legs (offer_id, seq, mode, distance_km, distance_source, from_label, to_label)
      values (${offerId}, ${i + 1}, ${l.mode}, ${l.distanceKm}, ${l.distanceSource}, ${l.fromLabel}, ${l.toLabel})`.execute(tx);
  }
}

export async function legsOf(db: DbOrTx, offerIds: string[]): Promise<Map<string, StoredLeg[]>> {
  const { rows } = await sql<{ offer_id: string; seq: number; mode: TransportMode; distance_km: string; distance_source: 'entered' | 'estimated'; from_label: string | null; to_label: string | null }>`
    select * from sourcing.offer_legs where offer_id = any(${offerIds}::uuid[]) order by offer_id, seq`.execute(db);
  const out = new Map<string, StoredLeg[]>();
  for (const r of rows) {
    const list = out.get(r.offer_id) ?? [];
    list.push({ seq: r.seq, mode: r.mode, distanceKm: Number(r.distance_km), distanceSource: r.distance_source, fromLabel: r.from_label, toLabel: r.to_label });
    out.set(r.offer_id, list);
  }
  return out;
}
