import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { App, AuthUser, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { badRequest, notFound, unprocessable } from '../../../../platform/http/errors.js';
import { inTransaction, type DbOrTx } from '../../../../platform/db/transaction.js';
import { OFFICE, assertOrganization } from '../access.js';
import { Attachment, attachmentOut, IdParams } from '../model.js';
import { cleanFileName, contentDisposition, isAllowedMime, sniffMime } from './sniff.js';

const tags = ['operations attachments'];
const OWNER_TABLE = { quote: 'operations.quote', project: 'operations.project', template: 'operations.quote_template' } as const;
type OwnerType = keyof typeof OWNER_TABLE;

/** Where attachment files live: <data dir>/operations/attachments/<organisation>/<attachment id>. */
export const attachmentRoot = (ctx: Pick<ModuleContext, 'config'>) => path.join(ctx.config.dataDir, 'operations', 'attachments');

export const maxAttachmentBytes = () => Number(process.env.OPERATIONS_ATTACHMENT_MAX_BYTES ?? 20 * 1024 * 1024);

async function ownerOrganization(db: DbOrTx, user: AuthUser, ownerType: OwnerType, ownerId: string): Promise<string> {
  const row = await db.selectFrom(OWNER_TABLE[ownerType]).select('organization_id').where('id', '=', ownerId).executeTakeFirst();
  if (!row) throw notFound();
  await assertOrganization(db, user, row.organization_id);
  return row.organization_id;
}

export default async function attachmentRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const limit = maxAttachmentBytes();
  await app.register(multipart, { limits: { fileSize: limit, files: 1, fields: 5, fieldSize: 200 } });

  app.post('/attachments', {
    schema: {
      tags, summary: 'Upload a file (multipart: ownerType, ownerId, then file); type sniffed from content; 20 MiB',
      consumes: ['multipart/form-data'],
      response: { 201: Attachment, ...problemResponses(400, 401, 403, 404, 422) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    if (!req.isMultipart()) throw badRequest('validation_failed', 'Send the file as multipart/form-data.', [{ path: 'body', message: 'must be multipart/form-data' }]);
    const file = await req.file();
    if (!file) throw badRequest('validation_failed', 'The file part is missing.', [{ path: 'body.file', message: 'is required' }]);
    const field = (name: string) => { const f = file.fields[name] as { value?: unknown } | undefined; return typeof f?.value === 'string' ? f.value : undefined; };
    const ownerType = field('ownerType');
    const ownerId = field('ownerId');
    if (!ownerType || !(ownerType in OWNER_TABLE)) throw badRequest('validation_failed', 'ownerType must be quote, project or template (send it before the file).', [{ path: 'body.ownerType', message: 'must be quote, project or template' }]);
    if (!ownerId || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ownerId)) throw badRequest('validation_failed', 'ownerId must be a uuid (send it before the file).', [{ path: 'body.ownerId', message: 'must be a uuid' }]);
    const organizationId = await ownerOrganization(db, user, ownerType as OwnerType, ownerId);
    let bytes: Buffer;
    try { bytes = await file.toBuffer(); } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw unprocessable('attachment_too_large', `Files are limited to ${Math.round(limit / 1048576)} MiB.`, [{ path: 'body.file', message: 'too large' }]);
      throw err;
    }
    const mime = sniffMime(bytes);
    if (!isAllowedMime(mime)) throw unprocessable('attachment_type_not_allowed', 'Only PDF, PNG, JPEG and Office (OOXML) files are accepted.', [{ path: 'body.file', message: `content is ${mime ?? 'unknown'}` }]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = cleanFileName(file.filename ?? 'file');
    const row = await inTransaction(db, async (tx) => {
      const created = await tx.insertInto('operations.attachment').values({
        organization_id: organizationId, owner_type: ownerType as OwnerType, owner_id: ownerId, file_name: fileName, mime_type: mime,
        size_bytes: bytes.length, sha256, storage_key: `pending-${sha256}-${Date.now()}-${Math.random()}`, uploaded_by: user.id,
      }).returningAll().executeTakeFirstOrThrow();
      const storageKey = `${organizationId}/${created.id}`;
      const dir = path.join(attachmentRoot(ctx), organizationId);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, created.id), bytes, { mode: 0o600 });
      const final = await tx.updateTable('operations.attachment').set({ storage_key: storageKey }).where('id', '=', created.id).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'operations.attachment.created', entity: 'operations.attachment', entityId: created.id, diff: { organizationId, ownerType, ownerId, fileName, mimeType: mime, sizeBytes: bytes.length, sha256 } });
      return final;
    });
    return reply.code(201).send(attachmentOut(row));
  });

  const load = async (user: AuthUser, id: string) => {
    const row = await db.selectFrom('operations.attachment').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw notFound();
    await assertOrganization(db, user, row.organization_id);
    return row;
  };

  app.get('/attachments/:id/content', {
    schema: { tags, summary: 'Download an attachment', params: IdParams, response: { 200: Type.Unknown({ description: 'the file (application/octet-stream)' }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const row = await load(authenticatedUser(req), req.params.id);
    const bytes = await readFile(path.join(attachmentRoot(ctx), row.storage_key));
    return reply.type(row.mime_type).header('content-disposition', contentDisposition(row.file_name)).header('x-content-type-options', 'nosniff').send(bytes);
  });

  app.delete('/attachments/:id', {
    schema: { tags, summary: 'Remove an attachment (soft delete; the file is purged after 30 days by the cleanup job)', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const row = await load(authenticatedUser(req), req.params.id);
    await inTransaction(db, async (tx) => {
      await tx.updateTable('operations.attachment').set({ deleted_at: new Date(), updated_at: new Date() }).where('id', '=', row.id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.attachment.deleted', entity: 'operations.attachment', entityId: row.id, diff: { organizationId: row.organization_id, ownerType: row.owner_type, ownerId: row.owner_id, fileName: row.file_name } });
    });
    return reply.code(204).send(null);
  });
}
