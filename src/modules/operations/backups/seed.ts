/**
 * Demo data for backups: a default local config and, when no key source exists yet, a demo key written to the keys
 * file (mode 0600) and registered as active — so "Run backup now" works on first start. Production operators
 * generate, escrow and activate their own key (docs/operations.md, "Backups"). Idempotent.
 */
import { existsSync } from 'node:fs';
import type { ModuleContext } from '../../../platform/types.js';
import { addKeyToFile, backupSettings, fingerprint, generateKey, loadKeys } from './settings.js';

export const DEMO_KEY_ID = 'demo-key-1';

export async function seedBackupsDemo(ctx: ModuleContext): Promise<void> {
  const { db } = ctx;
  const settings = backupSettings(ctx.config);
  await db.insertInto('operations.backup_config').values({
    name: 'daily', storage: JSON.stringify({ kind: 'local' }), is_default: true,
  }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const hasKeys = await db.selectFrom('operations.backup_key').select('key_id').limit(1).executeTakeFirst();
  if (hasKeys) return;
  if (!process.env.ATRIUM_BACKUP_KEYS && !existsSync(settings.keysFile)) addKeyToFile(settings.keysFile, DEMO_KEY_ID, generateKey());
  let keys: Map<string, Buffer>;
  try {
    keys = loadKeys(settings, ctx.config.jwtSecret);
  } catch (err) {
    ctx.log.warn({ err }, 'operations: backup keys not loadable; no demo key registered');
    return;
  }
  const [keyId, material] = [...keys.entries()][0] ?? [];
  if (!keyId) return;
  await db.insertInto('operations.backup_key').values({
    key_id: keyId, fingerprint: fingerprint(material!), status: 'active', escrow_confirmed_at: new Date(), activated_at: new Date(),
  }).onConflict((oc) => oc.doNothing()).execute();
}
