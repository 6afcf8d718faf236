/**
 * Where artefacts live: a local directory or an S3-compatible bucket (spec §3.3 `storage`). Writes are atomic:
 * local files are written as `<key>.partial` then renamed; S3 objects appear only when the (multipart) upload
 * completes, and a failed upload is aborted.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BackupError } from './errors.js';

export type StorageSpec =
  | { kind: 'local'; directory?: string }
  | { kind: 's3'; endpoint?: string; region?: string; bucket: string; prefix?: string; forcePathStyle?: boolean; credentialsRef?: string };

export interface BackupStorage {
  readonly kind: 'local' | 's3';
  /** Streams `body` to `key`; the object exists only if this resolves. */
  put(key: string, body: Readable, signal?: AbortSignal): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Size in bytes, or null when absent. */
  size(key: string): Promise<number | null>;
  delete(key: string): Promise<void>;
  list(): Promise<{ key: string; size: number }[]>;
  /** Removes what an interrupted `put` may have left (partial file, open multipart uploads). */
  abortPartial(key: string): Promise<number>;
  /** Free bytes on the target file system (local only). */
  freeBytes(): Promise<number | null>;
  /** Throws `storage_config_invalid`/`preflight_storage` when the target is not writable. */
  check(): Promise<void>;
}

export class LocalStorage implements BackupStorage {
  readonly kind = 'local' as const;
  constructor(readonly directory: string) {}

  private file(key: string) {
    const full = path.resolve(this.directory, key);
    if (!full.startsWith(path.resolve(this.directory) + path.sep)) throw new BackupError('storage_config_invalid', `Key ${key} escapes the backup directory.`);
    return full;
  }

  async put(key: string, body: Readable, signal?: AbortSignal) {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const partial = `${target}.partial`;
    try {
      await pipeline(body, createWriteStream(partial, { mode: 0o600 }), { signal });
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async get(key: string) {
    const file = this.file(key);
    if ((await this.size(key)) === null) throw new BackupError('object_missing', `Object ${key} is missing from ${this.directory}.`);
    return createReadStream(file, { highWaterMark: 1024 * 1024 });
  }

  async size(key: string) {
    try {
      return (await stat(this.file(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(key: string) {
    await rm(this.file(key), { force: true });
  }

  async list() {
    const out: { key: string; size: number }[] = [];
    const walk = async (dir: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.partial')) out.push({ key: path.relative(this.directory, full).split(path.sep).join('/'), size: (await stat(full)).size });
      }
    };
    await walk(this.directory);
    return out;
  }

  async abortPartial(key: string) {
    const partial = `${this.file(key)}.partial`;
    const existed = (await stat(partial).catch(() => null)) !== null;
    await rm(partial, { force: true });
    return existed ? 1 : 0;
  }

  async freeBytes() {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const s = await statfs(this.directory);
    return s.bavail * s.bsize;
  }

  async check() {
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      const probe = path.join(this.directory, `.write-probe-${process.pid}`);
      await pipeline(Readable.from([Buffer.from('ok')]), createWriteStream(probe));
      await rm(probe, { force: true });
    } catch (err) {
      throw new BackupError('preflight_storage', `Backup directory ${this.directory} is not writable: ${(err as Error).message}`);
    }
  }
}

/** Credentials of an S3 store: env ATRIUM_BACKUP_S3_<REF>_ACCESS_KEY_ID / _SECRET_ACCESS_KEY (REF upper-cased, - → _). */
export function s3Credentials(ref: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const name = (ref ?? 'default').toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const accessKeyId = env[`ATRIUM_BACKUP_S3_${name}_ACCESS_KEY_ID`];
  const secretAccessKey = env[`ATRIUM_BACKUP_S3_${name}_SECRET_ACCESS_KEY`];
  if (!accessKeyId || !secretAccessKey) {
    throw new BackupError('storage_config_invalid',
      `S3 credentials "${ref ?? 'default'}" are not configured: set ATRIUM_BACKUP_S3_${name}_ACCESS_KEY_ID and ATRIUM_BACKUP_S3_${name}_SECRET_ACCESS_KEY.`);
  }
  return { accessKeyId, secretAccessKey };
}

export class S3Storage implements BackupStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly prefix: string;
  constructor(private readonly spec: Extract<StorageSpec, { kind: 's3' }>, env: NodeJS.ProcessEnv = process.env) {
    this.client = new S3Client({
      endpoint: spec.endpoint, region: spec.region ?? 'us-east-1', forcePathStyle: spec.forcePathStyle ?? true,
      credentials: s3Credentials(spec.credentialsRef, env),
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.prefix = spec.prefix ?? 'atrium-backups/';
  }

  private key(key: string) {
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: Readable, signal?: AbortSignal) {
    const pass = new PassThrough({ highWaterMark: 1024 * 1024 });
    body.on('error', (err) => pass.destroy(err));
    body.pipe(pass);
    const upload = new Upload({
      client: this.client, params: { Bucket: this.spec.bucket, Key: this.key(key), Body: pass },
      partSize: 8 * 1024 * 1024, queueSize: 2, leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    let failure: Error | undefined;
    body.once('error', (err) => {
      failure = err;
      abort();
    });
    try {
      await upload.done();
    } catch (err) {
      await this.abortPartial(key).catch(() => undefined);
      throw failure ?? err;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    if (failure) {
      await this.delete(key).catch(() => undefined);
      throw failure;
    }
  }

  async get(key: string) {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: this.key(key) }));
      return r.Body as Readable;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') throw new BackupError('object_missing', `Object ${key} is missing from bucket ${this.spec.bucket}.`);
      throw err;
    }
  }

  async size(key: string) {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.key(key) }));
      return Number(r.ContentLength ?? 0);
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.spec.bucket, Key: this.key(key) }));
  }

  async list() {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) out.push({ key: o.Key!.slice(this.prefix.length), size: Number(o.Size ?? 0) });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async abortPartial(key: string) {
    const r = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.spec.bucket, Prefix: this.key(key) }));
    let n = 0;
    for (const u of r.Uploads ?? []) {
      if (u.Key !== this.key(key)) continue;
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.spec.bucket, Key: u.Key, UploadId: u.UploadId }));
      n++;
    }
    return n;
  }

  async freeBytes() {
    return null;
  }

  async check() {
    const probe = this.key(`.write-probe-${process.pid}`);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.spec.bucket, Key: probe, Body: 'ok' }));
      await this.client.send(new DeleteObjectCommand({ Bucket: this.spec.bucket, Key: probe }));
    } catch (err) {
      throw new BackupError('preflight_storage', `S3 bucket ${this.spec.bucket} at ${this.spec.endpoint ?? 'AWS'} is not writable: ${(err as Error).message}`);
    }
  }
}

export function openStorage(spec: StorageSpec, defaultDir: string, env: NodeJS.ProcessEnv = process.env): BackupStorage {
  if (spec.kind === 'local') return new LocalStorage(path.resolve(spec.directory || defaultDir));
  if (spec.kind === 's3') {
    if (!spec.bucket) throw new BackupError('storage_config_invalid', 'S3 storage needs a bucket.');
    return new S3Storage(spec, env);
  }
  throw new BackupError('storage_config_invalid', `Unknown storage kind ${(spec as { kind: string }).kind}.`);
}
