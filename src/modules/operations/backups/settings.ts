/**
 * Backup settings from the environment (docs/configuration.md, "Backups"). Read from process.env at use so a
 * test or an operator can change them without touching the platform config.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../platform/config.js';
import { BackupError } from './errors.js';

export interface BackupSettings {
  /** Where local artefacts go when a config names no directory. */
  backupDir: string;
  /** JSON file of `{keyId: base64}` key-encryption keys (when ATRIUM_BACKUP_KEYS is not set). */
  keysFile: string;
  /** Server for restore verification scratch databases; default the main server. */
  scratchUrl?: string;
  /** Directory holding pg_dump / pg_restore, if not found by server major version. */
  pgBinDir?: string;
  /** Temp area for restores (mode 0600 files). */
  tempDir: string;
}

export function backupSettings(config: Pick<Config, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): BackupSettings {
  return {
    backupDir: path.resolve(env.ATRIUM_BACKUP_DIR || path.join(config.dataDir, 'backups')),
    keysFile: path.resolve(env.ATRIUM_BACKUP_KEYS_FILE || path.join(config.dataDir, 'secrets', 'backup-keys.json')),
    scratchUrl: env.ATRIUM_BACKUP_SCRATCH_URL || undefined,
    pgBinDir: env.ATRIUM_PG_BIN_DIR || undefined,
    tempDir: path.resolve(env.ATRIUM_BACKUP_TEMP_DIR || path.join(config.dataDir, 'tmp', 'backups')),
  };
}

/** First 16 bytes (hex) of HMAC-SHA-256(key, "atrium-backup-key-fingerprint-v1") — spec §3.3. */
export const fingerprint = (key: Buffer) => createHmac('sha256', key).update('atrium-backup-key-fingerprint-v1').digest().subarray(0, 16).toString('hex');

export const KEY_ID = /^[a-z0-9-]{3,40}$/;

/**
 * Loads the key-encryption keys: ATRIUM_BACKUP_KEYS (JSON `{keyId: base64}`) if set, else the keys file. Keys are
 * 32 random bytes, never derived from the application secret: a key equal to it is refused.
 */
export function loadKeys(settings: BackupSettings, appSecret: string | undefined, env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  let source: string | undefined;
  let where: string;
  if (env.ATRIUM_BACKUP_KEYS) {
    source = env.ATRIUM_BACKUP_KEYS;
    where = 'ATRIUM_BACKUP_KEYS';
  } else {
    where = settings.keysFile;
    if (existsSync(settings.keysFile)) source = readFileSync(settings.keysFile, 'utf8');
  }
  const keys = new Map<string, Buffer>();
  if (!source) return keys;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    throw new BackupError('key_source_invalid', `${where} is not JSON: expected {"<keyId>": "<base64 of 32 bytes>"}.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BackupError('key_source_invalid', `${where}: expected a JSON object of keyId → base64.`);
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!KEY_ID.test(id)) throw new BackupError('key_source_invalid', `${where}: key id "${id}" must match ^[a-z0-9-]{3,40}$.`);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 32) throw new BackupError('key_source_invalid', `${where}: key "${id}" must be base64 of 32 random bytes (atrium ops backup-key generate).`);
    if (appSecret && (bytes.equals(Buffer.from(appSecret, 'utf8')) || value === appSecret)) {
      throw new BackupError('key_source_invalid', `${where}: key "${id}" equals the application secret; backup keys must be independent random bytes.`);
    }
    keys.set(id, bytes);
  }
  return keys;
}

/** A new key-encryption key, base64 (printed once for escrow by the CLI). */
export const generateKey = () => randomBytes(32).toString('base64');

/** Adds a key to the keys file (mode 0600), creating it; used by the CLI and the demo seed. */
export function addKeyToFile(file: string, keyId: string, base64: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Record<string, string> : {};
  if (current[keyId]) throw new BackupError('key_exists', `Key "${keyId}" already exists in ${file}.`);
  current[keyId] = base64;
  writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
}
