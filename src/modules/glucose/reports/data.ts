import { sql } from 'kysely';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { analyzeGlucose, type Analysis } from '../analytics/metrics.js';
import type { ReportPatient, ReportReading } from './model.js';

/** Readings of the patient in [from, to), not deleted, in time order (every source; flags kept). */
export async function loadReadings(db: DbOrTx, patientId: string, from: number, to: number): Promise<ReportReading[]> {
  const { rows } = await sql<{ id: string; measured_at: Date; source: ReportReading['source']; value: number; direction: string | null; trend_rate: number | null; context: string | null; device: string | null; flags: string[]; notes: string | null }>`
    select id, measured_at, source, value_mgdl::float8 as value, direction, trend_rate::float8 as trend_rate, context, device, flags, notes
    from glucose.readings
    where patient_id = ${patientId} and measured_at >= ${new Date(from).toISOString()}::timestamptz and measured_at < ${new Date(to).toISOString()}::timestamptz
      and deleted_at is null
    order by measured_at, source`.execute(db);
  return rows.map((r) => ({
    id: r.id, measuredAtMs: new Date(r.measured_at).getTime(), source: r.source, value: r.value, direction: r.direction,
    trendRate: r.trend_rate, context: r.context, device: r.device, flags: r.flags, notes: r.notes,
  }));
}

/** The §5.1 input set: no `suspect` or `warmup` readings; CGM by default, all readings when the range has no CGM. */
export function analysisInput(readings: ReportReading[]): { basis: 'cgm' | 'manual'; readings: ReportReading[] } {
  const usable = readings.filter((r) => !r.flags.includes('suspect') && !r.flags.includes('warmup'));
  const cgm = usable.filter((r) => r.source === 'cgm');
  return cgm.length > 0 ? { basis: 'cgm', readings: cgm } : { basis: 'manual', readings: usable };
}

/** The §5 analysis of a range, through the analytics capability (one grid build). */
export function analyzeRange(readings: ReportReading[], from: number, to: number, zone: string): Analysis & { basis: 'cgm' | 'manual'; input: ReportReading[] } {
  const { basis, readings: input } = analysisInput(readings);
  const analysis = analyzeGlucose(input.map((r) => ({ at: r.measuredAtMs, mgdl: r.value })), { from, to, timeZone: zone, basis });
  return { ...analysis, basis, input };
}

const DIABETES_TYPES: Record<string, string> = { t1: 'Type 1', t2: 'Type 2', gestational: 'Gestational', other: 'Other', unknown: 'not recorded' };

export async function loadPatient(db: DbOrTx, patientId: string): Promise<ReportPatient> {
  const { rows } = await sql<{ name: string; diabetes_type: string | null }>`
    select u.display_name as name, s.diabetes_type
    from platform.users u left join glucose.patient_settings s on s.patient_id = u.id
    where u.id = ${patientId}`.execute(db);
  const row = rows[0];
  return { id: patientId, name: row?.name ?? 'Unknown patient', dateOfBirth: null, diabetesType: row?.diabetes_type ? DIABETES_TYPES[row.diabetes_type] ?? row.diabetes_type : null };
}

/**
 * The other datasets of an export (§4.8 `include`): rows of the patient's table in the range, with every column
 * of the table (read from the catalog, so a column added later is exported too). A table another capability has
 * not created yet gives an empty dataset with the reason.
 */
export const DATASET_TABLES: Record<'meals' | 'insulin' | 'medications' | 'activity' | 'alerts', { table: string; time: string; hidden: string[] }> = {
  meals: { table: 'meals', time: 'taken_at', hidden: ['patient_id'] },
  insulin: { table: 'insulin_doses', time: 'administered_at', hidden: ['patient_id'] },
  medications: { table: 'medication_doses', time: 'scheduled_at', hidden: ['patient_id'] },
  activity: { table: 'activity_sessions', time: 'started_at', hidden: ['patient_id'] },
  alerts: { table: 'alerts', time: 'triggered_at', hidden: ['patient_id', 'forecast'] },
};

export interface Dataset { columns: string[]; rows: Record<string, unknown>[]; missing?: string }

export async function loadDataset(db: DbOrTx, name: keyof typeof DATASET_TABLES, patientId: string, from: number, to: number): Promise<Dataset> {
  const spec = DATASET_TABLES[name];
  const { rows: cols } = await sql<{ column_name: string }>`
    select column_name from information_schema.columns
    where table_schema = 'glucose' and table_name = ${spec.table} order by ordinal_position`.execute(db);
  if (cols.length === 0) return { columns: [], rows: [], missing: `glucose.${spec.table} does not exist in this installation yet` };
  const columns = cols.map((c) => c.column_name).filter((c) => !spec.hidden.includes(c));
  const { rows } = await sql<Record<string, unknown>>`
    select ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(`glucose.${spec.table}`)}
    where patient_id = ${patientId} and ${sql.ref(spec.time)} >= ${new Date(from).toISOString()}::timestamptz and ${sql.ref(spec.time)} < ${new Date(to).toISOString()}::timestamptz
    order by ${sql.ref(spec.time)}`.execute(db);
  return { columns, rows };
}
