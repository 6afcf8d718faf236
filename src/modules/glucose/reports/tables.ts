import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type ReportKind = 'agp' | 'export';
export type ReportFormat = 'pdf' | 'csv' | 'xlsx';
export type ReportStatus = 'queued' | 'running' | 'ready' | 'failed' | 'expired';
export type ReportErrorCode = 'render_failed' | 'timeout' | 'no_data';
export const EXPORT_DATASETS = ['readings', 'meals', 'insulin', 'medications', 'activity', 'alerts', 'metrics'] as const;
export type ExportDataset = typeof EXPORT_DATASETS[number];

export interface ReportJobsTable {
  id: Generated<string>;
  patient_id: string;
  requested_by: string;
  kind: ReportKind;
  format: ReportFormat;
  range_from: ColumnType<Date, Date | string, Date | string>;
  range_to: ColumnType<Date, Date | string, Date | string>;
  unit: 'mg/dL' | 'mmol/L';
  paper: ColumnType<'a4' | 'letter', 'a4' | 'letter' | undefined, 'a4' | 'letter'>;
  include: ColumnType<string[], string[] | undefined, string[]>;
  request_hash: string;
  status: ColumnType<ReportStatus, ReportStatus | undefined, ReportStatus>;
  progress: ColumnType<number, number | undefined, number>;
  error_code: ReportErrorCode | null;
  error_message: string | null;
  file_key: string | null;
  file_name: string | null;
  content_type: string | null;
  file_bytes: number | null;
  sha256: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  expires_at: NullableTimestamp;
}

export interface ReportFilesTable {
  job_id: string;
  content: Buffer;
  created_at: CreatedAt;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    'glucose.report_jobs': ReportJobsTable;
    'glucose.report_files': ReportFilesTable;
  }
}
