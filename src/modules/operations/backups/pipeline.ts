/**
 * The backup pipeline (spec §5.4) and the artefact reader used by restore and verification (§4.8, §5.5).
 *
 * pg_dump → tar (manifest.json, db.dump split in `db.dump.NNNNNN` parts because a tar entry needs its size up front
 * and the dump's is unknown) → AES-256-GCM STREAM → SHA-256 + size → storage, in one stream pass: no plaintext
 * touches the disk while backing up.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import * as tar from 'tar-stream';
import { DecryptStream, EncryptStream, type ArtefactHeader, type KeyLookup } from './artefact.js';
import { BackupError } from './errors.js';
import type { BackupStorage } from './storage.js';
import { resolvePgTool } from './pgtools.js';

export const PART_SIZE = 16 * 1024 * 1024;
const STDERR_TAIL = 16 * 1024;

/** Counts bytes and hashes them as they pass. */
export class HashCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  digest?: string;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback) {
    this.digest = this.hash.digest('hex');
    cb();
  }
}

/** SHA-256 and size of a stored object (read-back check, checksum job). */
export async function hashObject(storage: BackupStorage, key: string): Promise<{ sha256: string; size: number }> {
  const h = new HashCounter();
  await pipeline(await storage.get(key), h, new Writable({ write: (_c, _e, cb) => cb() }));
  return { sha256: h.digest!, size: h.bytes };
}

/** Environment for libpq tools from a connection string (the password never appears on a command line). */
export function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: decodeURIComponent(u.hostname) || '127.0.0.1', PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || 'postgres', PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)), PGAPPNAME: 'atrium-backup', PGCONNECT_TIMEOUT: '10',
  };
}

export const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

export async function serverVersion(client: pg.ClientBase): Promise<{ version: string; major: number }> {
  const r = await client.query<{ v: string; n: string }>("select current_setting('server_version') as v, current_setting('server_version_num') as n");
  return { version: r.rows[0].v.split(' ')[0], major: Math.floor(Number(r.rows[0].n) / 10000) };
}

export interface BackupScope { schemas: 'all' | string[]; excludeSchemas?: string[] }

const ALWAYS_EXCLUDED = ['pgboss'];

/** Tables (not partitions) of the scope: `schema.table` names counted in the snapshot. */
async function scopeTables(client: pg.ClientBase, scope: BackupScope): Promise<string[]> {
  const exclude = [...new Set([...(scope.excludeSchemas ?? []), ...ALWAYS_EXCLUDED])];
  const r = await client.query<{ name: string }>(`
    select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%'
      and not (n.nspname = any($1::text[])) and ($2::text[] is null or n.nspname = any($2::text[]))
    order by 1`, [exclude, scope.schemas === 'all' ? null : scope.schemas]);
  return r.rows.map((x) => x.name);
}

const quoteIdent = (name: string) => name.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');

export interface BackupManifest {
  format: 'atrium-backup-manifest';
  v: 1;
  backupId: string;
  configId: string;
  takenAt: string;
  serverVersion: string;
  dumpToolVersion: string;
  migrationVersions: Record<string, string>;
  tableRowCounts: Record<string, number>;
  keyId?: string;
  sizeBytes?: number;
  sha256?: string;
  plainSha256?: string;
  dumpBytes?: number;
  fileCount: number;
}

export interface RunBackupInput {
  databaseUrl: string;
  backupId: string;
  configId: string;
  scope: BackupScope;
  compressionLevel: number;
  storage: BackupStorage;
  storageKey: string;
  key: { keyId: string; kek: Buffer };
  verifyAfterWrite: boolean;
  pgBinDir?: string;
  signal?: AbortSignal;
  /** Called once the canary is committed and before pg_dump starts (tests use it to write concurrently). */
  onSnapshot?: () => Promise<void>;
}

export interface RunBackupResult {
  manifest: BackupManifest;
  sizeBytes: number;
  sha256: string;
  plainSha256: string;
  takenAt: Date;
}

/** Migration versions per module: the latest applied migration of each `NNNN_<module>_…` file. */
async function migrationVersions(client: pg.ClientBase): Promise<Record<string, string>> {
  const r = await client.query<{ name: string }>('select name from platform.schema_migrations order by name');
  const out: Record<string, string> = {};
  for (const { name } of r.rows) {
    const m = /^\d+_([a-z]+)/.exec(name);
    out[m ? m[1] : 'other'] = name;
  }
  return out;
}

/** Splits a byte stream into tar entries `db.dump.NNNNNN` of at most PART_SIZE bytes and hashes the whole. */
class DumpPacker extends Writable {
  private parts: Buffer[] = [];
  private length = 0;
  private index = 0;
  private readonly hash = createHash('sha256');
  bytes = 0;
  digest?: string;
  constructor(private readonly pack: tar.Pack) {
    super({ highWaterMark: 1024 * 1024 });
  }
  private emit_(cb: (err?: Error | null) => void) {
    const buf = Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    const name = `db.dump.${String(this.index++).padStart(6, '0')}`;
    this.pack.entry({ name, size: buf.length, mode: 0o600 }, buf, (err) => cb(err));
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.parts.push(chunk);
    this.length += chunk.length;
    if (this.length >= PART_SIZE) this.emit_(cb);
    else cb();
  }
  override _final(cb: (err?: Error | null) => void) {
    this.digest = this.hash.digest('hex');
    if (this.length || this.index === 0) this.emit_(cb);
    else cb();
  }
}

/** Steps 2–7 of §5.4 (the caller did the catalog row and does the state change). */
export async function runBackup(input: RunBackupInput): Promise<RunBackupResult> {
  const client = new pg.Client({ connectionString: input.databaseUrl, application_name: 'atrium-backup-snapshot' });
  await client.connect();
  client.on('error', () => {});
  try {
    const server = await serverVersion(client);
    const dump = await resolvePgTool('pg_dump', server.major, input.pgBinDir);
    // 2. Canary, committed before the snapshot.
    await client.query(`insert into operations.backup_canary (id, backup_id, written_at) values (1, $1, now())
      on conflict (id) do update set backup_id = excluded.backup_id, written_at = excluded.written_at`, [input.backupId]);
    // 3. Snapshot, counts and versions in it.
    await client.query('begin isolation level repeatable read read only');
    const snapshot = (await client.query<{ s: string; t: Date }>('select pg_export_snapshot() as s, now() as t')).rows[0];
    const takenAt = new Date(snapshot.t);
    const tables = await scopeTables(client, input.scope);
    const tableRowCounts: Record<string, number> = {};
    if (tables.length) {
      const r = await client.query<{ name: string; n: string }>(tables.map((t, i) => `select $${i + 1}::text as name, count(*) as n from ${quoteIdent(t)}`).join(' union all '), tables);
      for (const row of r.rows) tableRowCounts[row.name] = Number(row.n);
    }
    const manifest: BackupManifest = {
      format: 'atrium-backup-manifest', v: 1, backupId: input.backupId, configId: input.configId, takenAt: takenAt.toISOString(),
      serverVersion: server.version, dumpToolVersion: `pg_dump ${dump.version}`, migrationVersions: await migrationVersions(client),
      tableRowCounts, fileCount: 0,
    };
    await input.onSnapshot?.();

    // 4. pg_dump in the snapshot, streamed.
    const args = ['--format=custom', `--snapshot=${snapshot.s}`, `--compress=${input.compressionLevel}`, '--no-password'];
    for (const s of [...new Set([...(input.scope.excludeSchemas ?? []), ...ALWAYS_EXCLUDED])]) args.push(`--exclude-schema=${s}`);
    if (input.scope.schemas !== 'all') for (const s of input.scope.schemas) args.push(`--schema=${s}`);
    const child = spawn(dump.path, args, { env: libpqEnv(input.databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL); });
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
    const onAbort = () => child.kill('SIGTERM');
    input.signal?.addEventListener('abort', onAbort, { once: true });

    // 5–6. Archive, encrypt, hash, store.
    const pack = tar.pack();
    const packer = new DumpPacker(pack);
    const encrypt = new EncryptStream({ kek: input.key.kek, keyId: input.key.keyId, backupId: input.backupId, createdAt: takenAt });
    const stored = new HashCounter();
    pack.entry({ name: 'manifest.json', mode: 0o600 }, JSON.stringify(manifest, null, 2));
    const producing = (async () => {
      await pipeline(child.stdout, packer);
      const code = await exited;
      if (code !== 0) throw new BackupError('pg_dump_failed', `pg_dump exited with ${code}: ${stderr.trim() || '(no message)'}`);
      pack.finalize();
    })();
    producing.catch((err) => pack.destroy(err as Error));
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    pack.pipe(encrypt).pipe(stored).pipe(out);
    pack.on('error', (err: Error) => out.destroy(err));
    encrypt.on('error', (err) => out.destroy(err));
    stored.on('error', (err) => out.destroy(err));
    try {
      await Promise.all([producing, input.storage.put(input.storageKey, out, input.signal)]);
    } catch (err) {
      child.kill('SIGTERM');
      await input.storage.delete(input.storageKey).catch(() => undefined);
      throw err;
    } finally {
      input.signal?.removeEventListener('abort', onAbort);
      // 8. The snapshot transaction stays open until pg_dump exited.
      await client.query('commit').catch(() => undefined);
    }
    const sha256 = stored.digest!;
    if (input.verifyAfterWrite) {
      const back = await hashObject(input.storage, input.storageKey);
      if (back.sha256 !== sha256 || back.size !== stored.bytes) {
        await input.storage.delete(input.storageKey).catch(() => undefined);
        throw new BackupError('verify_after_write_failed', `Read-back SHA-256 ${back.sha256} differs from the written ${sha256}.`);
      }
    }
    // 7. Sidecar manifest (no data).
    const full: BackupManifest = { ...manifest, keyId: input.key.keyId, sizeBytes: stored.bytes, sha256, plainSha256: packer.digest!, dumpBytes: packer.bytes };
    await input.storage.put(`${input.storageKey}.manifest.json`, Readable.from([Buffer.from(JSON.stringify(full, null, 2))]));
    return { manifest: full, sizeBytes: stored.bytes, sha256, plainSha256: packer.digest!, takenAt };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface OpenedArtefact {
  header: ArtefactHeader;
  manifest: BackupManifest;
  dumpFile: string;
  plainSha256: string;
  storedSha256: string;
  storedBytes: number;
}

/**
 * §4.8 steps 1–3: reads the stored object, checks its SHA-256 against `expectedSha256`, decrypts (GCM tag of
 * every chunk, final chunk present), unpacks the dump to `dumpFile` (mode 0600) and checks `plain_sha256`.
 */
export async function openArtefact(o: {
  storage: BackupStorage; storageKey: string; keys: KeyLookup; expectedSha256: string; expectedPlainSha256?: string; dumpFile: string; signal?: AbortSignal;
}): Promise<OpenedArtefact> {
  await mkdir(path.dirname(o.dumpFile), { recursive: true, mode: 0o700 });
  const stored = new HashCounter();
  let header: ArtefactHeader | undefined;
  const decrypt = new DecryptStream(o.keys, (h) => { header = h; });
  const extract = tar.extract();
  const plain = createHash('sha256');
  let manifest: BackupManifest | undefined;
  const out = createWriteStream(o.dumpFile, { mode: 0o600 });
  let nextPart = 0;
  extract.on('entry', (h, stream, next) => {
    if (h.name === 'manifest.json') {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
      stream.on('end', () => {
        try {
          manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
          next();
        } catch {
          next(new BackupError('bad_archive', 'manifest.json inside the artefact is not JSON.'));
        }
      });
      return;
    }
    const m = /^db\.dump\.(\d{6})$/.exec(h.name);
    if (!m) {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    if (Number(m[1]) !== nextPart++) return next(new BackupError('bad_archive', `Dump part ${h.name} out of order.`));
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      plain.update(c);
      if (!out.write(c)) {
        stream.pause();
        out.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => next());
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  try {
    await pipeline(await o.storage.get(o.storageKey), stored, decrypt, extract, { signal: o.signal });
    await finished;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    await rm(o.dumpFile, { force: true });
    if (err instanceof BackupError) throw err;
    throw new BackupError('bad_archive', `The artefact could not be read: ${(err as Error).message}`);
  }
  if (stored.digest !== o.expectedSha256) {
    await rm(o.dumpFile, { force: true });
    throw new BackupError('checksum_mismatch', `Stored object SHA-256 ${stored.digest} differs from the catalog's ${o.expectedSha256}.`);
  }
  const plainSha256 = plain.digest('hex');
  if (!manifest || nextPart === 0) throw new BackupError('bad_archive', 'The archive has no manifest or no database dump.');
  if (o.expectedPlainSha256 && plainSha256 !== o.expectedPlainSha256) {
    await rm(o.dumpFile, { force: true });
    throw new BackupError('checksum_mismatch', `Dump SHA-256 ${plainSha256} differs from the recorded ${o.expectedPlainSha256}.`);
  }
  return { header: header!, manifest, dumpFile: o.dumpFile, plainSha256, storedSha256: stored.digest!, storedBytes: stored.bytes };
}
