import { Type } from 'typebox';
import multipart from '@fastify/multipart';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { badRequest, notFound, unprocessable } from '../../../platform/http/errors.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { recordAudit, actorOf } from '../../../platform/audit/writer.js';
import { IdParams } from '../http/schemas.js';
import { WRITE } from '../http/roles.js';
import { IMPORT_KINDS, template, type ImportKind } from './columns.js';
import { runImport } from './run.js';

const tags = ['sourcing imports'];
const MAX_BYTES = 10 * 1024 * 1024;
const Kind = Type.Unsafe<ImportKind>(Type.String({ enum: [...IMPORT_KINDS] }));
const ImportView = Type.Object({
  id: Type.String(), kind: Kind, status: Type.Unsafe<'pending' | 'running' | 'completed' | 'failed'>(Type.String({ enum: ['pending', 'running', 'completed', 'failed'] })),
  fileName: Type.Union([Type.String(), Type.Null()]), partial: Type.Boolean(), rowsTotal: Type.Union([Type.Integer(), Type.Null()]), rowsOk: Type.Union([Type.Integer(), Type.Null()]),
  errors: Type.Array(Type.Object({ row: Type.Integer(), column: Type.Union([Type.String(), Type.Null()]), code: Type.String(), message: Type.String() })),
  createdAt: Type.String(), finishedAt: Type.Union([Type.String(), Type.Null()]),
});

/** Queue of spec §6: one job per import, one retry; the status guard makes a retry after completion a no-op. */
export function defineImportJobs(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'sourcing.imports', description: 'CSV imports that finished with errors', defaultChannels: ['inapp'] });
  ctx.notify.defineTemplate<{ id: string; kind: string; rowsOk: number; rowsTotal: number; errors: number }>({
    name: 'sourcing.import_finished', category: 'sourcing.imports',
    en: (d) => ({ title: `Import of ${d.kind}: ${d.errors} errors`, body: `${d.rowsOk} of ${d.rowsTotal} rows imported. The report lists every error by line and column.`, link: `/api/v1/sourcing/imports/${d.id}` }),
    fr: (d) => ({ title: `Import ${d.kind} : ${d.errors} erreurs`, body: `${d.rowsOk} lignes importées sur ${d.rowsTotal}. Le rapport liste chaque erreur par ligne et colonne.`, link: `/api/v1/sourcing/imports/${d.id}` }),
  });
  ctx.jobs.define<{ importId: string }>({
    queue: 'sourcing.import',
    retryLimit: 1,
    retryDelay: 10,
    handler: async (job) => runImport(ctx, job.data.importId),
  });
}

/** CSV imports (spec §4.9): upload (multipart: kind, partial, then file) → 202; the report; the templates. */
export default async function importRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  // Multipart parsing only inside this encapsulated child, so the module's JSON routes are unaffected.
  await app.register(async (child) => {
    await child.register(multipart, { limits: { fileSize: MAX_BYTES, files: 1, fields: 4, fieldSize: 100 } });
    (child as App).post('/imports', {
      schema: {
        tags, summary: 'Upload a CSV (multipart fields kind and partial before the file; ≤ 10 MiB) → 202 {id}; rows are checked and written by the sourcing.import job',
        consumes: ['multipart/form-data'],
        response: { 202: Type.Object({ id: Type.String(), status: Type.Literal('pending') }), ...problemResponses(400, 401, 403, 422) },
      },
      preHandler: app.requireRole(...WRITE),
    }, async (req, reply) => {
      const me = authenticatedUser(req);
      if (!req.isMultipart()) throw badRequest('validation_failed', 'Send the file as multipart/form-data.', [{ path: 'body', message: 'must be multipart/form-data' }]);
      const file = await req.file();
      if (!file) throw badRequest('validation_failed', 'The file part is missing.', [{ path: 'body.file', message: 'is required' }]);
      const field = (name: string) => { const f = file.fields[name] as { value?: unknown } | undefined; return typeof f?.value === 'string' ? f.value : undefined; };
      const kind = field('kind');
      if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind)) throw badRequest('validation_failed', `kind must be one of ${IMPORT_KINDS.join(', ')} (send it before the file).`, [{ path: 'body.kind', message: `must be one of ${IMPORT_KINDS.join(', ')}` }]);
      const partialRaw = field('partial') ?? 'false';
      if (!/^(true|false)$/.test(partialRaw)) throw badRequest('validation_failed', 'partial must be true or false.', [{ path: 'body.partial', message: 'must be true or false' }]);
      let content: Buffer;
      try { content = await file.toBuffer(); } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw unprocessable('file_too_large', 'Import files are limited to 10 MiB.', [{ path: 'body.file', message: 'too large' }]);
        throw err;
      }
      if (!content.length) throw unprocessable('empty_file', 'The file is empty.', [{ path: 'body.file', message: 'is empty' }]);
      const id = await db.transaction().execute(async (tx) => {
        const { rows } = await sql<{ id: string }>`insert into sourcing.import_jobs (kind, content, file_name, partial, requested_by)
          values (${kind}, ${content}, ${file.filename || null}, ${partialRaw === 'true'}, ${me.id}) returning id`.execute(tx);
        const created = rows[0]!.id;
        await recordAudit(tx, actorOf(req), { action: 'sourcing.import.created', entity: 'sourcing.import', entityId: created, diff: { kind, partial: partialRaw === 'true', bytes: content.length } });
        await ctx.jobs.send('sourcing.import', { importId: created }, { db: tx, actorUserId: me.id });
        return created;
      });
      return reply.code(202).send({ id, status: 'pending' as const });
    });
  });

  app.get('/imports/:id', {
    schema: { tags, summary: 'Status, counts and the per-row error report of an import (its requester or a manager)', params: IdParams, response: { 200: ImportView, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...WRITE),
  }, async (req) => {
    const me = authenticatedUser(req);
    const { rows } = await sql<any>`select id, kind, status, file_name, partial, rows_total, rows_ok, errors, created_at, finished_at, requested_by
      from sourcing.import_jobs where id = ${req.params.id}`.execute(db);
    const r = rows[0];
    // Another buyer's import is not theirs to read: answered as absent.
    if (!r || (r.requested_by !== me.id && !me.roles.includes('manager'))) throw notFound('import_not_found', 'No such import.');
    return {
      id: r.id, kind: r.kind, status: r.status, fileName: r.file_name, partial: r.partial, rowsTotal: r.rows_total, rowsOk: r.rows_ok, errors: r.errors,
      createdAt: new Date(r.created_at).toISOString(), finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    };
  });

  app.get('/imports/templates/:file', {
    schema: {
      tags, summary: 'The CSV template of a kind (header and one example line), e.g. /imports/templates/suppliers.csv',
      params: Type.Object({ file: Type.String({ pattern: `^(${IMPORT_KINDS.join('|')})\\.csv$` }) }),
      response: { 200: Type.String({ description: 'text/csv' }), ...problemResponses(400, 401, 403) },
    },
    preHandler: app.requireRole(...WRITE),
  }, async (req, reply) => {
    const kind = req.params.file.replace(/\.csv$/, '') as ImportKind;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${kind}.csv"`).send(template(kind));
  });
}
