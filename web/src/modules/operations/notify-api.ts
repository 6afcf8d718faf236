// Operations — notifications and housekeeping (issue 8 B): API types of the settings, overview and history pages.
export const OPS = '/api/v1/operations';

export interface NotificationSettings {
  organizationId: string; timezone: string; webhookEnabled: boolean; discordWebhookUrl: '***' | null; emailEnabled: boolean;
  emailRecipients: string[]; notifyResponsible: boolean; notifyStatuses: string[]; notificationsEnabledFrom: string; locale: string;
  version: number; saved: boolean;
}
export interface OrgSummary { id: string; name: string; code: string; timezone: string }
export interface Kpi {
  key: 'unnoticedFailedRuns' | 'notificationDelivery' | 'automaticBackups' | 'dataLossRisk';
  numerator: number; denominator: number; value: number | null; target: number; ok: boolean | null;
  series: { date: string; value: number | null }[]; unavailable?: string;
}
export interface HealthSummary {
  windowDays: number; from: string; to: string; kpis: Kpi[]; openAlerts: { total: number; critical: number };
  backups: { lastBackupAt: string | null; lastRestoreVerifyAt: string | null } | null;
}
export interface OpsRun {
  id: string; kind: string; queue: string; jobId: string; attempt: number; scheduleKey: string | null; scheduledFor: string | null; trigger: string;
  status: string; startedAt: string; finishedAt: string | null; durationMs: number | null; summary: unknown; error: { code: string; message: string; stack?: string } | null;
}
export interface OpsAlert {
  id: string; kind: string; severity: 'critical' | 'high' | 'medium' | 'low'; dedupKey: string; title: string; details: Record<string, unknown>;
  raisedAt: string; delivery: Record<string, { status: string; deliveredAt?: string | null; error?: string | null }>;
  acknowledgedAt: string | null; acknowledgedBy: string | null;
}
export interface Schedule { key: string; module: string; cron: string; timezone: string; enabled: boolean; nextRunAt: string | null; lastRun: { status: string } | null }
export interface Page<T> { items: T[]; nextCursor: string | null }

export const notifyKeys = {
  all: ['operations', 'notify'] as const,
  orgs: ['operations', 'notify', 'orgs'] as const,
  settings: (orgId: string) => ['operations', 'notify', 'settings', orgId] as const,
  summary: ['operations', 'notify', 'summary'] as const,
  runs: (filters: Record<string, string>) => ['operations', 'notify', 'runs', filters] as const,
  alerts: (filters: Record<string, string>) => ['operations', 'notify', 'alerts', filters] as const,
  schedules: ['operations', 'notify', 'schedules'] as const,
};

export const NOTIFY_STATUSES = ['issued', 'accepted', 'rejected', 'paid'] as const;
export const TIMEZONES = ['Europe/Paris', 'Europe/London', 'Europe/Berlin', 'Europe/Madrid', 'Europe/Zurich', 'America/New_York', 'UTC'];
