/**
 * Backup service: the catalogue, keys, and the jobs of spec §6.3 (backup run, retention, checksum verification,
 * restore verification, restore, rewrap). Routes call it; handlers run in the platform job runner.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { sql, type Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { ModuleContext } from '../../../platform/types.js';
import type { JobRun } from '../../../platform/jobs/types.js';
import { raiseAlert } from '../housekeeping/alerts.js';
import { tempRoot } from '../housekeeping/cleanup.js';
import { encodeHeader, parseHeader, rewrapHeader } from './artefact.js';
import { BackupError } from './errors.js';
import { selectRetention } from './gfs.js';
import { HashCounter, hashObject, openArtefact, runBackup, withDatabase, type BackupManifest } from './pipeline.js';
import {
  copyCatalog, createDatabase, dropDatabase, filterToc, listToc, pgRestore, restoreTool, runChecks, scratchName, writeToc, type Check,
} from './restore.js';
import { backupSettings, fingerprint, loadKeys } from './settings.js';
import { openStorage, type BackupStorage, type StorageSpec } from './storage.js';
import type { BackupConfigTable, BackupTable } from './tables.js';

export const QUEUES = {
  run: 'operations.backup.run',
  retention: 'operations.backup.retention',
  checksums: 'operations.backup.verify-checksums',
  verifyRestore: 'operations.backup.verify-restore',
  rewrap: 'operations.backup.rewrap',
  restore: 'operations.restore.run',
  reconcileStorage: 'operations.backup.reconcile-storage',
} as const;

export type ConfigRow = Selectable<BackupConfigTable>;
export type BackupRow = Selectable<BackupTable>;

const errorOf = (err: unknown) => ({
  code: (err as { code?: string }).code && typeof (err as { code?: string }).code === 'string' ? (err as { code: string }).code : 'unhandled',
  message: ((err as Error).message ?? String(err)).slice(0, 4000),
});

export class BackupService {
  constructor(readonly ctx: ModuleContext) {}

  get settings() {
    return backupSettings(this.ctx.config);
  }

  /** The server's connection string (pg_dump, pg_restore and scratch databases connect with it). */
  get databaseUrl(): string {
    const options = (this.ctx.pool as unknown as { options: { connectionString?: string } }).options;
    if (!options.connectionString) throw new BackupError('preflight_database', 'The database pool has no connection string.');
    return options.connectionString;
  }

  get scratchServerUrl(): string {
    return this.settings.scratchUrl ?? this.databaseUrl;
  }

  keys(): Map<string, Buffer> {
    return loadKeys(this.settings, this.ctx.config.jwtSecret);
  }

  /** A key by id whose material loads and whose fingerprint equals the catalogue's, else `key_unavailable`. */
  async loadableKey(keyId: string): Promise<Buffer> {
    const row = await this.ctx.db.selectFrom('operations.backup_key').select(['fingerprint']).where('key_id', '=', keyId).executeTakeFirst();
    const material = this.keys().get(keyId);
    if (!material) throw new BackupError('key_unavailable', `Backup key "${keyId}" is not in ATRIUM_BACKUP_KEYS / the keys file.`);
    if (row && row.fingerprint !== fingerprint(material)) throw new BackupError('key_unavailable', `Backup key "${keyId}" does not match its recorded fingerprint.`);
    return material;
  }

  /** Key lookup for decryption: only catalogue keys whose fingerprint matches. */
  async keyLookup(): Promise<(id: string) => Buffer | undefined> {
    const rows = await this.ctx.db.selectFrom('operations.backup_key').select(['key_id', 'fingerprint']).execute();
    const known = new Map(rows.map((r) => [r.key_id, r.fingerprint]));
    const keys = this.keys();
    return (id) => {
      const k = keys.get(id);
      return k && known.get(id) === fingerprint(k) ? k : undefined;
    };
  }

  storageOf(spec: StorageSpec): BackupStorage {
    return openStorage(spec, this.settings.backupDir);
  }

  async config(id: string): Promise<ConfigRow> {
    const row = await this.ctx.db.selectFrom('operations.backup_config').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new BackupError('config_not_found', `No backup config ${id}.`);
    return row;
  }

  async runIdOf(job: JobRun<any>): Promise<string | null> {
    const r = await this.ctx.db.selectFrom('platform.operation_run').select('id').where('job_id', '=', job.id).where('attempt', '=', job.attempt).executeTakeFirst();
    return r?.id ?? null;
  }

  /**
   * Attempts of this job left `running` (or reaped as `lost_heartbeat`) by a process that died are `worker_lost`;
   * what they left in storage (partial file, open multipart upload) is released. Answers how many were found.
   */
  async reconcileLostAttempts(job: JobRun<any>): Promise<number> {
    if (job.attempt <= 1) return 0;
    const lost = await this.ctx.db.selectFrom('platform.operation_run').select(['id', 'resources'])
      .where('job_id', '=', job.id).where('attempt', '<', job.attempt)
      .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'failed'), sql<boolean>`error->>'code' = 'lost_heartbeat'`])]))
      .execute();
    for (const r of lost) {
      const res = (r.resources ?? {}) as { storage?: StorageSpec; storageKey?: string };
      let aborted = 0;
      if (res.storage && res.storageKey) aborted = await this.storageOf(res.storage).abortPartial(res.storageKey).catch(() => 0);
      await this.ctx.db.updateTable('platform.operation_run').set({
        status: 'failed', finished_at: sql`coalesce(finished_at, now())` as any,
        error: JSON.stringify({ code: 'worker_lost', message: `The process running attempt stopped; released ${aborted} partial upload(s).` }),
      }).where('id', '=', r.id).execute();
      // Its catalogue row: adopted by this attempt when the job names it, otherwise closed as failed.
      const backupId = (r.resources as { backupId?: string } | null)?.backupId;
      if (backupId && backupId !== job.data.backupId) {
        await this.ctx.db.updateTable('operations.backup').set({ status: 'failed', finished_at: new Date(), updated_at: new Date(), error: JSON.stringify({ code: 'worker_lost', message: 'The process running this backup stopped.' }) })
          .where('id', '=', backupId).where('status', '=', 'running').execute();
      }
    }
    return lost.length;
  }

  // ---------------------------------------------------------------- backup run

  /** Inserts the catalogue row (status `running`); 409 `backup_in_progress` maps from the unique index. */
  async createBackupRow(config: ConfigRow, trigger: BackupRow['trigger'], db = this.ctx.db): Promise<BackupRow> {
    const active = await db.selectFrom('operations.backup_key').select('key_id').where('status', '=', 'active').executeTakeFirst();
    if (!active) throw new BackupError('preflight_key', 'No active backup key: add a key, confirm its escrow and activate it (Keys page).');
    const storage = config.storage as StorageSpec;
    // A `running` row whose attempt is over (process died and retries ran out, or never started within the job's
    // 6 h expiry) would block the config for ever: close it as worker_lost.
    await sql`update operations.backup b set status = 'failed', finished_at = now(), updated_at = now(),
        error = jsonb_build_object('code', 'worker_lost', 'message', 'The attempt running this backup ended without finishing it.')
      where b.config_id = ${config.id} and b.status = 'running' and (
        (b.run_id is not null and exists (select 1 from platform.operation_run r where r.id = b.run_id and r.status <> 'running'))
        or (b.run_id is null and b.started_at < now() - interval '6 hours'))`.execute(db);
    try {
      // The id is part of the object key: two backups started within the same second never share an object.
      const id = uuidv7();
      return await db.insertInto('operations.backup').values({
        id, config_id: config.id, trigger, format: config.format, storage_kind: storage.kind, key_id: active.key_id,
        storage_key: sql`to_char(now() at time zone 'utc', 'YYYY/MM/') || ${config.name.replace(/[^a-zA-Z0-9_-]/g, '_')} || '-' || to_char(now() at time zone 'utc', 'YYYYMMDD"T"HH24MISS"Z"') || ${`-${id}.atrbkup`}` as any,
      }).returningAll().executeTakeFirstOrThrow();
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new BackupError('backup_in_progress', `A backup of config "${config.name}" is already running.`);
      throw err;
    }
  }

  async handleRun(job: JobRun<{ backupId?: string; configId?: string; all?: boolean }>) {
    await this.reconcileLostAttempts(job);
    if (job.data.all || (!job.data.backupId && !job.data.configId)) {
      await this.checkKeys();
      const configs = await this.ctx.db.selectFrom('operations.backup_config').selectAll().where('enabled', '=', true).orderBy('name').execute();
      const results: Record<string, string> = {};
      const failures: string[] = [];
      for (const c of configs) {
        try {
          const b = await this.backupOnce(job, c, null);
          results[c.name] = b.id;
        } catch (err) {
          failures.push(`${c.name}: ${(err as Error).message}`);
        }
      }
      if (failures.length) throw new BackupError('backup_failed', failures.join('; '));
      return { backups: Object.keys(results).length };
    }
    const existing = job.data.backupId
      ? await this.ctx.db.selectFrom('operations.backup').selectAll().where('id', '=', job.data.backupId).executeTakeFirst()
      : undefined;
    const config = await this.config(existing?.config_id ?? job.data.configId!);
    const b = await this.backupOnce(job, config, existing && existing.status === 'running' ? existing : null);
    return { backupId: b.id, sizeBytes: b.size_bytes, sha256: b.sha256 };
  }

  /** One backup of a config: preflight, pipeline, catalogue; failures leave a `failed` row and no object. */
  async backupOnce(job: JobRun<any>, config: ConfigRow, adopt: BackupRow | null): Promise<BackupRow> {
    const trigger: BackupRow['trigger'] = job.trigger === 'schedule' ? 'schedule' : job.trigger === 'catch_up' ? 'catch_up' : (job.data.trigger ?? 'manual');
    const row = adopt ?? await this.createBackupRow(config, trigger);
    const runId = await this.runIdOf(job);
    const storageSpec = config.storage as StorageSpec;
    await this.ctx.db.updateTable('operations.backup').set({ run_id: runId, started_at: new Date(), updated_at: new Date() }).where('id', '=', row.id).execute();
    await job.recordResources({ backupId: row.id, storage: storageSpec, storageKey: row.storage_key });
    try {
      const storage = this.storageOf(storageSpec);
      // Preflight: key, storage, space.
      const kek = await this.loadableKey(row.key_id).catch((err) => { throw new BackupError('preflight_key', (err as Error).message); });
      await storage.check();
      const free = await storage.freeBytes();
      const last = await this.ctx.db.selectFrom('operations.backup').select('size_bytes').where('config_id', '=', config.id)
        .where('status', '=', 'completed').orderBy('taken_at', 'desc').limit(1).executeTakeFirst();
      if (free !== null && last?.size_bytes && free < 2 * last.size_bytes) {
        throw new BackupError('preflight_space', `Only ${free} bytes free in the backup directory; need 2 × the last backup (${last.size_bytes}).`);
      }
      const result = await runBackup({
        databaseUrl: this.databaseUrl, backupId: row.id, configId: config.id, scope: config.scope as any, compressionLevel: config.compression_level,
        storage, storageKey: row.storage_key, key: { keyId: row.key_id, kek }, verifyAfterWrite: config.verify_after_write,
        pgBinDir: this.settings.pgBinDir, signal: job.signal, onSnapshot: this.onSnapshot,
      });
      const done = await this.ctx.db.updateTable('operations.backup').set({
        status: 'completed', finished_at: new Date(), taken_at: result.takenAt, size_bytes: result.sizeBytes, sha256: result.sha256,
        plain_sha256: result.plainSha256, server_version: result.manifest.serverVersion, dump_tool_version: result.manifest.dumpToolVersion,
        migration_versions: JSON.stringify(result.manifest.migrationVersions), table_row_counts: JSON.stringify(result.manifest.tableRowCounts),
        file_count: 0, last_checksum_at: config.verify_after_write ? new Date() : null, last_checksum_ok: config.verify_after_write ? true : null,
        updated_at: new Date(),
      }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
      await this.ctx.jobs.send(QUEUES.retention, { configId: config.id }, { singletonKey: config.id, startAfter: new Date(Date.now() + (this.retentionDebounceMs ?? 5 * 60_000)) }).catch(() => null);
      await this.publish('backup.completed', { backupId: row.id, configId: config.id });
      return done;
    } catch (err) {
      const e = errorOf(err);
      await this.storageOf(storageSpec).delete(row.storage_key).catch(() => undefined);
      await this.ctx.db.updateTable('operations.backup').set({ status: 'failed', finished_at: new Date(), error: JSON.stringify(e), updated_at: new Date() })
        .where('id', '=', row.id).execute();
      await this.publish('backup.failed', { backupId: row.id, configId: config.id, code: e.code });
      const final = job.attempt > (job.data.__retryLimit ?? 3);
      if (final) await this.alert('backup_failed', 'high', `backup_failed:${row.id}`, `Backup of "${config.name}" failed: ${e.code}`, { backupId: row.id, error: e.message });
      throw err;
    }
  }

  /** Test hook: runs between the snapshot and pg_dump. */
  onSnapshot?: () => Promise<void>;
  retentionDebounceMs?: number;

  async publish(event: string, data: Record<string, unknown>) {
    await this.ctx.realtime.publish('operations.backups', event, data).catch(() => undefined);
  }

  async alert(kind: 'backup_failed' | 'checksum_mismatch' | 'backup_missing' | 'restore_verify_failed' | 'backup_key_missing', severity: 'critical' | 'high', dedupKey: string, title: string, details: Record<string, unknown>) {
    try {
      await raiseAlert(this.ctx, { kind, severity, dedupKey, title, details });
    } catch (err) {
      this.ctx.log.error({ err, kind, dedupKey }, 'operations: backup alert could not be raised');
    }
  }

  // ---------------------------------------------------------------- retention

  async retentionPlan(configId: string) {
    const config = await this.config(configId);
    const rows = await this.ctx.db.selectFrom('operations.backup').select(['id', 'taken_at', 'pinned', 'restore_verify_status'])
      .where('config_id', '=', configId).where('status', '=', 'completed').execute();
    return {
      config,
      plan: selectRetention(rows.map((r) => ({ id: r.id, takenAt: new Date(r.taken_at!), pinned: r.pinned, restoreVerifyStatus: r.restore_verify_status })), {
        keepDaily: config.keep_daily, keepWeekly: config.keep_weekly, keepMonthly: config.keep_monthly, keepYearly: config.keep_yearly, timezone: config.timezone,
      }),
    };
  }

  async handleRetention(job: JobRun<{ configId?: string }>) {
    const ids = job.data.configId ? [job.data.configId]
      : (await this.ctx.db.selectFrom('operations.backup_config').select('id').execute()).map((r) => r.id);
    let deleted = 0;
    const errors: string[] = [];
    for (const id of ids) {
      const { config, plan } = await this.retentionPlan(id);
      const storage = this.storageOf(config.storage as StorageSpec);
      for (const backupId of plan.delete) {
        const b = await this.ctx.db.selectFrom('operations.backup').select(['storage_key']).where('id', '=', backupId).executeTakeFirstOrThrow();
        try {
          await storage.delete(b.storage_key);
          await storage.delete(`${b.storage_key}.manifest.json`);
        } catch (err) {
          errors.push(`${backupId}: ${(err as Error).message}`);
          continue;
        }
        await this.ctx.db.updateTable('operations.backup').set({ status: 'deleted', deleted_at: new Date(), delete_reason: 'retention', updated_at: new Date() })
          .where('id', '=', backupId).where('status', '=', 'completed').execute();
        deleted++;
      }
    }
    if (errors.length) throw new BackupError('storage_error', `Retention could not delete: ${errors.join('; ')}`);
    return { configs: ids.length, deleted };
  }

  // ---------------------------------------------------------------- checksums

  /** Re-hashes stored objects; a mismatch marks the backup `corrupt`, a missing object `missing`; both alert. */
  async verifyChecksums(backupIds?: string[]) {
    let q = this.ctx.db.selectFrom('operations.backup as b').innerJoin('operations.backup_config as c', 'c.id', 'b.config_id')
      .select(['b.id', 'b.storage_key', 'b.sha256', 'b.config_id', 'c.storage', 'c.name']).where('b.status', '=', 'completed');
    if (backupIds?.length) q = q.where('b.id', 'in', backupIds);
    const rows = await q.execute();
    let ok = 0; let corrupt = 0; let missing = 0;
    for (const r of rows) {
      const storage = this.storageOf(r.storage as StorageSpec);
      if ((await storage.size(r.storage_key)) === null) {
        missing++;
        await this.ctx.db.updateTable('operations.backup').set({ status: 'missing', last_checksum_at: new Date(), last_checksum_ok: false, updated_at: new Date() }).where('id', '=', r.id).execute();
        await this.alert('backup_missing', 'critical', `backup_missing:${r.id}`, `Backup ${r.id.slice(0, 8)} of "${r.name}" is missing from storage`, { backupId: r.id });
        continue;
      }
      const { sha256 } = await hashObject(storage, r.storage_key);
      if (sha256 === r.sha256) {
        ok++;
        await this.ctx.db.updateTable('operations.backup').set({ last_checksum_at: new Date(), last_checksum_ok: true, updated_at: new Date() }).where('id', '=', r.id).execute();
        continue;
      }
      corrupt++;
      await this.ctx.db.updateTable('operations.backup').set({ status: 'corrupt', last_checksum_at: new Date(), last_checksum_ok: false, updated_at: new Date() }).where('id', '=', r.id).execute();
      await this.alert('checksum_mismatch', 'critical', `checksum_mismatch:${r.id}`, `Backup ${r.id.slice(0, 8)} of "${r.name}" fails its SHA-256 check`, { backupId: r.id, expected: r.sha256, actual: sha256 });
      const newest = await this.ctx.db.selectFrom('operations.backup').select('id').where('config_id', '=', r.config_id)
        .where('status', 'in', ['completed', 'corrupt']).orderBy('taken_at', 'desc').limit(1).executeTakeFirst();
      if (newest?.id === r.id) await this.ctx.jobs.send(QUEUES.run, { configId: r.config_id }, { singletonKey: r.config_id }).catch(() => null);
      await this.publish('backup.corrupt', { backupId: r.id });
    }
    return { checked: rows.length, ok, corrupt, missing };
  }

  /**
   * Every key referenced by a non-deleted backup must load with its recorded fingerprint (§5.4; at start and with the
   * daily backup run); otherwise a critical `backup_key_missing` alert, once per key and day.
   */
  async checkKeys(): Promise<string[]> {
    const rows = await this.ctx.db.selectFrom('operations.backup_key as k').select(['k.key_id', 'k.fingerprint'])
      .where((eb) => eb.exists(eb.selectFrom('operations.backup as b').select('b.id').whereRef('b.key_id', '=', 'k.key_id').where('b.status', '<>', 'deleted')))
      .execute();
    let material = new Map<string, Buffer>();
    let sourceError: string | undefined;
    try { material = this.keys(); } catch (err) { sourceError = (err as Error).message; }
    const missing = rows.filter((r) => !material.has(r.key_id) || fingerprint(material.get(r.key_id)!) !== r.fingerprint).map((r) => r.key_id);
    const day = new Date().toISOString().slice(0, 10);
    for (const keyId of missing) {
      await this.alert('backup_key_missing', 'critical', `backup_key_missing:${keyId}:${day}`, `Backup key "${keyId}" is not loadable: its backups cannot be restored`,
        { keyId, error: sourceError ?? 'not in ATRIUM_BACKUP_KEYS / the keys file, or fingerprint mismatch' });
    }
    return missing;
  }

  // ---------------------------------------------------------------- storage reconcile

  /**
   * Catalogue vs storage (§6.3): a completed backup whose object is gone becomes `missing` (critical alert); an
   * artefact with a valid sidecar manifest and checksum that the catalogue does not know is adopted (`imported`);
   * anything else is reported in the summary.
   */
  async reconcileStorage() {
    const configs = await this.ctx.db.selectFrom('operations.backup_config').selectAll().execute();
    const keys = new Set((await this.ctx.db.selectFrom('operations.backup_key').select('key_id').execute()).map((k) => k.key_id));
    let missing = 0; let adopted = 0;
    const orphans: string[] = [];
    for (const config of configs) {
      const storage = this.storageOf(config.storage as StorageSpec);
      const objects = await storage.list();
      const present = new Set(objects.map((o) => o.key));
      const rows = await this.ctx.db.selectFrom('operations.backup').select(['id', 'storage_key', 'status']).where('config_id', '=', config.id).execute();
      const known = new Set(rows.map((r) => r.storage_key));
      for (const r of rows) {
        if (r.status !== 'completed' || present.has(r.storage_key)) continue;
        missing++;
        await this.ctx.db.updateTable('operations.backup').set({ status: 'missing', updated_at: new Date() }).where('id', '=', r.id).execute();
        await this.alert('backup_missing', 'critical', `backup_missing:${r.id}`, `Backup ${r.id.slice(0, 8)} of "${config.name}" is missing from storage`, { backupId: r.id });
      }
      for (const o of objects) {
        if (!o.key.endsWith('.atrbkup') || known.has(o.key)) continue;
        try {
          if (!present.has(`${o.key}.manifest.json`)) throw new Error('no sidecar manifest');
          const chunks: Buffer[] = [];
          for await (const c of await storage.get(`${o.key}.manifest.json`)) chunks.push(c as Buffer);
          const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
          if (m.format !== 'atrium-backup-manifest' || !m.sha256 || !m.keyId || !m.plainSha256) throw new Error('not an Atrium manifest');
          if (!keys.has(m.keyId)) throw new Error(`unknown key ${m.keyId}`);
          const { sha256, size } = await hashObject(storage, o.key);
          if (sha256 !== m.sha256) throw new Error('checksum mismatch');
          const exists = await this.ctx.db.selectFrom('operations.backup').select('id').where('id', '=', m.backupId).executeTakeFirst();
          if (exists) throw new Error(`backup id ${m.backupId} already catalogued under another key`);
          await this.ctx.db.insertInto('operations.backup').values({
            id: m.backupId, config_id: config.id, trigger: 'imported', status: 'completed', started_at: new Date(), finished_at: new Date(), taken_at: new Date(m.takenAt),
            format: 'pg_dump_custom', storage_kind: (config.storage as StorageSpec).kind, storage_key: o.key, size_bytes: size, sha256, plain_sha256: m.plainSha256,
            key_id: m.keyId, server_version: m.serverVersion, dump_tool_version: m.dumpToolVersion, migration_versions: JSON.stringify(m.migrationVersions),
            table_row_counts: JSON.stringify(m.tableRowCounts), last_checksum_at: new Date(), last_checksum_ok: true,
          }).execute();
          adopted++;
        } catch (err) {
          orphans.push(`${config.name}:${o.key}: ${(err as Error).message}`);
        }
      }
    }
    return { configs: configs.length, missing, adopted, orphans: orphans.slice(0, 100) };
  }

  // ---------------------------------------------------------------- restore and verification

  private async restoreTemp(runKey: string) {
    const rel = path.join('restore', `${runKey}.dump`);
    const full = path.join(tempRoot(this.ctx.config), rel);
    await mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
    return { rel, full };
  }

  private async openBackup(b: BackupRow, dumpFile: string, signal?: AbortSignal) {
    const config = await this.config(b.config_id);
    const storage = this.storageOf(config.storage as StorageSpec);
    if (!this.keys().has(b.key_id)) throw new BackupError('key_unavailable', `Backup key "${b.key_id}" is not loadable; nothing was restored.`);
    try {
      return await openArtefact({ storage, storageKey: b.storage_key, keys: await this.keyLookup(), expectedSha256: b.sha256!, expectedPlainSha256: b.plain_sha256!, dumpFile, signal });
    } catch (err) {
      const code = (err as BackupError).code;
      if (code === 'decrypt_failed' || code === 'truncated' || code === 'checksum_mismatch' || code === 'bad_archive') {
        await this.ctx.db.updateTable('operations.backup').set({ status: 'corrupt', last_checksum_at: new Date(), last_checksum_ok: false, updated_at: new Date() })
          .where('id', '=', b.id).where('status', '=', 'completed').execute();
      }
      throw err;
    }
  }

  /** §5.5: full restore into a scratch database, checks, drop; records restore_detail and the backup's verify status. */
  async verifyRestore(job: JobRun<any>, b: BackupRow) {
    const runId = await this.runIdOf(job);
    const scratch = scratchName();
    const temp = await this.restoreTemp(`${runId ?? job.id}-${b.id}`);
    const started = Date.now();
    await job.recordResources({ tempPaths: [temp.rel], scratchDatabase: scratch });
    if (runId) {
      await this.ctx.db.insertInto('operations.restore_detail').values({ run_id: runId, backup_id: b.id, mode: 'verify', target_database: scratch })
        .onConflict((oc) => oc.column('run_id').doNothing()).execute();
    }
    let checks: Check[] = [];
    let failure: unknown;
    try {
      const opened = await this.openBackup(b, temp.full, job.signal);
      const server = this.scratchServerUrl;
      const tool = await restoreTool(server, opened.manifest, this.settings.pgBinDir);
      await listToc(tool.path, temp.full, server);
      try {
        await createDatabase(server, scratch);
      } catch (err) {
        if ((err as BackupError).code === 'target_database_exists') throw err;
        throw new BackupError('scratch_unavailable', `Cannot create the scratch database: ${(err as Error).message}`);
      }
      await pgRestore({ tool: tool.path, dumpFile: temp.full, serverUrl: server, database: scratch, signal: job.signal });
      checks = await runChecks(withDatabase(server, scratch), opened.manifest, b.id);
    } catch (err) {
      failure = err;
    } finally {
      await dropDatabase(this.scratchServerUrl, scratch).catch(() => undefined);
      await rm(temp.full, { force: true });
    }
    const failed = checks.filter((c) => !c.ok);
    const passed = !failure && checks.length > 0 && failed.length === 0;
    const rto = Math.round((Date.now() - started) / 1000);
    if (runId) {
      await this.ctx.db.updateTable('operations.restore_detail').set({
        checks: JSON.stringify(failure ? [...checks, { name: 'restore', expected: 'ok', actual: errorOf(failure).code, ok: false }] : checks),
        rto_seconds: passed ? rto : null, rpo_seconds: Math.max(0, Math.round((started - new Date(b.taken_at!).getTime()) / 1000)), updated_at: new Date(),
      }).where('run_id', '=', runId).execute();
    }
    await this.ctx.db.updateTable('operations.backup').set({ last_restore_verify_at: new Date(), restore_verify_status: passed ? 'passed' : 'failed', updated_at: new Date() })
      .where('id', '=', b.id).execute();
    await this.publish('backup.verified', { backupId: b.id, passed });
    if (!passed) {
      const what = failure ? errorOf(failure).code : failed.map((c) => c.name).join(', ');
      await this.alert('restore_verify_failed', 'critical', `restore_verify_failed:${b.id}:${runId ?? job.id}`, `Restore verification of backup ${b.id.slice(0, 8)} failed: ${what}`, { backupId: b.id, failed: what });
      if (failure) throw failure;
      throw new BackupError('restore_verify_failed', `Checks failed: ${what}`);
    }
    return { backupId: b.id, checks: checks.length, rtoSeconds: rto };
  }

  async handleVerifyRestore(job: JobRun<{ backupId?: string }>) {
    await this.reconcileLostAttempts(job);
    let targets: BackupRow[];
    if (job.data.backupId) {
      targets = await this.ctx.db.selectFrom('operations.backup').selectAll().where('id', '=', job.data.backupId).where('status', '=', 'completed').execute();
      if (!targets.length) throw new BackupError('backup_not_restorable', `Backup ${job.data.backupId} is not completed.`);
    } else {
      targets = await this.ctx.db.selectFrom('operations.backup as b').innerJoin('operations.backup_config as c', 'c.id', 'b.config_id')
        .selectAll('b').distinctOn('b.config_id').where('c.enabled', '=', true).where('b.status', '=', 'completed')
        .orderBy('b.config_id').orderBy('b.taken_at', 'desc').execute();
      const today = job.scheduledFor ?? new Date();
      if (today.getUTCDate() <= 7 && targets.length) {
        // First run of the month: also one older retained backup, chosen by a PRNG seeded with the run date.
        const older = await this.ctx.db.selectFrom('operations.backup').selectAll().where('status', '=', 'completed')
          .where('id', 'not in', targets.map((t) => t.id)).orderBy('id').execute();
        if (older.length) {
          let seed = Number(today.toISOString().slice(0, 10).replace(/-/g, ''));
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          targets.push(older[seed % older.length]);
        }
      }
    }
    const results = [];
    const errors: string[] = [];
    for (const b of targets) {
      try {
        results.push(await this.verifyRestore(job, b));
      } catch (err) {
        errors.push(`${b.id}: ${(err as Error).message}`);
      }
    }
    if (errors.length) throw new BackupError('restore_verify_failed', errors.join('; '));
    return { verified: results.length };
  }

  /** §4.8 `new_database`: restore with the catalogue tables' data filtered out, then the live catalogue copied in. */
  async handleRestore(job: JobRun<{ backupId: string; mode: 'new_database'; targetDatabase: string }>) {
    const runId = await this.runIdOf(job);
    const b = await this.ctx.db.selectFrom('operations.backup').selectAll().where('id', '=', job.data.backupId).executeTakeFirst();
    if (!b || b.status !== 'completed') throw new BackupError('backup_not_restorable', 'Only completed backups can be restored.');
    const target = job.data.targetDatabase;
    const temp = await this.restoreTemp(`${runId ?? job.id}-restore`);
    await job.recordResources({ tempPaths: [temp.rel] });
    if (runId) {
      await this.ctx.db.insertInto('operations.restore_detail').values({ run_id: runId, backup_id: b.id, mode: 'new_database', target_database: target })
        .onConflict((oc) => oc.column('run_id').doNothing()).execute();
    }
    const started = Date.now();
    const server = this.databaseUrl;
    let created = false;
    try {
      const opened = await this.openBackup(b, temp.full, job.signal);
      const tool = await restoreTool(server, opened.manifest, this.settings.pgBinDir);
      const toc = filterToc(await listToc(tool.path, temp.full, server));
      const tocFile = `${temp.full}.list`;
      await writeToc(tocFile, toc);
      await createDatabase(server, target);
      created = true;
      await pgRestore({ tool: tool.path, dumpFile: temp.full, serverUrl: server, database: target, tocFile, signal: job.signal });
      const copied = await copyCatalog(server, withDatabase(server, target));
      const manifest: BackupManifest = { ...opened.manifest, tableRowCounts: Object.fromEntries(Object.entries(opened.manifest.tableRowCounts)
        .filter(([t]) => !['operations.backup', 'operations.backup_key', 'operations.restore_detail', 'platform.operation_run', 'operations.backup_config'].includes(t))) };
      const checks = await runChecks(withDatabase(server, target), manifest, b.id);
      const rto = Math.round((Date.now() - started) / 1000);
      const passed = checks.every((c) => c.ok);
      if (runId) {
        await this.ctx.db.updateTable('operations.restore_detail').set({
          checks: JSON.stringify(checks), rto_seconds: passed ? rto : null,
          rpo_seconds: Math.round((started - new Date(b.taken_at!).getTime()) / 1000), updated_at: new Date(),
        }).where('run_id', '=', runId).execute();
      }
      await rm(tocFile, { force: true });
      if (!passed) throw new BackupError('restore_checks_failed', `Restored database ${target} fails: ${checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`);
      await this.publish('restore.completed', { backupId: b.id, targetDatabase: target });
      return { backupId: b.id, targetDatabase: target, copied, rtoSeconds: rto };
    } catch (err) {
      if (created) await dropDatabase(server, target).catch(() => undefined);
      if (runId) {
        await this.ctx.db.updateTable('operations.restore_detail').set({ checks: JSON.stringify([{ name: 'restore', expected: 'ok', actual: errorOf(err).code, ok: false }]), updated_at: new Date() })
          .where('run_id', '=', runId).where(sql<boolean>`checks = '[]'::jsonb`).execute();
      }
      throw err;
    } finally {
      await rm(temp.full, { force: true });
    }
  }

  // ---------------------------------------------------------------- rewrap

  /** Rewrites the header of every retained artefact under `fromKeyId` with the DEK wrapped by the active key (§5.4). */
  async handleRewrap(job: JobRun<{ fromKeyId: string }>) {
    const active = await this.ctx.db.selectFrom('operations.backup_key').select('key_id').where('status', '=', 'active').executeTakeFirst();
    if (!active) throw new BackupError('key_unavailable', 'No active key to rewrap to.');
    if (active.key_id === job.data.fromKeyId) throw new BackupError('key_already_active', 'The source key is the active key.');
    const from = await this.loadableKey(job.data.fromKeyId);
    const to = await this.loadableKey(active.key_id);
    const rows = await this.ctx.db.selectFrom('operations.backup as b').innerJoin('operations.backup_config as c', 'c.id', 'b.config_id')
      .select(['b.id', 'b.storage_key', 'b.sha256', 'c.storage']).where('b.key_id', '=', job.data.fromKeyId)
      .where('b.status', '=', 'completed').execute();
    let rewrapped = 0;
    for (const r of rows) {
      const storage = this.storageOf(r.storage as StorageSpec);
      const before = await hashObject(storage, r.storage_key);
      if (before.sha256 !== r.sha256) throw new BackupError('checksum_mismatch', `Backup ${r.id} fails its checksum; not rewrapped.`);
      const source = await storage.get(r.storage_key);
      const swap = new HeaderSwap((h) => rewrapHeader(h, from, { keyId: active.key_id, kek: to }));
      const hashed = new HashCounter();
      source.pipe(swap).pipe(hashed);
      swap.on('error', (err) => hashed.destroy(err));
      source.on('error', (err) => swap.destroy(err));
      await storage.put(r.storage_key, hashed);
      await this.ctx.db.updateTable('operations.backup').set({ key_id: active.key_id, sha256: hashed.digest!, size_bytes: hashed.bytes, last_checksum_at: new Date(), last_checksum_ok: true, updated_at: new Date() })
        .where('id', '=', r.id).execute();
      // The sidecar manifest follows.
      try {
        const chunks: Buffer[] = [];
        for await (const c of await storage.get(`${r.storage_key}.manifest.json`)) chunks.push(c as Buffer);
        const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
        await storage.put(`${r.storage_key}.manifest.json`, Readable.from([Buffer.from(JSON.stringify({ ...m, keyId: active.key_id, sha256: hashed.digest, sizeBytes: hashed.bytes }, null, 2))]));
      } catch { /* a missing sidecar is reported by the storage reconcile */ }
      rewrapped++;
    }
    return { fromKeyId: job.data.fromKeyId, toKeyId: active.key_id, rewrapped };
  }
}

/** Replaces the artefact header, passing the data chunks through unchanged. */
class HeaderSwap extends Transform {
  private head: Buffer[] = [];
  private done = false;
  constructor(private readonly replace: (h: ReturnType<typeof parseHeader> extends infer R ? R extends { header: infer H } ? H : never : never) => any) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
    if (this.done) return cb(null, chunk);
    this.head.push(chunk);
    const buf = Buffer.concat(this.head);
    try {
      const parsed = parseHeader(buf);
      if (!parsed) return cb();
      this.done = true;
      this.push(encodeHeader(this.replace(parsed.header)));
      cb(null, buf.subarray(parsed.length));
    } catch (err) {
      cb(err as Error);
    }
  }
  override _flush(cb: TransformCallback) {
    cb(this.done ? null : new BackupError('truncated', 'The artefact ends inside its header.'));
  }
}
