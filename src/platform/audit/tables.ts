import type { ColumnType, Generated } from 'kysely';

export interface AuditEventsTable {
  id: Generated<string>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  ip: string | null;
  request_id: string | null;
  diff: unknown | null;
}

declare module '../db/schema.js' {
  interface Database {
    'platform.audit_events': AuditEventsTable;
  }
}
