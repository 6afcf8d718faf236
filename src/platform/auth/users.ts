import type { Selectable } from 'kysely';
import type { Role } from '../config.js';
import type { DbOrTx } from '../db/transaction.js';
import type { UsersTable } from './tables.js';
import type { UserDto } from './schemas.js';

export type UserRow = Selectable<UsersTable>;

const hhmm = (t: string | null) => (t ? t.slice(0, 5) : null);

export function toUserDto(row: UserRow, roles: Role[]): UserDto {
  const start = hhmm(row.quiet_hours_start);
  const end = hhmm(row.quiet_hours_end);
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    phone: row.phone,
    locale: row.locale,
    timeZone: row.time_zone,
    glucoseUnit: row.glucose_unit,
    lowThresholdMgdl: row.low_threshold_mgdl,
    highThresholdMgdl: row.high_threshold_mgdl,
    quietHours: start && end ? { start, end, allowCritical: row.quiet_hours_allow_critical } : null,
    roles: [...roles].sort(),
    totpEnabled: row.totp_enabled_at !== null,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function rolesOf(db: DbOrTx, userId: string): Promise<Role[]> {
  const rows = await db.selectFrom('platform.user_roles').select('role').where('user_id', '=', userId).execute();
  return rows.map((r) => r.role as Role);
}

export async function findUserById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('platform.users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByEmail(db: DbOrTx, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('platform.users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function loadUserDto(db: DbOrTx, id: string): Promise<UserDto | undefined> {
  const row = await findUserById(db, id);
  return row ? toUserDto(row, await rolesOf(db, id)) : undefined;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
