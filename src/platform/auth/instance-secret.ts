import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool.js';

/**
 * The secret that signs tokens: ATRIUM_JWT_SECRET when set (required in production); otherwise one
 * generated on first start and kept in the database, so every process of the install shares it.
 */
export async function resolveInstanceSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await db.insertInto('platform.settings').values({ key: 'instance_secret', value: randomBytes(48).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('platform.settings').select('value').where('key', '=', 'instance_secret').executeTakeFirstOrThrow();
  return row.value;
}
