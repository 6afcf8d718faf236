import type { ColumnType } from 'kysely';

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  state: ColumnType<'in_progress' | 'done', 'in_progress' | 'done' | undefined, 'in_progress' | 'done'>;
  status_code: number | null;
  response_body: string | null;
  response_type: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

declare module '../db/schema.js' {
  interface Database {
    'platform.idempotency_keys': IdempotencyKeysTable;
  }
}
