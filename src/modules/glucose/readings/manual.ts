import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { Tx } from '../../../platform/db/transaction.js';
import { recordAudit, actorOf } from '../../../platform/audit/writer.js';
import { Refusal, refuse } from '../access/problems.js';
import type { PatientAccess } from '../access/scope.js';
import type { GlucoseServices } from '../services.js';
import { hasAtMostOneDecimal, toMgdl, type GlucoseUnit } from './units.js';
import { VALUE_RANGE, type ReadingContext, type StoredReading } from './model.js';
import { readingsAround, storeReadings, ingestTransaction } from './store.js';
import { onReadingsStored } from './hooks.js';
import { announceStored, LIVE_WINDOW_MS } from './events.js';
import type { PlannedReading } from './plan.js';

export interface ManualReadingInput {
  value: number;
  unit?: GlucoseUnit;
  measuredAt?: string;
  context?: ReadingContext;
  notes?: string;
  confirmOutlier?: boolean;
}

const MIN = 60_000;
export const MANUAL_SPACING_MS = 15 * MIN;
export const MANUAL_DAILY_LIMIT = 20;
const FUTURE_TOLERANCE_MS = 5 * MIN;
const MAX_AGE_MS = 30 * 24 * 60 * MIN;

/** Rules 1–2 of §4.1.1: the value after conversion, then the time. */
export function checkManualFields(input: ManualReadingInput, nowMs: number): { value: number; measuredAtMs: number } {
  const { min, max } = VALUE_RANGE.manual;
  const unit = input.unit ?? 'mg/dL';
  const value = toMgdl(input.value, unit);
  const tooPrecise = unit === 'mg/dL' && !hasAtMostOneDecimal(input.value);
  if (tooPrecise || !(value >= min && value <= max)) {
    throw new Refusal(400, 'value_out_of_range', `The value must be ${min} to ${max} mg/dL (1.1 to 33.3 mmol/L) with at most one decimal.`,
      { min, max, unit: 'mg/dL' }, [{ path: 'body.value', message: `must be between ${min} and ${max} mg/dL with at most one decimal` }]);
  }
  const measuredAtMs = Math.floor((input.measuredAt ? Date.parse(input.measuredAt) : nowMs) / 1000) * 1000;
  if (measuredAtMs > nowMs + FUTURE_TOLERANCE_MS) {
    throw new Refusal(400, 'measured_at_in_future', 'measuredAt is more than 5 minutes in the future; check the device clock.', {},
      [{ path: 'body.measuredAt', message: 'must not be more than 5 minutes in the future' }]);
  }
  if (measuredAtMs < nowMs - MAX_AGE_MS) {
    throw new Refusal(400, 'measured_at_too_old', 'Manual readings can be entered up to 30 days back.', {},
      [{ path: 'body.measuredAt', message: 'must be within the last 30 days' }]);
  }
  return { value, measuredAtMs };
}

export interface OutlierVerdict { reason: 'unit_mismatch_suspected' | 'differs_from_cgm' | 'implausible_value' | 'implausible_rate'; referenceValue: number | null }

/**
 * Rule 6: whether a manual value looks implausible enough to need `confirmOutlier` (§4.1.1, §10). `around` holds
 * the patient's live readings from 60 minutes before to 15 minutes after the entry.
 */
export function outlierVerdict(value: number, measuredAtMs: number, around: StoredReading[], sentAsMgdl: boolean, callerPrefersMmol: boolean): OutlierVerdict | undefined {
  if (sentAsMgdl && callerPrefersMmol && value < 40) return { reason: 'unit_mismatch_suspected', referenceValue: null };
  const cgm = around
    .filter((r) => r.source === 'cgm' && !r.flags.includes('suspect') && Math.abs(r.measuredAt.getTime() - measuredAtMs) <= 10 * MIN)
    .sort((a, b) => Math.abs(a.measuredAt.getTime() - measuredAtMs) - Math.abs(b.measuredAt.getTime() - measuredAtMs))[0];
  if (cgm && Math.abs(value - cgm.value) > Math.max(40, 0.3 * cgm.value)) return { reason: 'differs_from_cgm', referenceValue: cgm.value };
  if (value < 40 || value > 400) return { reason: 'implausible_value', referenceValue: null };
  const previous = around.filter((r) => r.measuredAt.getTime() < measuredAtMs && r.measuredAt.getTime() >= measuredAtMs - 60 * MIN).at(-1);
  if (previous) {
    const minutes = (measuredAtMs - previous.measuredAt.getTime()) / MIN;
    if (Math.abs(value - previous.value) / minutes > 6) return { reason: 'implausible_rate', referenceValue: previous.value };
  }
  return undefined;
}

const OUTLIER_TEXT: Record<OutlierVerdict['reason'], string> = {
  unit_mismatch_suspected: 'This value looks like mmol/L sent as mg/dL',
  differs_from_cgm: 'This value differs a lot from the CGM reading at that time',
  implausible_value: 'This value is outside the usual range',
  implausible_rate: 'This value implies a change faster than 6 mg/dL per minute since the previous reading',
};

async function manualReadingsOfLocalDay(tx: Tx, patientId: string, measuredAtMs: number): Promise<{ count: number; date: string }> {
  const at = new Date(measuredAtMs).toISOString();
  const { rows } = await sql<{ count: number; date: string }>`
    with z as (select coalesce((select timezone from glucose.patient_settings where patient_id = ${patientId}),
                               (select time_zone from platform.users where id = ${patientId}), 'UTC') as zone),
    d as (select (${at}::timestamptz at time zone z.zone)::date as day, z.zone from z)
    select (select count(*)::int from glucose.readings r
            where r.patient_id = ${patientId} and r.source = 'manual' and r.deleted_at is null
              and r.measured_at >= (d.day::timestamp at time zone d.zone)
              and r.measured_at < ((d.day + 1)::timestamp at time zone d.zone)) as count,
           to_char(d.day, 'YYYY-MM-DD') as date
    from d`.execute(tx);
  return rows[0];
}

async function prefersMmol(tx: Tx, userId: string): Promise<boolean> {
  const row = await tx.selectFrom('platform.users').select('glucose_unit').where('id', '=', userId).executeTakeFirst();
  return row?.glucose_unit === 'mmol/L';
}

export interface ManualOutcome { reading: PlannedReading; raisedAlertIds: string[] }

/** A finger-stick reading entered by the patient or on their behalf, with every rule of §4.1.1. */
export async function recordManual(svc: GlucoseServices, req: FastifyRequest, access: PatientAccess, enteredBy: string, input: ManualReadingInput): Promise<ManualOutcome> {
  const now = Date.now();
  const { value, measuredAtMs } = checkManualFields(input, now);
  const { patientId } = access;
  const outcome = await ingestTransaction(svc, patientId, [measuredAtMs, measuredAtMs], async (tx) => {
    const around = (await readingsAround(tx, patientId, measuredAtMs - 60 * MIN, measuredAtMs + MANUAL_SPACING_MS)).filter((r) => !r.deleted);
    const conflicting = around.find((r) => r.source === 'manual' && Math.abs(r.measuredAt.getTime() - measuredAtMs) < MANUAL_SPACING_MS);
    if (conflicting) {
      throw refuse('manual_entry_too_soon', `Another manual reading (${conflicting.measuredAt.toISOString()}) is less than 15 minutes away.`,
        { conflictingReadingId: conflicting.id }, [{ path: 'body.measuredAt', message: 'must be at least 15 minutes from another manual reading' }]);
    }
    const day = await manualReadingsOfLocalDay(tx, patientId, measuredAtMs);
    if (day.count >= MANUAL_DAILY_LIMIT) {
      throw refuse('manual_entry_daily_limit', `At most ${MANUAL_DAILY_LIMIT} manual readings per day; ${day.date} is full.`, { limit: MANUAL_DAILY_LIMIT, date: day.date });
    }
    const sentAsMgdl = (input.unit ?? 'mg/dL') === 'mg/dL';
    const verdict = outlierVerdict(value, measuredAtMs, around, sentAsMgdl, sentAsMgdl && value < 40 ? await prefersMmol(tx, enteredBy) : false);
    if (verdict && !input.confirmOutlier) {
      throw refuse('outlier_confirmation_required', `${OUTLIER_TEXT[verdict.reason]}; send it again with confirmOutlier: true if it is right.`,
        { reason: verdict.reason, referenceValue: verdict.referenceValue }, [{ path: 'body.confirmOutlier', message: 'is needed to store this value' }]);
    }
    const stored = await storeReadings(tx, patientId, [{
      index: 0, source: 'manual', measuredAtMs, value, context: input.context ?? null, notes: input.notes ?? null, enteredBy,
      flags: verdict ? ['outlier_confirmed'] : [],
    }], null);
    const reading = stored.newest!;
    const { raisedAlertIds } = await onReadingsStored({ svc, tx, patientId, inserted: stored.toInsert, newest: reading, live: measuredAtMs >= now - LIVE_WINDOW_MS });
    await recordAudit(tx, actorOf(req), {
      action: 'glucose.reading.created', entity: 'glucose.reading', entityId: reading.id,
      diff: { patientId, role: access.as, source: 'manual', value, measuredAt: new Date(measuredAtMs).toISOString(), context: input.context ?? null },
    });
    return { stored, reading, raisedAlertIds };
  });
  await announceStored(svc, patientId, outcome.stored.toInsert, outcome.reading, now);
  return { reading: outcome.reading, raisedAlertIds: outcome.raisedAlertIds };
}
