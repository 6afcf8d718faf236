import type { ColumnType } from 'kysely';

export interface DashboardLayoutsTable {
  user_id: string;
  layout: ColumnType<unknown, string, string>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.dashboard_layouts': DashboardLayoutsTable;
  }
}
