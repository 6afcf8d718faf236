import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { ModuleContext } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { insertRow, type Resource } from '../http/resource.js';
import { sites, suppliers } from '../suppliers/model.js';
import { materials } from '../catalog/model.js';
import { audits, certifications, deliveries } from '../quality/model.js';
import { parseRows, type ImportKind, type Row, type RowError } from './columns.js';
import { queueKpiRecompute } from '../jobs/kpis.js';

interface Job { id: string; kind: ImportKind; status: string; content: Buffer; partial: boolean; requested_by: string }

const key = (name: unknown, country?: unknown) => `${String(name).toLowerCase()}|${country ?? ''}`;

/** What each row becomes: the resource, the body, the extra columns resolved from names. */
type Planned = { line: number; resource: Resource; body: Record<string, unknown>; extra: Record<string, unknown> };

async function plan(db: DbOrTx, kind: ImportKind, rows: { line: number; values: Row }[], errors: RowError[]): Promise<Planned[]> {
  const valid = rows.filter((r) => !r.values.__invalid);
  const fail = (row: number, column: string | null, code: string, message: string) => errors.push({ row, column, code, message });
  const supplierIds = new Map<string, string>();
  if (['sites', 'deliveries', 'audits', 'certifications'].includes(kind)) {
    const { rows: found } = await sql<{ id: string; name: string; country: string }>`
      select id, name, country from sourcing.suppliers where archived_at is null`.execute(db);
    for (const s of found) supplierIds.set(key(s.name, s.country), s.id);
  }
  const materialIds = new Map<string, string>();
  if (kind === 'deliveries' || kind === 'materials') {
    const { rows: found } = await sql<{ id: string; name: string }>`select id, name from sourcing.materials where status = 'active'`.execute(db);
    for (const m of found) materialIds.set(key(m.name), m.id);
  }
  const out: Planned[] = [];
  const seen = new Map<string, number>();
  const once = (k: string, line: number, column: string, what: string) => {
    const first = seen.get(k);
    if (first !== undefined) { fail(line, column, 'duplicate_in_file', `Same ${what} as line ${first}.`); return false; }
    seen.set(k, line);
    return true;
  };
  const codes = kind === 'certifications'
    ? new Set((await sql<{ code: string }>`select code from sourcing.certification_catalogue where active`.execute(db)).rows.map((r) => r.code)) : new Set<string>();
  const primaries = kind === 'sites'
    ? new Set((await sql<{ supplier_id: string }>`select supplier_id from sourcing.supplier_sites where is_primary`.execute(db)).rows.map((r) => r.supplier_id)) : new Set<string>();
  const pos = kind === 'deliveries'
    ? new Set((await sql<{ k: string }>`select supplier_id || '|' || lower(po_number) || '|' || material_id as k from sourcing.deliveries`.execute(db)).rows.map((r) => r.k)) : new Set<string>();

  for (const { line, values: v } of valid) {
    let supplierId: string | undefined;
    if ('supplierName' in v) {
      supplierId = supplierIds.get(key(v.supplierName, v.supplierCountry));
      if (!supplierId) { fail(line, 'supplierName', 'unknown_supplier', `No active supplier "${String(v.supplierName)}" in ${String(v.supplierCountry)}.`); continue; }
    }
    const { supplierName: _n, supplierCountry: _c, ...rest } = v;
    switch (kind) {
      case 'suppliers': {
        if (supplierIdsHas(await existingSupplier(db, v), line, fail)) continue;
        if (!once(key(v.name, v.country), line, 'name', 'name and country')) continue;
        const { contactName, contactEmail, contactPhone, ...fields } = rest;
        const contact = contactName || contactEmail || contactPhone ? { name: contactName ?? undefined, email: contactEmail ?? undefined, phone: contactPhone ?? undefined } : null;
        out.push({ line, resource: suppliers, body: { ...fields, status: fields.status ?? 'active', riskAllowancePct: fields.riskAllowancePct ?? 0, contact }, extra: {} });
        break;
      }
      case 'materials': {
        if (materialIds.has(key(v.name))) { fail(line, 'name', 'duplicate_material', `An active material "${String(v.name)}" exists already.`); continue; }
        if (!once(key(v.name), line, 'name', 'material name')) continue;
        out.push({ line, resource: materials, body: { ...rest, requiresColdChain: rest.requiresColdChain ?? false, defectHandlingCostPerUnit: rest.defectHandlingCostPerUnit ?? 0, status: 'active' }, extra: {} });
        break;
      }
      case 'sites': {
        if (rest.isPrimary) {
          if (primaries.has(supplierId!)) { fail(line, 'isPrimary', 'primary_exists', 'This supplier has a primary site already.'); continue; }
          if (!once(`primary|${supplierId}`, line, 'isPrimary', 'supplier with a primary site')) continue;
        }
        out.push({ line, resource: sites, body: { ...rest, isPrimary: rest.isPrimary ?? false }, extra: { supplierId } });
        break;
      }
      case 'deliveries': {
        const materialId = materialIds.get(key(v.materialName));
        if (!materialId) { fail(line, 'materialName', 'unknown_material', `No active material "${String(v.materialName)}".`); continue; }
        const k = `${supplierId}|${String(v.poNumber).toLowerCase()}|${materialId}`;
        if (pos.has(k)) { fail(line, 'poNumber', 'duplicate_delivery', `Purchase order ${String(v.poNumber)} of this supplier and material exists already.`); continue; }
        if (!once(k, line, 'poNumber', 'supplier, purchase order and material')) continue;
        const { materialName: _m, ...fields } = rest;
        out.push({ line, resource: deliveries, body: fields, extra: { supplierId, materialId } });
        break;
      }
      case 'audits':
        out.push({ line, resource: audits, body: { criticalFindings: 0, majorFindings: 0, minorFindings: 0, openMajorFindings: 0, ...dropNulls(rest) }, extra: { supplierId } });
        break;
      case 'certifications':
        if (!codes.has(String(v.code))) { fail(line, 'code', 'unknown_certification', `"${String(v.code)}" is not in the certification catalogue.`); continue; }
        out.push({ line, resource: certifications, body: rest, extra: { supplierId } });
        break;
    }
  }
  return out;
}

const dropNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

async function existingSupplier(db: DbOrTx, v: Row) {
  const { rows } = await sql`select 1 from sourcing.suppliers where lower(name) = lower(${String(v.name)}) and country = ${String(v.country)} and archived_at is null`.execute(db);
  return rows.length > 0;
}
function supplierIdsHas(exists: boolean, line: number, fail: (row: number, column: string | null, code: string, message: string) => void) {
  if (exists) fail(line, 'name', 'duplicate_supplier', 'A supplier with this name exists already in this country.');
  return exists;
}

/**
 * `sourcing.import` (spec §4.9, §6): validates every row, then writes in one transaction — all rows, or with `partial`
 * the valid ones (each in a savepoint, so a row the database refuses is reported and skipped). Without `partial`, any
 * error fails the import and nothing is written. Status guards: only a pending import (or one whose worker died 10 minutes
 * ago) is claimed, so a retried or duplicate job is a no-op.
 */
export async function runImport(ctx: Pick<ModuleContext, 'db' | 'notify' | 'jobs'>, id: string) {
  const { db } = ctx;
  const claimed = await sql<Job>`update sourcing.import_jobs set status = 'running', started_at = now()
    where id = ${id} and (status = 'pending' or (status = 'running' and started_at < now() - interval '10 minutes')) returning id, kind, status, content, partial, requested_by`.execute(db);
  const job = claimed.rows[0];
  if (!job) return { skipped: true };
  const { rows, errors } = parseRows(job.kind, job.content);
  const planned = errors.some((e) => e.row === 1 || e.code === 'csv_invalid') ? [] : await plan(db, job.kind, rows, errors);
  const actor = { user: { id: job.requested_by }, ip: null, id: `import:${id}` } as unknown as FastifyRequest;
  let ok = 0;
  let current = 0;
  const failed = errors.length > 0 && !job.partial;
  await db.transaction().execute(async (tx) => {
    if (!failed) {
      for (const p of planned) {
        current = p.line;
        if (!job.partial) { await insertRow(tx, actor, p.resource, p.body, { ...p.extra, createdBy: job.requested_by }); ok += 1; continue; }
        await sql`savepoint import_row`.execute(tx);
        try {
          await insertRow(tx, actor, p.resource, p.body, { ...p.extra, createdBy: job.requested_by });
          await sql`release savepoint import_row`.execute(tx);
          ok += 1;
        } catch (err) {
          await sql`rollback to savepoint import_row`.execute(tx);
          errors.push({ row: p.line, column: null, code: 'rejected', message: `The database refused the row: ${(err as Error).message}` });
        }
      }
    }
    if (job.kind === 'deliveries' && ok > 0) {
      for (const supplierId of new Set(planned.map((p) => p.extra.supplierId as string))) await queueKpiRecompute(ctx, supplierId, tx);
    }
    errors.sort((a, b) => a.row - b.row);
    const status = failed || (job.partial && ok === 0 && rows.length > 0) || rows.length === 0 ? 'failed' : 'completed';
    await sql`update sourcing.import_jobs set status = ${status}, rows_total = ${rows.length}, rows_ok = ${ok}, errors = ${JSON.stringify(errors)}, finished_at = now()
      where id = ${id}`.execute(tx);
    if (errors.length) {
      await ctx.notify.send({ to: { userId: job.requested_by }, template: 'sourcing.import_finished', data: { id, kind: job.kind, rowsOk: ok, rowsTotal: rows.length, errors: errors.length }, dedupKey: `src:import:${id}` }, { db: tx });
    }
  }).catch(async (err) => {
    // Without partial, a row the database refuses undoes the whole import: report it, write nothing.
    await sql`update sourcing.import_jobs set status = 'failed', rows_total = ${rows.length}, rows_ok = 0, finished_at = now(),
      errors = ${JSON.stringify([...errors, { row: current, column: null, code: 'rejected', message: `The database refused this row, so nothing was written: ${(err as Error).message}` }])}
      where id = ${id}`.execute(db);
    ok = 0;
  });
  return { rowsTotal: rows.length, rowsOk: ok, errors: errors.length };
}
