import { Type } from 'typebox';
import type { App, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { PageQuery, Page } from '../../../../platform/http/pagination.js';
import { OFFICE, publishQuoteEvent } from '../access.js';
import { Attachment, Currency, DateOnly, IdParams, Money, NullableDate, NullableText, NullableUuid, Quantity, Quote, QuoteLine, QuoteStatus, UnitPrice, Uuid, Version } from '../model.js';
import { createQuote, deleteQuote, quoteDetail, transitionQuote, updateQuote } from './service.js';
import { listQuotes } from './list.js';
import { quotePdf } from '../pdf/render.js';

const tags = ['operations quotes'];

const LineInput = Type.Object({
  description: Type.String({ minLength: 1, maxLength: 500 }), quantity: Quantity, unitPrice: UnitPrice,
}, { additionalProperties: false });

const QuoteFields = {
  clientId: Uuid,
  projectId: Type.Optional(NullableUuid),
  title: Type.String({ minLength: 1, maxLength: 200 }),
  number: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 60, pattern: '^\\S(.*\\S)?$' }), Type.Null()])),
  amount: Type.Optional(Money),
  currency: Type.Optional(Currency),
  responsibleUserId: Type.Optional(Uuid),
  startDate: Type.Optional(NullableDate),
  dueDate: Type.Optional(NullableDate),
  templateId: Type.Optional(NullableUuid),
  lines: Type.Optional(Type.Array(LineInput, { maxItems: 200 })),
  notes: Type.Optional(NullableText(5000)),
};
export const QuoteCreate = Type.Object({ organizationId: Uuid, ...QuoteFields }, { additionalProperties: false });
const QuotePatch = Type.Object({ ...Type.Partial(Type.Object(QuoteFields)).properties, version: Version }, { additionalProperties: false });
const QuoteListItem = Type.Object({
  ...Quote.properties,
  notifications: Type.Array(Type.Object({ kind: Type.String(), eventDate: Type.String(), status: Type.String() }), { description: 'latest state per notification kind (period_started, deadline_reached)' }),
});
export const QuoteDetail = Type.Object({ ...Quote.properties, lines: Type.Array(QuoteLine), attachments: Type.Array(Attachment) });

export const QuoteListQuery = Type.Object({
  organizationId: Type.Optional(Uuid),
  status: Type.Optional(Type.Array(QuoteStatus, { maxItems: 6 })),
  clientId: Type.Optional(Uuid), projectId: Type.Optional(Uuid), responsibleUserId: Type.Optional(Uuid),
  dueFrom: Type.Optional(DateOnly), dueTo: Type.Optional(DateOnly),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  sort: Type.Optional(Type.Union([Type.Literal('createdAt'), Type.Literal('dueDate'), Type.Literal('amount')])),
});

export default async function quoteRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/quotes', {
    schema: {
      tags, summary: 'Quotes of the caller\'s organisations, filtered and cursor-paged',
      querystring: Type.Object({ ...PageQuery.properties, ...QuoteListQuery.properties }),
      response: { 200: Page(QuoteListItem), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const { cursor, limit, ...filters } = req.query;
    return listQuotes(db, authenticatedUser(req), filters, cursor, limit);
  });

  app.post('/quotes', {
    schema: { tags, summary: 'Create a quote (draft); defaults from the organisation\'s default template', body: QuoteCreate, response: { 201: QuoteDetail, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...OFFICE),
    config: { idempotent: true },
  }, async (req, reply) => {
    const quote = await createQuote(db, authenticatedUser(req), actorOf(req), req.body);
    await publishQuoteEvent(ctx, quote.organizationId, 'quote.created', { quoteId: quote.id, status: quote.status, version: quote.version });
    return reply.code(201).send(quote);
  });

  app.get('/quotes/:id', {
    schema: { tags, summary: 'A quote with its lines and attachments', params: IdParams, response: { 200: QuoteDetail, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => quoteDetail(db, authenticatedUser(req), req.params.id));

  app.patch('/quotes/:id', {
    schema: { tags, summary: 'Change a quote (carries the version read); issued/accepted quotes keep amount, currency, lines and client', params: IdParams, body: QuotePatch, response: { 200: QuoteDetail, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const quote = await updateQuote(db, authenticatedUser(req), actorOf(req), req.params.id, req.body);
    await publishQuoteEvent(ctx, quote.organizationId, 'quote.updated', { quoteId: quote.id, status: quote.status, version: quote.version });
    return quote;
  });

  app.delete('/quotes/:id', {
    schema: { tags, summary: 'Delete a draft quote (responsible person, manager or admin)', params: IdParams, response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const organizationId = await deleteQuote(db, authenticatedUser(req), actorOf(req), req.params.id);
    await publishQuoteEvent(ctx, organizationId, 'quote.updated', { quoteId: req.params.id, status: 'deleted', version: null });
    return reply.code(204).send(null);
  });

  app.post('/quotes/:id/transitions', {
    schema: {
      tags, summary: 'Issue, accept, reject, mark paid or cancel (spec §3.6); issuing assigns the number',
      params: IdParams,
      body: Type.Object({ to: QuoteStatus, reason: Type.Optional(Type.String({ maxLength: 1000 })), version: Version }, { additionalProperties: false }),
      response: { 200: QuoteDetail, ...problemResponses(400, 401, 403, 404, 409, 422) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const quote = await transitionQuote(db, authenticatedUser(req), actorOf(req), req.params.id, req.body.to, req.body.version, req.body.reason);
    await publishQuoteEvent(ctx, quote.organizationId, 'quote.transitioned', { quoteId: quote.id, status: quote.status, version: quote.version });
    return quote;
  });

  app.get('/quotes/:id/pdf', {
    schema: {
      tags, summary: 'The quote as PDF (its frozen template version; templateVersionId previews another version of its organisation)',
      params: IdParams, querystring: Type.Object({ templateVersionId: Type.Optional(Uuid) }),
      response: { 200: Type.Unknown({ description: 'the file (application/pdf)' }), ...problemResponses(401, 403, 404) },
    },
    preHandler: app.requireRole(...OFFICE),
  }, async (req, reply) => {
    const pdf = await quotePdf(db, authenticatedUser(req), req.params.id, { templateVersionId: req.query.templateVersionId });
    return reply.type('application/pdf').header('content-disposition', `inline; filename="quote-${req.params.id}.pdf"`).send(pdf);
  });
}
