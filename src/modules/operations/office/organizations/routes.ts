import { Type } from 'typebox';
import type { App, ModuleContext } from '../../../../platform/types.js';
import { problemResponses } from '../../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../../platform/audit/writer.js';
import { authenticatedUser } from '../../../../platform/auth/guards.js';
import { unprocessable } from '../../../../platform/http/errors.js';
import { inTransaction } from '../../../../platform/db/transaction.js';
import { MANAGERS, OFFICE, assertOrganization, visibleOrganizations } from '../access.js';
import { Address, IdParams, NullableText, Organization, organizationOut, Version } from '../model.js';
import { DEFAULT_CURRENCIES } from '../money.js';
import { isValidTimeZone } from '../quotes/rules.js';
import { columnsOf, updateVersioned } from '../patching.js';

const tags = ['operations organisations'];
const OrganizationPatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), legalName: Type.Optional(NullableText(200)),
  address: Type.Optional(Type.Union([Address, Type.Null()])), vatNumber: Type.Optional(NullableText(40)),
  defaultCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })), locale: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' })),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), version: Version,
}, { additionalProperties: false });
const Member = Type.Object({ userId: Type.String(), displayName: Type.String(), email: Type.String() });

export default async function organizationRoutes(app: App, ctx: ModuleContext) {
  const { db } = ctx;

  app.get('/organizations', {
    schema: { tags, summary: 'The caller\'s organisations (admins: all)', response: { 200: Type.Object({ items: Type.Array(Organization) }), ...problemResponses(401, 403) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    const orgs = await visibleOrganizations(db, authenticatedUser(req));
    let q = db.selectFrom('operations.organization').selectAll().orderBy('name');
    if (orgs !== null) q = q.where('id', 'in', orgs.length ? orgs : ['00000000-0000-0000-0000-000000000000']);
    return { items: (await q.execute()).map(organizationOut) };
  });

  app.get('/organizations/:id', {
    schema: { tags, summary: 'An organisation', params: IdParams, response: { 200: Organization, ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    await assertOrganization(db, authenticatedUser(req), req.params.id);
    return organizationOut(await db.selectFrom('operations.organization').selectAll().where('id', '=', req.params.id).executeTakeFirstOrThrow());
  });

  app.get('/organizations/:id/members', {
    schema: { tags, summary: 'Members of an organisation (who may be responsible for a quote)', params: IdParams, response: { 200: Type.Object({ items: Type.Array(Member) }), ...problemResponses(401, 403, 404) } },
    preHandler: app.requireRole(...OFFICE),
  }, async (req) => {
    await assertOrganization(db, authenticatedUser(req), req.params.id);
    const rows = await db.selectFrom('operations.organization_member as m').innerJoin('platform.users as u', 'u.id', 'm.user_id')
      .select(['u.id as userId', 'u.display_name as displayName', 'u.email']).where('m.organization_id', '=', req.params.id).orderBy('u.display_name').execute();
    return { items: rows };
  });

  app.patch('/organizations/:id', {
    schema: { tags, summary: 'Change an organisation\'s settings (manager, admin)', params: IdParams, body: OrganizationPatch, response: { 200: Organization, ...problemResponses(400, 401, 403, 404, 409, 422) } },
    preHandler: app.requireRole(...MANAGERS),
  }, async (req) => {
    const user = authenticatedUser(req);
    await assertOrganization(db, user, req.params.id);
    const b = req.body;
    if (b.timezone !== undefined && !isValidTimeZone(b.timezone)) throw unprocessable('invalid_timezone', `${b.timezone} is not an IANA time zone.`, [{ path: 'body.timezone', message: 'unknown time zone' }]);
    if (b.defaultCurrency !== undefined && !DEFAULT_CURRENCIES.includes(b.defaultCurrency)) throw unprocessable('currency_unsupported', `Currency ${b.defaultCurrency} is not supported.`, [{ path: 'body.defaultCurrency', message: 'unsupported' }]);
    return inTransaction(db, async (tx) => {
      const before = await tx.selectFrom('operations.organization').selectAll().where('id', '=', req.params.id).executeTakeFirstOrThrow();
      const set = columnsOf(b, { name: 'name', legalName: 'legal_name', address: 'address', vatNumber: 'vat_number', defaultCurrency: 'default_currency', locale: 'locale', timezone: 'timezone' });
      const row = await updateVersioned(tx, 'operations.organization', 'organisation', req.params.id, b.version, set);
      await recordAudit(tx, actorOf(req), { action: 'operations.organization.updated', entity: 'operations.organization', entityId: row.id, diff: { organizationId: row.id, before: organizationOut(before), after: organizationOut(row) } });
      return organizationOut(row);
    });
  });
}
