import { sql } from 'kysely';
import type { Db } from '../../../platform/db/pool.js';
import type { Tx } from '../../../platform/db/transaction.js';
import { recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { isNightscoutGeneratedId, uuidRangeOfNightscoutId } from '../readings/ids.js';
import { MGDL_PER_MMOL, roundHalfAway } from '../readings/units.js';
import { loadSettings, scheduleProblems } from '../patients/settings.js';
import type { ScheduleEntry } from '../tables.js';
import { clientIdOf, outputId, parseTime } from './format.js';

export interface ProfileRow { id: string; patient_id: string; client_id: string | null; start_date: Date; doc: Record<string, unknown>; srv_created: Date; srv_modified: Date; is_valid: boolean }

export function toProfileDoc(row: ProfileRow, v3 = false): Record<string, unknown> {
  const id = outputId(row.id, row.client_id);
  const out: Record<string, unknown> = { ...row.doc, _id: id, startDate: new Date(row.start_date).toISOString() };
  if (v3) Object.assign(out, { identifier: id, date: new Date(row.start_date).getTime(), srvCreated: new Date(row.srv_created).getTime(), srvModified: new Date(row.srv_modified).getTime(), isValid: row.is_valid });
  return out;
}

const hhmm = (entry: Record<string, unknown>): string | undefined => {
  if (typeof entry.timeAsSeconds === 'number' || (typeof entry.timeAsSeconds === 'string' && entry.timeAsSeconds !== '')) {
    const s = Number(entry.timeAsSeconds);
    return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
  }
  return typeof entry.time === 'string' && /^\d{1,2}:\d{2}$/.test(entry.time) ? entry.time.padStart(5, '0') : undefined;
};

function schedule(value: unknown, factor: number): ScheduleEntry[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'number' ? [{ timeAsSeconds: 0, value }] : undefined;
  if (!list) return undefined;
  const out: ScheduleEntry[] = [];
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') return undefined;
    const start = hhmm(entry as Record<string, unknown>);
    const v = Number((entry as Record<string, unknown>).value);
    if (!start || !Number.isFinite(v)) return undefined;
    out.push({ start, value: roundHalfAway(v * factor, 1) });
  }
  return out;
}

/**
 * The therapy values of a Nightscout profile's default store, in Atrium's units (ISF converted from mmol/L when
 * the store says so). Values outside Atrium's safe ranges are left out rather than stored.
 */
export function therapyFromProfile(doc: Record<string, unknown>) {
  const stores = doc.store as Record<string, Record<string, unknown>> | undefined;
  const name = typeof doc.defaultProfile === 'string' ? doc.defaultProfile : stores ? Object.keys(stores)[0] : undefined;
  const store = name && stores ? stores[name] : undefined;
  if (!store) return {};
  const units = String(store.units ?? doc.units ?? 'mg/dl');
  const isf = schedule(store.sens, /^mmol/i.test(units) ? MGDL_PER_MMOL : 1);
  const cr = schedule(store.carbratio, 1);
  const dia = Number(store.dia);
  return {
    isfSchedule: isf && scheduleProblems(isf, 'sens', 10, 500).length === 0 ? isf : undefined,
    carbRatioSchedule: cr && scheduleProblems(cr, 'carbratio', 1, 150).length === 0 ? cr : undefined,
    diaHours: Number.isFinite(dia) && dia >= 5 && dia <= 8 ? dia : undefined,
  };
}

/** Stores profile documents raw; when the patient uses the uploader's profile, its therapy values become theirs. */
export async function storeProfiles(svc: GlucoseServices, patientId: string, docs: Record<string, unknown>[], options: { actor: AuditActor; mode?: 'upsert' | 'merge' }): Promise<{ rows: ProfileRow[]; created: boolean[] }> {
  return svc.ctx.db.transaction().execute(async (tx) => {
    const rows: ProfileRow[] = [];
    const created: boolean[] = [];
    for (const raw of docs) {
      const clientId = clientIdOf(raw);
      const { _id: _ignored, ...rest } = raw;
      const existing = clientId ? await findProfileById(tx, patientId, clientId) : undefined;
      const doc = existing && options.mode === 'merge' ? { ...existing.doc, ...rest } : rest;
      const start = parseTime(doc.startDate) ?? parseTime(doc.created_at) ?? parseTime(doc.date) ?? parseTime(doc.mills) ?? Date.now();
      if (existing && !existing.is_valid) { rows.push(existing); created.push(false); continue; }
      const { rows: saved } = existing
        ? await sql<ProfileRow>`update glucose.ns_profiles set doc = ${JSON.stringify(doc)}::jsonb, start_date = ${new Date(start).toISOString()}::timestamptz, srv_modified = now()
            where id = ${existing.id} returning *`.execute(tx)
        : await sql<ProfileRow>`insert into glucose.ns_profiles (patient_id, client_id, start_date, doc) values (${patientId}, ${clientId}, ${new Date(start).toISOString()}::timestamptz, ${JSON.stringify(doc)}::jsonb) returning *`.execute(tx);
      rows.push(saved[0]);
      created.push(!existing);
    }
    const newest = rows.filter((r) => r.is_valid).sort((a, b) => new Date(b.start_date).getTime() - new Date(a.start_date).getTime())[0];
    const applied = newest ? await applyUploaderProfile(tx, patientId, newest.doc) : undefined;
    await recordAudit(tx, options.actor, {
      action: 'glucose.profile.uploaded', entity: 'glucose.ns_profiles', entityId: patientId,
      diff: { patientId, role: 'uploader', received: docs.length, appliedToSettings: applied ?? null },
    });
    return { rows, created };
  });
}

async function applyUploaderProfile(tx: Tx, patientId: string, doc: Record<string, unknown>): Promise<string[] | undefined> {
  const settings = await tx.selectFrom('glucose.patient_settings').select('use_uploader_profile').where('patient_id', '=', patientId).executeTakeFirst();
  if (!settings?.use_uploader_profile) return undefined;
  const therapy = therapyFromProfile(doc);
  const values = {
    ...(therapy.isfSchedule ? { isf_schedule: JSON.stringify(therapy.isfSchedule) } : {}),
    ...(therapy.carbRatioSchedule ? { carb_ratio_schedule: JSON.stringify(therapy.carbRatioSchedule) } : {}),
    ...(therapy.diaHours !== undefined ? { dia_hours: therapy.diaHours } : {}),
  };
  if (Object.keys(values).length === 0) return [];
  await tx.updateTable('glucose.patient_settings').set({ ...values, updated_at: new Date(), updated_by: null }).where('patient_id', '=', patientId).execute();
  return Object.keys(values);
}

export async function findProfileById(db: Db | Tx, patientId: string, id: string): Promise<ProfileRow | undefined> {
  const range = isNightscoutGeneratedId(id) ? uuidRangeOfNightscoutId(id) : undefined;
  const { rows } = await sql<ProfileRow>`select * from glucose.ns_profiles where patient_id = ${patientId}
    and (client_id = ${id} ${range ? sql`or (client_id is null and id between ${range[0]}::uuid and ${range[1]}::uuid)` : sql``})`.execute(db);
  return rows[0];
}

export async function findProfiles(db: Db, patientId: string, count: number): Promise<ProfileRow[]> {
  const { rows } = await sql<ProfileRow>`select * from glucose.ns_profiles where patient_id = ${patientId} and is_valid order by start_date desc limit ${count}`.execute(db);
  return rows;
}

/**
 * Without an uploaded profile: one made from Atrium's settings. Therapy values the patient never set stay empty —
 * an app must not dose from numbers Atrium made up.
 */
export async function synthesisedProfile(db: Db, patientId: string): Promise<Record<string, unknown>> {
  const s = await loadSettings(db, patientId);
  const toNs = (entries: ScheduleEntry[] | null) => (entries ?? []).map((e) => ({ time: e.start, value: e.value, timeAsSeconds: Number(e.start.slice(0, 2)) * 3600 + Number(e.start.slice(3)) * 60 }));
  const flat = (value: number) => [{ time: '00:00', value, timeAsSeconds: 0 }];
  return {
    _id: `atrium${patientId.replace(/-/g, '').slice(0, 18)}`,
    defaultProfile: 'Atrium',
    startDate: new Date(0).toISOString(),
    mills: 0,
    units: 'mg/dl',
    store: {
      Atrium: {
        dia: s.diaHours, carbratio: toNs(s.carbRatioSchedule), sens: toNs(s.isfSchedule), basal: [],
        target_low: flat(s.targets.low), target_high: flat(s.targets.high), timezone: s.timezone, units: 'mg/dl',
      },
    },
  };
}

export async function deleteProfile(svc: GlucoseServices, patientId: string, id: string, actor: AuditActor): Promise<boolean> {
  return svc.ctx.db.transaction().execute(async (tx) => {
    const row = await findProfileById(tx, patientId, id);
    if (!row || !row.is_valid) return false;
    await tx.updateTable('glucose.ns_profiles').set({ is_valid: false, srv_modified: new Date() }).where('id', '=', row.id).execute();
    await tx.insertInto('glucose.ns_tombstones').values({ patient_id: patientId, collection: 'profile', identifier: outputId(row.id, row.client_id) })
      .onConflict((oc) => oc.columns(['patient_id', 'collection', 'identifier']).doUpdateSet({ deleted_at: new Date() })).execute();
    await recordAudit(tx, actor, { action: 'glucose.profile.deleted', entity: 'glucose.ns_profile', entityId: row.id, diff: { patientId } });
    return true;
  });
}
