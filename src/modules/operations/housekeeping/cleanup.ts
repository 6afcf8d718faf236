import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import type { Config } from '../../../platform/config.js';

/** Root of the module's temporary files (exports, uploads, restore staging, decrypted chunks); `temp_file.path` is relative to it. */
export const tempRoot = (config: Config) => path.join(config.dataDir, 'operations', 'tmp');

/** How long each category of temp file lives (spec §6.3, original cleanup_temp_files limits). */
export const TEMP_MAX_AGE_HOURS = { decrypted: 1, upload: 2, restore: 24, export: 24 } as const;
/** Files in the temp root that no row describes are removed after this long. */
const ORPHAN_HOURS = 24;
const SCRATCH_DB = /^atrium_verify_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})_[0-9a-f]{4}$/;

export interface TempCleanupSummary {
  dryRun: boolean;
  tempFiles: { path: string; category: string; reason: 'expired' | 'orphan' }[];
  keptOwnedByRunningRun: number;
  bytesFreed: number;
  scratchDatabases: string[];
  errors: string[];
}

/** Age of a scratch database from its name `atrium_verify_<yyyymmddhhmm>_<hex>` (UTC), or null for another name. */
export function scratchDatabaseCreatedAt(name: string): Date | null {
  const m = SCRATCH_DB.exec(name);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!)) : null;
}

async function removeFile(full: string): Promise<number> {
  try {
    const st = await fs.stat(full);
    await fs.rm(full, { recursive: true, force: true });
    return st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function walk(dir: string, base: string, out: { rel: string; mtime: Date }[]) {
  let entries;
  try { entries = await fs.readdir(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, base, out);
    else if (e.isFile()) out.push({ rel: path.relative(base, full), mtime: (await fs.stat(full)).mtime });
  }
}

/**
 * The temp-file cleanup (queue `operations.cleanup.temp-files`): expired temp files, files no row describes,
 * leftover scratch databases older than 24 h. A file owned by a running operation is never removed.
 * `maxAgeHours` (the weekly deep pass uses 2) shortens every category's limit.
 */
export async function cleanupTempFiles(ctx: ModuleContext, options: { dryRun?: boolean; maxAgeHours?: number; now?: Date } = {}): Promise<TempCleanupSummary> {
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const root = tempRoot(ctx.config);
  const summary: TempCleanupSummary = { dryRun, tempFiles: [], keptOwnedByRunningRun: 0, bytesFreed: 0, scratchDatabases: [], errors: [] };
  const limit = (category: keyof typeof TEMP_MAX_AGE_HOURS) => Math.min(TEMP_MAX_AGE_HOURS[category], options.maxAgeHours ?? Infinity) * 3600_000;

  const rows = await ctx.db.selectFrom('operations.temp_file as t')
    .leftJoin('platform.operation_run as r', (j) => j.onRef('r.id', '=', 't.owner_run_id').on('r.status', '=', 'running'))
    .select(['t.path', 't.category', 't.created_at', 't.expires_at', 'r.id as running_run']).execute();
  const known = new Set(rows.map((r) => r.path));
  for (const r of rows) {
    const due = r.expires_at.getTime() <= now.getTime() || now.getTime() - r.created_at.getTime() >= limit(r.category);
    if (!due) continue;
    if (r.running_run) { summary.keptOwnedByRunningRun++; continue; }
    summary.tempFiles.push({ path: r.path, category: r.category, reason: 'expired' });
    if (dryRun) continue;
    try {
      summary.bytesFreed += await removeFile(path.join(root, r.path));
      await ctx.db.deleteFrom('operations.temp_file').where('path', '=', r.path).execute();
    } catch (err) {
      summary.errors.push(`${r.path}: ${(err as Error).message}`);
    }
  }

  const files: { rel: string; mtime: Date }[] = [];
  await walk(root, root, files);
  for (const f of files) {
    if (known.has(f.rel) || now.getTime() - f.mtime.getTime() < Math.min(ORPHAN_HOURS, options.maxAgeHours ?? Infinity) * 3600_000) continue;
    summary.tempFiles.push({ path: f.rel, category: 'unknown', reason: 'orphan' });
    if (!dryRun) {
      try { summary.bytesFreed += await removeFile(path.join(root, f.rel)); } catch (err) { summary.errors.push(`${f.rel}: ${(err as Error).message}`); }
    }
  }

  const { rows: dbs } = await sql<{ datname: string }>`select datname from pg_database where datname like 'atrium\\_verify\\_%'`.execute(ctx.db);
  for (const { datname } of dbs) {
    const created = scratchDatabaseCreatedAt(datname);
    if (!created || now.getTime() - created.getTime() < 24 * 3600_000) continue;
    summary.scratchDatabases.push(datname);
    if (!dryRun) {
      try { await sql`drop database if exists ${sql.id(datname)}`.execute(ctx.db); } catch (err) { summary.errors.push(`${datname}: ${(err as Error).message}`); }
    }
  }
  if (summary.errors.length && !dryRun) ctx.log.warn({ errors: summary.errors }, 'operations: temp cleanup could not remove everything');
  return summary;
}

export interface HistoryPruneSummary {
  dryRun: boolean;
  fileLogging: false;
  operationRuns: number;
  jobFailures: number;
  opsAlerts: number;
}

/**
 * The log cleanup (queue `operations.cleanup.logs`, tasks 9 and 10 of the original crontab merged):
 * prunes database history per §3.5 — operation runs after `run_retention_days` (never one a retained
 * backup refers to), job failures after 90 days, ops alerts after 400 days. Atrium logs to stdout
 * (pino), so there are no log files to compress; the summary says so.
 */
export async function pruneHistory(ctx: ModuleContext, options: { dryRun?: boolean; now?: Date } = {}): Promise<HistoryPruneSummary> {
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const s = await ctx.db.selectFrom('operations.ops_setting').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const before = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const { rows: [reg] } = await sql<{ backup: string | null }>`select to_regclass('operations.backup')::text as backup`.execute(ctx.db);
  const keepReferenced = reg?.backup
    ? sql`and not exists (select 1 from operations.backup b where b.run_id = r.id and b.deleted_at is null)` : sql``;
  const run = async (count: ReturnType<typeof sql>, del: ReturnType<typeof sql>) => {
    if (dryRun) return Number((await sql<{ n: string }>`${count}`.execute(ctx.db)).rows[0]!.n);
    return Number((await sql`${del}`.execute(ctx.db)).numAffectedRows ?? 0);
  };
  const runsWhere = sql`r.status <> 'running' and r.started_at < ${before(s.run_retention_days)} ${keepReferenced}`;
  const operationRuns = await run(sql`select count(*) as n from platform.operation_run r where ${runsWhere}`, sql`delete from platform.operation_run r where ${runsWhere}`);
  const failWhere = sql`failed_at < ${before(s.failure_retention_days)}`;
  const jobFailures = await run(sql`select count(*) as n from platform.job_failure where ${failWhere}`, sql`delete from platform.job_failure where ${failWhere}`);
  const alertWhere = sql`raised_at < ${before(s.alert_retention_days)}`;
  const opsAlerts = await run(sql`select count(*) as n from operations.ops_alert where ${alertWhere}`, sql`delete from operations.ops_alert where ${alertWhere}`);
  return { dryRun, fileLogging: false, operationRuns, jobFailures, opsAlerts };
}

/**
 * Releases what runs that died left behind (queue `operations.runs.reconcile`): the platform watchdog marks
 * a run whose heartbeat lapsed `failed` (`lost_heartbeat`); this deletes its recorded temp paths and scratch
 * database and stamps `resources.releasedAt`. S3 multipart uploads are aborted by the backup storage
 * reconcile, which owns the S3 client; their ids stay listed here.
 */
export async function releaseLostRunResources(ctx: ModuleContext, options: { dryRun?: boolean } = {}) {
  const lost = await ctx.db.selectFrom('platform.operation_run').select(['id', 'resources'])
    .where('status', '=', 'failed').where(sql<boolean>`error->>'code' in ('lost_heartbeat', 'worker_lost')`)
    .where('resources', 'is not', null).where(sql<boolean>`not (resources ? 'releasedAt')`).limit(200).execute();
  const root = tempRoot(ctx.config);
  const released: { runId: string; tempPaths: number; scratchDatabase: string | null; s3UploadId: string | null }[] = [];
  for (const r of lost) {
    const res = (r.resources ?? {}) as { tempPaths?: string[]; scratchDatabase?: string; s3UploadId?: string };
    const tempPaths = (res.tempPaths ?? []).filter((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'));
    released.push({ runId: r.id, tempPaths: tempPaths.length, scratchDatabase: res.scratchDatabase ?? null, s3UploadId: res.s3UploadId ?? null });
    if (options.dryRun) continue;
    for (const p of tempPaths) await removeFile(path.join(root, p));
    if (tempPaths.length) await ctx.db.deleteFrom('operations.temp_file').where('path', 'in', tempPaths).execute();
    if (res.scratchDatabase && scratchDatabaseCreatedAt(res.scratchDatabase)) await sql`drop database if exists ${sql.id(res.scratchDatabase)}`.execute(ctx.db);
    await ctx.db.updateTable('platform.operation_run').set({ resources: sql`resources || jsonb_build_object('releasedAt', now())` as any })
      .where('id', '=', r.id).execute();
  }
  return { dryRun: options.dryRun ?? false, runs: released.length, released };
}
