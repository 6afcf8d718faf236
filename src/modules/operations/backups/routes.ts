/** Backups, keys and restores API (spec operations.md §4.7, §4.8). Admins only; destructive actions need step-up. */
import { Type, type Static } from 'typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { HttpError, conflict, forbidden, notFound, unprocessable } from '../../../platform/http/errors.js';
import { actorOf, changes, recordAudit } from '../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { validateSchedule, CronError, DstAmbiguityError } from '../../../platform/jobs/cron.js';
import { BackupError } from './errors.js';
import { fingerprint, KEY_ID } from './settings.js';
import { DATABASE_NAME, databaseExists } from './restore.js';
import { QUEUES, type BackupRow, type BackupService, type ConfigRow } from './service.js';
import type { StorageSpec } from './storage.js';

const tags = ['operations backups'];
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IdParams = Type.Object({ id: Uuid });
const KeyParams = Type.Object({ keyId: Type.String({ pattern: '^[a-z0-9-]{3,40}$' }) });

const Storage = Type.Union([
  Type.Object({ kind: Type.Literal('local'), directory: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('s3'), endpoint: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })), region: Type.Optional(Type.String({ maxLength: 50 })),
    bucket: Type.String({ minLength: 3, maxLength: 63 }), prefix: Type.Optional(Type.String({ maxLength: 200 })), forcePathStyle: Type.Optional(Type.Boolean()),
    credentialsRef: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,40}$' })),
  }, { additionalProperties: false }),
]);
const Scope = Type.Object({
  schemas: Type.Union([Type.Literal('all'), Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }), { minItems: 1, maxItems: 50 })]),
  excludeSchemas: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' }), { maxItems: 50 })),
}, { additionalProperties: false });
const Keep = Type.Integer({ minimum: 0, maximum: 1000 });
const ConfigFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }), enabled: Type.Boolean(), format: Type.Literal('pg_dump_custom'), scope: Scope,
  includeFiles: Type.Boolean(), compressionLevel: Type.Integer({ minimum: 0, maximum: 9 }), storage: Storage, secondaryStorage: Nullable(Storage),
  cron: Type.String({ minLength: 9, maxLength: 100 }), timezone: Type.String({ minLength: 1, maxLength: 64 }),
  keepDaily: Keep, keepWeekly: Keep, keepMonthly: Keep, keepYearly: Keep, verifyAfterWrite: Type.Boolean(),
};
const BackupConfig = Type.Object({ id: Uuid, ...ConfigFields, isDefault: Type.Boolean(), createdAt: DateTime, updatedAt: DateTime, version: Type.Integer() });
const { name: _name, storage: _storage, ...OptionalConfigFields } = ConfigFields;
const ConfigCreate = Type.Object({ name: ConfigFields.name, storage: Storage, ...Type.Partial(Type.Object({ ...OptionalConfigFields, isDefault: Type.Boolean() })).properties }, { additionalProperties: false });
const ConfigPatch = Type.Object({ ...Type.Partial(Type.Object({ ...ConfigFields, isDefault: Type.Boolean() })).properties, version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

const Backup = Type.Object({
  id: Uuid, configId: Uuid, configName: Type.String(), trigger: Type.String(), status: Type.String(), startedAt: DateTime, finishedAt: Nullable(DateTime),
  takenAt: Nullable(DateTime), format: Type.String(), storageKind: Type.String(), storageKey: Type.String(), sizeBytes: Nullable(Type.Integer()),
  sha256: Nullable(Type.String()), plainSha256: Nullable(Type.String()), keyId: Type.String(), serverVersion: Nullable(Type.String()),
  dumpToolVersion: Nullable(Type.String()), fileCount: Type.Integer(), pinned: Type.Boolean(), lastChecksumAt: Nullable(DateTime),
  lastChecksumOk: Nullable(Type.Boolean()), lastRestoreVerifyAt: Nullable(DateTime), restoreVerifyStatus: Type.String(),
  deletedAt: Nullable(DateTime), deleteReason: Nullable(Type.String()), error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  runId: Nullable(Uuid),
});
const BackupDetail = Type.Object({
  ...Backup.properties, migrationVersions: Nullable(Type.Record(Type.String(), Type.String())), tableRowCounts: Nullable(Type.Record(Type.String(), Type.Integer())),
  manifest: Nullable(Type.Unknown()),
});
const Key = Type.Object({
  keyId: Type.String(), fingerprint: Type.String(), status: Type.String(), escrowConfirmedAt: Nullable(DateTime), escrowConfirmedBy: Nullable(Uuid),
  activatedAt: Nullable(DateTime), retiredAt: Nullable(DateTime), createdAt: DateTime, referencedBy: Type.Integer(), loadable: Type.Boolean(),
});
const Check = Type.Object({ name: Type.String(), expected: Type.Unknown(), actual: Type.Unknown(), ok: Type.Boolean() });
const Restore = Type.Object({
  runId: Uuid, backupId: Uuid, mode: Type.String(), targetDatabase: Nullable(Type.String()), checks: Type.Array(Check),
  rtoSeconds: Nullable(Type.Integer()), rpoSeconds: Nullable(Type.Integer()), status: Type.String(), startedAt: DateTime, finishedAt: Nullable(DateTime),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })), jobId: Uuid, queue: Type.String(),
});
const Accepted = Type.Object({ jobId: Uuid });
const Confirm = Type.Object({ confirm: Type.String({ minLength: 1, maxLength: 36 }) }, { additionalProperties: false });

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

function configOut(c: ConfigRow): Static<typeof BackupConfig> {
  return {
    id: c.id, name: c.name, enabled: c.enabled, format: 'pg_dump_custom', scope: c.scope as Static<typeof Scope>, includeFiles: c.include_files,
    compressionLevel: c.compression_level, storage: c.storage as Static<typeof Storage>, secondaryStorage: (c.secondary_storage ?? null) as Static<typeof Storage> | null,
    cron: c.cron, timezone: c.timezone, keepDaily: c.keep_daily, keepWeekly: c.keep_weekly, keepMonthly: c.keep_monthly, keepYearly: c.keep_yearly,
    verifyAfterWrite: c.verify_after_write, isDefault: c.is_default, createdAt: iso(c.created_at)!, updatedAt: iso(c.updated_at)!, version: c.version,
  };
}

function backupOut(b: BackupRow & { config_name: string }): Static<typeof Backup> {
  return {
    id: b.id, configId: b.config_id, configName: b.config_name, trigger: b.trigger, status: b.status, startedAt: iso(b.started_at)!, finishedAt: iso(b.finished_at),
    takenAt: iso(b.taken_at), format: b.format, storageKind: b.storage_kind, storageKey: b.storage_key, sizeBytes: b.size_bytes === null ? null : Number(b.size_bytes),
    sha256: b.sha256, plainSha256: b.plain_sha256, keyId: b.key_id, serverVersion: b.server_version, dumpToolVersion: b.dump_tool_version, fileCount: b.file_count,
    pinned: b.pinned, lastChecksumAt: iso(b.last_checksum_at), lastChecksumOk: b.last_checksum_ok, lastRestoreVerifyAt: iso(b.last_restore_verify_at),
    restoreVerifyStatus: b.restore_verify_status, deletedAt: iso(b.deleted_at), deleteReason: b.delete_reason, error: b.error ? { code: b.error.code, message: b.error.message } : null,
    runId: b.run_id,
  };
}

/** 422/409 problems for pipeline errors raised while answering a request. */
function asHttp(err: unknown): never {
  if (err instanceof BackupError) {
    const status = ['backup_in_progress', 'key_already_active', 'key_in_use', 'key_not_escrowed', 'backup_not_restorable'].includes(err.code) ? 409 : 422;
    throw new HttpError(status, err.code, err.message);
  }
  throw err;
}

export default async function backupRoutes(app: App, ctx: ModuleContext, service: BackupService) {
  const { db } = ctx;
  const admin = app.requireRole('admin');

  /** Step-up (§2): TOTP verified within the ops setting's window (default 10 minutes). */
  const stepUp = async (req: FastifyRequest) => {
    const user = authenticatedUser(req);
    const setting = await db.selectFrom('operations.ops_setting').select('step_up_minutes').where('id', '=', 1).executeTakeFirst().catch(() => undefined);
    const windowSeconds = (setting?.step_up_minutes ?? 10) * 60;
    if (!user.totpAt || Date.now() / 1000 - user.totpAt > windowSeconds) {
      throw forbidden('step_up_required', `This action needs a two-factor check within the last ${windowSeconds / 60} minutes: verify your TOTP code again.`);
    }
  };

  const backupQuery = () => db.selectFrom('operations.backup as b').innerJoin('operations.backup_config as c', 'c.id', 'b.config_id').selectAll('b').select('c.name as config_name');
  const backupOr404 = async (id: string) => {
    const row = await backupQuery().where('b.id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  };
  const configOr404 = async (id: string) => {
    const row = await db.selectFrom('operations.backup_config').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  };
  const validateConfig = (b: { cron?: string; timezone?: string; storage?: StorageSpec; secondaryStorage?: StorageSpec | null }, current?: ConfigRow) => {
    const cron = b.cron ?? current?.cron ?? '0 4 * * *';
    const timezone = b.timezone ?? current?.timezone ?? 'Europe/Paris';
    try {
      validateSchedule({ cron, timezone });
    } catch (err) {
      if (err instanceof DstAmbiguityError) throw unprocessable('dst_ambiguous_time', err.message, [{ path: 'body.cron', message: 'dst_ambiguous_time' }]);
      if (err instanceof CronError) throw unprocessable('invalid_cron', err.message, [{ path: 'body.cron', message: err.message }]);
      throw err;
    }
    for (const [field, spec] of [['storage', b.storage], ['secondaryStorage', b.secondaryStorage]] as const) {
      if (!spec) continue;
      try {
        service.storageOf(spec);
      } catch (err) {
        throw unprocessable('storage_config_invalid', (err as Error).message, [{ path: `body.${field}`, message: 'storage_config_invalid' }]);
      }
    }
  };
  const configColumns = (b: Partial<Static<typeof ConfigCreate>>) => {
    const out: Record<string, unknown> = {};
    const map: Record<string, string> = {
      name: 'name', enabled: 'enabled', format: 'format', includeFiles: 'include_files', compressionLevel: 'compression_level', cron: 'cron', timezone: 'timezone',
      keepDaily: 'keep_daily', keepWeekly: 'keep_weekly', keepMonthly: 'keep_monthly', keepYearly: 'keep_yearly', verifyAfterWrite: 'verify_after_write', isDefault: 'is_default',
    };
    for (const [k, col] of Object.entries(map)) if ((b as Record<string, unknown>)[k] !== undefined) out[col] = (b as Record<string, unknown>)[k];
    if (b.scope) out.scope = JSON.stringify({ ...b.scope, excludeSchemas: [...new Set([...(b.scope.excludeSchemas ?? []), 'pgboss'])] });
    if (b.storage) out.storage = JSON.stringify(b.storage);
    if (b.secondaryStorage !== undefined) out.secondary_storage = b.secondaryStorage === null ? null : JSON.stringify(b.secondaryStorage);
    return out;
  };
  const nameTaken = (err: unknown): never => {
    if ((err as { code?: string }).code === '23505') throw conflict('config_name_taken', 'Another backup config has this name.');
    throw err;
  };

  // ------------------------------------------------------------------ configs

  app.get('/backup-configs', {
    schema: { tags, summary: 'Backup configurations (admin)', response: { 200: Type.Array(BackupConfig), ...problemResponses(401, 403) } },
    preHandler: admin,
  }, async () => (await db.selectFrom('operations.backup_config').selectAll().orderBy('name').execute()).map(configOut));

  app.post('/backup-configs', {
    schema: { tags, summary: 'Create a backup configuration (admin)', body: ConfigCreate, response: { 201: BackupConfig, ...problemResponses(400, 401, 403, 409, 422) } },
    preHandler: admin, config: { idempotent: true },
  }, async (req, reply) => {
    validateConfig(req.body as any);
    const row = await db.transaction().execute(async (tx) => {
      if (req.body.isDefault) await tx.updateTable('operations.backup_config').set({ is_default: false }).where('is_default', '=', true).execute();
      const created = await tx.insertInto('operations.backup_config').values(configColumns(req.body) as any).returningAll().executeTakeFirstOrThrow().catch(nameTaken);
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_config.create', entity: 'operations.backup_config', entityId: created.id, diff: { after: configOut(created) } });
      return created;
    });
    reply.code(201);
    return configOut(row);
  });

  app.get('/backup-configs/:id', {
    schema: { tags, summary: 'One backup configuration (admin)', params: IdParams, response: { 200: BackupConfig, ...problemResponses(401, 403, 404) } },
    preHandler: admin,
  }, async (req) => configOut(await configOr404(req.params.id)));

  app.patch('/backup-configs/:id', {
    schema: { tags, summary: 'Change a backup configuration (admin; `version` must match)', params: IdParams, body: ConfigPatch, response: { 200: BackupConfig, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: admin,
  }, async (req) => {
    const current = await configOr404(req.params.id);
    validateConfig(req.body as any, current);
    const { version, ...fields } = req.body;
    const row = await db.transaction().execute(async (tx) => {
      if (fields.isDefault) await tx.updateTable('operations.backup_config').set({ is_default: false }).where('is_default', '=', true).where('id', '<>', current.id).execute();
      const updated = await tx.updateTable('operations.backup_config').set({ ...configColumns(fields), updated_at: new Date(), version: sql`version + 1` } as any)
        .where('id', '=', current.id).where('version', '=', version).returningAll().executeTakeFirst().catch(nameTaken);
      if (!updated) throw new HttpError(409, 'version_conflict', 'The config changed since you read it.', undefined, undefined, { version: current.version });
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_config.update', entity: 'operations.backup_config', entityId: current.id, diff: changes(configOut(current), configOut(updated)) });
      return updated;
    });
    return configOut(row);
  });

  // ------------------------------------------------------------------ backups

  app.post('/backups', {
    schema: {
      tags, summary: 'Run a backup now (admin); default config if none named', body: Type.Object({ configId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: { 202: Type.Object({ backupId: Uuid, jobId: Uuid }), ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: admin, config: { idempotent: true },
  }, async (req, reply) => {
    const config = req.body.configId ? await configOr404(req.body.configId)
      : await db.selectFrom('operations.backup_config').selectAll().orderBy('is_default', 'desc').orderBy('created_at').executeTakeFirst();
    if (!config) throw unprocessable('no_backup_config', 'Create a backup config first.');
    const result = await db.transaction().execute(async (tx) => {
      const row = await service.createBackupRow(config, 'manual', tx).catch(asHttp);
      const jobId = await ctx.jobs.send(QUEUES.run, { backupId: row.id }, { db: tx, trigger: 'manual', actorUserId: req.user!.id, singletonKey: config.id });
      if (!jobId) throw conflict('backup_in_progress', `A backup of "${config.name}" is already queued.`);
      await recordAudit(tx, actorOf(req), { action: 'operations.backup.run', entity: 'operations.backup', entityId: row.id, diff: { configId: config.id } });
      return { backupId: row.id, jobId };
    });
    reply.code(202);
    return result;
  });

  app.get('/backups', {
    schema: {
      tags, summary: 'Backup catalogue, newest first (admin)',
      querystring: Type.Object({
        configId: Type.Optional(Uuid), status: Type.Optional(Type.Union(['running', 'completed', 'failed', 'corrupt', 'missing', 'deleted'].map((s) => Type.Literal(s)))),
        from: Type.Optional(DateTime), to: Type.Optional(DateTime), cursor: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
      }),
      response: { 200: Type.Object({ items: Type.Array(Backup), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 403) },
    },
    preHandler: admin,
  }, async (req) => {
    const { configId, status, from, to, cursor } = req.query;
    const limit = req.query.limit ?? 50;
    let q = backupQuery();
    if (configId) q = q.where('b.config_id', '=', configId);
    if (status) q = q.where('b.status', '=', status as BackupRow['status']);
    if (from) q = q.where('b.started_at', '>=', new Date(from));
    if (to) q = q.where('b.started_at', '<', new Date(to));
    if (cursor) q = q.where('b.id', '<', cursor);
    const rows = await q.orderBy('b.id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page.map(backupOut), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  });

  app.get('/backups/:id', {
    schema: { tags, summary: 'One backup with its manifest (admin)', params: IdParams, response: { 200: BackupDetail, ...problemResponses(401, 403, 404) } },
    preHandler: admin,
  }, async (req) => {
    const b = await backupOr404(req.params.id);
    let manifest: unknown = null;
    if (b.status === 'completed' || b.status === 'corrupt') {
      try {
        const config = await service.config(b.config_id);
        const chunks: Buffer[] = [];
        for await (const c of await service.storageOf(config.storage as StorageSpec).get(`${b.storage_key}.manifest.json`)) chunks.push(c as Buffer);
        manifest = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch { manifest = null; }
    }
    return { ...backupOut(b), migrationVersions: b.migration_versions, tableRowCounts: b.table_row_counts, manifest };
  });

  app.post('/backups/:id/verify', {
    schema: { tags, summary: 'Re-verify the stored object\'s SHA-256 now (admin)', params: IdParams, response: { 202: Accepted, ...problemResponses(401, 403, 404, 409) } },
    preHandler: admin,
  }, async (req, reply) => {
    const b = await backupOr404(req.params.id);
    if (b.status !== 'completed') throw conflict('backup_not_verifiable', `A ${b.status} backup has no object to verify.`);
    const jobId = await ctx.jobs.send(QUEUES.checksums, { backupId: b.id }, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: b.id });
    if (!jobId) throw conflict('verification_in_progress', 'A verification of this backup is already queued.');
    await recordAudit(db, actorOf(req), { action: 'operations.backup.verify', entity: 'operations.backup', entityId: b.id });
    reply.code(202);
    return { jobId };
  });

  for (const pinned of [true, false]) {
    app.post(`/backups/:id/${pinned ? 'pin' : 'unpin'}`, {
      schema: { tags, summary: pinned ? 'Pin: retention never deletes it (admin)' : 'Unpin (admin)', params: IdParams, response: { 200: Backup, ...problemResponses(401, 403, 404) } },
      preHandler: admin,
    }, async (req) => {
      const b = await backupOr404(req.params.id);
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('operations.backup').set({ pinned, updated_at: new Date() }).where('id', '=', b.id).execute();
        await recordAudit(tx, actorOf(req), { action: `operations.backup.${pinned ? 'pin' : 'unpin'}`, entity: 'operations.backup', entityId: b.id, diff: { pinned: [b.pinned, pinned] } });
      });
      return backupOut({ ...b, pinned });
    });
  }

  app.delete('/backups/:id', {
    schema: { tags, summary: 'Delete a backup (admin, step-up; `confirm` = first 8 characters of the id)', params: IdParams, body: Confirm, response: { 200: Backup, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: [admin, stepUp],
  }, async (req) => {
    const b = await backupOr404(req.params.id);
    if (req.body.confirm !== b.id.slice(0, 8)) throw unprocessable('confirmation_mismatch', 'Type the first 8 characters of the backup id to confirm.', [{ path: 'body.confirm', message: 'confirmation_mismatch' }]);
    if (b.status === 'deleted') throw conflict('backup_already_deleted', 'This backup is already deleted.');
    if (b.status === 'running') throw conflict('backup_in_progress', 'This backup is still running.');
    if (b.pinned) throw conflict('backup_pinned', 'Unpin the backup before deleting it.');
    if (b.restore_verify_status === 'passed') {
      const newest = await db.selectFrom('operations.backup').select('id').where('config_id', '=', b.config_id).where('status', '=', 'completed')
        .where('restore_verify_status', '=', 'passed').orderBy('taken_at', 'desc').limit(1).executeTakeFirst();
      if (newest?.id === b.id) throw conflict('last_verified_backup', 'This is the newest backup whose restore verification passed.');
    }
    const config = await service.config(b.config_id);
    const storage = service.storageOf(config.storage as StorageSpec);
    await storage.delete(b.storage_key);
    await storage.delete(`${b.storage_key}.manifest.json`);
    const updated = await db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('operations.backup').set({ status: 'deleted', deleted_at: new Date(), delete_reason: 'admin', updated_at: new Date() })
        .where('id', '=', b.id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'operations.backup.delete', entity: 'operations.backup', entityId: b.id, diff: { status: [b.status, 'deleted'] } });
      return row;
    });
    return backupOut({ ...updated, config_name: b.config_name });
  });

  app.get('/backups/:id/download', {
    schema: {
      tags, summary: 'Download the encrypted artefact, or its manifest with ?part=manifest (admin, step-up)', params: IdParams,
      querystring: Type.Object({ part: Type.Optional(Type.Union([Type.Literal('artefact'), Type.Literal('manifest')])) }),
      response: { 200: Type.Unknown(), ...problemResponses(401, 403, 404, 409) },
    },
    preHandler: [admin, stepUp],
  }, async (req, reply) => {
    const b = await backupOr404(req.params.id);
    if (b.status !== 'completed') throw conflict('backup_not_downloadable', `A ${b.status} backup cannot be downloaded.`);
    const config = await service.config(b.config_id);
    const storage = service.storageOf(config.storage as StorageSpec);
    await recordAudit(db, actorOf(req), { action: 'operations.backup.download', entity: 'operations.backup', entityId: b.id, diff: { part: req.query.part ?? 'artefact' } });
    const manifest = req.query.part === 'manifest';
    const name = `${b.id}.atrbkup${manifest ? '.manifest.json' : ''}`;
    reply.header('content-disposition', `attachment; filename="${name}"`).type(manifest ? 'application/json' : 'application/octet-stream');
    return reply.send(await storage.get(manifest ? `${b.storage_key}.manifest.json` : b.storage_key));
  });

  app.post('/backups/retention/preview', {
    schema: {
      tags, summary: 'What GFS retention would keep and delete now (admin)', body: Type.Object({ configId: Uuid }, { additionalProperties: false }),
      response: { 200: Type.Object({ keep: Type.Array(Type.Object({ backupId: Uuid, reasons: Type.Array(Type.String()) })), delete: Type.Array(Uuid) }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: admin,
  }, async (req) => {
    await configOr404(req.body.configId);
    return (await service.retentionPlan(req.body.configId)).plan;
  });

  app.post('/backups/retention/run', {
    schema: { tags, summary: 'Apply GFS retention now (admin)', body: Type.Object({ configId: Type.Optional(Uuid) }, { additionalProperties: false }), response: { 202: Accepted, ...problemResponses(400, 401, 403, 404, 409) } },
    preHandler: admin,
  }, async (req, reply) => {
    if (req.body.configId) await configOr404(req.body.configId);
    const jobId = await ctx.jobs.send(QUEUES.retention, req.body.configId ? { configId: req.body.configId } : {}, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: req.body.configId ?? 'all' });
    if (!jobId) throw conflict('retention_in_progress', 'A retention run is already queued.');
    await recordAudit(db, actorOf(req), { action: 'operations.backup.retention_run', entity: 'operations.backup_config', entityId: req.body.configId ?? null });
    reply.code(202);
    return { jobId };
  });

  app.get('/backup-storage/stats', {
    schema: {
      tags, summary: 'Per config: count, bytes, oldest and newest completed backup, free bytes (local) (admin)',
      response: { 200: Type.Array(Type.Object({ configId: Uuid, name: Type.String(), kind: Type.String(), count: Type.Integer(), totalBytes: Type.Integer(), oldest: Nullable(DateTime), newest: Nullable(DateTime), freeBytes: Nullable(Type.Integer()), error: Nullable(Type.String()) })), ...problemResponses(401, 403) },
    },
    preHandler: admin,
  }, async () => {
    const configs = await db.selectFrom('operations.backup_config').selectAll().orderBy('name').execute();
    const stats = await db.selectFrom('operations.backup').select(['config_id', sql<number>`count(*)::int`.as('n'), sql<number>`coalesce(sum(size_bytes), 0)::bigint`.as('bytes'),
      sql<Date>`min(taken_at)`.as('oldest'), sql<Date>`max(taken_at)`.as('newest')]).where('status', '=', 'completed').groupBy('config_id').execute();
    const by = new Map(stats.map((s) => [s.config_id, s]));
    return Promise.all(configs.map(async (c) => {
      const s = by.get(c.id);
      let freeBytes: number | null = null;
      let error: string | null = null;
      try {
        freeBytes = await service.storageOf(c.storage as StorageSpec).freeBytes();
      } catch (err) { error = (err as Error).message; }
      return { configId: c.id, name: c.name, kind: (c.storage as StorageSpec).kind, count: s?.n ?? 0, totalBytes: Number(s?.bytes ?? 0), oldest: iso(s?.oldest), newest: iso(s?.newest), freeBytes, error };
    }));
  });

  // ------------------------------------------------------------------ keys

  const keyOut = async () => {
    const rows = await db.selectFrom('operations.backup_key as k').selectAll('k')
      .select((eb) => eb.selectFrom('operations.backup as b').select(sql<number>`count(*)::int`.as('n')).whereRef('b.key_id', '=', 'k.key_id').where('b.status', '<>', 'deleted').as('referenced_by'))
      .orderBy('k.created_at').execute();
    let material = new Map<string, Buffer>();
    try { material = service.keys(); } catch { /* an unreadable key source: nothing loadable */ }
    return rows.map((k) => ({
      keyId: k.key_id, fingerprint: k.fingerprint, status: k.status, escrowConfirmedAt: iso(k.escrow_confirmed_at), escrowConfirmedBy: k.escrow_confirmed_by,
      activatedAt: iso(k.activated_at), retiredAt: iso(k.retired_at), createdAt: iso(k.created_at)!, referencedBy: Number(k.referenced_by ?? 0),
      loadable: material.has(k.key_id) && fingerprint(material.get(k.key_id)!) === k.fingerprint,
    }));
  };
  const keyOr404 = async (keyId: string) => {
    const row = await db.selectFrom('operations.backup_key').selectAll().where('key_id', '=', keyId).executeTakeFirst();
    if (!row) throw notFound();
    return row;
  };
  const oneKey = async (keyId: string) => (await keyOut()).find((k) => k.keyId === keyId)!;

  app.get('/backup-keys', {
    schema: { tags, summary: 'Backup keys: status, fingerprint, escrow, references (admin; never key material)', response: { 200: Type.Array(Key), ...problemResponses(401, 403) } },
    preHandler: admin,
  }, async () => keyOut());

  app.post('/backup-keys', {
    schema: { tags, summary: 'Register a key already loadable from the secret source (admin, step-up)', body: Type.Object({ keyId: KeyParams.properties.keyId }, { additionalProperties: false }), response: { 201: Key, ...problemResponses(400, 401, 403, 409, 422) } },
    preHandler: [admin, stepUp],
  }, async (req, reply) => {
    const { keyId } = req.body;
    if (!KEY_ID.test(keyId)) throw unprocessable('invalid_key_id', 'Key ids match ^[a-z0-9-]{3,40}$.');
    let material: Buffer | undefined;
    try { material = service.keys().get(keyId); } catch (err) { throw unprocessable('key_unavailable', (err as Error).message); }
    if (!material) throw unprocessable('key_unavailable', `Key "${keyId}" is not in ATRIUM_BACKUP_KEYS or the keys file; generate it with \`npm run backup-key -- generate ${keyId}\` first.`);
    await db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('operations.backup_key').values({ key_id: keyId, fingerprint: fingerprint(material!) }).onConflict((oc) => oc.doNothing()).returning('key_id').executeTakeFirst();
      if (!inserted) throw conflict('key_exists', `Key "${keyId}" is already registered.`);
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_key.create', entity: 'operations.backup_key', entityId: keyId, diff: { fingerprint: fingerprint(material!) } });
    });
    reply.code(201);
    return oneKey(keyId);
  });

  app.post('/backup-keys/:keyId/escrow-confirmation', {
    schema: { tags, summary: 'Record that the key was escrowed offline (admin, step-up)', params: KeyParams, response: { 200: Key, ...problemResponses(401, 403, 404, 409) } },
    preHandler: [admin, stepUp],
  }, async (req) => {
    const k = await keyOr404(req.params.keyId);
    if (k.status === 'retired') throw conflict('key_retired', 'A retired key cannot be confirmed.');
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('operations.backup_key').set({ escrow_confirmed_at: new Date(), escrow_confirmed_by: req.user!.id, updated_at: new Date() }).where('key_id', '=', k.key_id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_key.escrow_confirm', entity: 'operations.backup_key', entityId: k.key_id });
    });
    return oneKey(k.key_id);
  });

  app.post('/backup-keys/:keyId/activate', {
    schema: { tags, summary: 'Make this the key for new backups; the previous active key becomes decrypt-only (admin, step-up)', params: KeyParams, response: { 200: Key, ...problemResponses(401, 403, 404, 409, 422) } },
    preHandler: [admin, stepUp],
  }, async (req) => {
    const k = await keyOr404(req.params.keyId);
    if (k.status === 'active') throw conflict('key_already_active', 'This key is already active.');
    if (k.status !== 'pending') throw conflict('invalid_transition', `A ${k.status} key cannot be activated.`);
    if (!k.escrow_confirmed_at) throw conflict('key_not_escrowed', 'Confirm the offline escrow of this key first.');
    await service.loadableKey(k.key_id).catch(asHttp);
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('operations.backup_key').set({ status: 'decrypt_only', updated_at: new Date() }).where('status', '=', 'active').execute();
      await tx.updateTable('operations.backup_key').set({ status: 'active', activated_at: new Date(), updated_at: new Date() }).where('key_id', '=', k.key_id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_key.activate', entity: 'operations.backup_key', entityId: k.key_id, diff: { status: [k.status, 'active'] } });
    });
    return oneKey(k.key_id);
  });

  app.post('/backup-keys/:keyId/retire', {
    schema: { tags, summary: 'Retire a pending or decrypt-only key no retained backup uses (admin, step-up)', params: KeyParams, response: { 200: Key, ...problemResponses(401, 403, 404, 409) } },
    preHandler: [admin, stepUp],
  }, async (req) => {
    const k = await keyOr404(req.params.keyId);
    if (k.status !== 'pending' && k.status !== 'decrypt_only') throw conflict('invalid_transition', `A ${k.status} key cannot be retired.`);
    const used = await db.selectFrom('operations.backup').select(sql<number>`count(*)::int`.as('n')).where('key_id', '=', k.key_id).where('status', '<>', 'deleted').executeTakeFirstOrThrow();
    if (used.n > 0) throw conflict('key_in_use', `${used.n} retained backup(s) still use this key: rewrap them first.`);
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('operations.backup_key').set({ status: 'retired', retired_at: new Date(), updated_at: new Date() }).where('key_id', '=', k.key_id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.backup_key.retire', entity: 'operations.backup_key', entityId: k.key_id, diff: { status: [k.status, 'retired'] } });
    });
    return oneKey(k.key_id);
  });

  app.post('/backup-keys/rewrap', {
    schema: { tags, summary: 'Rewrap retained backups of a key to the active key (admin, step-up)', body: Type.Object({ fromKeyId: KeyParams.properties.keyId }, { additionalProperties: false }), response: { 202: Accepted, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: [admin, stepUp],
  }, async (req, reply) => {
    const k = await keyOr404(req.body.fromKeyId);
    if (k.status === 'active') throw conflict('key_already_active', 'Activate another key before rewrapping this one.');
    await service.loadableKey(k.key_id).catch(asHttp);
    const jobId = await ctx.jobs.send(QUEUES.rewrap, { fromKeyId: k.key_id }, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: k.key_id });
    if (!jobId) throw conflict('rewrap_in_progress', 'A rewrap of this key is already queued.');
    await recordAudit(db, actorOf(req), { action: 'operations.backup_key.rewrap', entity: 'operations.backup_key', entityId: k.key_id });
    reply.code(202);
    return { jobId };
  });

  // ------------------------------------------------------------------ restores

  const restoreRows = () => db.selectFrom('operations.restore_detail as d').innerJoin('platform.operation_run as r', 'r.id', 'd.run_id')
    .select(['d.run_id', 'd.backup_id', 'd.mode', 'd.target_database', 'd.checks', 'd.rto_seconds', 'd.rpo_seconds', 'r.status', 'r.started_at', 'r.finished_at', 'r.error', 'r.job_id', 'r.queue']);
  const restoreOut = (r: Awaited<ReturnType<ReturnType<typeof restoreRows>['execute']>>[number]) => ({
    runId: r.run_id, backupId: r.backup_id, mode: r.mode, targetDatabase: r.target_database, checks: r.checks as Static<typeof Check>[], rtoSeconds: r.rto_seconds,
    rpoSeconds: r.rpo_seconds, status: r.status, startedAt: iso(r.started_at)!, finishedAt: iso(r.finished_at), error: r.error ? { code: r.error.code, message: r.error.message } : null,
    jobId: r.job_id, queue: r.queue,
  });

  app.post('/restores', {
    schema: {
      tags, summary: 'Restore a backup into a new database (admin, step-up; `confirm` = first 8 characters of backupId)',
      body: Type.Object({
        backupId: Uuid, mode: Type.Optional(Type.Union([Type.Literal('new_database'), Type.Literal('in_place_schema')])), targetDatabase: Type.Optional(Type.String({ maxLength: 63 })),
        schemas: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 20 })), confirm: Type.String({ maxLength: 36 }),
      }, { additionalProperties: false }),
      response: { 202: Type.Object({ jobId: Uuid, targetDatabase: Type.String() }), ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: [admin, stepUp], config: { idempotent: true },
  }, async (req, reply) => {
    const b = await backupOr404(req.body.backupId);
    if (req.body.confirm !== b.id.slice(0, 8)) throw unprocessable('confirmation_mismatch', 'Type the first 8 characters of the backup id to confirm.', [{ path: 'body.confirm', message: 'confirmation_mismatch' }]);
    if ((req.body.mode ?? 'new_database') === 'in_place_schema') {
      throw unprocessable('mode_not_available', 'In-place schema restore is not available in this version; restore into a new database and cut over (runbook).');
    }
    if (b.status !== 'completed') throw conflict('backup_not_restorable', `Only completed backups can be restored; this one is ${b.status}.`);
    const running = await db.selectFrom('platform.operation_run').select('id').where('queue', '=', QUEUES.restore).where('status', '=', 'running').executeTakeFirst();
    if (running) throw conflict('restore_in_progress', 'Another restore is running.');
    const now = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    const target = req.body.targetDatabase ?? `atrium_restore_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
    if (!DATABASE_NAME.test(target)) throw unprocessable('invalid_database_name', 'Database names match ^[a-z][a-z0-9_]{0,62}$.', [{ path: 'body.targetDatabase', message: 'invalid_database_name' }]);
    if (await databaseExists(service.databaseUrl, target)) throw conflict('target_database_exists', `Database ${target} already exists.`);
    const jobId = await ctx.jobs.send(QUEUES.restore, { backupId: b.id, mode: 'new_database', targetDatabase: target }, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: 'restore' });
    if (!jobId) throw conflict('restore_in_progress', 'Another restore is queued.');
    await recordAudit(db, actorOf(req), { action: 'operations.restore.start', entity: 'operations.backup', entityId: b.id, diff: { mode: 'new_database', targetDatabase: target } });
    reply.code(202);
    return { jobId, targetDatabase: target };
  });

  app.get('/restores', {
    schema: {
      tags, summary: 'Restores and restore verifications, newest first (admin)',
      querystring: Type.Object({ backupId: Type.Optional(Uuid), cursor: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
      response: { 200: Type.Object({ items: Type.Array(Restore), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 403) },
    },
    preHandler: admin,
  }, async (req) => {
    const limit = req.query.limit ?? 50;
    let q = restoreRows();
    if (req.query.backupId) q = q.where('d.backup_id', '=', req.query.backupId);
    if (req.query.cursor) q = q.where('d.run_id', '<', req.query.cursor);
    const rows = await q.orderBy('d.run_id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page.map(restoreOut), nextCursor: rows.length > limit ? page[page.length - 1].run_id : null };
  });

  app.get('/restores/:runId', {
    schema: { tags, summary: 'One restore or verification with its checks (admin)', params: Type.Object({ runId: Uuid }), response: { 200: Restore, ...problemResponses(401, 403, 404) } },
    preHandler: admin,
  }, async (req) => {
    const row = await restoreRows().where('d.run_id', '=', req.params.runId).executeTakeFirst();
    if (!row) throw notFound();
    return restoreOut(row);
  });

  app.post('/restore-verifications', {
    schema: {
      tags, summary: 'Verify by restoring into a scratch database now (admin); default: newest completed backup of each enabled config',
      body: Type.Object({ backupId: Type.Optional(Uuid) }, { additionalProperties: false }), response: { 202: Accepted, ...problemResponses(400, 401, 403, 404, 409) },
    },
    preHandler: admin,
  }, async (req, reply) => {
    if (req.body.backupId) {
      const b = await backupOr404(req.body.backupId);
      if (b.status !== 'completed') throw conflict('backup_not_restorable', `Only completed backups can be verified; this one is ${b.status}.`);
    }
    const jobId = await ctx.jobs.send(QUEUES.verifyRestore, req.body.backupId ? { backupId: req.body.backupId } : {}, { trigger: 'manual', actorUserId: req.user!.id, singletonKey: req.body.backupId ?? 'all' });
    if (!jobId) throw conflict('verification_in_progress', 'A restore verification is already queued.');
    await recordAudit(db, actorOf(req), { action: 'operations.backup.verify_restore', entity: 'operations.backup', entityId: req.body.backupId ?? null });
    reply.code(202);
    return { jobId };
  });
}
