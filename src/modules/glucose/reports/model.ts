/** What the renderers draw: plain data, already loaded and computed (no SQL, no HTTP). */
import type { AgpColumn, Metrics } from '../analytics/metrics.js';

export interface ReportReading {
  id: string;
  measuredAtMs: number;
  source: 'cgm' | 'meter' | 'manual';
  value: number;
  direction: string | null;
  trendRate: number | null;
  context: string | null;
  device: string | null;
  flags: string[];
  notes: string | null;
}

export type { Metrics as ReportMetrics, AgpColumn as AgpPoint } from '../analytics/metrics.js';

export interface DailyMetrics { date: string; n: number; meanMgdl: number | null; sdMgdl: number | null; cvPct: number | null; inRangePct: number | null; below70Pct: number | null; above180Pct: number | null; gmiPct: number | null }

export interface ReportPatient { id: string; name: string; dateOfBirth: string | null; diabetesType: string | null }

export interface AgpReportInput {
  patient: ReportPatient;
  from: number;
  to: number;
  zone: string;
  unit: 'mg/dL' | 'mmol/L';
  paper: 'a4' | 'letter';
  generatedAt: number;
  lowTarget: number;
  highTarget: number;
  /** The §5 metrics of the range (analyzeGlucose of the analytics capability). */
  metrics: Metrics;
  basis: 'cgm' | 'manual';
  agp: AgpColumn[];
  /** CGM readings of the range (or all readings when basis is manual), in time order. */
  readings: ReportReading[];
}
