import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  display_name: string;
  phone: string | null;
  locale: Generated<'en' | 'fr'>;
  time_zone: Generated<string>;
  glucose_unit: Generated<'mg/dL' | 'mmol/L'>;
  low_threshold_mgdl: Generated<number>;
  high_threshold_mgdl: Generated<number>;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  quiet_hours_allow_critical: Generated<boolean>;
  status: Generated<'active' | 'locked'>;
  failed_login_count: Generated<number>;
  locked_until: Timestamp | null;
  totp_secret: string | null;
  totp_enabled_at: Timestamp | null;
  totp_last_step: number | null;
  password_changed_at: DefaultedTimestamp;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  granted_by: string | null;
  granted_at: DefaultedTimestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  user_agent: string | null;
  ip: string | null;
  totp_verified_at: Timestamp | null;
  created_at: CreatedAt;
  last_used_at: DefaultedTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: CreatedAt;
  used_at: Timestamp | null;
}

export interface TotpRecoveryCodesTable { user_id: string; code_hash: string; used_at: Timestamp | null }

export interface PasswordResetTokensTable {
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface SettingsTable { key: string; value: string; created_at: CreatedAt }

declare module '../db/schema.js' {
  interface Database {
    'platform.users': UsersTable;
    'platform.user_roles': UserRolesTable;
    'platform.sessions': SessionsTable;
    'platform.refresh_tokens': RefreshTokensTable;
    'platform.totp_recovery_codes': TotpRecoveryCodesTable;
    'platform.password_reset_tokens': PasswordResetTokensTable;
    'platform.settings': SettingsTable;
  }
}
