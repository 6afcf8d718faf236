import type { DbOrTx } from '../../../../platform/db/transaction.js';
import { notFound } from '../../../../platform/http/errors.js';
import type { AuthUser } from '../../../../platform/types.js';
import { assertOrganization } from '../access.js';
import { DEFAULT_TEMPLATE_BODY, type PlaceholderValues, type TemplateBody } from '../templates/body.js';
import { quoteDetail, resolveTemplate } from '../quotes/service.js';
import { dateInZone, daysBetween } from '../quotes/rules.js';
import { money, renderQuotePdf } from './quote-pdf.js';
import type { Address } from '../tables.js';

const addressText = (a: Address | null) => (a ? [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.country].filter(Boolean).join(', ') : '');

/**
 * Renders a quote: with the version frozen at issue (or given for a preview), else its template's current version.
 * `bodyOverride` previews an unsaved template body against real data.
 */
export async function quotePdf(db: DbOrTx, user: AuthUser, quoteId: string, opts: { templateVersionId?: string; bodyOverride?: TemplateBody; now?: Date } = {}) {
  const quote = await quoteDetail(db, user, quoteId);
  let body: TemplateBody;
  if (opts.bodyOverride) body = opts.bodyOverride;
  else {
    const versionId = opts.templateVersionId ?? quote.templateVersionId;
    if (versionId) {
      const v = await db.selectFrom('operations.quote_template_version as v').innerJoin('operations.quote_template as t', 't.id', 'v.template_id')
        .select(['v.body', 't.organization_id']).where('v.id', '=', versionId).executeTakeFirst();
      if (!v || v.organization_id !== quote.organizationId) throw notFound();
      body = { ...DEFAULT_TEMPLATE_BODY, ...(v.body as object) } as TemplateBody;
    } else body = (await resolveTemplate(db, quote.organizationId, null)).body;
  }
  const values = await placeholderValues(db, user, quote, body, opts.now ?? new Date());
  return renderQuotePdf({
    body, values, lines: quote.lines,
    quote: { number: quote.number, title: quote.title, amount: quote.amount, currency: quote.currency, status: quote.status },
    projectLabel: values['project.number'] ? `Projet ${values['project.number']} — ${values['project.name']}` : null,
    watermark: quote.status === 'draft' ? 'BROUILLON' : quote.status === 'cancelled' ? 'ANNULÉ' : undefined,
  });
}

export async function placeholderValues(db: DbOrTx, user: AuthUser, quote: Awaited<ReturnType<typeof quoteDetail>>, body: TemplateBody, now: Date): Promise<PlaceholderValues> {
  await assertOrganization(db, user, quote.organizationId);
  const org = await db.selectFrom('operations.organization').selectAll().where('id', '=', quote.organizationId).executeTakeFirstOrThrow();
  const client = await db.selectFrom('operations.client').selectAll().where('id', '=', quote.clientId).executeTakeFirstOrThrow();
  const responsible = await db.selectFrom('platform.users').select(['display_name', 'email']).where('id', '=', quote.responsibleUserId).executeTakeFirstOrThrow();
  const project = quote.projectId ? await db.selectFrom('operations.project').select(['number', 'name']).where('id', '=', quote.projectId).executeTakeFirst() : undefined;
  return {
    'org.name': org.name, 'org.legalName': org.legal_name ?? org.name, 'org.code': org.code,
    'org.address': addressText(org.address as Address | null), 'org.vatNumber': org.vat_number ?? '',
    'quote.number': quote.number ?? '', 'quote.title': quote.title, 'quote.amount': money(quote.amount, quote.currency, body.locale),
    'quote.currency': quote.currency, 'quote.startDate': quote.startDate ?? '', 'quote.dueDate': quote.dueDate ?? '', 'quote.status': quote.status,
    'quote.periodDays': quote.startDate && quote.dueDate ? String(daysBetween(quote.startDate, quote.dueDate)) : '',
    'client.name': client.name, 'client.email': client.email ?? '', 'responsible.name': responsible.display_name ?? '', 'responsible.email': responsible.email,
    'project.number': project?.number ?? '', 'project.name': project?.name ?? '', today: dateInZone(now, org.timezone),
  };
}
