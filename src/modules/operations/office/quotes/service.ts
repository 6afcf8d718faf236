import { sql } from 'kysely';
import type { Db } from '../../../../platform/db/pool.js';
import { inTransaction, type DbOrTx, type Tx } from '../../../../platform/db/transaction.js';
import { badRequest, conflict, forbidden, HttpError, notFound, unprocessable, type FieldError } from '../../../../platform/http/errors.js';
import { recordAudit, type AuditActor } from '../../../../platform/audit/writer.js';
import type { AuthUser } from '../../../../platform/types.js';
import { assertOrganization, isManager } from '../access.js';
import { DEFAULT_CURRENCIES, lineTotal, normaliseAmount, sameAmount, sumLines } from '../money.js';
import { takeNextNumber } from '../numbering.js';
import { DEFAULT_TEMPLATE_BODY, type TemplateBody } from '../templates/body.js';
import { attachmentOut, isoDate, quoteOut } from '../model.js';
import type { QuoteStatus } from '../tables.js';
import { addDays, canTransition, dateInZone, frozenFields } from './rules.js';

export interface LineInput { description: string; quantity: string; unitPrice: string }
export interface QuoteInput {
  organizationId: string; clientId: string; projectId?: string | null; title: string; number?: string | null;
  amount?: string; currency?: string; responsibleUserId?: string; startDate?: string | null; dueDate?: string | null;
  templateId?: string | null; lines?: LineInput[]; notes?: string | null;
}
export type QuotePatch = Partial<Omit<QuoteInput, 'organizationId'>> & { version: number };

export const quoteQuery = (db: DbOrTx) => db.selectFrom('operations.quote as q')
  .innerJoin('operations.client as c', 'c.id', 'q.client_id')
  .leftJoin('operations.project as p', 'p.id', 'q.project_id')
  .innerJoin('platform.users as u', 'u.id', 'q.responsible_user_id')
  .selectAll('q')
  .select(['c.name as client_name', 'p.name as project_name', 'u.display_name as responsible_name']);

/** The quote with its lines and attachments, or 404 when it is outside the caller's organisations. */
export async function quoteDetail(db: DbOrTx, user: AuthUser, id: string) {
  const row = await quoteQuery(db).where('q.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  await assertOrganization(db, user, row.organization_id);
  const [lines, attachments] = await Promise.all([
    db.selectFrom('operations.quote_line').selectAll().where('quote_id', '=', id).orderBy('position').execute(),
    db.selectFrom('operations.attachment').selectAll().where('owner_type', '=', 'quote').where('owner_id', '=', id).where('deleted_at', 'is', null).orderBy('created_at').execute(),
  ]);
  return {
    ...quoteOut(row),
    lines: lines.map((l) => ({ id: l.id, position: l.position, description: l.description, quantity: l.quantity, unitPrice: l.unit_price, total: lineTotal(l.quantity, l.unit_price) })),
    attachments: attachments.map(attachmentOut),
  };
}

interface ResolvedTemplate { templateId: string | null; versionId: string | null; body: TemplateBody }

/** The template a quote uses: the one named, else the organisation's default, else the built-in body. */
export async function resolveTemplate(db: DbOrTx, organizationId: string, templateId: string | null | undefined): Promise<ResolvedTemplate> {
  let q = db.selectFrom('operations.quote_template as t')
    .leftJoin('operations.quote_template_version as v', 'v.id', 't.current_version_id')
    .select(['t.id', 'v.id as version_id', 'v.body']).where('t.organization_id', '=', organizationId).where('t.archived_at', 'is', null);
  q = templateId ? q.where('t.id', '=', templateId) : q.where('t.is_default', '=', true);
  const row = await q.executeTakeFirst();
  if (!row) {
    if (templateId) throw unprocessable('template_not_in_organization', 'The template is not an active template of this organisation.', [{ path: 'body.templateId', message: 'not found in this organisation' }]);
    return { templateId: null, versionId: null, body: DEFAULT_TEMPLATE_BODY };
  }
  return { templateId: row.id, versionId: row.version_id, body: { ...DEFAULT_TEMPLATE_BODY, ...(row.body as object) } as TemplateBody };
}

async function organizationOf(tx: DbOrTx, organizationId: string) {
  return tx.selectFrom('operations.organization').selectAll().where('id', '=', organizationId).executeTakeFirstOrThrow();
}

async function checkReferences(tx: Tx, organizationId: string, refs: { clientId?: string; projectId?: string | null; responsibleUserId?: string }) {
  const errors: { code: string; detail: string; path: string }[] = [];
  if (refs.clientId !== undefined) {
    const c = await tx.selectFrom('operations.client').select('id').where('id', '=', refs.clientId).where('organization_id', '=', organizationId).executeTakeFirst();
    if (!c) errors.push({ code: 'client_not_in_organization', detail: 'The client does not belong to the quote\'s organisation.', path: 'body.clientId' });
  }
  if (refs.projectId) {
    const p = await tx.selectFrom('operations.project').select('id').where('id', '=', refs.projectId).where('organization_id', '=', organizationId).executeTakeFirst();
    if (!p) errors.push({ code: 'project_not_in_organization', detail: 'The project does not belong to the quote\'s organisation.', path: 'body.projectId' });
  }
  if (refs.responsibleUserId !== undefined) {
    const m = await tx.selectFrom('operations.organization_member').select('user_id').where('organization_id', '=', organizationId).where('user_id', '=', refs.responsibleUserId).executeTakeFirst();
    if (!m) errors.push({ code: 'responsible_not_member', detail: 'The responsible person must be a member of the quote\'s organisation.', path: 'body.responsibleUserId' });
  }
  if (errors.length) throw unprocessable(errors[0]!.code, errors[0]!.detail, errors.map((e) => ({ path: e.path, message: e.code })));
}

function checkCurrency(currency: string) {
  if (!DEFAULT_CURRENCIES.includes(currency)) {
    throw unprocessable('currency_unsupported', `Currency ${currency} is not one of ${DEFAULT_CURRENCIES.join(', ')}.`, [{ path: 'body.currency', message: 'unsupported' }]);
  }
}

/** amount from lines (server-computed) or as given; 422 amount_mismatch / amount_scale (spec §4.2). */
function settleAmount(amount: string | undefined, lines: LineInput[] | undefined, currency: string): string {
  if (lines && lines.length > 0) {
    const computed = sumLines(lines);
    if (amount !== undefined && !sameAmount(amount, computed)) {
      throw unprocessable('amount_mismatch', `The amount ${amount} differs from the sum of the lines, ${computed}.`, [{ path: 'body.amount', message: `expected ${computed}` }]);
    }
    const normal = normaliseAmount(computed, currency);
    if (normal === null) throw unprocessable('amount_scale', `Line totals have more decimals than ${currency} allows.`, [{ path: 'body.lines', message: 'too many decimals' }]);
    return normal;
  }
  if (amount === undefined) throw badRequest('validation_failed', 'amount is required when the quote has no lines.', [{ path: 'body.amount', message: 'is required without lines' }]);
  const normal = normaliseAmount(amount, currency);
  if (normal === null) throw unprocessable('amount_scale', `The amount has more decimals than ${currency} allows.`, [{ path: 'body.amount', message: 'too many decimals' }]);
  return normal;
}

function checkDates(start: string | null | undefined, due: string | null | undefined) {
  if (start && due && due < start) throw unprocessable('due_before_start', 'The due date is before the start date.', [{ path: 'body.dueDate', message: 'must be on or after startDate' }]);
}

async function writeLines(tx: Tx, quoteId: string, lines: LineInput[]) {
  await tx.deleteFrom('operations.quote_line').where('quote_id', '=', quoteId).execute();
  if (lines.length === 0) return;
  await tx.insertInto('operations.quote_line').values(lines.map((l, i) => ({
    quote_id: quoteId, position: i + 1, description: l.description, quantity: l.quantity, unit_price: l.unitPrice,
  }))).execute();
}

/** Postgres unique violations of quote numbers → 409 quote_number_taken. */
function numberTaken(err: unknown): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'quote_organization_id_number_key') {
    throw conflict('quote_number_taken', 'Another quote of this organisation already has this number.');
  }
  throw err;
}

export async function createQuote(db: Db, user: AuthUser, actor: AuditActor, input: QuoteInput) {
  await assertOrganization(db, user, input.organizationId);
  return inTransaction(db, async (tx) => {
    const template = await resolveTemplate(tx, input.organizationId, input.templateId);
    const org = await organizationOf(tx, input.organizationId);
    const currency = input.currency ?? template.body.defaultCurrency ?? String(org.default_currency).trim();
    checkCurrency(currency);
    const responsibleUserId = input.responsibleUserId ?? user.id;
    await checkReferences(tx, input.organizationId, { clientId: input.clientId, projectId: input.projectId, responsibleUserId });
    const startDate = input.startDate ?? null;
    const dueDate = input.dueDate !== undefined ? input.dueDate : startDate ? addDays(startDate, template.body.defaultPaymentTermDays) : null;
    checkDates(startDate, dueDate);
    const amount = settleAmount(input.amount, input.lines, currency);
    const inserted = await tx.insertInto('operations.quote').values({
      organization_id: input.organizationId, client_id: input.clientId, project_id: input.projectId ?? null, title: input.title,
      number: input.number ?? null, amount, currency, responsible_user_id: responsibleUserId, start_date: startDate, due_date: dueDate,
      template_version_id: template.versionId, notes: input.notes ?? null, created_by: user.id,
    }).returning('id').executeTakeFirstOrThrow().catch(numberTaken);
    await writeLines(tx, inserted.id, input.lines ?? []);
    const quote = await quoteDetail(tx, user, inserted.id);
    await recordAudit(tx, actor, { action: 'operations.quote.created', entity: 'operations.quote', entityId: inserted.id, diff: { organizationId: input.organizationId, after: quote } });
    return quote;
  });
}

async function lockQuote(tx: Tx, user: AuthUser, id: string, version: number | undefined) {
  const row = await tx.selectFrom('operations.quote').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound();
  await assertOrganization(tx, user, row.organization_id);
  if (version !== undefined && row.version !== version) {
    throw new HttpError(409, 'version_conflict', `The quote changed since you read it (now version ${row.version}); reload and retry.`, undefined, undefined, { version: row.version });
  }
  return row;
}

const diffOf = (before: Record<string, unknown>, after: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) && !['updatedAt', 'version', 'lines', 'attachments'].includes(k))
    .map((k) => [k, { from: before[k], to: after[k] }]));

export async function updateQuote(db: Db, user: AuthUser, actor: AuditActor, id: string, patch: QuotePatch) {
  return inTransaction(db, async (tx) => {
    const row = await lockQuote(tx, user, id, patch.version);
    const before = await quoteDetail(tx, user, id);
    const changed = Object.keys(patch).filter((k) => k !== 'version' && JSON.stringify((patch as any)[k]) !== JSON.stringify((before as any)[k]));
    const frozen = frozenFields(row.status, changed);
    if (frozen.length) {
      throw new HttpError(409, 'quote_not_editable', `A ${row.status} quote cannot change ${frozen.join(', ')}.`, frozen.map((f) => ({ path: `body.${f}`, message: 'frozen' })));
    }
    const currency = patch.currency ?? before.currency;
    if (patch.currency !== undefined) checkCurrency(currency);
    await checkReferences(tx, row.organization_id, {
      clientId: patch.clientId, projectId: patch.projectId, responsibleUserId: patch.responsibleUserId,
    });
    const startDate = patch.startDate !== undefined ? patch.startDate : before.startDate;
    const dueDate = patch.dueDate !== undefined ? patch.dueDate : before.dueDate;
    checkDates(startDate, dueDate);
    const set: Record<string, unknown> = {};
    if (changed.includes('lines') || changed.includes('amount') || changed.includes('currency')) {
      const lines = patch.lines ?? before.lines.map((l) => ({ description: l.description, quantity: l.quantity, unitPrice: l.unitPrice }));
      set.amount = settleAmount(patch.amount ?? (lines.length ? undefined : before.amount), lines, currency);
      if (patch.lines) await writeLines(tx, id, patch.lines);
    }
    if (patch.templateId !== undefined) set.template_version_id = (await resolveTemplate(tx, row.organization_id, patch.templateId)).versionId;
    const columns: Record<string, string> = {
      clientId: 'client_id', projectId: 'project_id', title: 'title', number: 'number', currency: 'currency',
      responsibleUserId: 'responsible_user_id', startDate: 'start_date', dueDate: 'due_date', notes: 'notes',
    };
    for (const [field, column] of Object.entries(columns)) if ((patch as any)[field] !== undefined) set[column] = (patch as any)[field];
    await tx.updateTable('operations.quote').set({ ...set, updated_at: new Date(), version: sql`version + 1` } as never)
      .where('id', '=', id).execute().catch(numberTaken);
    const after = await quoteDetail(tx, user, id);
    await recordAudit(tx, actor, { action: 'operations.quote.updated', entity: 'operations.quote', entityId: id, diff: { organizationId: row.organization_id, changes: diffOf(before, after), ...(patch.lines ? { lines: after.lines } : {}) } });
    return after;
  });
}

const STAMP: Partial<Record<QuoteStatus, string>> = { issued: 'issued_at', accepted: 'accepted_at', rejected: 'rejected_at', paid: 'paid_at', cancelled: 'cancelled_at' };

/** Moves a quote along §3.6; issuing assigns the number (§5.2) in the same transaction and freezes the template version. */
export async function transitionQuote(db: Db, user: AuthUser, actor: AuditActor, id: string, to: QuoteStatus, version: number, reason: string | undefined, now = new Date()) {
  return inTransaction(db, async (tx) => {
    const row = await lockQuote(tx, user, id, version);
    if (!canTransition(row.status, to)) {
      throw new HttpError(409, 'invalid_transition', `A ${row.status} quote cannot become ${to}.`, undefined, undefined, { from: row.status, to });
    }
    const set: Record<string, unknown> = { status: to, [STAMP[to]!]: now, updated_at: now, version: sql`version + 1` };
    if (to === 'cancelled') {
      if (!(row.responsible_user_id === user.id || isManager(user))) throw forbidden('not_responsible', 'Only the responsible person, a manager or an admin may cancel this quote.');
      if (!reason || !reason.trim()) throw unprocessable('cancel_reason_required', 'Say why the quote is cancelled.', [{ path: 'body.reason', message: 'is required to cancel' }]);
      set.cancel_reason = reason.trim();
    }
    if (to === 'issued') {
      const org = await organizationOf(tx, row.organization_id);
      const templateId = row.template_version_id
        ? (await tx.selectFrom('operations.quote_template_version').select('template_id').where('id', '=', row.template_version_id).executeTakeFirstOrThrow()).template_id
        : null;
      const template = await resolveTemplate(tx, row.organization_id, templateId).catch(() => resolveTemplate(tx, row.organization_id, null));
      set.template_version_id = template.versionId ?? row.template_version_id;
      if (!row.number) {
        set.number = await takeNextNumber(tx, row.organization_id, template.body.numberPattern, { isoDate: dateInZone(now, org.timezone), orgCode: org.code });
      }
    }
    await tx.updateTable('operations.quote').set(set as never).where('id', '=', id).execute().catch(numberTaken);
    const after = await quoteDetail(tx, user, id);
    await recordAudit(tx, actor, {
      action: `operations.quote.${to}`, entity: 'operations.quote', entityId: id,
      diff: { organizationId: row.organization_id, status: { from: row.status, to }, ...(set.number ? { number: set.number } : {}), ...(reason ? { reason } : {}) },
    });
    return after;
  });
}

export async function deleteQuote(db: Db, user: AuthUser, actor: AuditActor, id: string) {
  return inTransaction(db, async (tx) => {
    const row = await lockQuote(tx, user, id, undefined);
    if (row.status !== 'draft') throw new HttpError(409, 'invalid_transition', `Only draft quotes can be deleted; this one is ${row.status} (cancel it instead).`, undefined, undefined, { from: row.status });
    if (!(row.responsible_user_id === user.id || isManager(user))) throw forbidden('not_responsible', 'Only the responsible person, a manager or an admin may delete this draft.');
    await tx.updateTable('operations.attachment').set({ deleted_at: new Date() }).where('owner_type', '=', 'quote').where('owner_id', '=', id).where('deleted_at', 'is', null).execute();
    await tx.deleteFrom('operations.quote').where('id', '=', id).execute();
    await recordAudit(tx, actor, { action: 'operations.quote.deleted', entity: 'operations.quote', entityId: id, diff: { organizationId: row.organization_id, title: row.title, amount: row.amount } });
    return row.organization_id;
  });
}

export { isoDate, type FieldError };
