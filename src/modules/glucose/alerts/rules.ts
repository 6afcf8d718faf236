import { isEnabled, type AlertSettings } from './settings.js';
import type { AlertFamily, AlertSeverity, AlertStatus, AlertType } from './tables.js';

/** The reading being evaluated, with what ingestion already computed (no query needed). */
export interface EvaluatedReading {
  id: string;
  value: number;
  source: 'cgm' | 'meter' | 'manual';
  flags: string[];
  trendRate: number | null;
  /** Δ against the same-source reading about 5 minutes before (null when there is none). */
  delta5: number | null;
  measuredAtMs: number;
}

export interface OpenAlert {
  id: string; family: AlertFamily; type: AlertType; severity: AlertSeverity; status: AlertStatus;
  /** The value of the last reading evaluated against this alert (for "two consecutive readings"). */
  lastValue: number | null;
}

export type AlertOp =
  | { op: 'raise'; family: AlertFamily; type: AlertType; severity: AlertSeverity; threshold: number; rate?: number | null; forecast?: number[] }
  | { op: 'upgrade'; alert: OpenAlert; type: AlertType; severity: AlertSeverity; threshold: number; forecast?: number[] }
  | { op: 'touch'; alert: OpenAlert }
  | { op: 'resolve'; alert: OpenAlert; reason: 'condition_cleared' | 'superseded' };

const RANK: Record<AlertType, number> = { low: 1, urgent_low: 2, high: 1, urgent_high: 2, rapid_fall: 1, rapid_rise: 1, predicted_low: 1, stale_data: 1 };

/**
 * AR2 forecast as Nightscout computes it: in log space around 140 mg/dL, next = −0.723·previous + 1.716·current,
 * six 5-minute steps (5..30 min). `previous` is the reading 5 minutes before `current`.
 */
export function ar2Forecast(previous: number, current: number, steps = 6): number[] {
  let a = Math.log(previous / 140);
  let b = Math.log(current / 140);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const next = -0.723 * a + 1.716 * b;
    a = b; b = next;
    out.push(Math.round(140 * Math.exp(next) * 10) / 10);
  }
  return out;
}

/** Low and high families for a value (strict comparisons as in §4.3.1: 54.0 is low, 180.0 nothing, 250.0 high). */
function lowType(v: number, s: AlertSettings, suspect: boolean): { type: AlertType; threshold: number } | null {
  if (v < s.urgentLow) return { type: 'urgent_low', threshold: s.urgentLow };
  if (v < s.low && !suspect && isEnabled(s, 'low')) return { type: 'low', threshold: s.low };
  return null;
}

function highType(v: number, s: AlertSettings): { type: AlertType; threshold: number } | null {
  if (v > s.urgentHigh && isEnabled(s, 'urgent_high')) return { type: 'urgent_high', threshold: s.urgentHigh };
  if (v > s.high && isEnabled(s, 'high')) return { type: 'high', threshold: s.high };
  return null;
}

const severityOf = (type: AlertType): AlertSeverity => (type === 'urgent_low' || type === 'urgent_high' ? 'critical' : 'warning');

/**
 * What one new live reading does to the patient's alerts (§4.3.1): raise, upgrade in place (never downgrade),
 * resolve on recovery with hysteresis or two consecutive readings, or only note the value on the open alert.
 * Pure: the open alerts and settings are loaded once by the caller.
 */
export function evaluateReading(r: EvaluatedReading, s: AlertSettings, open: Map<AlertFamily, OpenAlert>): AlertOp[] {
  const ops: AlertOp[] = [];
  const suspect = r.flags.includes('suspect');
  if (r.flags.includes('warmup')) return ops;
  const v = r.value;
  let lowOpen = open.has('low');
  let highOpen = open.has('high');

  // Low family: urgent low also from suspect CGM readings (a jump can never silence an urgent low).
  const low = lowType(v, s, suspect);
  const openLow = open.get('low');
  if (low) {
    if (!openLow) {
      ops.push({ op: 'raise', family: 'low', type: low.type, severity: severityOf(low.type), threshold: low.threshold });
      lowOpen = true;
      const predicted = open.get('predicted_low');
      if (predicted) ops.push({ op: 'resolve', alert: predicted, reason: 'superseded' });
    } else if (RANK[low.type] > RANK[openLow.type]) {
      ops.push({ op: 'upgrade', alert: openLow, type: low.type, severity: severityOf(low.type), threshold: low.threshold });
    } else ops.push({ op: 'touch', alert: openLow });
  } else if (openLow && !suspect) {
    const recovered = v >= s.low + s.hysteresisMgdl || (v >= s.low && openLow.lastValue !== null && openLow.lastValue >= s.low);
    if (recovered) { ops.push({ op: 'resolve', alert: openLow, reason: 'condition_cleared' }); lowOpen = false; } else ops.push({ op: 'touch', alert: openLow });
  }

  if (!suspect) {
    const high = highType(v, s);
    const openHigh = open.get('high');
    if (high) {
      if (!openHigh) { ops.push({ op: 'raise', family: 'high', type: high.type, severity: severityOf(high.type), threshold: high.threshold }); highOpen = true; }
      else if (RANK[high.type] > RANK[openHigh.type]) ops.push({ op: 'upgrade', alert: openHigh, type: high.type, severity: severityOf(high.type), threshold: high.threshold });
      else ops.push({ op: 'touch', alert: openHigh });
    } else if (openHigh) {
      const recovered = v <= s.high - s.hysteresisMgdl || (v <= s.high && openHigh.lastValue !== null && openHigh.lastValue <= s.high);
      if (recovered) { ops.push({ op: 'resolve', alert: openHigh, reason: 'condition_cleared' }); highOpen = false; } else ops.push({ op: 'touch', alert: openHigh });
    }
  }

  if (r.source === 'cgm' && !suspect && r.trendRate !== null) {
    const rate = r.trendRate;
    const openRapid = open.get('rapid');
    const wanted: AlertType | null = rate < -s.rapidRate && !lowOpen && isEnabled(s, 'rapid_fall') ? 'rapid_fall'
      : rate > s.rapidRate && !highOpen && isEnabled(s, 'rapid_rise') ? 'rapid_rise' : null;
    if (openRapid) {
      if (Math.abs(rate) <= s.rapidRate || (wanted && wanted !== openRapid.type)) ops.push({ op: 'resolve', alert: openRapid, reason: 'condition_cleared' });
      else ops.push({ op: 'touch', alert: openRapid });
    }
    if (wanted && (!openRapid || wanted !== openRapid.type)) ops.push({ op: 'raise', family: 'rapid', type: wanted, severity: 'warning', threshold: s.rapidRate, rate });
  }

  const openPredicted = open.get('predicted_low');
  const alreadySuperseded = ops.some((o) => o.op === 'resolve' && o.reason === 'superseded');
  if (r.source === 'cgm' && !suspect && !alreadySuperseded) {
    if (lowOpen || r.delta5 === null || v < s.low) {
      if (openPredicted && lowOpen) ops.push({ op: 'resolve', alert: openPredicted, reason: 'superseded' });
    } else {
      const forecast = ar2Forecast(v - r.delta5, v);
      const min = Math.min(...forecast);
      const severity: AlertSeverity = min < s.urgentLow ? 'critical' : 'warning';
      if (min < s.low && isEnabled(s, 'predicted_low')) {
        if (!openPredicted) ops.push({ op: 'raise', family: 'predicted_low', type: 'predicted_low', severity, threshold: s.low, forecast });
        else if (severity === 'critical' && openPredicted.severity === 'warning') ops.push({ op: 'upgrade', alert: openPredicted, type: 'predicted_low', severity, threshold: s.low, forecast });
        else ops.push({ op: 'touch', alert: openPredicted });
      } else if (openPredicted) ops.push({ op: 'resolve', alert: openPredicted, reason: 'condition_cleared' });
    }
  }

  // A fresh CGM reading ends a stale-data alert (§4.3.1: measured within stale_warning_min of now).
  const openStale = open.get('stale');
  if (openStale && r.source === 'cgm' && r.measuredAtMs >= Date.now() - s.staleWarningMin * 60_000) {
    ops.push({ op: 'resolve', alert: openStale, reason: 'condition_cleared' });
  }
  return ops;
}

/** Stale data (§4.3.1): warning from `staleWarningMin`, critical from `staleUrgentMin` minutes without a CGM reading. */
export function staleSeverity(minutesSinceCgm: number, s: AlertSettings): AlertSeverity | null {
  if (minutesSinceCgm >= s.staleUrgentMin) return 'critical';
  if (minutesSinceCgm >= s.staleWarningMin) return 'warning';
  return null;
}
