/** Shared set-up of the backup tests: keys, a temp data dir, an app with the operations module, step-up tokens. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { operations } from '../index.js';
import { fingerprint } from './settings.js';
import { resolvePgTool } from './pgtools.js';
import { serverVersion } from './pipeline.js';

export const KEY_A = randomBytes(32);
export const KEY_B = randomBytes(32);

export function setKeys(keys: Record<string, Buffer>) {
  process.env.ATRIUM_BACKUP_KEYS = JSON.stringify(Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, v.toString('base64')])));
}

/** Why backup tests cannot run here (no pg_dump for the server's major version), or null. */
export async function missingPgDump(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { major } = await serverVersion(c);
  await c.end();
  try {
    await resolvePgTool('pg_dump', major);
    await resolvePgTool('pg_restore', major);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export interface BackupTestApp extends TestApp { admin: TestUser; dataDir: string }

export async function startBackupApp(): Promise<BackupTestApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atrium-backups-'));
  process.env.ATRIUM_BACKUP_DIR = path.join(dataDir, 'backups');
  setKeys({ 'key-a': KEY_A, 'key-b': KEY_B });
  const t = await startTestApp({ modules: [operations], env: { ATRIUM_DATA_DIR: dataDir } });
  await t.db.db.insertInto('operations.backup_key').values({ key_id: 'key-a', fingerprint: fingerprint(KEY_A), status: 'active', escrow_confirmed_at: new Date(), activated_at: new Date() }).execute();
  const admin = await t.createUser(['admin']);
  return Object.assign(t, { admin, dataDir });
}

/** The user's access token re-signed with a fresh TOTP time (a session that just passed step-up). */
export async function stepUpToken(t: TestApp, user: TestUser): Promise<string> {
  const claims = await t.app.platform.tokens.verifyAccess(user.token);
  return t.app.platform.tokens.signAccess({ ...claims!, totpAt: Math.floor(Date.now() / 1000) });
}

export async function waitForBackup(t: TestApp, id: string, statuses = ['completed', 'failed'], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await t.db.db.selectFrom('operations.backup').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    if (statuses.includes(row.status)) return row;
    if (Date.now() > deadline) throw new Error(`backup ${id} still ${row.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function waitForJob(t: TestApp, jobId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await t.db.db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', jobId).orderBy('attempt', 'desc').execute();
    if (runs[0] && runs[0].status !== 'running') return runs[0];
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
