import type { AlertType } from './tables.js';

export const USER_CHANNELS = ['inapp', 'email', 'sms', 'whatsapp', 'push'] as const;
export type UserChannelName = typeof USER_CHANNELS[number];

export interface EscalationLevel { level: number; recipients: 'caregivers' | 'emergency_contacts' | 'clinicians' | string[]; channels: UserChannelName[] }
export interface EscalationPolicy { types: AlertType[]; firstDelayMinutes: number; repeatEveryMinutes: number; maxLevels: number; levels: EscalationLevel[] }

export const TOGGLES = ['low', 'high', 'urgent_high', 'rapid_fall', 'rapid_rise', 'predicted_low', 'stale_data'] as const;
export type Toggle = typeof TOGGLES[number];

/** The thresholds and behaviour of one patient's alerts (§3.1 `alert_settings`), mg/dL and minutes. */
export interface AlertSettings {
  urgentLow: number; low: number; high: number; urgentHigh: number;
  rapidRate: number;
  staleWarningMin: number; staleUrgentMin: number;
  hysteresisMgdl: number;
  enabled: Record<Toggle, boolean>;
  renotifyCriticalMin: number; ackSilenceMin: number; ackSilenceUrgentLowMin: number;
  escalation: EscalationPolicy;
}

/** The consensus defaults (International Consensus on Time in Range, 2019); the same as the column defaults. */
export const DEFAULT_SETTINGS: AlertSettings = {
  urgentLow: 54, low: 70, high: 180, urgentHigh: 250, rapidRate: 2.0, staleWarningMin: 15, staleUrgentMin: 30, hysteresisMgdl: 5,
  enabled: { low: true, high: true, urgent_high: true, rapid_fall: true, rapid_rise: true, predicted_low: true, stale_data: true },
  renotifyCriticalMin: 5, ackSilenceMin: 30, ackSilenceUrgentLowMin: 15,
  escalation: {
    types: ['urgent_low'], firstDelayMinutes: 5, repeatEveryMinutes: 2, maxLevels: 3,
    levels: [
      { level: 1, recipients: 'caregivers', channels: ['push', 'inapp'] },
      { level: 2, recipients: 'caregivers', channels: ['sms', 'whatsapp'] },
      { level: 3, recipients: 'emergency_contacts', channels: ['sms', 'whatsapp'] },
    ],
  },
};

/** Safe limits of each numeric setting (§3.1); a value outside answers 422 naming the field. */
export const LIMITS: Record<string, [number, number]> = {
  urgentLow: [50, 65], low: [60, 100], high: [120, 300], urgentHigh: [180, 400], rapidRate: [1.0, 5.0],
  staleWarningMin: [10, 60], staleUrgentMin: [20, 120], hysteresisMgdl: [0, 20], renotifyCriticalMin: [2, 30],
  ackSilenceMin: [10, 120], ackSilenceUrgentLowMin: [5, 30],
};

export interface AlertSettingsRow {
  urgent_low: number; low: number; high: number; urgent_high: number; rapid_rate: string | number; stale_warning_min: number; stale_urgent_min: number;
  hysteresis_mgdl: number; enabled: Record<string, boolean>; renotify_critical_min: number; ack_silence_min: number; ack_silence_urgent_low_min: number;
  escalation: unknown;
}

export function settingsFromRow(row: AlertSettingsRow | null | undefined): AlertSettings {
  if (!row) return DEFAULT_SETTINGS;
  return {
    urgentLow: row.urgent_low, low: row.low, high: row.high, urgentHigh: row.urgent_high, rapidRate: Number(row.rapid_rate),
    staleWarningMin: row.stale_warning_min, staleUrgentMin: row.stale_urgent_min, hysteresisMgdl: row.hysteresis_mgdl,
    enabled: { ...DEFAULT_SETTINGS.enabled, ...row.enabled },
    renotifyCriticalMin: row.renotify_critical_min, ackSilenceMin: row.ack_silence_min, ackSilenceUrgentLowMin: row.ack_silence_urgent_low_min,
    escalation: row.escalation as EscalationPolicy,
  };
}

export const isEnabled = (s: AlertSettings, type: AlertType) => type === 'urgent_low' || s.enabled[type as Toggle] !== false;
