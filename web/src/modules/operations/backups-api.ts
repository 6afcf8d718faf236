// Operations — backups (issue 8 C): API types and helpers of the Backups, Keys and Restores pages.
export const OPS_BACKUPS = '/api/v1/operations';

export interface BackupConfig {
  id: string; name: string; enabled: boolean; format: string; scope: { schemas: 'all' | string[]; excludeSchemas?: string[] };
  includeFiles: boolean; compressionLevel: number; storage: { kind: 'local'; directory?: string } | { kind: 's3'; endpoint?: string; bucket: string; prefix?: string; region?: string; credentialsRef?: string; forcePathStyle?: boolean };
  cron: string; timezone: string; keepDaily: number; keepWeekly: number; keepMonthly: number; keepYearly: number; verifyAfterWrite: boolean; isDefault: boolean; version: number;
}
export interface Backup {
  id: string; configId: string; configName: string; trigger: string; status: string; startedAt: string; finishedAt: string | null; takenAt: string | null;
  sizeBytes: number | null; sha256: string | null; keyId: string; pinned: boolean; lastChecksumAt: string | null; lastChecksumOk: boolean | null;
  lastRestoreVerifyAt: string | null; restoreVerifyStatus: string; error: { code: string; message: string } | null; storageKind: string;
}
export interface BackupKey {
  keyId: string; fingerprint: string; status: string; escrowConfirmedAt: string | null; activatedAt: string | null; retiredAt: string | null;
  createdAt: string; referencedBy: number; loadable: boolean;
}
export interface RestoreRun {
  runId: string; backupId: string; mode: string; targetDatabase: string | null; checks: { name: string; expected: unknown; actual: unknown; ok: boolean }[];
  rtoSeconds: number | null; rpoSeconds: number | null; status: string; startedAt: string; finishedAt: string | null; error: { code: string; message: string } | null;
}
export interface StorageStats { configId: string; name: string; kind: string; count: number; totalBytes: number; oldest: string | null; newest: string | null; freeBytes: number | null; error: string | null }
export interface Page<T> { items: T[]; nextCursor: string | null }

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const backupKeys = {
  all: ['operations', 'backups'] as const,
  list: (configId: string | undefined) => ['operations', 'backups', 'list', configId ?? 'all'] as const,
  configs: ['operations', 'backups', 'configs'] as const,
  stats: ['operations', 'backups', 'stats'] as const,
  keys: ['operations', 'backups', 'keys'] as const,
  restores: ['operations', 'backups', 'restores'] as const,
};
