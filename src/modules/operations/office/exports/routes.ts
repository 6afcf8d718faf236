import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, AuthUser, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { HttpError, notFound } from '../../../../platform/http/errors.js';
import { OFFICE, assertOrganization, visibleOrganizations } from '../access.js';
import { isoDate, iso, ProjectStatus, Uuid } from '../model.js';
import { filteredQuotes, type QuoteFilters } from '../quotes/list.js';
import { tempRoot } from '../../housekeeping/cleanup.js';
import { QuoteListQuery } from '../quotes/routes.js';
import { toCsv, toPdf, toXlsx, type ExportColumn, type ExportRow } from './files.js';

const tags = ['operations exports'];
const Format = Type.Union([Type.Literal('xlsx'), Type.Literal('csv'), Type.Literal('pdf')]);
const CONTENT_TYPES = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' };

export const syncExportLimit = () => Number(process.env.OPERATIONS_EXPORT_SYNC_MAX_ROWS ?? 5000);

const QUOTE_COLUMNS: ExportColumn[] = [
  { key: 'number', header: 'number', kind: 'text', width: 16 }, { key: 'title', header: 'title', kind: 'text', width: 32 },
  { key: 'client', header: 'client', kind: 'text', width: 24 }, { key: 'project', header: 'project', kind: 'text', width: 20 },
  { key: 'responsible', header: 'responsible', kind: 'text', width: 18 }, { key: 'amount', header: 'amount', kind: 'money', width: 14 },
  { key: 'currency', header: 'currency', kind: 'text', width: 9 }, { key: 'startDate', header: 'startDate', kind: 'date', width: 12 },
  { key: 'dueDate', header: 'dueDate', kind: 'date', width: 12 }, { key: 'status', header: 'status', kind: 'text', width: 10 },
  { key: 'issuedAt', header: 'issuedAt', kind: 'timestamp', width: 17 }, { key: 'paidAt', header: 'paidAt', kind: 'timestamp', width: 17 },
];
const CLIENT_COLUMNS: ExportColumn[] = [
  { key: 'name', header: 'name', kind: 'text', width: 28 }, { key: 'contactFirstName', header: 'contactFirstName', kind: 'text', width: 16 },
  { key: 'contactLastName', header: 'contactLastName', kind: 'text', width: 16 }, { key: 'email', header: 'email', kind: 'text', width: 26 },
  { key: 'phone', header: 'phone', kind: 'text', width: 16 }, { key: 'team', header: 'team', kind: 'text', width: 14 },
  { key: 'createdAt', header: 'createdAt', kind: 'timestamp', width: 17 },
];
const PROJECT_COLUMNS: ExportColumn[] = [
  { key: 'number', header: 'number', kind: 'text', width: 14 }, { key: 'name', header: 'name', kind: 'text', width: 28 },
  { key: 'client', header: 'client', kind: 'text', width: 24 }, { key: 'team', header: 'team', kind: 'text', width: 14 },
  { key: 'type', header: 'type', kind: 'text', width: 14 }, { key: 'status', header: 'status', kind: 'text', width: 10 },
  { key: 'createdAt', header: 'createdAt', kind: 'timestamp', width: 17 },
];

const tooMany = (count: number, max: number) => new HttpError(422, 'export_too_large',
  `${count} rows match; client and project exports are limited to ${max} rows. Narrow the filters.`, [{ path: 'query', message: `more than ${max} rows` }], undefined, { count, max });

function filterSummary(q: Record<string, unknown>): string {
  const parts = Object.entries(q).filter(([k, v]) => k !== 'format' && v !== undefined && v !== '').map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return parts.length ? `Filtres — ${parts.join(' · ')}` : 'Sans filtre';
}

async function orgHeader(db: ModuleContext['db'], user: AuthUser, organizationId: string | undefined) {
  if (!organizationId) return 'Atrium';
  await assertOrganization(db, user, organizationId);
  const org = await db.selectFrom('operations.organization').select(['name', 'legal_name']).where('id', '=', organizationId).executeTakeFirstOrThrow();
  return org.legal_name ?? org.name;
}

export const EXPORT_QUEUE = 'operations.exports.render';
export const exportPath = (runId: string, format: string) => `exports/${runId}.${format}`;

type QuoteRows = Awaited<ReturnType<ReturnType<typeof filteredQuotes>['execute']>>;

/** The quotes export file (shared by the direct answer and the background job). */
export async function renderQuoteExport(db: ModuleContext['db'], user: AuthUser, format: 'xlsx' | 'csv' | 'pdf', filters: QuoteFilters, rows: QuoteRows) {
  const header = await orgHeader(db, user, filters.organizationId);
  const out: ExportRow[] = rows.map((r) => ({
    number: r.number, title: r.title, client: r.client_name, project: r.project_name, responsible: r.responsible_name, amount: r.amount,
    currency: String(r.currency).trim(), startDate: isoDate(r.start_date), dueDate: isoDate(r.due_date), status: r.status, issuedAt: iso(r.issued_at), paidAt: iso(r.paid_at),
  }));
  const subtitle = `${filterSummary(filters as Record<string, unknown>)} · ${out.length} devis · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const body = format === 'xlsx' ? await toXlsx('Devis', QUOTE_COLUMNS, out) : format === 'csv' ? toCsv(QUOTE_COLUMNS, out) : await toPdf(`${header} — Devis`, subtitle, QUOTE_COLUMNS, out);
  return { body, fileName: `devis-${new Date().toISOString().slice(0, 10)}.${format}` };
}

/** Background exports above the direct limit (spec §4.5): the file goes to the temp area for 24 h, the requester gets an in-app link. */
export function defineExportJob(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'operations.exports', description: 'Exports ready to download', defaultChannels: ['inapp'] });
  ctx.notify.defineTemplate<{ runId: string; rows: number; format: string }>({
    name: 'operations.export_ready', category: 'operations.exports',
    en: (d) => ({ title: `Export ready: ${d.rows} quotes (${d.format.toUpperCase()})`, body: 'The file is kept for 24 hours.', link: `/api/v1/operations/exports/${d.runId}/file` }),
    fr: (d) => ({ title: `Export prêt : ${d.rows} devis (${d.format.toUpperCase()})`, body: 'Le fichier est conservé 24 heures.', link: `/api/v1/operations/exports/${d.runId}/file` }),
  });
  ctx.jobs.define<{ userId: string; roles: AuthUser['roles']; format: 'xlsx' | 'csv' | 'pdf'; filters: QuoteFilters }>({
    queue: EXPORT_QUEUE, kind: 'export', retryLimit: 3, retryDelay: 60, expireInSeconds: 900, batchSize: 1,
    handler: async (job) => {
      const user: AuthUser = { id: job.data.userId, roles: job.data.roles, sessionId: 'export-job' };
      const orgs = job.data.filters.organizationId ? [job.data.filters.organizationId] : await visibleOrganizations(ctx.db, user);
      const rows = await filteredQuotes(ctx.db, orgs, job.data.filters).orderBy('q.created_at', 'desc').orderBy('q.id', 'desc').limit(asyncExportLimit()).execute();
      const file = await renderQuoteExport(ctx.db, user, job.data.format, job.data.filters, rows);
      const rel = exportPath(job.id, job.data.format);
      await job.recordResources({ tempPaths: [rel] });
      await mkdir(path.join(tempRoot(ctx.config), 'exports'), { recursive: true });
      await writeFile(path.join(tempRoot(ctx.config), rel), file.body, { mode: 0o600 });
      await ctx.db.insertInto('operations.temp_file').values({ path: rel, category: 'export', size_bytes: file.body.length, expires_at: new Date(Date.now() + 24 * 3_600_000) } as never)
        .onConflict((oc) => oc.column('path').doNothing()).execute();
      await ctx.notify.send({ to: { userId: user.id }, template: 'operations.export_ready', channels: ['inapp'], dedupKey: `operations:export:${job.id}`, data: { runId: job.id, rows: rows.length, format: job.data.format } });
      return { rows: rows.length, bytes: file.body.length };
    },
  });
}

export const asyncExportLimit = () => Number(process.env.OPERATIONS_EXPORT_MAX_ROWS ?? 200_000);

async function send(reply: any, format: 'xlsx' | 'csv' | 'pdf', base: string, title: string, subtitle: string, columns: ExportColumn[], rows: ExportRow[]) {
  const stamp = new Date().toISOString().slice(0, 10);
  const body = format === 'xlsx' ? await toXlsx(base === 'devis' ? 'Devis' : base, columns, rows) : format === 'csv' ? toCsv(columns, rows) : await toPdf(title, subtitle, columns, rows);
  return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="${base}-${stamp}.${format}"`).send(body);
}

export default async function exportRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const fileResponse = { 200: Type.Unknown({ description: 'the file (xlsx, csv or pdf)' }), ...problemResponses(400, 401, 403, 404, 422) };

  app.get('/quotes/export', {
    schema: {
      tags, summary: 'Quotes as XLSX, CSV or PDF with the list\'s filters: ≤ 5,000 rows answered directly, more → 202 {runId} and an in-app link when ready',
      querystring: Type.Object({ format: Format, ...QuoteListQuery.properties }),
      response: { ...fileResponse, 202: Type.Object({ runId: Type.String() }) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const { format, sort: _sort, ...filters } = req.query;
    if (filters.organizationId) await assertOrganization(db, user, filters.organizationId);
    const orgs = filters.organizationId ? [filters.organizationId] : await visibleOrganizations(db, user);
    const max = syncExportLimit();
    const rows = await filteredQuotes(db, orgs, filters).orderBy('q.created_at', 'desc').orderBy('q.id', 'desc').limit(max + 1).execute();
    if (rows.length > max) {
      const jobId = await ctx.jobs.send(EXPORT_QUEUE, { userId: user.id, roles: user.roles, format, filters }, { trigger: 'manual', actorUserId: user.id });
      await recordAudit(db, actorOf(req), { action: 'operations.quote.export_requested', entity: 'operations.quote', entityId: jobId, diff: { format, filters } });
      return reply.code(202).send({ runId: jobId! });
    }
    await recordAudit(db, actorOf(req), { action: 'operations.quote.exported', entity: 'operations.quote', diff: { format, filters, rows: rows.length } });
    const file = await renderQuoteExport(db, user, format, filters, rows);
    return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.body);
  });

  app.get('/exports/:runId/file', {
    schema: {
      tags, summary: 'The file of a background export (its requester only; kept 24 h)', params: Type.Object({ runId: Type.String({ maxLength: 100 }) }),
      response: { 200: Type.Unknown({ description: 'the file' }), ...problemResponses(401, 403, 404, 410) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    for (const format of ['xlsx', 'csv', 'pdf'] as const) {
      const rel = exportPath(req.params.runId, format);
      const row = await db.selectFrom('operations.temp_file').selectAll().where('path', '=', rel).executeTakeFirst();
      if (!row) continue;
      const owner = await db.selectFrom('platform.operation_run').select('actor_user_id').where('job_id', '=', req.params.runId).executeTakeFirst();
      if (owner?.actor_user_id !== user.id) throw notFound();
      if (new Date(row.expires_at) < new Date()) throw new HttpError(410, 'export_expired', 'This export expired (files are kept 24 hours); export again.');
      const body = await readFile(path.join(tempRoot(ctx.config), rel)).catch(() => { throw new HttpError(410, 'export_expired', 'This export file was removed; export again.'); });
      return reply.type(CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="devis-${req.params.runId.slice(0, 8)}.${format}"`).send(body);
    }
    throw notFound();
  });

  app.get('/clients/export', {
    schema: { tags, summary: 'Clients as XLSX, CSV or PDF (≤ 5,000 rows)', querystring: Type.Object({ format: Format, organizationId: Type.Optional(Uuid), archived: Type.Optional(Type.Boolean()) }), response: fileResponse },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const header = await orgHeader(db, user, req.query.organizationId);
    const orgs = req.query.organizationId ? [req.query.organizationId] : await visibleOrganizations(db, user);
    const max = syncExportLimit();
    let q = db.selectFrom('operations.client').selectAll();
    if (orgs !== null) q = q.where('organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
    q = req.query.archived ? q.where('archived_at', 'is not', null) : q.where('archived_at', 'is', null);
    const rows = await q.orderBy('name').limit(max + 1).execute();
    if (rows.length > max) throw tooMany(rows.length, max);
    await recordAudit(db, actorOf(req), { action: 'operations.client.exported', entity: 'operations.client', diff: { format: req.query.format, rows: rows.length } });
    const out = rows.map((r) => ({ name: r.name, contactFirstName: r.contact_first_name, contactLastName: r.contact_last_name, email: r.email, phone: r.phone, team: r.team, createdAt: iso(r.created_at) }));
    return send(reply, req.query.format, 'clients', `${header} — Clients`, `${out.length} clients`, CLIENT_COLUMNS, out);
  });

  app.get('/projects/export', {
    schema: { tags, summary: 'Projects as XLSX, CSV or PDF (≤ 5,000 rows)', querystring: Type.Object({ format: Format, organizationId: Type.Optional(Uuid), status: Type.Optional(ProjectStatus) }), response: fileResponse },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const header = await orgHeader(db, user, req.query.organizationId);
    const orgs = req.query.organizationId ? [req.query.organizationId] : await visibleOrganizations(db, user);
    const max = syncExportLimit();
    let q = db.selectFrom('operations.project as p').leftJoin('operations.client as c', 'c.id', 'p.client_id').selectAll('p').select('c.name as client_name');
    if (orgs !== null) q = q.where('p.organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
    if (req.query.status) q = q.where('p.status', '=', req.query.status);
    const rows = await q.orderBy('p.number').limit(max + 1).execute();
    if (rows.length > max) throw tooMany(rows.length, max);
    await recordAudit(db, actorOf(req), { action: 'operations.project.exported', entity: 'operations.project', diff: { format: req.query.format, rows: rows.length } });
    const out = rows.map((r) => ({ number: r.number, name: r.name, client: r.client_name, team: r.team, type: r.type, status: r.status, createdAt: iso(r.created_at) }));
    return send(reply, req.query.format, 'projets', `${header} — Projets`, `${out.length} projets`, PROJECT_COLUMNS, out);
  });
}
