import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, tooManyRequests } from '../../../platform/http/errors.js';
import type { GlucoseServices } from '../services.js';
import type { PatientAccess } from '../access/scope.js';
import { patientZone } from '../patients/zone.js';
import { lastCompleteDays } from './local-time.js';
import { EXPORT_DATASETS, type ExportDataset, type ReportFormat, type ReportJobsTable, type ReportKind } from './tables.js';
import type { Selectable } from 'kysely';

export const GENERATE_QUEUE = 'glucose.reports.generate';
const MAX_RANGE_DAYS = 90;
const DEDUP_MS = 10 * 60_000;
const MAX_ACTIVE_PER_USER = 3;
const MAX_PER_PATIENT_PER_DAY = 20;

export interface ReportRequest {
  kind: ReportKind;
  format: ReportFormat;
  from?: string;
  to?: string;
  unit?: 'mg/dL' | 'mmol/L';
  paper?: 'a4' | 'letter';
  include?: ExportDataset[];
}

export type ReportJobRow = Selectable<ReportJobsTable>;

/** The normalised request: explicit range, unit, paper and sorted datasets — what "identical request" compares. */
export async function normaliseRequest(svc: GlucoseServices, access: PatientAccess, requesterId: string, body: ReportRequest, nowMs: number) {
  const formatOk = body.kind === 'agp' ? body.format === 'pdf' : body.format === 'csv' || body.format === 'xlsx';
  if (!formatOk) {
    throw badRequest('format_not_allowed_for_kind', body.kind === 'agp' ? 'An AGP report is a PDF.' : 'An export is csv or xlsx.', [{ path: 'body.format', message: body.kind === 'agp' ? 'must be pdf for kind agp' : 'must be csv or xlsx for kind export' }]);
  }
  if (body.kind === 'agp' && body.include !== undefined) {
    throw badRequest('include_not_allowed', 'include applies to exports only.', [{ path: 'body.include', message: 'only for kind export' }]);
  }
  const zone = await patientZone(svc.ctx.db, access.patientId);
  let from: number; let to: number;
  if (body.from === undefined && body.to === undefined) ({ from, to } = lastCompleteDays(zone, nowMs, 14));
  else if (body.from !== undefined && body.to !== undefined) { from = Date.parse(body.from); to = Date.parse(body.to); }
  else throw badRequest('range_incomplete', 'Give both from and to, or neither (the last 14 complete days).', [{ path: body.from === undefined ? 'body.from' : 'body.to', message: 'is required with the other bound' }]);
  if (!(to > from)) throw badRequest('invalid_range', 'to must be after from.', [{ path: 'body.to', message: 'must be after from' }]);
  if (to - from > MAX_RANGE_DAYS * 86_400_000) throw badRequest('range_too_large', `A report covers at most ${MAX_RANGE_DAYS} days.`, [{ path: 'body.to', message: `at most ${MAX_RANGE_DAYS} days after from` }]);
  if (from > nowMs) throw badRequest('range_in_future', 'The range starts in the future.', [{ path: 'body.from', message: 'must not be in the future' }]);
  let unit = body.unit;
  if (!unit) {
    const user = await svc.ctx.db.selectFrom('platform.users').select('glucose_unit').where('id', '=', requesterId).executeTakeFirst();
    unit = user?.glucose_unit ?? 'mg/dL';
  }
  const include = body.kind === 'export' ? [...new Set(body.include ?? EXPORT_DATASETS)].sort() : [];
  if (body.kind === 'export' && include.length === 0) throw badRequest('include_empty', 'Choose at least one dataset.', [{ path: 'body.include', message: 'must not be empty' }]);
  const paper = body.paper ?? 'a4';
  const hash = createHash('sha256').update(JSON.stringify([access.patientId, body.kind, body.format, from, to, unit, paper, include])).digest('hex');
  return { kind: body.kind, format: body.format, from, to, unit, paper, include, hash, zone };
}

/**
 * POST /reports: an identical request of the same user within 10 min returns that job; otherwise the limits
 * (3 active jobs per user, 20 per patient per local day) and a new queued job, its pg-boss job and the audit
 * event, all in one transaction.
 */
export async function requestReport(svc: GlucoseServices, req: FastifyRequest, access: PatientAccess, requesterId: string, body: ReportRequest, nowMs = Date.now()) {
  const n = await normaliseRequest(svc, access, requesterId, body, nowMs);
  return svc.ctx.db.transaction().execute(async (tx) => {
    // one requester at a time: the limits below are counted, then a row is added
    await sql`select pg_advisory_xact_lock(hashtextextended(${`glucose.reports:${requesterId}`}, 0))`.execute(tx);
    const existing = await tx.selectFrom('glucose.report_jobs').selectAll()
      .where('requested_by', '=', requesterId).where('request_hash', '=', n.hash)
      .where('created_at', '>', new Date(nowMs - DEDUP_MS)).where('status', 'in', ['queued', 'running', 'ready'])
      .orderBy('created_at', 'desc').executeTakeFirst();
    if (existing) return { job: existing, reused: true };
    const active = await tx.selectFrom('glucose.report_jobs').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('requested_by', '=', requesterId).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
    if (Number(active.n) >= MAX_ACTIVE_PER_USER) {
      throw tooManyRequests('too_many_report_jobs', `At most ${MAX_ACTIVE_PER_USER} reports can be in preparation at once; wait for one to finish.`, 30);
    }
    const today = await tx.selectFrom('glucose.report_jobs').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('patient_id', '=', access.patientId).where('created_at', '>', new Date(nowMs - 86_400_000)).executeTakeFirstOrThrow();
    if (Number(today.n) >= MAX_PER_PATIENT_PER_DAY) {
      throw tooManyRequests('too_many_report_jobs', `At most ${MAX_PER_PATIENT_PER_DAY} reports per patient per day.`, 3600);
    }
    const job = await tx.insertInto('glucose.report_jobs').values({
      patient_id: access.patientId, requested_by: requesterId, kind: n.kind, format: n.format,
      range_from: new Date(n.from), range_to: new Date(n.to), unit: n.unit, paper: n.paper, include: n.include, request_hash: n.hash,
    }).returningAll().executeTakeFirstOrThrow();
    await svc.ctx.jobs.send(GENERATE_QUEUE, { jobId: job.id }, { db: tx, trigger: 'manual', actorUserId: requesterId });
    await recordAudit(tx, actorOf(req), {
      action: 'glucose.report.requested', entity: 'glucose.report_job', entityId: job.id,
      diff: { patientId: access.patientId, role: access.as, kind: n.kind, format: n.format, from: new Date(n.from).toISOString(), to: new Date(n.to).toISOString() },
    });
    return { job, reused: false };
  });
}
