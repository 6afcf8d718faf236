import type { AtriumModule, App, ModuleContext } from '../../../platform/types.js';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { registerOffice } from './index.js';

export const P = '/api/v1/operations';

/** The office part alone, mounted where the operations module would be (tests do not depend on the other parts). */
export const officeOnly: AtriumModule = { name: 'operations', routes: (async (app: App, ctx: ModuleContext) => registerOffice(app, ctx)) as AtriumModule['routes'] };

let codes = 0;
/** An organisation with the given members, a client and (optionally) a default template, made through the database. */
export async function makeOrganization(t: TestApp, members: TestUser[], opts: { code?: string; pattern?: string; timezone?: string } = {}) {
  const code = opts.code ?? `T${String(++codes).padStart(3, '0')}${Math.floor(Math.random() * 900 + 100)}`;
  const org = await t.db.db.insertInto('operations.organization').values({ name: `Org ${code}`, code, ...(opts.timezone ? { timezone: opts.timezone } : {}) }).returning('id').executeTakeFirstOrThrow();
  for (const m of members) await t.db.db.insertInto('operations.organization_member').values({ organization_id: org.id, user_id: m.id }).execute();
  const client = await t.db.db.insertInto('operations.client').values({ organization_id: org.id, name: `Client ${code}` }).returning('id').executeTakeFirstOrThrow();
  if (opts.pattern) {
    const tpl = await t.db.db.insertInto('operations.quote_template').values({ organization_id: org.id, name: 'Default', is_default: true }).returning('id').executeTakeFirstOrThrow();
    const { DEFAULT_TEMPLATE_BODY } = await import('./templates/body.js');
    const v = await t.db.db.insertInto('operations.quote_template_version').values({ template_id: tpl.id, version: 1, body: JSON.stringify({ ...DEFAULT_TEMPLATE_BODY, numberPattern: opts.pattern }) }).returning('id').executeTakeFirstOrThrow();
    await t.db.db.updateTable('operations.quote_template').set({ current_version_id: v.id }).where('id', '=', tpl.id).execute();
    return { id: org.id, code, clientId: client.id, templateId: tpl.id };
  }
  return { id: org.id, code, clientId: client.id, templateId: null as string | null };
}
