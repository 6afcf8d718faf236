import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { conflict, notFound, unprocessable } from '../../../../platform/http/errors.js';
import { inTransaction, type Tx } from '../../../../platform/db/transaction.js';
import { MANAGERS, OFFICE, assertOrganization, visibleOrganizations } from '../access.js';
import { IdParams, iso, NullableTimestamp, NullableUuid, Timestamp, Uuid, Version } from '../model.js';
import { DEFAULT_TEMPLATE_BODY, PLACEHOLDERS, templateBodyProblems, type TemplateBody } from './body.js';
import { quotePdf } from '../pdf/render.js';
import { renderQuotePdf } from '../pdf/quote-pdf.js';
import { versionConflict } from '../patching.js';

const tags = ['operations quote templates'];
const Html = Type.String({ maxLength: 20_000 });
export const TemplateBodySchema = Type.Object({
  locale: Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' }),
  numberPattern: Type.String({ minLength: 1, maxLength: 60 }),
  defaultCurrency: Type.String({ pattern: '^[A-Z]{3}$' }),
  defaultPaymentTermDays: Type.Integer({ minimum: 0, maximum: 365 }),
  pdf: Type.Object({
    paper: Type.Union([Type.Literal('A4'), Type.Literal('LETTER')]), primaryColor: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' }),
    logoAttachmentId: NullableUuid, headerHtml: Html, introHtml: Html, termsHtml: Html, footerHtml: Html,
    showLines: Type.Boolean(), showProject: Type.Boolean(),
  }, { additionalProperties: false }),
  notification: Type.Object({
    startTitle: Type.String({ maxLength: 256 }), deadlineTitle: Type.String({ maxLength: 256 }),
    emailSubjectStart: Type.String({ maxLength: 256 }), emailSubjectDeadline: Type.String({ maxLength: 256 }),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const Template = Type.Object({
  id: Uuid, organizationId: Uuid, name: Type.String(), isDefault: Type.Boolean(), currentVersionId: NullableUuid,
  currentVersion: Type.Integer(), body: TemplateBodySchema, archivedAt: NullableTimestamp, updatedAt: Timestamp, version: Type.Integer(),
});
const TemplateVersion = Type.Object({ id: Uuid, version: Type.Integer(), body: TemplateBodySchema, createdBy: NullableUuid, createdAt: Timestamp });

const templateOut = (r: any) => ({
  id: r.id, organizationId: r.organization_id, name: r.name, isDefault: r.is_default, currentVersionId: r.current_version_id,
  currentVersion: r.current_version ?? 0, body: { ...DEFAULT_TEMPLATE_BODY, ...(r.body ?? {}) }, archivedAt: iso(r.archived_at), updatedAt: iso(r.updated_at)!, version: r.version,
});

function checkBody(body: TemplateBody) {
  const problem = templateBodyProblems(body);
  if (problem) throw unprocessable(problem.code, problem.code === 'unknown_placeholder' ? 'The template uses placeholders that do not exist.' : problem.code === 'invalid_number_pattern' ? 'The number pattern is not valid.' : 'The template HTML uses markup outside the allowlist.', problem.errors);
}

async function addVersion(tx: Tx, templateId: string, body: TemplateBody, userId: string) {
  const next = await tx.selectFrom('operations.quote_template_version').select(sql<number>`coalesce(max(version), 0) + 1`.as('n')).where('template_id', '=', templateId).executeTakeFirstOrThrow();
  const v = await tx.insertInto('operations.quote_template_version').values({ template_id: templateId, version: next.n, body: JSON.stringify(body), created_by: userId }).returning(['id', 'version']).executeTakeFirstOrThrow();
  await tx.updateTable('operations.quote_template').set({ current_version_id: v.id }).where('id', '=', templateId).execute();
  return v;
}

/** Only one default per organisation: setting one clears the previous (the partial unique index holds the rule). */
async function makeDefault(tx: Tx, organizationId: string, templateId: string) {
  await tx.updateTable('operations.quote_template').set({ is_default: false }).where('organization_id', '=', organizationId).where('id', '<>', templateId).where('is_default', '=', true).execute();
}

export default async function templateRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;
  const query = () => db.selectFrom('operations.quote_template as t').leftJoin('operations.quote_template_version as v', 'v.id', 't.current_version_id')
    .selectAll('t').select(['v.body', 'v.version as current_version']);
  const load = async (user: Parameters<typeof assertOrganization>[1], id: string) => {
    const row = await query().where('t.id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    await assertOrganization(db, user, row.organization_id);
    return row;
  };

  app.get('/quote-templates', {
    schema: {
      tags, summary: 'Quote templates (archived ones with archived=true)',
      querystring: Type.Object({ organizationId: Type.Optional(Uuid), archived: Type.Optional(Type.Boolean()) }),
      response: { 200: Type.Object({ items: Type.Array(Template), placeholders: Type.Array(Type.String()) }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const user = authenticatedUser(req);
    if (req.query.organizationId) await assertOrganization(db, user, req.query.organizationId);
    const orgs = req.query.organizationId ? [req.query.organizationId] : await visibleOrganizations(db, user);
    let q = query();
    if (orgs !== null) q = q.where('t.organization_id', '=', sql<string>`any(${orgs}::uuid[])`);
    q = req.query.archived ? q.where('t.archived_at', 'is not', null) : q.where('t.archived_at', 'is', null);
    const rows = await q.orderBy('t.is_default', 'desc').orderBy('t.name').limit(500).execute();
    return { items: rows.map(templateOut), placeholders: [...PLACEHOLDERS] };
  });

  app.post('/quote-templates', {
    schema: {
      tags, summary: 'Create a template (version 1)',
      body: Type.Object({ organizationId: Uuid, name: Type.String({ minLength: 1, maxLength: 200 }), isDefault: Type.Optional(Type.Boolean()), body: TemplateBodySchema }, { additionalProperties: false }),
      response: { 201: Template, ...problemResponses(400, 401, 403, 404, 422) },
    },
    preHandler: app.requireRole(...MANAGERS),
    config: { idempotent: true },
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    await assertOrganization(db, user, req.body.organizationId);
    checkBody(req.body.body);
    const id = await inTransaction(db, async (tx) => {
      const t = await tx.insertInto('operations.quote_template').values({ organization_id: req.body.organizationId, name: req.body.name }).returning('id').executeTakeFirstOrThrow();
      const v = await addVersion(tx, t.id, req.body.body, user.id);
      if (req.body.isDefault) {
        await makeDefault(tx, req.body.organizationId, t.id);
        await tx.updateTable('operations.quote_template').set({ is_default: true }).where('id', '=', t.id).execute();
      }
      await recordAudit(tx, actorOf(req), { action: 'operations.quote_template.created', entity: 'operations.quote_template', entityId: t.id, diff: { organizationId: req.body.organizationId, name: req.body.name, isDefault: !!req.body.isDefault, versionId: v.id } });
      return t.id;
    });
    return reply.code(201).send(templateOut(await load(user, id)));
  });

  app.patch('/quote-templates/:id', {
    schema: {
      tags, summary: 'Rename, set default, or save a new body (a new immutable version)', params: IdParams,
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), isDefault: Type.Optional(Type.Boolean()), body: Type.Optional(TemplateBodySchema), version: Version }, { additionalProperties: false }),
      response: { 200: Template, ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const user = authenticatedUser(req);
    const before = await load(user, req.params.id);
    if (req.body.body) checkBody(req.body.body);
    if (before.archived_at && req.body.isDefault) throw conflict('template_archived', 'An archived template cannot become the default.');
    await inTransaction(db, async (tx) => {
      const locked = await tx.selectFrom('operations.quote_template').select('version').where('id', '=', before.id).forUpdate().executeTakeFirstOrThrow();
      if (locked.version !== req.body.version) throw versionConflict('template', locked.version);
      let versionId: string | undefined;
      if (req.body.body && JSON.stringify(req.body.body) !== JSON.stringify(before.body)) versionId = (await addVersion(tx, before.id, req.body.body, user.id)).id;
      if (req.body.isDefault === true) await makeDefault(tx, before.organization_id, before.id);
      await tx.updateTable('operations.quote_template').set({
        ...(req.body.name !== undefined ? { name: req.body.name } : {}), ...(req.body.isDefault !== undefined ? { is_default: req.body.isDefault } : {}),
        updated_at: new Date(), version: sql`version + 1` as never,
      }).where('id', '=', before.id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.quote_template.updated', entity: 'operations.quote_template', entityId: before.id, diff: { organizationId: before.organization_id, name: req.body.name, isDefault: req.body.isDefault, newVersionId: versionId ?? null } });
    });
    return templateOut(await load(user, req.params.id));
  });

  app.get('/quote-templates/:id/versions', {
    schema: { tags, summary: 'Versions of a template, newest first', params: IdParams, response: { 200: Type.Object({ items: Type.Array(TemplateVersion) }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    await load(authenticatedUser(req), req.params.id);
    const rows = await db.selectFrom('operations.quote_template_version').selectAll().where('template_id', '=', req.params.id).orderBy('version', 'desc').execute();
    return { items: rows.map((r) => ({ id: r.id, version: r.version, body: { ...DEFAULT_TEMPLATE_BODY, ...(r.body as object) } as TemplateBody, createdBy: r.created_by, createdAt: iso(r.created_at)! })) };
  });

  app.post('/quote-templates/:id/preview', {
    schema: {
      tags, summary: 'PDF preview of a (possibly unsaved) body with a real quote or sample data', params: IdParams,
      body: Type.Object({ body: Type.Optional(TemplateBodySchema), quoteId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: { 200: Type.Unknown({ description: 'the file (application/pdf)' }), ...problemResponses(400, 401, 403, 404, 422) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const user = authenticatedUser(req);
    const template = await load(user, req.params.id);
    const body = (req.body.body ?? { ...DEFAULT_TEMPLATE_BODY, ...(template.body as object) }) as TemplateBody;
    checkBody(body);
    let pdf: Buffer;
    if (req.body.quoteId) {
      const q = await db.selectFrom('operations.quote').select('organization_id').where('id', '=', req.body.quoteId).executeTakeFirst();
      if (!q || q.organization_id !== template.organization_id) throw notFound();
      pdf = await quotePdf(db, user, req.body.quoteId, { bodyOverride: body });
    } else {
      const org = await db.selectFrom('operations.organization').selectAll().where('id', '=', template.organization_id).executeTakeFirstOrThrow();
      pdf = await renderQuotePdf({
        body, projectLabel: 'Projet P-001 — Exemple',
        quote: { number: 'D-2025-0001', title: 'Exemple de devis', amount: '1250.00', currency: body.defaultCurrency, status: 'issued' },
        lines: [{ description: 'Analyse', quantity: '5', unitPrice: '250.00' }],
        values: {
          'org.name': org.name, 'org.legalName': org.legal_name ?? org.name, 'org.code': org.code, 'org.vatNumber': org.vat_number ?? '',
          'quote.number': 'D-2025-0001', 'quote.title': 'Exemple de devis', 'quote.amount': '1 250,00 €', 'quote.currency': body.defaultCurrency,
          'quote.startDate': '2025-06-02', 'quote.dueDate': '2025-07-02', 'quote.status': 'issued', 'quote.periodDays': '30',
          'client.name': 'Client exemple', 'client.email': 'client@example.com', 'responsible.name': 'Responsable', 'responsible.email': 'responsable@example.com',
          'project.number': 'P-001', 'project.name': 'Exemple', today: new Date().toISOString().slice(0, 10),
        },
      });
    }
    return reply.type('application/pdf').send(pdf);
  });

  app.post('/quote-templates/:id/archive', {
    schema: { tags, summary: 'Archive a template (not the default one)', params: IdParams, response: { 200: Template, ...problemResponses(401, 403, 404, 409) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const user = authenticatedUser(req);
    const t = await load(user, req.params.id);
    if (t.is_default) throw conflict('default_template', 'The default template cannot be archived; make another template the default first.');
    await inTransaction(db, async (tx) => {
      await tx.updateTable('operations.quote_template').set({ archived_at: sql`coalesce(archived_at, now())` as never, updated_at: new Date(), version: sql`version + 1` as never }).where('id', '=', t.id).execute();
      await recordAudit(tx, actorOf(req), { action: 'operations.quote_template.archived', entity: 'operations.quote_template', entityId: t.id, diff: { organizationId: t.organization_id } });
    });
    return templateOut(await load(user, req.params.id));
  });
}
