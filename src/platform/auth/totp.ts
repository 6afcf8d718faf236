import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Platform } from '../types.js';
import type { DbOrTx } from '../db/transaction.js';
import type { UserRow } from './users.js';
import { sha256 } from './tokens.js';

/** RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps. */
const PARAMS = { issuer: 'Atrium', algorithm: 'SHA1', digits: 6, period: 30 } as const;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUrl(secretBase32: string, email: string): string {
  return new TOTP({ ...PARAMS, label: email, secret: Secret.fromBase32(secretBase32) }).toString();
}

/** The time step a code matches (current ±1 step), or undefined. */
export function matchingStep(secretBase32: string, code: string, now = Date.now()): number | undefined {
  const totp = new TOTP({ ...PARAMS, secret: Secret.fromBase32(secretBase32) });
  const delta = totp.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? undefined : Math.floor(now / 1000 / PARAMS.period) + delta;
}

/** Checks a code against the user's seed and burns its time step, so the same code cannot be used twice. */
export async function consumeTotpCode(platform: Platform, db: DbOrTx, user: UserRow, sealedSecret: string, code: string): Promise<boolean> {
  const step = matchingStep(platform.totpBox.open(sealedSecret), code);
  if (step === undefined) return false;
  const updated = await db.updateTable('platform.users').set({ totp_last_step: step })
    .where('id', '=', user.id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function consumeRecoveryCode(db: DbOrTx, userId: string, recoveryCode: string): Promise<boolean> {
  const normalised = recoveryCode.replace(/[\s-]/g, '').toLowerCase();
  const result = await db.updateTable('platform.totp_recovery_codes').set({ used_at: new Date() })
    .where('user_id', '=', userId).where('code_hash', '=', sha256(normalised)).where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function verifySecondFactor(platform: Platform, user: UserRow, proof: { code?: string; recoveryCode?: string }): Promise<boolean> {
  if (!user.totp_secret) return false;
  if (proof.code) return consumeTotpCode(platform, platform.db, user, user.totp_secret, proof.code);
  if (proof.recoveryCode) return consumeRecoveryCode(platform.db, user.id, proof.recoveryCode);
  return false;
}

/** Ten single-use codes shown once (xxxxx-xxxxx); only their hashes are kept. */
export async function replaceRecoveryCodes(db: DbOrTx, userId: string): Promise<string[]> {
  const codes = Array.from({ length: 10 }, () => {
    const raw = randomBytes(8).toString('hex').slice(0, 10);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  await db.deleteFrom('platform.totp_recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('platform.totp_recovery_codes')
    .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(c.replace('-', '')), used_at: null })))
    .execute();
  return codes;
}
