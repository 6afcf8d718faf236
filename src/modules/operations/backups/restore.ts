/** pg_restore steps of §4.8 and the verification checks of §5.5. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { BackupError } from './errors.js';
import { libpqEnv, serverVersion, withDatabase, type BackupManifest } from './pipeline.js';
import { resolvePgTool } from './pgtools.js';

export interface Check { name: string; expected: unknown; actual: unknown; ok: boolean }

function runTool(file: string, args: string[], url: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: libpqEnv(url), stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-16 * 1024); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new BackupError('pg_restore_failed', `${file.split('/').pop()} exited with ${code}: ${stderr.trim()}`))));
  });
}

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'atrium-restore' });
  await c.connect();
  c.on('error', () => {});
  try {
    return await work(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** `pg_restore --list` must succeed and pg_restore must be at least the dump's server major version (§4.8 step 4). */
export async function restoreTool(serverUrl: string, manifest: BackupManifest, pgBinDir?: string) {
  const dumpedMajor = Number(manifest.serverVersion.split('.')[0]);
  const target = await withClient(serverUrl, serverVersion);
  return resolvePgTool('pg_restore', Math.max(dumpedMajor, target.major), pgBinDir);
}

export async function listToc(tool: string, dumpFile: string, url: string): Promise<string> {
  return runTool(tool, ['--list', dumpFile], url);
}

/** The TOC without the TABLE DATA of the catalog tables, whose live rows are copied instead (§4.8 step 5). */
export const CATALOG_TABLES = ['operations.backup', 'operations.backup_key', 'operations.restore_detail', 'platform.operation_run'];
export function filterToc(toc: string): string {
  return toc.split('\n').filter((line) => {
    const m = /TABLE DATA (\S+) (\S+) /.exec(line);
    return !(m && !line.startsWith(';') && CATALOG_TABLES.includes(`${m[1]}.${m[2]}`));
  }).join('\n');
}

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  if (!DATABASE_NAME.test(name)) throw new BackupError('invalid_database_name', `Database name ${name} is not allowed.`);
  await withClient(serverUrl, async (c) => {
    const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) throw new BackupError('target_database_exists', `Database ${name} already exists.`);
    await c.query(`create database "${name}"`);
  });
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  if (!DATABASE_NAME.test(name)) return;
  await withClient(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
}

export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  return withClient(serverUrl, async (c) => Boolean((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount));
}

export async function pgRestore(o: { tool: string; dumpFile: string; serverUrl: string; database: string; tocFile?: string; jobs?: number; signal?: AbortSignal }) {
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', `--jobs=${o.jobs ?? 2}`, `--dbname=${o.database}`];
  if (o.tocFile) args.push(`--use-list=${o.tocFile}`);
  args.push(o.dumpFile);
  await runTool(o.tool, args, withDatabase(o.serverUrl, o.database), o.signal);
}

export async function writeToc(file: string, toc: string) {
  await writeFile(file, toc, { mode: 0o600 });
}

/** Copies the live rows of the catalog tables into the restored database (§4.8 step 5). */
export async function copyCatalog(liveUrl: string, targetUrl: string): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  await withClient(liveUrl, (live) => withClient(targetUrl, async (target) => {
    await target.query('begin');
    // The restore left these tables empty (their TABLE DATA was filtered out), except backup_config whose newer rows
    // are added so the catalog's foreign keys hold. Referenced tables first.
    for (const t of ['platform.operation_run', 'operations.backup_key', 'operations.backup_config', 'operations.backup', 'operations.restore_detail']) {
      const rows = await live.query<{ j: unknown }>(`select coalesce(jsonb_agg(to_jsonb(x)), '[]') as j from ${t} x`);
      const cols = (await target.query<{ c: string }>(`select string_agg(quote_ident(column_name), ',' order by ordinal_position) as c
        from information_schema.columns where table_schema = $1 and table_name = $2 and is_generated = 'NEVER'`, t.split('.'))).rows[0].c;
      const r = await target.query(`insert into ${t} (${cols}) select ${cols} from jsonb_populate_recordset(null::${t}, $1::jsonb) on conflict do nothing`, [JSON.stringify(rows.rows[0].j)]);
      copied[t] = r.rowCount ?? 0;
    }
    await target.query('commit');
  }));
  return copied;
}

/** Module invariants (§5.5): each query must return 0. */
export const INVARIANTS: { name: string; sql: string; when?: string }[] = [
  { name: 'invariant:backup_completed_has_checksum', sql: "select count(*) from operations.backup where status = 'completed' and (sha256 is null or plain_sha256 is null)" },
  { name: 'invariant:one_active_backup_key', sql: "select greatest(count(*) - 1, 0) from operations.backup_key where status = 'active'" },
  { name: 'invariant:quote_amount_not_negative', sql: 'select count(*) from operations.quote where amount < 0', when: 'operations.quote' },
];

export function scratchName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `atrium_verify_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}_${randomBytes(2).toString('hex')}`;
}

/** The checks of §5.5 on a restored database. */
export async function runChecks(targetUrl: string, manifest: BackupManifest, backupId: string): Promise<Check[]> {
  return withClient(targetUrl, async (c) => {
    const checks: Check[] = [];
    const tables = Object.keys(manifest.tableRowCounts);
    const existing = new Set((await c.query<{ n: string }>(`select n.nspname || '.' || c.relname as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r','p')`)).rows.map((r) => r.n));
    for (const t of tables) {
      const expected = manifest.tableRowCounts[t];
      let actual: number | null = null;
      if (existing.has(t)) {
        const [schema, name] = t.split('.');
        actual = Number((await c.query<{ n: string }>(`select count(*) as n from "${schema.replace(/"/g, '""')}"."${name.replace(/"/g, '""')}"`)).rows[0].n);
      }
      checks.push({ name: `rows:${t}`, expected, actual, ok: actual === expected });
    }
    const canary = existing.has('operations.backup_canary')
      ? (await c.query<{ backup_id: string }>('select backup_id from operations.backup_canary where id = 1')).rows[0]?.backup_id ?? null
      : null;
    checks.push({ name: 'canary', expected: backupId, actual: canary, ok: canary === backupId });
    let versions: Record<string, string> = {};
    if (existing.has('platform.schema_migrations')) {
      for (const { name } of (await c.query<{ name: string }>('select name from platform.schema_migrations order by name')).rows) {
        const m = /^\d+_([a-z]+)/.exec(name);
        versions[m ? m[1] : 'other'] = name;
      }
    } else versions = {};
    const recorded = manifest.migrationVersions ?? {};
    const same = JSON.stringify(Object.entries(recorded).sort()) === JSON.stringify(Object.entries(versions).sort());
    checks.push({ name: 'migrations', expected: recorded, actual: versions, ok: same });
    for (const inv of INVARIANTS) {
      if (inv.when && !existing.has(inv.when)) continue;
      const r = await c.query(inv.sql);
      const n = Number(Object.values(r.rows[0] ?? { n: 0 })[0]);
      checks.push({ name: inv.name, expected: 0, actual: n, ok: n === 0 });
    }
    return checks;
  });
}
