import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';

export type PartitionedTable = 'readings' | 'device_status';

const monthKey = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

/**
 * Keeps monthly partitions ahead of the writes. Creating one takes a lock on the parent table, so it runs in
 * its own short transaction before the ingest transaction, and only for months this process has not seen.
 */
export class PartitionKeeper {
  private readonly known = new Set<string>();

  constructor(private readonly db: Db) {}

  async ensure(table: PartitionedTable, fromMs: number, toMs: number): Promise<void> {
    let missing = false;
    for (let m = monthKey(fromMs), last = monthKey(toMs); m <= last; m = m % 100 === 12 ? m + 89 : m + 1) {
      if (!this.known.has(`${table}:${m}`)) { missing = true; break; }
    }
    if (!missing) return;
    await sql`select glucose.ensure_month_partitions(${table}, ${new Date(fromMs).toISOString()}::timestamptz, ${new Date(toMs).toISOString()}::timestamptz)`.execute(this.db);
    for (let m = monthKey(fromMs), last = monthKey(toMs); m <= last; m = m % 100 === 12 ? m + 89 : m + 1) this.known.add(`${table}:${m}`);
  }

  /** After a write found no partition (dropped by retention elsewhere): forget what this process believed. */
  forget(): void {
    this.known.clear();
  }
}

/** The partitions a running install keeps: last month to three months ahead. */
export async function ensureStandingPartitions(keeper: PartitionKeeper, now = Date.now()): Promise<void> {
  const from = now - 31 * 86_400_000;
  const to = now + 92 * 86_400_000;
  await keeper.ensure('readings', from, to);
  await keeper.ensure('device_status', from, to);
}
