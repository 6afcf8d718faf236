import type { PgBoss } from 'pg-boss';

/**
 * The pg-boss schema version the monitor's read-only SQL on pg-boss's job table was written for
 * (pg-boss 12.35.0). Another version means another table layout: the monitor refuses to run.
 */
export const KNOWN_PGBOSS_SCHEMA_VERSION = 43;

export type MonitorStatus = { available: true; version: number } | { available: false; reason: string };

export async function checkSchemaVersion(boss: PgBoss): Promise<MonitorStatus> {
  const version = await boss.schemaVersion();
  if (version === KNOWN_PGBOSS_SCHEMA_VERSION) return { available: true, version };
  return { available: false, reason: `pg-boss schema version ${version ?? 'none'} is not the one this monitor knows (${KNOWN_PGBOSS_SCHEMA_VERSION})` };
}
