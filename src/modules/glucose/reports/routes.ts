import { Type } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { HttpError } from '../../../platform/http/errors.js';
import { idCursor, toPage } from '../../../platform/http/pagination.js';
import { resolveInstanceSecret } from '../../../platform/auth/instance-secret.js';
import { RefusalSchema } from '../access/problems.js';
import { patientAccess, patientNotFound, patientScope, resolvePatientAccess } from '../access/scope.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { EXPORT_DATASETS } from './tables.js';
import { requestReport, type ReportJobRow } from './requests.js';
import { checkDownload, deriveReportKey, downloadLink } from './signing.js';
import { defineReportJobs, reportsTopic } from './generate.js';

const Iso = Type.String({ format: 'date-time' });
const PatientParams = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });
const JobParams = Type.Object({ jobId: Type.String({ format: 'uuid' }) });

const ReportBody = Type.Object({
  kind: Enum(['agp', 'export'] as const, { description: '`agp` → the one-page AGP PDF; `export` → data export' }),
  format: Enum(['pdf', 'csv', 'xlsx'] as const, { description: 'agp: pdf; export: csv (ZIP of RFC 4180 files) or xlsx' }),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive); with `to`, at most 90 days. Default: the last 14 complete local days' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive)' })),
  unit: Type.Optional(Enum(['mg/dL', 'mmol/L'] as const, { description: "Default: the requester's preference" })),
  paper: Type.Optional(Enum(['a4', 'letter'] as const, { default: 'a4' })),
  include: Type.Optional(Type.Array(Enum(EXPORT_DATASETS), { minItems: 1, uniqueItems: true, description: 'Exports only; default all' })),
}, { additionalProperties: false });

const Accepted = Type.Object({ jobId: Type.String(), status: Type.String(), statusUrl: Type.String() });

export const ReportJobSchema = Type.Object({
  jobId: Type.String(), patientId: Type.String(), requestedBy: Type.String(),
  kind: Type.String(), format: Type.String(), from: Iso, to: Iso, unit: Type.String(), paper: Type.String(), include: Type.Array(Type.String()),
  status: Enum(['queued', 'running', 'ready', 'failed', 'expired'] as const),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  error: Nullable(Type.Object({ code: Type.String(), message: Nullable(Type.String()) })),
  fileName: Nullable(Type.String()), fileBytes: Nullable(Type.Integer()), sha256: Nullable(Type.String()),
  downloadUrl: Nullable(Type.String({ description: 'Signed link, valid 24 h, usable without a bearer token; issued on each poll of a ready job' })),
  downloadExpiresAt: Nullable(Iso),
  createdAt: Iso, completedAt: Nullable(Iso), expiresAt: Nullable(Iso, ),
});

const DownloadQuery = Type.Object({ expires: Type.Integer({ minimum: 0 }), sig: Type.String({ minLength: 1, maxLength: 128 }) });

const keys = new WeakMap<object, Promise<Buffer>>();
function reportKey(svc: GlucoseServices): Promise<Buffer> {
  let key = keys.get(svc.ctx.db);
  if (!key) { key = resolveInstanceSecret(svc.ctx.db, svc.ctx.config.jwtSecret).then(deriveReportKey); keys.set(svc.ctx.db, key); }
  return key;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toReportDto(job: ReportJobRow, key: Buffer, nowMs = Date.now()) {
  const link = job.status === 'ready' ? downloadLink(key, job.id, Math.floor(nowMs / 1000)) : null;
  return {
    jobId: job.id, patientId: job.patient_id, requestedBy: job.requested_by, kind: job.kind, format: job.format,
    from: new Date(job.range_from).toISOString(), to: new Date(job.range_to).toISOString(), unit: job.unit, paper: job.paper, include: job.include,
    status: job.status, progress: job.progress,
    error: job.status === 'failed' && job.error_code ? { code: job.error_code, message: job.error_message } : null,
    fileName: job.file_name, fileBytes: job.file_bytes, sha256: job.sha256,
    downloadUrl: link?.url ?? null, downloadExpiresAt: link ? new Date(link.expires * 1000).toISOString() : null,
    createdAt: new Date(job.created_at).toISOString(), completedAt: iso(job.completed_at), expiresAt: iso(job.expires_at),
  };
}

const reportNotFound = () => new HttpError(404, 'report_not_found', 'No such report.');

export default async function reportRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose reports'];
  defineReportJobs(svc);
  ctx.realtime.defineTopic({
    prefix: 'glucose.reports',
    description: 'glucose.reports:<userId> — report.ready, report.failed (only for that user)',
    authorize: (user, key) => key === user.id,
  });

  app.post('/patients/:patientId/reports', {
    schema: {
      tags, summary: 'Request an AGP report (PDF) or a data export (CSV ZIP, XLSX)',
      description: 'Answers 202 with the job; poll statusUrl or listen to glucose.reports:<userId>. An identical request of the same user within 10 min '
        + 'returns the existing job. Refusals: 400 format_not_allowed_for_kind, range_too_large, invalid_range, range_incomplete, include_not_allowed; '
        + '429 too_many_report_jobs (3 in preparation per user, 20 per patient per day; Retry-After). Send Idempotency-Key to retry safely.',
      params: PatientParams, body: ReportBody,
      response: { 202: Accepted, 400: RefusalSchema, ...problemResponses(401, 403, 404, 409, 429) },
    },
    preHandler: patientScope(ctx),
    config: { idempotent: true },
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const { job } = await requestReport(svc, req, patientAccess(req), user.id, req.body);
    const statusUrl = `/api/v1/glucose/reports/${job.id}`;
    return reply.code(202).header('location', statusUrl).send({ jobId: job.id, status: job.status, statusUrl });
  });

  app.get('/patients/:patientId/reports', {
    schema: {
      tags, summary: "The patient's reports and exports, newest first",
      params: PatientParams,
      querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 512 })), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(ReportJobSchema), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const after = idCursor(req.query.cursor);
    let q = ctx.db.selectFrom('glucose.report_jobs').selectAll().where('patient_id', '=', access.patientId);
    if (after) q = q.where('id', '<', after);
    const rows = await q.orderBy('id', 'desc').limit(req.query.limit + 1).execute();
    const key = await reportKey(svc);
    return toPage(rows, req.query.limit, (r) => [r.id], (r) => toReportDto(r, key));
  });

  app.get('/reports/:jobId', {
    schema: {
      tags, summary: 'Status and progress of a report job; a ready job carries a fresh signed download link (24 h)',
      params: JobParams,
      response: { 200: ReportJobSchema, ...problemResponses(401, 404) },
    },
    preHandler: ctx.requireAuth,
  }, async (req) => {
    const user = authenticatedUser(req);
    const job = await ctx.db.selectFrom('glucose.report_jobs').selectAll().where('id', '=', req.params.jobId).executeTakeFirst();
    // a job of a patient outside the caller's scope answers exactly like one that does not exist
    if (!job || !(job.requested_by === user.id || await resolvePatientAccess(ctx.db, user, job.patient_id))) throw patientNotFound();
    return toReportDto(job, await reportKey(svc));
  });

  app.get('/reports/:jobId/download', {
    schema: {
      tags, summary: 'Download a ready report through its signed link (no bearer token)',
      description: 'Refusals: 403 download_link_invalid (bad signature or tampered expiry), 410 download_link_expired, 410 report_expired, 404 report_not_found.',
      params: JobParams, querystring: DownloadQuery,
      response: { 200: Type.Unknown({ description: 'The file (application/pdf, application/zip or XLSX), as an attachment' }), ...problemResponses(400, 403, 404, 410) },
    },
    config: { public: true },
  }, async (req, reply) => {
    const key = await reportKey(svc);
    const check = checkDownload(key, req.params.jobId, req.query.expires, req.query.sig, Math.floor(Date.now() / 1000));
    if (check === 'invalid') throw new HttpError(403, 'download_link_invalid', 'This download link is not valid; open the report again to get a new link.');
    if (check === 'expired') throw new HttpError(410, 'download_link_expired', 'This download link has expired (links are valid 24 h); open the report again to get a new link.');
    const job = await ctx.db.selectFrom('glucose.report_jobs').selectAll().where('id', '=', req.params.jobId).executeTakeFirst();
    if (!job) throw reportNotFound();
    if (job.status === 'expired') throw new HttpError(410, 'report_expired', 'The report file was deleted after 7 days; request it again.');
    const file = job.status === 'ready' ? await ctx.db.selectFrom('glucose.report_files').select('content').where('job_id', '=', job.id).executeTakeFirst() : undefined;
    if (!file) throw reportNotFound();
    await recordAudit(ctx.db, actorOf(req), {
      action: 'glucose.report.downloaded', entity: 'glucose.report_job', entityId: job.id,
      diff: { patientId: job.patient_id, requestedBy: job.requested_by, kind: job.kind, format: job.format, from: iso(job.range_from), to: iso(job.range_to) },
    });
    return reply.type(job.content_type ?? 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${job.file_name ?? `report-${job.id}`}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(file.content);
  });
}

export { reportsTopic };
