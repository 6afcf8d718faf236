import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

export interface MigrationFile { name: string; sql: string; checksum: string }

/** SQL files in migrations/, applied in name order (NNNN_description.sql); one history for the whole database. */
export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  const sqlFiles = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  // A misnamed file would otherwise never run, silently.
  const misnamed = sqlFiles.filter((f) => !/^\d{4}_[a-z0-9_]+\.sql$/.test(f));
  if (misnamed.length) throw new MigrationError(`Migration file names must look like 0042_what_it_does.sql (lower case): ${misnamed.join(', ')}`);
  return sqlFiles
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const LOCK_KEY = 7_310_021_001;

const HISTORY_DDL = `
  create schema if not exists platform;
  create table if not exists platform.schema_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  );`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that several
 * processes starting together apply each file once. An applied file whose content changed is refused.
 */
export async function migrate(pool: pg.Pool, log: (msg: string) => void = () => {}, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(HISTORY_DDL);
    const { rows } = await client.query<{ name: string; checksum: string }>('select name, checksum from platform.schema_migrations');
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const file of files) {
      const previous = done.get(file.name);
      if (previous) {
        if (previous !== file.checksum) throw new MigrationError(`Migration ${file.name} was changed after it was applied; write a new migration instead.`);
        continue;
      }
      log(`applying migration ${file.name}`);
      try {
        await client.query('begin');
        await client.query(file.sql);
        await client.query('insert into platform.schema_migrations (name, checksum) values ($1, $2)', [file.name, file.checksum]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new MigrationError(`Migration ${file.name} failed: ${(err as Error).message}`);
      }
      applied.push(file.name);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

/** Names of migration files not yet applied (for the readiness check). */
export async function pendingMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  const { rows } = await pool.query<{ name: string }>(
    `select name from platform.schema_migrations`,
  );
  const done = new Set(rows.map((r) => r.name));
  return files.filter((f) => !done.has(f.name)).map((f) => f.name);
}
